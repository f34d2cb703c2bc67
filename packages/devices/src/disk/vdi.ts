// VDI images (VirtualBox Disk Image, header version 1.1): Normal (dynamic), Fixed and Diff (differencing).
// Layout per VirtualBox src/VBox/Storage/VDICore.h; see /docs of vbox-api §8.1: pre-header at 0, header at 72,
// block map of u32 entries at offBlocks, blocks at offData + index × (cbBlock + cbBlockExtra) + cbBlockExtra.

import { alignUp, u64le, setU64le, viewOf, writeAscii } from './bytes'
import { BLOCK_ABSENT, BLOCK_ZERO, BlockMapLayer } from './block-map-layer'
import type { CreateRequest } from './drivers'
import { DiskCorruptError, DiskUnsupportedError } from './errors'
import type { BlockFile } from './host'
import type { Layer, LayerContext, ParentIdentity, ParentLink } from './layer'
import { MAX_MAP_BYTES, MAX_OPEN_SIZE, readExact } from './layer'
import { NIL_UUID, randomUuid, uuidFromBytes, uuidToBytes } from './uuid'

const SIGNATURE = 0xbeda107f
const VERSION_1_1 = 0x00010001
const TYPE_NORMAL = 1
const TYPE_FIXED = 2
const TYPE_DIFF = 4
const ENTRY_FREE = 0xffffffff
const ENTRY_ZERO = 0xfffffffe
const DEFAULT_BLOCK = 1024 * 1024
/** Header fields, as absolute file offsets (pre-header 72 bytes + header v1.1). */
const F = {
  cbHeader: 72,
  type: 76,
  flags: 80,
  offBlocks: 340,
  offData: 344,
  legacySectorSize: 360,
  cbDisk: 368,
  cbBlock: 376,
  cbBlockExtra: 380,
  cBlocks: 384,
  cBlocksAllocated: 388,
  uuidCreate: 392,
  uuidModify: 408,
  uuidLinkage: 424,
  uuidParentModify: 440,
  lchsSectorSize: 468,
} as const
/** Largest metadata prefix written in one system call (header + map), so map and count change together. */
const ONE_WRITE_LIMIT = 1024 * 1024

class VdiLayer extends BlockMapLayer {
  readonly format = 'vdi'
  readonly variant: 'dynamic' | 'fixed'
  readonly uuid: string
  readonly parent: ParentLink | undefined
  private readonly header: Uint8Array
  private map: Uint32Array
  private readonly offBlocks: number
  private readonly offData: number
  private readonly extra: number
  private nextIndex: number
  private allocatedCount: number
  private modificationUuid: string
  private modifiedThisSession = false
  private readonly randomBytes: (length: number) => Uint8Array
  private dirtyFrom = Infinity
  private dirtyTo = -1
  private fileSize: number

  constructor(
    context: LayerContext,
    file: BlockFile,
    header: Uint8Array,
    map: Uint32Array,
    nextIndex: number,
    allocatedCount: number,
    fileSize: number,
  ) {
    const view = viewOf(header)
    super(context.path, file, context.writable, view.getUint32(F.cbBlock, true), u64le(view, F.cbDisk))
    this.header = header
    this.map = map
    this.randomBytes = (length) => context.host.randomBytes(length)
    this.offBlocks = view.getUint32(F.offBlocks, true)
    this.offData = view.getUint32(F.offData, true)
    this.extra = view.getUint32(F.cbBlockExtra, true)
    this.nextIndex = nextIndex
    this.allocatedCount = allocatedCount
    this.fileSize = fileSize
    const type = view.getUint32(F.type, true)
    this.variant = type === TYPE_FIXED ? 'fixed' : 'dynamic'
    this.uuid = uuidFromBytes(header, F.uuidCreate, true)
    this.modificationUuid = uuidFromBytes(header, F.uuidModify, true)
    this.parent = type === TYPE_DIFF ? { uuid: uuidFromBytes(header, F.uuidLinkage, true), hint: undefined } : undefined
    // A header whose count disagrees with the map (an old crash) is corrected at the first flush.
    if (allocatedCount !== view.getUint32(F.cBlocksAllocated, true) && context.writable) this.metadataDirty = true
  }

