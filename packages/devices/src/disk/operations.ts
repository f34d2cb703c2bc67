// Whole-image operations of media management (VirtualBox IMedium): clone/convert, resize (grow), compact and
// merging a differencing child into its parent. Rebuilds write a temporary file and rename it over the original.

import { isZero } from './bytes'
import type { LayerChain } from './chain'
import { driverFor } from './drivers'
import { DiskUnsupportedError, DiskUsageError } from './errors'
import type { DiskHost } from './host'
import type { Layer } from './layer'
import { MAX_CREATE_SIZE } from './layer'
import { createImage, openChain } from './open'
import type { DiskImage, ParentResolver, WritableFormat } from './types'

const CHUNK = 4 * 1024 * 1024

/** Options shared by the operations that open existing chains. */
export interface ChainOptions {
  readonly resolveParent?: ParentResolver
}

/** Options of `cloneImage`. */
export interface CloneOptions extends ChainOptions {
  readonly format: WritableFormat
  readonly variant?: 'dynamic' | 'fixed'
  readonly uuid?: string
}

/**
 * Copies the content of the image at `source` (its whole chain, flattened) into a new base image at `target`, in
 * any writable format (IMedium.cloneToBase / `VBoxManage clonemedium`). Zero ranges stay unallocated.
 */
export async function cloneImage(host: DiskHost, source: string, target: string, options: CloneOptions): Promise<void> {
  const from = await openChain(host, source, false, options.resolveParent, [])
  try {
    const create = { format: options.format, size: Math.ceil(from.size / 512) * 512 }
    const to = await createImage(host, target, {
      ...create,
      ...(options.variant ? { variant: options.variant } : {}),
      ...(options.uuid ? { uuid: options.uuid } : {}),
    })
    try {
      await copyContent(from, to)
      await to.flush()
    } finally {
      await to.close()
    }
  } finally {
    await from.close()
  }
}

/** Granularity of zero detection when copying: zero runs this long stay unallocated in the target. */
const ZERO_RUN = 64 * 1024

/** Chunks of the source being read while one is written (cloneImage's pipeline). */
const READ_AHEAD = 2

/**
 * Copies every non-zero run of `from` into `to`. Reads of the next chunks overlap the writes of the current one,
 * so a host that does large requests on worker threads (Node's thread pool) keeps both sides busy.
 */
async function copyContent(from: DiskImage, to: DiskImage): Promise<void> {
  const buffers = Array.from({ length: READ_AHEAD + 1 }, () => new Uint8Array(CHUNK))
  const reads: Promise<Uint8Array>[] = []
  let nextRead = 0
  const readAhead = () => {
    if (nextRead >= from.size) return
    // Chunk k uses buffer k mod (READ_AHEAD + 1): the buffer of the chunk whose writes just finished.
    const buffer = buffers[(nextRead / CHUNK) % buffers.length] as Uint8Array
    const part = buffer.subarray(0, Math.min(CHUNK, from.size - nextRead))
    const read = from.read(nextRead, part).then(() => part)
    read.catch(() => undefined) // reported when awaited below, not as unhandled while earlier writes run
    reads.push(read)
    nextRead += CHUNK
  }
  for (let i = 0; i < READ_AHEAD; i++) readAhead()
  let writing: Promise<void> = Promise.resolve()
  try {
    for (let offset = 0; offset < from.size; offset += CHUNK) {
      const part = await (reads.shift() as Promise<Uint8Array>)
      await writing
      readAhead()
      writing = writeNonZeroRuns(to, offset, part)
    }
  } finally {
    // Never leave a write running into an image the caller is about to close (its error, if any, is the one thrown).
    await writing.catch(() => undefined)
  }
  await writing
}

/** Writes the runs of `part` (at `offset` of the disk) that are not all zero, leaving zero runs unallocated. */
async function writeNonZeroRuns(to: DiskImage, offset: number, part: Uint8Array): Promise<void> {
  let runStart = -1
  for (let at = 0; at < part.length; at += ZERO_RUN) {
    const zero = isZero(part.subarray(at, Math.min(at + ZERO_RUN, part.length)))
    if (!zero && runStart < 0) runStart = at
    if (zero && runStart >= 0) {
      await to.write(offset + runStart, part.subarray(runStart, at))
      runStart = -1
    }
  }
  // A run reaching the end of the chunk (also when the disk size is no multiple of ZERO_RUN).
  if (runStart >= 0) await to.write(offset + runStart, part.subarray(runStart))
}

/** Grows the image at `path` to `newSize` bytes (IMedium.resize); shrinking is refused. */
export async function resizeImage(
  host: DiskHost,
  path: string,
  newSize: number,
  options: ChainOptions = {},
): Promise<void> {
  const chain = await openChain(host, path, true, options.resolveParent, [])
  try {
    await resizeChain(host, chain, newSize)
  } finally {
    await chain.close()
  }
}

async function resizeChain(host: DiskHost, chain: LayerChain, newSize: number): Promise<void> {
  if (!Number.isSafeInteger(newSize) || newSize % 512 !== 0 || newSize > MAX_CREATE_SIZE) {
    throw new DiskUsageError(
      'DISK_INVALID_ARGUMENT',
      chain.path,
      `size ${newSize} must be a multiple of 512 up to 2 TiB`,
    )
  }
  if (newSize < chain.size) {
    throw new DiskUsageError(
      'DISK_INVALID_ARGUMENT',
      chain.path,
      `cannot shrink from ${chain.size} to ${newSize} bytes`,
    )
  }
  if (newSize === chain.size) return
  await chain.flush()
  if (!(await chain.top.grow(newSize))) await rebuild(host, chain, newSize, false)
}

