// A DiskImage made of one layer on top of an optional parent chain (VirtualBox VD.cpp's image stack): reads fall
// through unallocated ranges to the parent, writes copy-on-write into the top layer.

import { DiskUsageError } from './errors'
import type { FileLock } from './host'
import type { BackingReader, Layer } from './layer'
import type { DiskImage, DiskInfo, ImageFormat } from './types'

/** The library's DiskImage implementation. Internal: callers only see the DiskImage interface. */
export class LayerChain implements DiskImage {
  top: Layer
  readonly parent: LayerChain | undefined
  readonly readOnly: boolean
  private lock: FileLock | undefined
  private closed = false
  private readonly backing: BackingReader

  constructor(top: Layer, parent: LayerChain | undefined, lock: FileLock | undefined) {
    this.top = top
    this.parent = parent
    this.readOnly = !top.writable
    this.lock = lock
    this.backing = (offset, target) => this.readBelow(offset, target)
  }

  get path(): string {
    return this.top.path
  }
  get format(): ImageFormat {
    return this.top.format
  }
  get size(): number {
    return this.top.logicalSize
  }
  get sectorSize(): number {
    return this.top.sectorSize
  }

  read(offset: number, target: Uint8Array): Promise<void> {
    try {
      this.checkRange(offset, target.length)
    } catch (error) {
      return Promise.reject(error as Error)
    }
    // Small reads whose location the top layer knows without I/O skip the extent walk (the IDE's common case).
    return this.top.readDirect?.(offset, target) ?? this.readExtents(offset, target)
  }

  private async readExtents(offset: number, target: Uint8Array): Promise<void> {
    let done = 0
    while (done < target.length) {
      const at = offset + done
      const extent = await this.top.extent(at, target.length - done)
      const length = Math.max(1, Math.min(extent.length, target.length - done))
      const part = target.subarray(done, done + length)
      if (extent.state === 'data') await this.top.readData(at, part)
      else if (extent.state === 'zero') part.fill(0)
      else await this.readBelow(at, part)
      done += length
    }
  }

  write(offset: number, source: Uint8Array): Promise<void> {
    try {
      this.checkRange(offset, source.length)
      if (this.readOnly) throw new DiskUsageError('DISK_READ_ONLY', this.path, 'image is open read-only')
    } catch (error) {
      return Promise.reject(error as Error)
    }
    return source.length > 0 ? this.top.write(offset, source, this.backing) : Promise.resolve()
  }

  async flush(): Promise<void> {
    this.checkOpen()
    if (!this.readOnly) await this.top.flush()
  }

  async info(): Promise<DiskInfo> {
    this.checkOpen()
    return {
      path: this.top.path,
      format: this.top.format,
      variant: this.top.variant,
      differencing: this.top.parent !== undefined,
      logicalSize: this.top.logicalSize,
      allocatedSize: await this.top.allocatedSize(),
      uuid: this.top.uuid,
      parentUuid: this.top.parent?.uuid,
      parentPath: this.parent?.path,
      readOnly: this.readOnly,
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      if (!this.readOnly) await this.top.flush()
    } finally {
      await this.top.close()
      const lock = this.lock
      this.lock = undefined
      await lock?.release()
      await this.parent?.close()
    }
  }

  /** Internal: swaps in the rebuilt top layer after a compact or resize. */
  replaceTop(layer: Layer): void {
    this.top = layer
  }

  /** Bytes under the top layer: the parent (zeros past its end) or zeros for a base image. */
  private async readBelow(offset: number, target: Uint8Array): Promise<void> {
    const parent = this.parent
    if (!parent || offset >= parent.size) {
      target.fill(0)
      return
    }
    const inside = Math.min(target.length, parent.size - offset)
    await parent.read(offset, target.subarray(0, inside))
    if (inside < target.length) target.fill(0, inside)
  }

  private checkOpen(): void {
    if (this.closed) throw new DiskUsageError('DISK_CLOSED', this.path, 'image is closed')
  }

  private checkRange(offset: number, length: number): void {
    this.checkOpen()
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.top.logicalSize) {
      throw new DiskUsageError(
        'DISK_OUT_OF_RANGE',
        this.path,
        `I/O of ${length} bytes at offset ${offset} is outside the disk (${this.top.logicalSize} bytes)`,
      )
    }
  }
}