  protected async locate(block: number): Promise<number> {
    const entry = this.map[block] ?? ENTRY_FREE
    if (entry === ENTRY_FREE) return BLOCK_ABSENT
    if (entry === ENTRY_ZERO) return BLOCK_ZERO
    return this.offData + entry * (this.blockSize + this.extra) + this.extra
  }

  protected async allocate(block: number, content: Uint8Array): Promise<void> {
    this.touch()
    const index = this.nextIndex
    const start = this.offData + index * (this.blockSize + this.extra)
    if (this.extra > 0) await this.file.write(start, new Uint8Array(this.extra))
    await this.file.write(start + this.extra, content)
    this.fileSize = Math.max(this.fileSize, start + this.extra + content.length)
    this.nextIndex++
    this.allocatedCount++
    this.map[block] = index
    this.markMap(block, block + 1)
  }

  protected override peek(block: number): number | undefined {
    const entry = this.map[block] ?? ENTRY_FREE
    if (entry === ENTRY_FREE) return BLOCK_ABSENT
    if (entry === ENTRY_ZERO) return BLOCK_ZERO
    return this.offData + entry * (this.blockSize + this.extra) + this.extra
  }

  protected override inPlace(block: number): number | undefined {
    const entry = this.map[block] ?? ENTRY_FREE
    if (entry >= ENTRY_ZERO) return undefined
    this.touch()
    return this.offData + entry * (this.blockSize + this.extra) + this.extra
  }

  protected override async allocatePart(block: number, part: Uint8Array, inBlock: number): Promise<boolean> {
    if (this.extra > 0) return false
    const start = this.offData + this.nextIndex * this.blockSize
    if (start < this.fileSize) return false // stale bytes of an unreferenced block may lie there
    this.touch()
    await this.file.truncate(start + this.blockSize)
    await this.file.write(start + inBlock, part)
    this.fileSize = start + this.blockSize
    this.allocatedCount++
    this.map[block] = this.nextIndex++
    this.markMap(block, block + 1)
    return true
  }

  protected override async prepareWrite(): Promise<void> {
    this.touch()
  }

  /** A new modification UUID once per write session (VirtualBox does the same). */
  private touch(): void {
    if (this.modifiedThisSession) return
    this.modifiedThisSession = true
    this.modificationUuid = randomUuid(this.randomBytes)
    this.metadataDirty = true
  }

  private markMap(from: number, to: number): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, from)
    this.dirtyTo = Math.max(this.dirtyTo, to)
    this.metadataDirty = true
  }

  protected async writeMetadata(): Promise<void> {
    const view = viewOf(this.header)
    view.setUint32(F.cBlocksAllocated, this.allocatedCount, true)
    setU64le(view, F.cbDisk, this.logicalSize)
    view.setUint32(F.cBlocks, this.map.length, true)
    uuidToBytes(this.modificationUuid, this.header, F.uuidModify, true)
    const mapBytes = littleEndianBytes(this.map)
    const from = this.dirtyTo < 0 ? 0 : this.dirtyFrom * 4
    const to = this.dirtyTo < 0 ? 0 : this.dirtyTo * 4
    this.dirtyFrom = Infinity
    this.dirtyTo = -1
    if (this.offBlocks === this.header.length && this.offBlocks + to <= ONE_WRITE_LIMIT) {
      // Header and the changed map prefix in one write: a killed process cannot separate count and map.
      const both = new Uint8Array(this.offBlocks + to)
      both.set(this.header, 0)
      both.set(mapBytes.subarray(0, to), this.offBlocks)
      await this.file.write(0, both)
      return
    }
    if (to > from) await this.file.write(this.offBlocks + from, mapBytes.subarray(from, to))
    await this.file.write(0, this.header)
  }

  identity(): ParentIdentity {
    return { path: this.path, uuid: this.uuid, modificationUuid: this.modificationUuid, cid: 0, timestamp: 0 }
  }

  async grow(newSize: number): Promise<boolean> {
    const blocks = Math.ceil(newSize / this.blockSize)
    if (this.offBlocks + blocks * 4 > this.offData) return false // map would run into the data: rebuild
    return this.mutex.run(async () => {
      const map = new Uint32Array(blocks).fill(ENTRY_FREE)
      map.set(this.map)
      if (this.variant === 'fixed') {
        for (let block = this.map.length; block < blocks; block++) map[block] = this.nextIndex++
        this.allocatedCount = blocks
        this.fileSize = this.offData + blocks * (this.blockSize + this.extra)
        await this.file.truncate(this.fileSize)
      }
      const old = this.map.length
      this.map = map
      this.logicalSize = newSize
      this.touch()
      this.markMap(old, blocks)
      await this.file.flush()
      await this.writeMetadata()
      this.metadataDirty = false
      await this.file.flush()
      return true
    })
  }

  files(): readonly string[] {
    return [this.path]
  }
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** The map as on disk (little-endian u32): a view on little-endian hosts, a converted copy elsewhere. */
function littleEndianBytes(map: Uint32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(map.buffer, map.byteOffset, map.byteLength)
  const bytes = new Uint8Array(map.byteLength)
  const view = viewOf(bytes)
  map.forEach((entry, i) => view.setUint32(i * 4, entry, true))
  return bytes
}

