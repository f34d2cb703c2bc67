// Node implementation of the disk library's BlockFile: positional reads and writes on a FileHandle.

import type { FileHandle } from 'node:fs/promises'
import type { BlockFile } from '../disk/index'
import { DiskFileError } from '../disk/index'

/** A BlockFile over an open node:fs/promises FileHandle. */
export class NodeBlockFile implements BlockFile {
  readonly path: string
  private readonly handle: FileHandle
  private closed = false

  constructor(path: string, handle: FileHandle) {
    this.path = path
    this.handle = handle
  }

  async read(offset: number, target: Uint8Array): Promise<number> {
    let done = 0
    while (done < target.length) {
      const { bytesRead } = await this.io(() => this.handle.read(target, done, target.length - done, offset + done))
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }

  async write(offset: number, source: Uint8Array): Promise<void> {
    let done = 0
    while (done < source.length) {
      const { bytesWritten } = await this.io(() => this.handle.write(source, done, source.length - done, offset + done))
      done += bytesWritten
    }
  }

  async size(): Promise<number> {
    return (await this.io(() => this.handle.stat())).size
  }

  async allocatedSize(): Promise<number> {
    return (await this.io(() => this.handle.stat())).blocks * 512
  }

  truncate(length: number): Promise<void> {
    return this.io(() => this.handle.truncate(length))
  }

  flush(): Promise<void> {
    // fdatasync also persists a changed file length, which is all the image formats need.
    return this.io(() => this.handle.datasync())
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.io(() => this.handle.close())
  }

  private async io<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw new DiskFileError('DISK_IO', this.path, `host I/O failed: ${(error as Error).message}`, error)
    }
  }
}
