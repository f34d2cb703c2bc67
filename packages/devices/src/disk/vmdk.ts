// VMDK images (VMware "Virtual Disk Format 1.1"; VirtualBox VMDK.cpp; qemu block/vmdk.c): monolithicSparse and
// monolithicFlat read/write (also as differencing children), twoGbMaxExtentSparse and streamOptimized read-only.

import { alignUp, asciiz, utf8Decode, utf8Encode } from './bytes'
import type { CreateRequest } from './drivers'
import { DiskCorruptError, DiskUnsupportedError } from './errors'
import type { BlockFile } from './host'
import type { BackingReader, Extent, Layer, LayerContext, ParentIdentity, ParentLink } from './layer'
import { MAX_OPEN_SIZE, Mutex, readExact, readZeroPadded } from './layer'
import { NIL_UUID, isUuid, randomUuid } from './uuid'
import type { ImageVariant } from './types'
import type { VmdkDescriptor } from './vmdk-descriptor'
import { buildDescriptor, parseDescriptor } from './vmdk-descriptor'
import { GTE_UNALLOCATED, GTE_ZERO, SPARSE_MAGIC, SparseExtent, buildSparseHeader } from './vmdk-sparse'

const GRAIN_SECTORS = 128
const DESCRIPTOR_SECTORS = 20
const MAX_DESCRIPTOR_BYTES = 1024 * 1024

interface Extent0 {
  readonly start: number // bytes
  readonly length: number // bytes
  readonly kind: 'flat' | 'sparse' | 'zero'
  readonly file: BlockFile | undefined
  readonly flatOffset: number // bytes
  readonly sparse: SparseExtent | undefined
}

class VmdkLayer implements Layer {
  readonly format = 'vmdk'
  readonly sectorSize = 512
  readonly path: string
  readonly writable: boolean
  readonly variant: ImageVariant
  readonly uuid: string
  readonly parent: ParentLink | undefined
  readonly blockSize: number
  logicalSize: number
  private readonly descriptorFile: BlockFile
  private readonly extents: Extent0[]
  private descriptor: VmdkDescriptor
  private readonly mutex = new Mutex()
  private readonly extentPaths: string[]

  constructor(
    context: LayerContext,
    descriptorFile: BlockFile,
    descriptor: VmdkDescriptor,
    extents: Extent0[],
    extentPaths: string[],
    variant: ImageVariant,
  ) {
    this.path = context.path
    this.writable = context.writable
    this.descriptorFile = descriptorFile
    this.descriptor = descriptor
    this.extents = extents
    this.extentPaths = extentPaths
    this.variant = variant
    this.logicalSize = extents.reduce((sum, e) => sum + e.length, 0)
    this.blockSize = extents.find((e) => e.sparse)?.sparse?.grainBytes ?? 1024 * 1024
    const uuid = descriptor.ddb.get('ddb.uuid.image')
    this.uuid = uuid && isUuid(uuid) ? uuid.toLowerCase() : NIL_UUID
    const parentUuid = descriptor.ddb.get('ddb.uuid.parent')
    const hasParent = descriptor.parentCid !== 0xffffffff || descriptor.parentFileNameHint !== undefined
    this.parent = hasParent
      ? {
          uuid: parentUuid && isUuid(parentUuid) ? parentUuid.toLowerCase() : undefined,
          hint: descriptor.parentFileNameHint,
          check: (parent) =>
            parent.format === 'vmdk' && parent.identity().cid !== descriptor.parentCid
              ? `parent CID ${parent.identity().cid.toString(16)} differs from the child's parentCID ${descriptor.parentCid.toString(16)}`
              : undefined,
        }
      : undefined
  }

  private find(offset: number): Extent0 {
    for (const extent of this.extents) if (offset < extent.start + extent.length) return extent
    throw new DiskCorruptError(this.path, `no VMDK extent covers offset ${offset}`)
  }

