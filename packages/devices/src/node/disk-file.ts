// Node implementation of the disk library's BlockFile: positional reads and writes on a FileHandle, either through
// libuv's thread pool (async, the default) or synchronously on the calling thread (for an emulation worker, where
// a page-cache hit then costs a few microseconds instead of a thread-pool round trip).

import { fdatasyncSync, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import type { BlockFile } from '../disk/index'
import { DiskFileError } from '../disk/index'

/** How a NodeBlockFile performs I/O. */
export type NodeIoMode = 'async' | 'sync'

/** A BlockFile over an open node:fs/promises FileHandle. */
export class NodeBlockFile implements BlockFile {
  readonly path: string
  private readonly handle: FileHandle
  private readonly sync: boolean
  private closed = false

  constructor(path: string, handle: FileHandle, mode: NodeIoMode = 'async') {
    this.path = path
    this.handle = handle
    this.sync = mode === 'sync'
  }

  async read(offset: number, target: Uint8Array): Promise<number> {
    let done = 0
    while (done < target.length) {
      const bytesRead = this.sync
        ? this.syncIo(() => readSync(this.handle.fd, target, done, target.length - done, offset + done))
        : (await this.io(() => this.handle.read(target, done, target.length - done, offset + done))).bytesRead
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }

  async write(offset: number, source: Uint8Array): Promise<void> {
    let done = 0
    while (done < source.length) {
      done += this.sync
        ? this.syncIo(() => writeSync(this.handle.fd, source, done, source.length - done, offset + done))
        : (await this.io(() => this.handle.write(source, done, source.length - done, offset + done))).bytesWritten
    }
  }

  async size(): Promise<number> {
    return this.sync
      ? this.syncIo(() => fstatSync(this.handle.fd).size)
      : (await this.io(() => this.handle.stat())).size
  }

  async allocatedSize(): Promise<number> {
    return (await this.io(() => this.handle.stat())).blocks * 512
  }

  async truncate(length: number): Promise<void> {
    if (this.sync) this.syncIo(() => ftruncateSync(this.handle.fd, length))
    else await this.io(() => this.handle.truncate(length))
  }

  async flush(): Promise<void> {
    // fdatasync also persists a changed file length, which is all the image formats need.
    if (this.sync) this.syncIo(() => fdatasyncSync(this.handle.fd))
    else await this.io(() => this.handle.datasync())
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
      throw this.failure(error)
    }
  }

  private syncIo<T>(operation: () => T): T {
    try {
      return operation()
    } catch (error) {
      throw this.failure(error)
    }
  }

  private failure(error: unknown): DiskFileError {
    return new DiskFileError('DISK_IO', this.path, `host I/O failed: ${(error as Error).message}`, error)
  }
}
