// Opening and creating images and their differencing chains (VirtualBox VD.cpp: VDOpen, VDCreateBase,
// VDCreateDiff), with the single-writer lock and parent loop detection.

import { LayerChain } from './chain'
import { detectFileFormat } from './detect'
import type { CreateRequest } from './drivers'
import { driverFor } from './drivers'
import { DiskCorruptError, DiskError, DiskParentError, DiskUnsupportedError, DiskUsageError } from './errors'
import type { BlockFile, DiskHost, FileLock } from './host'
import type { Layer } from './layer'
import { MAX_CREATE_SIZE } from './layer'
import { NIL_UUID, isUuid, randomUuid } from './uuid'
import type { CreateOptions, DiskImage, ImageFormat, OpenOptions, ParentResolver } from './types'

/** Deepest differencing chain accepted; deeper chains are treated as loops. */
export const MAX_CHAIN_DEPTH = 255

/** Detects the format of the image at `path` from its signatures (raw when nothing matches). */
export async function detectFormat(host: DiskHost, path: string): Promise<ImageFormat> {
  const file = await host.fs.open(path, { write: false })
  try {
    return await detectFileFormat(file)
  } finally {
    await file.close()
  }
}

/**
 * Opens the image at `path` with its whole parent chain (parents read-only). Writable opens take the image's
 * writer lock. Throws `DiskCorruptError`, `DiskUnsupportedError`, `DiskParentError`, `DiskLockedError` or
 * `DiskFileError`.
 */
export function openImage(host: DiskHost, path: string, options: OpenOptions = {}): Promise<DiskImage> {
  return openChain(host, path, !(options.readOnly ?? false), options.resolveParent, [])
}

/** Internal: opens a chain and returns the implementation class (operations need the layers). */
export async function openChain(
  host: DiskHost,
  path: string,
  writable: boolean,
  resolveParent: ParentResolver | undefined,
  seen: readonly string[],
): Promise<LayerChain> {
  const absolute = host.fs.absolute(path)
  if (seen.includes(absolute) || seen.length > MAX_CHAIN_DEPTH) {
    throw new DiskParentError('DISK_PARENT_LOOP', seen[0] ?? path, `differencing chain loops back to ${path}`)
  }
  const lock = writable ? await host.fs.lockExclusive(path) : undefined
  let file: BlockFile | undefined
  let layer: Layer | undefined
  try {
    file = await host.fs.open(path, { write: writable })
    const format = await detectFileFormat(file)
    const driver = driverFor(format)
    if (!driver) throw new DiskUnsupportedError(path, `${format} images are not supported`)
    if (writable && !driver.create) throw new DiskUnsupportedError(path, `${format} images are read-only`)
    layer = await driver.open({ host, path, writable }, file)
    file = undefined // the layer owns it now
    const parent = layer.parent ? await openParent(host, layer, resolveParent, [...seen, absolute]) : undefined
    return new LayerChain(layer, parent, lock)
  } catch (error) {
    await layer?.close().catch(() => undefined)
    await file?.close().catch(() => undefined)
    await lock?.release().catch(() => undefined)
    throw error
  }
}

async function openParent(
  host: DiskHost,
  child: Layer,
  resolveParent: ParentResolver | undefined,
  seen: readonly string[],
): Promise<LayerChain> {
  const link = child.parent
  const request = { childPath: child.path, parentUuid: link?.uuid, hint: link?.hint }
  const chosen = (await resolveParent?.(request)) ?? link?.hint
  if (chosen === undefined) {
    throw new DiskParentError(
      'DISK_PARENT_NOT_FOUND',
      child.path,
      `differencing image needs its parent {${link?.uuid ?? '?'}}, which it does not locate (pass resolveParent)`,
    )
  }
  const parentPath = host.fs.resolve(child.path, chosen)
  let parent: LayerChain
  try {
    parent = await openChain(host, parentPath, false, resolveParent, seen)
  } catch (error) {
    if (error instanceof DiskError && error.code === 'DISK_NOT_FOUND') {
      throw new DiskParentError('DISK_PARENT_NOT_FOUND', child.path, `parent image ${parentPath} does not exist`)
    }
    throw error
  }
  const wanted = link?.uuid
  const problem =
    wanted !== undefined && wanted !== NIL_UUID && parent.top.uuid !== NIL_UUID && parent.top.uuid !== wanted
      ? `parent ${parentPath} has UUID {${parent.top.uuid}}, the child expects {${wanted}}`
      : link?.check?.(parent.top)
  if (problem !== undefined) {
    await parent.close()
    throw new DiskParentError('DISK_PARENT_MISMATCH', child.path, problem)
  }
  return parent
}