  async extent(offset: number, length: number): Promise<Extent> {
    const extent = this.find(offset)
    const inExtent = offset - extent.start
    const remaining = Math.min(length, extent.length - inExtent)
    if (extent.kind === 'flat') return { state: 'data', length: remaining }
    if (extent.kind === 'zero' || !extent.sparse) return { state: this.parent ? 'absent' : 'zero', length: remaining }
    const sparse = extent.sparse
    const grain = Math.floor(inExtent / sparse.grainBytes)
    const run = Math.min(remaining, (grain + 1) * sparse.grainBytes - inExtent)
    const entry = await sparse.entry(grain)
    if (entry === GTE_UNALLOCATED) return { state: this.parent ? 'absent' : 'zero', length: run }
    if (entry === GTE_ZERO) return { state: 'zero', length: run }
    return { state: 'data', length: run }
  }

  async readData(offset: number, target: Uint8Array): Promise<void> {
    let done = 0
    while (done < target.length) {
      const at = offset + done
      const extent = this.find(at)
      const inExtent = at - extent.start
      let length = Math.min(target.length - done, extent.length - inExtent)
      const part = () => target.subarray(done, done + length)
      if (extent.kind === 'flat' && extent.file) {
        await readZeroPadded(extent.file, extent.flatOffset + inExtent, part())
      } else if (extent.sparse) {
        const grain = Math.floor(inExtent / extent.sparse.grainBytes)
        const inGrain = inExtent - grain * extent.sparse.grainBytes
        length = Math.min(length, extent.sparse.grainBytes - inGrain)
        const entry = await extent.sparse.entry(grain)
        if (entry > GTE_ZERO) await extent.sparse.read(grain, entry, inGrain, part())
        else part().fill(0)
      } else {
        part().fill(0)
      }
      done += length
    }
  }

  readDirect(offset: number, target: Uint8Array): Promise<void> | undefined {
    // Inside one flat extent, or one allocated grain whose table is cached: no lookup I/O, no parent.
    const only = this.extents.length === 1 ? this.extents[0] : undefined
    if (only?.kind === 'flat' && only.file)
      return readZeroPadded(only.file, only.flatOffset + offset - only.start, target)
    if (!only?.sparse) return undefined
    const inExtent = offset - only.start
    const grain = Math.floor(inExtent / only.sparse.grainBytes)
    const inGrain = inExtent - grain * only.sparse.grainBytes
    if (inGrain + target.length > only.sparse.grainBytes) return undefined
    const location = only.sparse.peek(grain)
    return location === undefined ? undefined : readZeroPadded(only.sparse.file, location + inGrain, target)
  }

  write(offset: number, source: Uint8Array, backing: BackingReader): Promise<void> {
    // Fast path: inside one flat extent, or one allocated grain whose table is cached, nothing is allocated.
    const only = this.extents.length === 1 ? this.extents[0] : undefined
    if (only?.kind === 'flat' && only.file && this.writable) return only.file.write(only.flatOffset + offset, source)
    if (only?.sparse) {
      const grain = Math.floor(offset / only.sparse.grainBytes)
      const inGrain = offset - grain * only.sparse.grainBytes
      const location = inGrain + source.length <= only.sparse.grainBytes ? only.sparse.peek(grain) : undefined
      if (location !== undefined) return only.sparse.file.write(location + inGrain, source)
    }
    return this.mutex.run(async () => {
      let done = 0
      while (done < source.length) {
        const at = offset + done
        const extent = this.find(at)
        const inExtent = at - extent.start
        let length = Math.min(source.length - done, extent.length - inExtent)
        if (extent.kind === 'flat' && extent.file) {
          await extent.file.write(extent.flatOffset + inExtent, source.subarray(done, done + length))
        } else if (extent.sparse && !extent.sparse.compressed) {
          const sparse = extent.sparse
          const grain = Math.floor(inExtent / sparse.grainBytes)
          const inGrain = inExtent - grain * sparse.grainBytes
          length = Math.min(length, sparse.grainBytes - inGrain)
          const part = source.subarray(done, done + length)
          const entry = await sparse.entry(grain)
          if (entry > GTE_ZERO) {
            await sparse.file.write(entry * 512 + inGrain, part)
          } else {
            const grainStart = extent.start + grain * sparse.grainBytes
            const grainBytes = Math.min(sparse.grainBytes, this.logicalSize - grainStart)
            const needsBacking = length < grainBytes && entry === GTE_UNALLOCATED && this.parent !== undefined
            if (length === sparse.grainBytes) {
              await sparse.allocate(grain, part)
            } else if (needsBacking || !(await sparse.allocatePart(grain, part, inGrain))) {
              const content = new Uint8Array(sparse.grainBytes)
              if (needsBacking) await backing(grainStart, content.subarray(0, grainBytes))
              content.set(part, inGrain)
              await sparse.allocate(grain, content)
            }
          }
        } else {
          throw new DiskUnsupportedError(this.path, `cannot write ${extent.kind} VMDK extents`)
        }
        done += length
      }
    })
  }

