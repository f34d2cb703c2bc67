// Error classes of the disk image library: every failure names the image file and the problem.

/** Stable codes of {@link DiskError}; callers switch on these, never on message text. */
export type DiskErrorCode =
  | 'DISK_CORRUPT'
  | 'DISK_UNSUPPORTED'
  | 'DISK_NOT_FOUND'
  | 'DISK_EXISTS'
  | 'DISK_LOCKED'
  | 'DISK_PARENT_NOT_FOUND'
  | 'DISK_PARENT_MISMATCH'
  | 'DISK_PARENT_LOOP'
  | 'DISK_OUT_OF_RANGE'
  | 'DISK_READ_ONLY'
  | 'DISK_CLOSED'
  | 'DISK_INVALID_ARGUMENT'
  | 'DISK_IO'

/** Base class of every error this library throws. `path` is the image (or file) concerned. */
export class DiskError extends Error {
  readonly code: DiskErrorCode
  readonly path: string
  constructor(code: DiskErrorCode, path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options)
    this.name = 'DiskError'
    this.code = code
    this.path = path
  }
}

/** The image is malformed or hostile: truncated, inconsistent, pointing outside itself, absurdly sized. */
export class DiskCorruptError extends DiskError {
  constructor(path: string, problem: string) {
    super('DISK_CORRUPT', path, problem)
    this.name = 'DiskCorruptError'
  }
}

/** A valid image that uses a feature or variant this library does not implement. */
export class DiskUnsupportedError extends DiskError {
  constructor(path: string, problem: string) {
    super('DISK_UNSUPPORTED', path, problem)
    this.name = 'DiskUnsupportedError'
  }
}

/** Another writer holds the image (see `FileSystem.lockExclusive`). */
export class DiskLockedError extends DiskError {
  constructor(path: string, problem: string) {
    super('DISK_LOCKED', path, problem)
    this.name = 'DiskLockedError'
  }
}

/** A differencing image whose parent cannot be found, does not match, or forms a loop. */
export class DiskParentError extends DiskError {
  constructor(
    code: 'DISK_PARENT_NOT_FOUND' | 'DISK_PARENT_MISMATCH' | 'DISK_PARENT_LOOP',
    path: string,
    problem: string,
  ) {
    super(code, path, problem)
    this.name = 'DiskParentError'
  }
}

/** API misuse: out-of-range I/O, writing a read-only image, using a closed image, bad create options. */
export class DiskUsageError extends DiskError {
  constructor(
    code: 'DISK_OUT_OF_RANGE' | 'DISK_READ_ONLY' | 'DISK_CLOSED' | 'DISK_INVALID_ARGUMENT',
    path: string,
    problem: string,
  ) {
    super(code, path, problem)
    this.name = 'DiskUsageError'
  }
}

/** A host file operation failed (missing file, existing file, I/O error); `cause` holds the host error. */
export class DiskFileError extends DiskError {
  constructor(code: 'DISK_NOT_FOUND' | 'DISK_EXISTS' | 'DISK_IO', path: string, problem: string, cause?: unknown) {
    super(code, path, problem, { cause })
    this.name = 'DiskFileError'
  }
}