/** Validates create options shared by base and differencing images. */
function validateCreate(path: string, size: number, uuid: string | undefined): void {
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0 || size > MAX_CREATE_SIZE) {
    throw new DiskUsageError(
      'DISK_INVALID_ARGUMENT',
      path,
      `size ${size} must be a positive multiple of 512 of at most ${MAX_CREATE_SIZE} bytes`,
    )
  }
  if (uuid !== undefined && !isUuid(uuid)) throw new DiskUsageError('DISK_INVALID_ARGUMENT', path, `bad UUID ${uuid}`)
}

async function createLayer(
  host: DiskHost,
  path: string,
  format: ImageFormat,
  request: CreateRequest,
  parent: LayerChain | undefined,
): Promise<LayerChain> {
  const driver = driverFor(format)
  if (!driver?.create) throw new DiskUsageError('DISK_INVALID_ARGUMENT', path, `cannot create ${format} images`)
  if (parent && !driver.differencing) {
    throw new DiskUsageError('DISK_INVALID_ARGUMENT', path, `${format} images cannot be differencing images`)
  }
  const file = await host.fs.create(path)
  let lock: FileLock | undefined
  let layer: Layer | undefined
  try {
    lock = await host.fs.lockExclusive(path)
    layer = await driver.create({ host, path, writable: true }, file, request)
    return new LayerChain(layer, parent, lock)
  } catch (error) {
    if (layer) await layer.close().catch(() => undefined)
    else await file.close().catch(() => undefined)
    for (const created of layer?.files() ?? [path]) await host.fs.remove(created).catch(() => undefined)
    await lock?.release().catch(() => undefined)
    throw error
  }
}

/** Creates a new base image at `path` (which must not exist) and returns it open for writing. */
export async function createImage(host: DiskHost, path: string, options: CreateOptions): Promise<DiskImage> {
  validateCreate(path, options.size, options.uuid)
  const variant = options.variant ?? (options.format === 'raw' ? 'fixed' : 'dynamic')
  const uuid = options.uuid ?? randomUuid((n) => host.randomBytes(n))
  return createLayer(host, path, options.format, { size: options.size, variant, uuid, parent: undefined }, undefined)
}

/** Options of `createDifferencing`. */
export interface DifferencingOptions {
  /** Format of the new child: vdi, vhd or vmdk (any of them on top of a parent of any format). */
  readonly format: 'vdi' | 'vhd' | 'vmdk'
  readonly uuid?: string
  /** Used to open the parent's own chain. */
  readonly resolveParent?: ParentResolver
}

/**
 * Creates an empty differencing image at `childPath` on top of the image at `parentPath` (any format, any chain
 * depth) and returns the new chain open for writing; the parent chain stays read-only.
 */
export async function createDifferencing(
  host: DiskHost,
  parentPath: string,
  childPath: string,
  options: DifferencingOptions,
): Promise<DiskImage> {
  validateCreate(childPath, 512, options.uuid)
  const parent = await openChain(host, parentPath, false, options.resolveParent, [host.fs.absolute(childPath)])
  try {
    if (parent.size % 512 !== 0) throw new DiskCorruptError(parentPath, 'parent size is not a multiple of 512')
    const uuid = options.uuid ?? randomUuid((n) => host.randomBytes(n))
    const request = { size: parent.size, variant: 'dynamic' as const, uuid, parent: parent.top.identity() }
    return await createLayer(host, childPath, options.format, request, parent)
  } catch (error) {
    await parent.close()
    throw error
  }
}
