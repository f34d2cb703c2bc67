// Node implementation of the disk library's BlockFile: positional reads and writes on a file descriptor, either
// through libuv's thread pool (async, the default) or synchronously on the calling thread (for an emulation worker,
// where a page-cache hit then costs a few microseconds instead of a thread-pool round trip). The async path uses
// the callback API on the FileHandle's descriptor: it costs a third of FileHandle.read per request.

import {
  fdatasync,
  fdatasyncSync,
  fstat,
  fstatSync,
  ftruncate,
  ftruncateSync,
  read,
  readSync,
  write,
  writeSync,
} from 'node:fs'
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
    const fd = this.handle.fd
    let done = 0
    while (done < target.length) {
      const length = target.length - done
      const at = offset + done
      const bytesRead = this.sync
        ? this.syncIo(() => readSync(fd, target, done, length, at))
        : await this.io<number>((callback) => read(fd, target, done, length, at, callback))
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }

  async write(offset: number, source: Uint8Array): Promise<void> {
    const fd = this.handle.fd
    let done = 0
    while (done < source.length) {
      const length = source.length - done
      const at = offset + done
      done += this.sync
        ? this.syncIo(() => writeSync(fd, source, done, length, at))
        : await this.io<number>((callback) => write(fd, source, done, length, at, callback))
    }
  }

  async size(): Promise<number> {
    const fd = this.handle.fd
    return this.sync
      ? this.syncIo(() => fstatSync(fd).size)
      : (await this.io<{ size: number }>((callback) => fstat(fd, callback))).size
  }

  async allocatedSize(): Promise<number> {
    const fd = this.handle.fd
    return (await this.io<{ blocks: number }>((callback) => fstat(fd, callback))).blocks * 512
  }

  async truncate(length: number): Promise<void> {
    const fd = this.handle.fd
    if (this.sync) this.syncIo(() => ftruncateSync(fd, length))
    else await this.io<void>((callback) => ftruncate(fd, length, (error) => callback(error, undefined)))
  }

  async flush(): Promise<void> {
    // fdatasync also persists a changed file length, which is all the image formats need.
    const fd = this.handle.fd
    if (this.sync) this.syncIo(() => fdatasyncSync(fd))
    else await this.io<void>((callback) => fdatasync(fd, (error) => callback(error, undefined)))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.handle.close()
    } catch (error) {
      throw this.failure(error)
    }
  }

  /** Runs a callback-style fs call as a promise, turning host errors into DiskFileError. */
  private io<T>(start: (callback: (error: Error | null, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        start((error, value) => (error ? reject(this.failure(error)) : resolve(value)))
      } catch (error) {
        reject(this.failure(error))
      }
    })
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