/** Parses and validates a VDI header and block map; never trusts a field before range-checking it. */
export async function openVdi(context: LayerContext, file: BlockFile): Promise<Layer> {
  const path = context.path
  const fileSize = await file.size()
  const pre = await readExact(file, 0, 76, 'VDI pre-header')
  const version = viewOf(pre).getUint32(68, true)
  if (version !== VERSION_1_1) {
    throw new DiskUnsupportedError(path, `VDI version ${version >>> 16}.${version & 0xffff} (only 1.1 is supported)`)
  }
  const cbHeader = viewOf(pre).getUint32(F.cbHeader, true)
  if (cbHeader < 384 || cbHeader > 400) throw new DiskCorruptError(path, `VDI header size ${cbHeader} is invalid`)
  const header = new Uint8Array(512)
  header.set(await readExact(file, 0, 72 + cbHeader, 'VDI header'))
  const view = viewOf(header)
  const type = view.getUint32(F.type, true)
  if (type === 3) throw new DiskUnsupportedError(path, 'VDI "undo" images are not supported')
  if (type !== TYPE_NORMAL && type !== TYPE_FIXED && type !== TYPE_DIFF) {
    throw new DiskCorruptError(path, `VDI image type ${type} is invalid`)
  }
  const offBlocks = view.getUint32(F.offBlocks, true)
  const offData = view.getUint32(F.offData, true)
  const cbDisk = u64le(view, F.cbDisk)
  const cbBlock = view.getUint32(F.cbBlock, true)
  const extra = view.getUint32(F.cbBlockExtra, true)
  const cBlocks = view.getUint32(F.cBlocks, true)
  const cAllocated = view.getUint32(F.cBlocksAllocated, true)
  if (cbBlock < 512 || cbBlock % 512 !== 0 || cbBlock > 256 * 1024 * 1024) {
    throw new DiskCorruptError(path, `VDI block size ${cbBlock} is invalid`)
  }
  if (extra % 512 !== 0 || extra > cbBlock) throw new DiskCorruptError(path, `VDI block extra ${extra} is invalid`)
  if (cbDisk > MAX_OPEN_SIZE) throw new DiskCorruptError(path, `VDI disk size ${cbDisk} is absurd`)
  if (cBlocks !== Math.ceil(cbDisk / cbBlock)) {
    throw new DiskCorruptError(path, `VDI block count ${cBlocks} does not match disk size ${cbDisk}`)
  }
  if (cBlocks * 4 > MAX_MAP_BYTES) throw new DiskCorruptError(path, `VDI block map of ${cBlocks} entries is too big`)
  if (cAllocated > cBlocks) throw new DiskCorruptError(path, `VDI claims ${cAllocated} of ${cBlocks} blocks allocated`)
  if (offBlocks < 72 + cbHeader || offBlocks + cBlocks * 4 > offData) {
    throw new DiskCorruptError(path, `VDI block map at ${offBlocks} overlaps the header or the data at ${offData}`)
  }
  if (offBlocks + cBlocks * 4 > fileSize) {
    throw new DiskCorruptError(path, `VDI block map (${cBlocks} entries at ${offBlocks}) runs past the end of the file`)
  }
  const mapBytes = await readExact(file, offBlocks, cBlocks * 4, 'VDI block map')
  const map = new Uint32Array(cBlocks)
  const mapView = viewOf(mapBytes)
  const owner = new Map<number, number>()
  let maxIndex = -1
  for (let block = 0; block < cBlocks; block++) {
    const entry = mapView.getUint32(block * 4, true)
    map[block] = entry
    if (entry >= ENTRY_ZERO) continue
    if (entry >= cBlocks)
      throw new DiskCorruptError(path, `VDI block ${block} maps to index ${entry}, beyond the image`)
    const start = offData + entry * (cbBlock + extra)
    if (start >= fileSize && type !== TYPE_FIXED) {
      throw new DiskCorruptError(path, `VDI block ${block} points at offset ${start}, outside the file (${fileSize})`)
    }
    const other = owner.get(entry)
    if (other !== undefined)
      throw new DiskCorruptError(path, `VDI blocks ${other} and ${block} share data block ${entry}`)
    owner.set(entry, block)
    maxIndex = Math.max(maxIndex, entry)
  }
  return new VdiLayer(
    context,
    file,
    header.subarray(0, 512),
    map,
    Math.max(cAllocated, maxIndex + 1),
    owner.size,
    fileSize,
  )
}

