// Node implementation of the disk library's BlockFile: positional reads and writes on a file descriptor, through
// libuv's thread pool (async), synchronously on the calling thread (sync: a page-cache hit then costs a few
// microseconds instead of a thread-pool round trip), or request by request the faster of the two while the calling
// thread is not held up for long (hybrid, the default; see disk-io-policy.ts). The async path uses the callback API
// on the FileHandle's descriptor: it costs a third of FileHandle.read per request.

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
import { setImmediate } from 'node:timers'
import type { BlockFile } from '../disk/index'
import { DiskFileError } from '../disk/index'
import type { HybridIoOptions } from './disk-io-policy'
import { HybridIoPolicy, IO_POOL, IO_YIELD } from './disk-io-policy'

/** Resolves on the next turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * How a NodeBlockFile performs I/O: `hybrid` (default) small requests on the calling thread while they are fast,
 * the rest through the thread pool; `async` everything through the thread pool; `sync` everything on the calling
 * thread (an emulation worker that may block).
 */
export type NodeIoMode = 'hybrid' | 'async' | 'sync'

/** A BlockFile over an open node:fs/promises FileHandle. */
export class NodeBlockFile implements BlockFile {
  readonly path: string
  private readonly handle: FileHandle
  private readonly sync: boolean
  private readonly policy: HybridIoPolicy | undefined
  private closed = false

  constructor(path: string, handle: FileHandle, mode: NodeIoMode = 'hybrid', hybrid: HybridIoOptions = {}) {
    this.path = path
    this.handle = handle
    this.sync = mode === 'sync'
    this.policy = mode === 'hybrid' ? new HybridIoPolicy(hybrid) : undefined
  }

  read(offset: number, target: Uint8Array): Promise<number> {
    const start = this.policy ? this.policy.begin(target.length) : IO_POOL
    if (start === IO_YIELD) return nextTurn().then(() => this.read(offset, target))
    if (this.sync || start >= 0) {
      try {
        return Promise.resolve(this.readNow(offset, target))
      } catch (error) {
        return Promise.reject(this.failure(error))
      } finally {
        if (start >= 0) this.policy?.finish(start)
      }
    }
    return this.readAsync(offset, target)
  }

  write(offset: number, source: Uint8Array): Promise<void> {
    const start = this.policy ? this.policy.begin(source.length) : IO_POOL
    if (start === IO_YIELD) return nextTurn().then(() => this.write(offset, source))
    if (this.sync || start >= 0) {
      try {
        this.writeNow(offset, source)
        return Promise.resolve()
      } catch (error) {
        return Promise.reject(this.failure(error))
      } finally {
        if (start >= 0) this.policy?.finish(start)
      }
    }
    return this.writeAsync(offset, source)
  }

  /** Reads on the calling thread; throws the host's error (the caller wraps it). */
  private readNow(offset: number, target: Uint8Array): number {
    const fd = this.handle.fd
    let done = 0
    while (done < target.length) {
      const bytesRead = readSync(fd, target, done, target.length - done, offset + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }

  private async readAsync(offset: number, target: Uint8Array): Promise<number> {
    const fd = this.handle.fd
    let done = 0
    while (done < target.length) {
      const length = target.length - done
      const at = offset + done
      const bytesRead = await this.io<number>((callback) => read(fd, target, done, length, at, callback))
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }

  /** Writes on the calling thread; throws the host's error (the caller wraps it). */
  private writeNow(offset: number, source: Uint8Array): void {
    const fd = this.handle.fd
    let done = 0
    while (done < source.length) done += writeSync(fd, source, done, source.length - done, offset + done)
  }

  private async writeAsync(offset: number, source: Uint8Array): Promise<void> {
    const fd = this.handle.fd
    let done = 0
    while (done < source.length) {
      const length = source.length - done
      const at = offset + done
      done += await this.io<number>((callback) => write(fd, source, done, length, at, callback))
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
    // Growing a file (new sparse blocks) changes only its size: as cheap as a cached write.
    const start = this.policy ? this.policy.begin(0) : IO_POOL
    if (this.sync || start >= 0) {
      try {
        this.syncIo(() => ftruncateSync(fd, length))
      } finally {
        if (start >= 0) this.policy?.finish(start)
      }
    } else await this.io<void>((callback) => ftruncate(fd, length, (error) => callback(error, undefined)))
  }

  async flush(): Promise<void> {
    // fdatasync also persists a changed file length, which is all the image formats need. It waits for the device,
    // so the hybrid mode always leaves it to the thread pool.
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
