// Node implementation of the disk library's FileSystem and DiskHost (node:fs/promises, node:path, node:zlib).

import { randomBytes } from 'node:crypto'
import { access, open, rename, unlink } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { inflateRawSync, inflateSync } from 'node:zlib'
import type { BlockFile, DiskHost, FileLock, FileSystem } from '../disk/index'
import { DiskFileError } from '../disk/index'
import type { NodeIoMode } from './disk-file'
import { NodeBlockFile } from './disk-file'
import type { HybridIoOptions } from './disk-io-policy'
import { lockImageFile } from './disk-lock'

function hostError(path: string, error: unknown, what: string): DiskFileError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new DiskFileError('DISK_NOT_FOUND', path, 'file does not exist', error)
  if (code === 'EEXIST') return new DiskFileError('DISK_EXISTS', path, 'file already exists', error)
  return new DiskFileError('DISK_IO', path, `cannot ${what}: ${code ?? (error as Error).message}`, error)
}

/** Options of {@link NodeFileSystem} and {@link nodeDiskHost}. */
export interface NodeDiskOptions {
  /**
   * `hybrid` (default) does small requests on the calling thread while they hit the page cache and keeps the event
   * loop turning; `async` sends every request through libuv's thread pool (never blocks the loop, costs a thread
   * round trip per request); `sync` does everything on the calling thread (an emulation worker, never a server).
   */
  readonly io?: NodeIoMode
  /** Tunables of the hybrid mode. */
  readonly hybrid?: HybridIoOptions
}

/** The host file system through node:fs/promises. Relative paths resolve against the process's cwd. */
export class NodeFileSystem implements FileSystem {
  private readonly mode: NodeIoMode
  private readonly hybrid: HybridIoOptions

  constructor(options: NodeDiskOptions = {}) {
    this.mode = options.io ?? 'hybrid'
    this.hybrid = options.hybrid ?? {}
  }

  async open(path: string, options: { readonly write: boolean }): Promise<BlockFile> {
    try {
      return new NodeBlockFile(path, await open(path, options.write ? 'r+' : 'r'), this.mode, this.hybrid)
    } catch (error) {
      throw hostError(path, error, 'open')
    }
  }

  async create(path: string): Promise<BlockFile> {
    try {
      return new NodeBlockFile(path, await open(path, 'wx+'), this.mode, this.hybrid)
    } catch (error) {
      throw hostError(path, error, 'create')
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(path)
      return true
    } catch {
      return false
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await unlink(path)
    } catch (error) {
      throw hostError(path, error, 'remove')
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await rename(from, to)
    } catch (error) {
      throw hostError(from, error, `rename to ${to}`)
    }
  }

  resolve(fromFile: string, target: string): string {
    return isAbsolute(target) ? target : resolve(dirname(fromFile), target)
  }

  relative(fromFile: string, target: string): string {
    return relative(dirname(resolve(fromFile)), resolve(target))
  }

  absolute(path: string): string {
    return resolve(path)
  }

  lockExclusive(path: string): Promise<FileLock> {
    return lockImageFile(path)
  }
}

/** A DiskHost for Node: real files, crypto randomness, the wall clock and node:zlib. */
export function nodeDiskHost(options: NodeDiskOptions = {}): DiskHost {
  return {
    fs: new NodeFileSystem(options),
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    now: () => Date.now(),
    inflate: async (data, raw, maxLength) => {
      const options = { maxOutputLength: Math.max(1, maxLength) }
      return new Uint8Array(raw ? inflateRawSync(data, options) : inflateSync(data, options))
    },
  }
}