/** Writes a new VDI header and block map (1 MiB blocks; data area aligned to 1 MiB, which leaves map room to grow). */
export async function createVdi(context: LayerContext, file: BlockFile, request: CreateRequest): Promise<Layer> {
  const cBlocks = Math.ceil(request.size / DEFAULT_BLOCK)
  const offBlocks = 512
  const offData = alignUp(offBlocks + cBlocks * 4, DEFAULT_BLOCK)
  const fixed = request.variant === 'fixed' && !request.parent
  const header = new Uint8Array(512)
  const view = viewOf(header)
  writeAscii(header, 0, '<<< Boxwood VM Disk Image >>>\n')
  view.setUint32(64, SIGNATURE, true)
  view.setUint32(68, VERSION_1_1, true)
  view.setUint32(F.cbHeader, 400, true)
  view.setUint32(F.type, request.parent ? TYPE_DIFF : fixed ? TYPE_FIXED : TYPE_NORMAL, true)
  view.setUint32(F.offBlocks, offBlocks, true)
  view.setUint32(F.offData, offData, true)
  view.setUint32(F.legacySectorSize, 512, true)
  setU64le(view, F.cbDisk, request.size)
  view.setUint32(F.cbBlock, DEFAULT_BLOCK, true)
  view.setUint32(F.cBlocks, cBlocks, true)
  view.setUint32(F.cBlocksAllocated, fixed ? cBlocks : 0, true)
  uuidToBytes(request.uuid, header, F.uuidCreate, true)
  uuidToBytes(
    randomUuid((n) => context.host.randomBytes(n)),
    header,
    F.uuidModify,
    true,
  )
  uuidToBytes(request.parent?.uuid ?? NIL_UUID, header, F.uuidLinkage, true)
  uuidToBytes(request.parent?.modificationUuid ?? NIL_UUID, header, F.uuidParentModify, true)
  view.setUint32(F.lchsSectorSize, 512, true)
  const map = new Uint32Array(cBlocks).fill(ENTRY_FREE)
  if (fixed) map.forEach((_, i) => (map[i] = i))
  const metadata = new Uint8Array(offBlocks + cBlocks * 4)
  metadata.set(header)
  metadata.set(littleEndianBytes(map), offBlocks)
  await file.write(0, metadata)
  await file.truncate(fixed ? offData + cBlocks * DEFAULT_BLOCK : offData)
  await file.flush()
  return new VdiLayer(context, file, header, map, fixed ? cBlocks : 0, fixed ? cBlocks : 0, await file.size())
}