  flush(): Promise<void> {
    return this.mutex.run(async () => {
      const files = this.allFiles()
      for (const file of files) await file.flush()
      const dirty = this.extents.filter((e) => e.sparse?.dirty)
      if (dirty.length === 0) return
      for (const extent of dirty) await extent.sparse?.writeTables()
      for (const extent of dirty) await extent.sparse?.file.flush()
    })
  }

  private allFiles(): BlockFile[] {
    const files = new Set<BlockFile>([this.descriptorFile])
    for (const extent of this.extents) if (extent.file) files.add(extent.file)
    return [...files]
  }

  async close(): Promise<void> {
    for (const file of this.allFiles()) await file.close()
  }

  async allocatedSize(): Promise<number> {
    let total = 0
    for (const file of this.allFiles()) total += await file.allocatedSize()
    return total
  }

  identity(): ParentIdentity {
    const modification = this.descriptor.ddb.get('ddb.uuid.modification')
    return {
      path: this.path,
      uuid: this.uuid,
      modificationUuid: modification && isUuid(modification) ? modification.toLowerCase() : NIL_UUID,
      cid: this.descriptor.cid,
      timestamp: 0,
    }
  }

  /** monolithicFlat grows in place (longer flat file, new descriptor); sparse images are rebuilt. */
  async grow(newSize: number): Promise<boolean> {
    const only = this.extents[0]
    if (this.variant !== 'fixed' || this.extents.length !== 1 || !only?.file || only.kind !== 'flat') return false
    return this.mutex.run(async () => {
      const sectors = newSize / 512
      const line = this.descriptor.extents[0]
      if (!line) return false
      await only.file?.truncate(only.flatOffset + newSize)
      await only.file?.flush()
      const text = buildDescriptor({
        ...descriptorIds(this.descriptor),
        createType: 'monolithicFlat',
        extents: [{ ...line, sectors }],
        sectors,
        ...(this.descriptor.parentFileNameHint !== undefined
          ? { parentFileNameHint: this.descriptor.parentFileNameHint }
          : {}),
      })
      const bytes = utf8Encode(text)
      await this.descriptorFile.write(0, bytes)
      await this.descriptorFile.truncate(bytes.length)
      await this.descriptorFile.flush()
      this.descriptor = parseDescriptor(this.path, text)
      this.extents[0] = { ...only, length: newSize }
      this.logicalSize = newSize
      return true
    })
  }

  files(): readonly string[] {
    return this.extentPaths
  }
}

function descriptorIds(descriptor: VmdkDescriptor) {
  const get = (key: string) => descriptor.ddb.get(key) ?? NIL_UUID
  return {
    cid: descriptor.cid,
    parentCid: descriptor.parentCid,
    uuid: get('ddb.uuid.image'),
    parentUuid: get('ddb.uuid.parent'),
    modificationUuid: get('ddb.uuid.modification'),
    parentModificationUuid: get('ddb.uuid.parentmodification'),
  }
}

/** Extent files must sit beside the descriptor (or below it): a hostile descriptor must not reach other files. */
function extentPath(context: LayerContext, name: string): string {
  const parts = name.split(/[\\/]/)
  if (name === '' || name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..')) {
    throw new DiskUnsupportedError(context.path, `VMDK extent "${name}" lies outside the descriptor's folder`)
  }
  const resolved = context.host.fs.resolve(context.path, name)
  if (context.host.fs.absolute(resolved) === context.host.fs.absolute(context.path)) {
    throw new DiskCorruptError(context.path, 'VMDK extent refers back to the descriptor file')
  }
  return resolved
}

