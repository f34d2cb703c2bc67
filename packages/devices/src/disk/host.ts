// Host contracts of the disk image library: files, locks, clock, randomness and inflate arrive from the
// embedder (Node: @boxwood/devices/node), so this folder stays portable (no Node imports).

/** One open host file, addressed by byte offset. All methods may be called concurrently. */
export interface BlockFile {
  /** The path the file was opened with (used in error messages). */
  readonly path: string
  /** Reads up to `target.length` bytes at `offset`; returns how many were read (fewer only at end of file). */
  read(offset: number, target: Uint8Array): Promise<number>
  /** Writes all of `source` at `offset`, extending the file if needed. */
  write(offset: number, source: Uint8Array): Promise<void>
  /** Current file length in bytes. */
  size(): Promise<number>
  /** Bytes the host really stores for the file (sparse files store less than their length). */
  allocatedSize(): Promise<number>
  /** Sets the file length; growing leaves a hole that reads as zeros (sparse where the host allows). */
  truncate(length: number): Promise<void>
  /** Makes every completed write durable (fsync/fdatasync). */
  flush(): Promise<void>
  close(): Promise<void>
}

/** A held writer lock; `release` is idempotent. */
export interface FileLock {
  release(): Promise<void>
}

/** Path-based operations the library needs from the host file system. */
export interface FileSystem {
  /** Opens an existing file; throws `DiskFileError` `DISK_NOT_FOUND` when missing. */
  open(path: string, options: { readonly write: boolean }): Promise<BlockFile>
  /** Creates a new empty file for reading and writing; throws `DiskFileError` `DISK_EXISTS` if it exists. */
  create(path: string): Promise<BlockFile>
  exists(path: string): Promise<boolean>
  remove(path: string): Promise<void>
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>
  /** Resolves `target` (absolute, or relative to the folder holding `fromFile`). */
  resolve(fromFile: string, target: string): string
  /** `target` relative to the folder holding `fromFile` (for parent hints stored in child images). */
  relative(fromFile: string, target: string): string
  /** The absolute, normalised form of `path` (used to detect parent loops). */
  absolute(path: string): string
  /**
   * Takes the single-writer lock of an image file. Throws `DiskLockedError` while another live holder (in this
   * or another process) has it; a lock left by a process that no longer exists is taken over.
   */
  lockExclusive(path: string): Promise<FileLock>
}

/** Everything host-specific the library uses. */
export interface DiskHost {
  readonly fs: FileSystem
  /** Cryptographically random bytes (UUIDs, VMDK content IDs). */
  randomBytes(length: number): Uint8Array
  /** Wall-clock time in milliseconds since 1970 (VHD timestamps). */
  now(): number
  /**
   * Decompresses zlib (`raw: false`, RFC 1950) or raw deflate (`raw: true`, RFC 1951) data, failing once the
   * output would exceed `maxLength` bytes (hostile images must not cause huge allocations).
   */
  inflate(data: Uint8Array, raw: boolean, maxLength: number): Promise<Uint8Array>
}
