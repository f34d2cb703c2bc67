// The internal contract between one image file format and the chain that stacks differencing images.

import { DiskCorruptError } from './errors'
import type { BlockFile, DiskHost } from './host'
import type { ImageFormat, ImageVariant } from './types'

/** Allocation state of a byte range in one layer. */
export type ExtentState = 'data' | 'zero' | 'absent'

/** A run of bytes with one state, starting at the queried offset. */
export interface Extent {
  readonly state: ExtentState
  readonly length: number
}

/** Reads the bytes below a layer (its parent chain, or zeros for a base image). */
export type BackingReader = (offset: number, target: Uint8Array) => Promise<void>

/** How a differencing layer names its parent. */
export interface ParentLink {
  readonly uuid: string | undefined
  /** Path hint stored in the child (relative to the child's folder, or absolute). */
  readonly hint: string | undefined
  /** Format-specific identity the parent must have (VMDK CID, VDI modification UUID); checked when set. */
  readonly check?: (parent: Layer) => string | undefined
}

/** What a new child image records about its parent. */
export interface ParentIdentity {
  readonly path: string
  readonly uuid: string
  readonly modificationUuid: string
  readonly cid: number
  /** VHD parent timestamp (seconds since 2000-01-01). */
  readonly timestamp: number
}

/** One image file (with its extents) of a chain. */
export interface Layer {
  readonly path: string
  readonly format: ImageFormat
  readonly variant: ImageVariant
  readonly writable: boolean
  readonly logicalSize: number
  readonly sectorSize: number
  readonly uuid: string
  readonly parent: ParentLink | undefined
  /** Allocation granularity: the unit `extent` answers in and compaction works on. */
  readonly blockSize: number
  /** The state of the bytes at `offset` (a run of at most `length`, at least 1 byte). */
  extent(offset: number, length: number): Promise<Extent>
  /** Reads bytes that `extent` reported as `data`. */
  readData(offset: number, target: Uint8Array): Promise<void>
  /**
   * The fast path of small reads: when where every byte of the range lies is known without I/O and none of it
   * comes from the parent, reads it (data, or zeros) and returns the promise; otherwise returns undefined and
   * the chain asks `extent` and `readData`.
   */
  readDirect?(offset: number, target: Uint8Array): Promise<void> | undefined
  /** Writes, allocating blocks as needed; `backing` supplies the old content of partly written new blocks. */
  write(offset: number, source: Uint8Array, backing: BackingReader): Promise<void>
  /** Data first, then metadata, each made durable. */
  flush(): Promise<void>
  close(): Promise<void>
  allocatedSize(): Promise<number>
  /** What a child created on top of this layer records. */
  identity(): ParentIdentity
  /** Grows the logical size in place; returns false when the format needs a rebuild instead. */
  grow(newSize: number): Promise<boolean>
  /** Every host file of this layer (for deletion). */
  files(): readonly string[]
}

/** Everything a format's open/create function receives. */
export interface LayerContext {
  readonly host: DiskHost
  readonly path: string
  readonly writable: boolean
}

/** Reads exactly `length` bytes or throws a corruption error naming what was cut short. */
export async function readExact(file: BlockFile, offset: number, length: number, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length)
  const got = await file.read(offset, bytes)
  if (got < length) {
    throw new DiskCorruptError(
      file.path,
      `${what} is truncated (needs ${length} bytes at offset ${offset}, file has ${got})`,
    )
  }
  return bytes
}

/** Reads `target.length` bytes, zero-filling past end of file (sparse images may end early). */
export function readZeroPadded(file: BlockFile, offset: number, target: Uint8Array): Promise<void> {
  // One continuation rather than an async function's extra ticks: this is on every read's path.
  return file.read(offset, target).then((got) => {
    if (got < target.length) target.fill(0, got)
  })
}

/** Simple FIFO mutex: allocation and metadata updates of one layer never interleave. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    this.tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}

/** Largest logical size the library accepts when opening images (hostile headers claim more). */
export const MAX_OPEN_SIZE = 2 ** 44 // 16 TiB
/** Largest size `createImage` makes (VirtualBox's 2 TB limit for VHD; ample for the rest). */
export const MAX_CREATE_SIZE = 2 ** 41 // 2 TiB
/** Largest block map the library loads into memory. */
export const MAX_MAP_BYTES = 64 * 1024 * 1024