/**
 * Rewrites the image at `path` without its all-zero blocks (IMedium.compact). Blocks of a differencing image are
 * dropped only where the parent reads as zeros too, so content never changes.
 */
export async function compactImage(host: DiskHost, path: string, options: ChainOptions = {}): Promise<void> {
  const chain = await openChain(host, path, true, options.resolveParent, [])
  try {
    await chain.flush()
    await rebuild(host, chain, chain.size, true)
  } finally {
    await chain.close()
  }
}

/**
 * Rebuilds the top layer of `chain` into a temporary file (same format, variant, UUID and parent link), then
 * renames it over the original. `chain` stays usable: its top layer is reopened.
 */
async function rebuild(host: DiskHost, chain: LayerChain, size: number, dropZeros: boolean): Promise<void> {
  const top = chain.top
  const driver = driverFor(top.format)
  if (!driver?.create || top.files().length !== 1) {
    throw new DiskUnsupportedError(top.path, `cannot rewrite ${top.format} ${top.variant} images`)
  }
  const temporary = `${top.path}.${hex(host.randomBytes(6))}.tmp`
  const file = await host.fs.create(temporary)
  let fresh: Layer | undefined
  try {
    const variant = top.variant === 'fixed' ? 'fixed' : 'dynamic'
    const request = {
      size,
      variant,
      uuid: top.uuid,
      parent: chain.parent?.top.identity(),
      finalPath: top.path,
      cid: top.identity().cid,
    } as const
    fresh = await driver.create({ host, path: temporary, writable: true }, file, request)
    const below = (offset: number, target: Uint8Array) => readParent(chain, offset, target)
    await copyLayer(top, fresh, below, dropZeros)
    await fresh.flush()
    await fresh.close()
    fresh = undefined
    await top.close()
    await host.fs.rename(temporary, top.path)
  } catch (error) {
    if (fresh) await fresh.close().catch(() => undefined)
    else await file.close().catch(() => undefined)
    await host.fs.remove(temporary).catch(() => undefined)
    throw error
  }
  const reopened = await driver.open(
    { host, path: top.path, writable: top.writable },
    await host.fs.open(top.path, { write: top.writable }),
  )
  chain.replaceTop(reopened)
}

async function readParent(chain: LayerChain, offset: number, target: Uint8Array): Promise<void> {
  const parent = chain.parent
  if (!parent || offset >= parent.size) return void target.fill(0)
  const inside = Math.min(target.length, parent.size - offset)
  await parent.read(offset, target.subarray(0, inside))
  target.fill(0, inside)
}

/** Copies what `from` holds itself (data, and zero blocks that hide a parent) into `to`. */
async function copyLayer(
  from: Layer,
  to: Layer,
  below: (offset: number, target: Uint8Array) => Promise<void>,
  dropZeros: boolean,
): Promise<void> {
  let offset = 0
  while (offset < from.logicalSize) {
    // Compaction judges each block on its own; a plain copy may take long runs.
    const limit = dropZeros ? from.blockSize - (offset % from.blockSize) : CHUNK
    const extent = await from.extent(offset, Math.min(limit, from.logicalSize - offset))
    const length = Math.max(1, extent.length)
    if (extent.state !== 'absent') {
      const data = new Uint8Array(length)
      if (extent.state === 'data') await from.readData(offset, data)
      let keep = !(dropZeros && isZero(data))
      if (!keep && from.parent) {
        const parentData = new Uint8Array(length)
        await below(offset, parentData)
        keep = !isZero(parentData)
      } else if (extent.state === 'zero' && !from.parent) {
        keep = false
      }
      if (keep) await to.write(offset, data, below)
    }
    offset += length
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Options of `mergeChildIntoParent`. */
export interface MergeOptions extends ChainOptions {
  /** Delete the child's files after a successful merge (default true, as IMedium.mergeTo does). */
  readonly deleteChild?: boolean
}

/**
 * Writes everything the differencing image at `childPath` holds into its parent (which may itself be a
 * differencing image), for snapshot deletion (IMedium.mergeTo towards the parent). Both images are locked for
 * writing during the merge; the parent grows if the child was resized.
 */
export async function mergeChildIntoParent(
  host: DiskHost,
  childPath: string,
  options: MergeOptions = {},
): Promise<void> {
  const child = await openChain(host, childPath, true, options.resolveParent, [])
  try {
    if (!child.parent) throw new DiskUsageError('DISK_INVALID_ARGUMENT', childPath, 'is not a differencing image')
    const parentPath = child.parent.path
    const parent = await openChain(host, parentPath, true, options.resolveParent, [])
    try {
      if (parent.size < child.size) await resizeChain(host, parent, child.size)
      const target = parent.top
      const below = (offset: number, data: Uint8Array) => readParent(parent, offset, data)
      let offset = 0
      while (offset < child.size) {
        const extent = await child.top.extent(offset, Math.min(CHUNK, child.size - offset))
        const length = Math.max(1, extent.length)
        if (extent.state !== 'absent') {
          const data = new Uint8Array(length)
          if (extent.state === 'data') await child.top.readData(offset, data)
          await target.write(offset, data, below)
        }
        offset += length
      }
      await parent.flush()
    } finally {
      await parent.close()
    }
  } catch (error) {
    await child.close()
    throw error
  }
  const files = child.top.files()
  await child.close()
  if (options.deleteChild ?? true) for (const file of files) await host.fs.remove(file)
}