function variantOf(path: string, createType: string): ImageVariant {
  switch (createType) {
    case 'monolithicSparse':
      return 'dynamic'
    case 'monolithicFlat':
      return 'fixed'
    case 'twoGbMaxExtentSparse':
      return 'split2G'
    case 'streamOptimized':
      return 'streamOptimized'
    case 'twoGbMaxExtentFlat':
      return 'fixed'
    default:
      throw new DiskUnsupportedError(path, `VMDK createType "${createType}" is not supported`)
  }
}

/** Opens a VMDK from its descriptor file or its embedded descriptor (monolithicSparse, streamOptimized). */
export async function openVmdk(context: LayerContext, file: BlockFile): Promise<Layer> {
  const { host, path } = context
  const head = await readExact(file, 0, Math.min(512, await file.size()), 'VMDK header')
  const opened: BlockFile[] = []
  try {
    let descriptor: VmdkDescriptor
    let embedded: SparseExtent | undefined
    if (head.length >= 4 && new DataView(head.buffer).getUint32(0, true) === SPARSE_MAGIC) {
      embedded = await SparseExtent.open(path, file, host)
      const { descriptorOffset, descriptorSize } = embedded.header
      if (descriptorOffset === 0 || descriptorSize === 0) {
        // A bare sparse extent without descriptor: treat it as a one-extent monolithicSparse disk.
        descriptor = parseDescriptor(
          path,
          `createType="monolithicSparse"\nRW ${embedded.sectors} SPARSE "${path.split('/').pop() ?? ''}"`,
        )
      } else {
        if (descriptorSize * 512 > MAX_DESCRIPTOR_BYTES) throw new DiskCorruptError(path, 'VMDK descriptor is too big')
        const bytes = await readExact(file, descriptorOffset * 512, descriptorSize * 512, 'VMDK embedded descriptor')
        descriptor = parseDescriptor(path, asciiz(bytes, 0, bytes.length))
      }
    } else {
      const size = await file.size()
      if (size > MAX_DESCRIPTOR_BYTES) throw new DiskCorruptError(path, 'VMDK descriptor file is too big')
      descriptor = parseDescriptor(path, utf8Decode(await readExact(file, 0, size, 'VMDK descriptor')))
    }
    const variant = variantOf(path, descriptor.createType)
    if (context.writable && variant !== 'dynamic' && variant !== 'fixed') {
      throw new DiskUnsupportedError(path, `${descriptor.createType} VMDK images are read-only`)
    }
    const extents: Extent0[] = []
    const extentPaths = [path]
    let start = 0
    for (const line of descriptor.extents) {
      const length = line.sectors * 512
      if (start + length > MAX_OPEN_SIZE) throw new DiskCorruptError(path, 'VMDK extents add up to an absurd size')
      if (line.type === 'ZERO') {
        extents.push({ start, length, kind: 'zero', file: undefined, flatOffset: 0, sparse: undefined })
      } else if (line.type === 'FLAT' || line.type === 'VMFS') {
        const flatPath = extentPath(context, line.file)
        const extentFile = await host.fs.open(flatPath, { write: context.writable })
        opened.push(extentFile)
        extentPaths.push(flatPath)
        extents.push({
          start,
          length,
          kind: 'flat',
          file: extentFile,
          flatOffset: line.offset * 512,
          sparse: undefined,
        })
      } else if (line.type === 'SPARSE') {
        let sparse: SparseExtent
        if (embedded && descriptor.extents.length === 1) {
          sparse = embedded
        } else {
          const sparsePath = extentPath(context, line.file)
          const extentFile = await host.fs.open(sparsePath, { write: context.writable })
          opened.push(extentFile)
          extentPaths.push(sparsePath)
          sparse = await SparseExtent.open(sparsePath, extentFile, host)
        }
        if (sparse.sectors < line.sectors) {
          throw new DiskCorruptError(path, `VMDK extent ${line.file} is smaller than the descriptor says`)
        }
        extents.push({ start, length, kind: 'sparse', file: sparse.file, flatOffset: 0, sparse })
      } else {
        throw new DiskUnsupportedError(path, `VMDK ${line.type} extents are not supported`)
      }
      start += length
    }
    if (extents.length === 0) throw new DiskCorruptError(path, 'VMDK descriptor lists no extents')
    return new VmdkLayer(context, file, descriptor, extents, extentPaths, variant)
  } catch (error) {
    for (const extra of opened) await extra.close().catch(() => undefined)
    throw error
  }
}

/** Creates a monolithicSparse (dynamic, also differencing) or monolithicFlat (fixed) VMDK. */
export async function createVmdk(context: LayerContext, file: BlockFile, request: CreateRequest): Promise<Layer> {
  const { host } = context
  const finalPath = request.finalPath ?? context.path
  const name = finalPath.split('/').pop() ?? finalPath
  const sectors = request.size / 512
  const parent = request.parent
  const ids = {
    cid: request.cid ?? new DataView(host.randomBytes(4).buffer).getUint32(0, true) & 0xfffffffe,
    parentCid: parent ? parent.cid >>> 0 : 0xffffffff,
    sectors,
    uuid: request.uuid,
    parentUuid: parent?.uuid ?? NIL_UUID,
    modificationUuid: randomUuid((n) => host.randomBytes(n)),
    parentModificationUuid: parent?.modificationUuid ?? NIL_UUID,
    ...(parent ? { parentFileNameHint: host.fs.relative(finalPath, parent.path) } : {}),
  }
  if (request.variant === 'fixed' && !parent) {
    const flatName = name.replace(/\.vmdk$/i, '') + '-flat.vmdk'
    const flatPath = host.fs.resolve(context.path, flatName)
    const flat = await host.fs.create(flatPath)
    try {
      await flat.truncate(request.size)
      await flat.flush()
    } finally {
      await flat.close()
    }
    const text = buildDescriptor({
      ...ids,
      createType: 'monolithicFlat',
      extents: [{ access: 'RW', sectors, type: 'FLAT', file: flatName, offset: 0 }],
    })
    await file.write(0, utf8Encode(text))
    await file.flush()
    return openVmdk(context, file)
  }
  const text = buildDescriptor({
    ...ids,
    createType: 'monolithicSparse',
    extents: [{ access: 'RW', sectors, type: 'SPARSE', file: name, offset: 0 }],
  })
  const descriptor = utf8Encode(text)
  if (descriptor.length > DESCRIPTOR_SECTORS * 512) throw new DiskCorruptError(context.path, 'descriptor too long')
  const grains = Math.ceil(sectors / GRAIN_SECTORS)
  const tables = Math.ceil(grains / 512)
  const gdSectors = Math.ceil((tables * 4) / 512)
  const rgdOffset = 1 + DESCRIPTOR_SECTORS
  const rgtOffset = rgdOffset + gdSectors
  const gdOffset = rgtOffset + tables * 4
  const gtOffset = gdOffset + gdSectors
  const overhead = alignUp(gtOffset + tables * 4, GRAIN_SECTORS)
  const header = buildSparseHeader({
    capacity: sectors,
    grainSize: GRAIN_SECTORS,
    descriptorOffset: 1,
    descriptorSize: DESCRIPTOR_SECTORS,
    rgdOffset,
    gdOffset,
    overhead,
  })
  const directory = (first: number) => {
    const bytes = new Uint8Array(gdSectors * 512)
    const view = new DataView(bytes.buffer)
    for (let i = 0; i < tables; i++) view.setUint32(i * 4, first + i * 4, true)
    return bytes
  }
  // Grain tables start zeroed (every grain unallocated): the sparse file's hole provides the zeros.
  const head = new Uint8Array(rgdOffset * 512)
  head.set(header, 0)
  head.set(descriptor, 512)
  await file.truncate(overhead * 512)
  await file.write(rgdOffset * 512, directory(rgtOffset))
  await file.write(gdOffset * 512, directory(gtOffset))
  await file.write(0, head)
  await file.flush()
  return openVmdk(context, file)
}
