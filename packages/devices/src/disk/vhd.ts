// VHD images (Microsoft VHD spec 1.0; VirtualBox VHD.cpp; qemu block/vpc.c): fixed, dynamic and differencing.
// A new block is written together with the moved footer in one write, and the BAT entry only at flush.

import { alignUp, utf16Decode, utf16Encode, utf8Decode, viewOf } from './bytes'
import { BLOCK_ABSENT, BlockMapLayer } from './block-map-layer'
import type { CreateRequest } from './drivers'
import { DiskCorruptError, DiskUnsupportedError, DiskUsageError } from './errors'
import type { BlockFile } from './host'
import type { BackingReader, Extent, Layer, LayerContext, ParentIdentity, ParentLink } from './layer'
import { MAX_MAP_BYTES, MAX_OPEN_SIZE, readExact, readZeroPadded } from './layer'
import type { VhdFooter } from './vhd-structures'
import {
  BAT_FREE,
  VHD_DIFFERENCING,
  VHD_DYNAMIC,
  VHD_EPOCH_SECONDS,
  VHD_FIXED,
  buildDynamicHeader,
  buildFooter,
  parseDynamicHeader,
  parseFooter,
  resizeFooter,
  vhdCreateSize,
} from './vhd-structures'

const DEFAULT_BLOCK = 2 * 1024 * 1024
/** The VHD specification's largest disk, 2040 GiB (qemu and Hyper-V refuse anything larger). */
export const VHD_MAX_SIZE = 0xff000000 * 512

/** Fixed VHD: the data, then the footer. */
class FixedVhdLayer implements Layer {
  readonly format = 'vhd'
  readonly variant = 'fixed'
  readonly sectorSize = 512
  readonly parent = undefined
  readonly blockSize = DEFAULT_BLOCK
  readonly path: string
  readonly writable: boolean
  readonly uuid: string
  logicalSize: number
  private footer: Uint8Array
  private readonly timestamp: number
  private readonly file: BlockFile

  constructor(context: LayerContext, file: BlockFile, footer: Uint8Array, parsed: VhdFooter) {
    this.file = file
    this.path = context.path
    this.writable = context.writable
    this.footer = footer
    this.uuid = parsed.uuid
    this.logicalSize = parsed.currentSize
    this.timestamp = parsed.timestamp
  }

  async extent(_offset: number, length: number): Promise<Extent> {
    return { state: 'data', length }
  }
  readData(offset: number, target: Uint8Array): Promise<void> {
    return readZeroPadded(this.file, offset, target)
  }
  write(offset: number, source: Uint8Array): Promise<void> {
    return this.file.write(offset, source)
  }
  flush(): Promise<void> {
    return this.file.flush()
  }
  close(): Promise<void> {
    return this.file.close()
  }
  allocatedSize(): Promise<number> {
    return this.file.allocatedSize()
  }
  identity(): ParentIdentity {
    return { path: this.path, uuid: this.uuid, modificationUuid: this.uuid, cid: 0, timestamp: this.timestamp }
  }
  async grow(newSize: number): Promise<boolean> {
    const size = vhdCreateSize(newSize)
    if (size > VHD_MAX_SIZE) {
      throw new DiskUsageError('DISK_INVALID_ARGUMENT', this.path, `VHD images hold at most ${VHD_MAX_SIZE} bytes`)
    }
    const old = this.logicalSize
    // New footer first (a crash leaves a valid image), then clear the old footer, now part of the disk.
    this.footer = resizeFooter(this.footer, size)
    await this.file.write(size, this.footer)
    await this.file.flush()
    await this.file.write(old, new Uint8Array(Math.min(512, size - old)))
    await this.file.flush()
    this.logicalSize = size
    return true
  }
  files(): readonly string[] {
    return [this.path]
  }
}

/** Dynamic and differencing VHD. */
class DynamicVhdLayer extends BlockMapLayer {
  readonly format = 'vhd'
  readonly variant = 'dynamic'
  readonly uuid: string
  readonly parent: ParentLink | undefined
  private readonly bat: Uint32Array
  private readonly tableOffset: number
  private readonly bitmapBytes: number
  private readonly footer: Uint8Array
  private readonly timestamp: number
  private nextFree: number
  private dirtyFrom = Infinity
  private dirtyTo = -1
  /** Sector bitmaps of partly present differencing blocks (undefined entry: all sectors present). */
  private readonly bitmaps = new Map<number, Uint8Array | undefined>()

  constructor(
    context: LayerContext,
    file: BlockFile,
    footer: Uint8Array,
    parsed: VhdFooter,
    header: { tableOffset: number; blockSize: number; bat: Uint32Array; nextFree: number; parent?: ParentLink },
  ) {
    super(context.path, file, context.writable, header.blockSize, parsed.currentSize)
    this.uuid = parsed.uuid
    this.timestamp = parsed.timestamp
    this.footer = footer
    this.bat = header.bat
    this.tableOffset = header.tableOffset
    this.bitmapBytes = alignUp(header.blockSize / 512 / 8, 512)
    this.nextFree = header.nextFree
    this.parent = header.parent
  }

  protected async locate(block: number): Promise<number> {
    const sector = this.bat[block] ?? BAT_FREE
    return sector === BAT_FREE ? BLOCK_ABSENT : sector * 512 + this.bitmapBytes
  }

  protected override peek(block: number): number | undefined {
    const sector = this.bat[block] ?? BAT_FREE
    if (sector === BAT_FREE) return BLOCK_ABSENT
    // A differencing block counts only once its sector bitmap is known to be full (else `extent` decides).
    if (this.parent && !(this.bitmaps.has(block) && this.bitmaps.get(block) === undefined)) return undefined
    return sector * 512 + this.bitmapBytes
  }

  protected override inPlace(block: number): number | undefined {
    const sector = this.bat[block] ?? BAT_FREE
    if (sector === BAT_FREE) return undefined
    // Differencing blocks qualify only once their bitmap is known to be full.
    if (this.parent && !(this.bitmaps.has(block) && this.bitmaps.get(block) === undefined)) return undefined
    return sector * 512 + this.bitmapBytes
  }

  /** Differencing blocks may hold only some sectors: the sector bitmap decides (clear bit = parent's data). */
  override async extent(offset: number, length: number): Promise<Extent> {
    const block = Math.floor(offset / this.blockSize)
    if (!this.parent || (this.bat[block] ?? BAT_FREE) === BAT_FREE) return super.extent(offset, length)
    const bitmap = await this.bitmap(block)
    if (!bitmap) return super.extent(offset, length)
    const inBlock = offset - block * this.blockSize
    const end = Math.min(inBlock + length, this.blockSize)
    const bit = (sector: number) => ((bitmap[sector >>> 3] ?? 0) >> (7 - (sector & 7))) & 1
    const first = bit(Math.floor(inBlock / 512))
    let at = (Math.floor(inBlock / 512) + 1) * 512
    while (at < end && bit(at / 512) === first) at += 512
    return { state: first ? 'data' : 'absent', length: Math.min(at, end) - inBlock }
  }

  private async bitmap(block: number): Promise<Uint8Array | undefined> {
    if (this.bitmaps.has(block)) return this.bitmaps.get(block)
    const sector = this.bat[block] ?? BAT_FREE
    const bytes = await readExact(this.file, sector * 512, this.bitmapBytes, `VHD block ${block} bitmap`)
    const used = this.blockSize / 512 / 8
    const full = bytes.subarray(0, used).every((b) => b === 0xff)
    this.bitmaps.set(block, full ? undefined : bytes)
    return full ? undefined : bytes
  }

  /** Before writing into a partly present differencing block, copy the parent's sectors in and mark all present. */
  protected override async prepareWrite(block: number, backing: BackingReader): Promise<void> {
    if (!this.parent) return
    const bitmap = await this.bitmap(block)
    if (!bitmap) return
    const start = block * this.blockSize
    const content = new Uint8Array(Math.min(this.blockSize, this.logicalSize - start))
    let at = 0
    while (at < content.length) {
      const extent = await this.extent(start + at, content.length - at)
      const part = content.subarray(at, at + extent.length)
      if (extent.state === 'data') await this.readData(start + at, part)
      else await backing(start + at, part)
      at += extent.length
    }
    const location = await this.locate(block)
    await this.file.write(location, content)
    await this.file.flush()
    const full = new Uint8Array(this.bitmapBytes).fill(0xff)
    await this.file.write(location - this.bitmapBytes, full)
    this.bitmaps.set(block, undefined)
  }

  protected async allocate(block: number, content: Uint8Array): Promise<void> {
    const at = this.nextFree
    const bytes = new Uint8Array(this.bitmapBytes + this.blockSize + 512)
    bytes.fill(0xff, 0, this.bitmapBytes)
    bytes.set(content, this.bitmapBytes)
    bytes.set(this.footer, this.bitmapBytes + this.blockSize)
    await this.file.write(at, bytes)
    this.recordBlock(block, at)
  }

  /** The footer moves first (the file keeps a valid end), then bitmap and data land where the footer was. */
  protected override async allocatePart(block: number, part: Uint8Array, inBlock: number): Promise<boolean> {
    const at = this.nextFree
    await this.file.write(at + this.bitmapBytes + this.blockSize, this.footer)
    await this.file.write(at, new Uint8Array(this.bitmapBytes).fill(0xff))
    await this.file.write(at + this.bitmapBytes + inBlock, part)
    this.recordBlock(block, at)
    return true
  }

  private recordBlock(block: number, at: number): void {
    this.nextFree = at + this.bitmapBytes + this.blockSize
    this.bat[block] = at / 512
    this.bitmaps.set(block, undefined)
    this.dirtyFrom = Math.min(this.dirtyFrom, block)
    this.dirtyTo = Math.max(this.dirtyTo, block + 1)
    this.metadataDirty = true
  }

  protected async writeMetadata(): Promise<void> {
    if (this.dirtyTo < 0) return
    const from = this.dirtyFrom
    const bytes = new Uint8Array((this.dirtyTo - from) * 4)
    const view = viewOf(bytes)
    for (let i = from; i < this.dirtyTo; i++) view.setUint32((i - from) * 4, this.bat[i] ?? BAT_FREE, false)
    this.dirtyFrom = Infinity
    this.dirtyTo = -1
    await this.file.write(this.tableOffset + from * 4, bytes)
  }

  /** Puts the footer right after the last block (repairs a write cut short by a crash). */
  async repairTail(fileSize: number): Promise<void> {
    if (fileSize === this.nextFree + 512) {
      const tail = await readExact(this.file, this.nextFree, 512, 'VHD footer')
      if (tail.every((b, i) => b === this.footer[i])) return
    }
    await this.file.write(this.nextFree, this.footer)
    if (fileSize > this.nextFree + 512) await this.file.truncate(this.nextFree + 512)
    await this.file.flush()
  }

  identity(): ParentIdentity {
    return { path: this.path, uuid: this.uuid, modificationUuid: this.uuid, cid: 0, timestamp: this.timestamp }
  }

  async grow(): Promise<boolean> {
    return false // the BAT has no room: the caller rebuilds the image
  }

  files(): readonly string[] {
    return [this.path]
  }
}

/** Opens a VHD: footer at the end (or its copy at 0 when a crash cut the file), dynamic header and BAT. */
export async function openVhd(context: LayerContext, file: BlockFile): Promise<Layer> {
  const path = context.path
  const fileSize = await file.size()
  if (fileSize < 512) throw new DiskCorruptError(path, 'VHD file is shorter than its footer')
  let footerBytes = await readExact(file, fileSize - 512, 512, 'VHD footer')
  let footer = parseFooter(footerBytes)
  if (typeof footer === 'string') {
    const copy = await readExact(file, 0, 512, 'VHD footer copy')
    const parsed = parseFooter(copy)
    if (typeof parsed === 'string') throw new DiskCorruptError(path, `VHD ${footer}, and the copy at 0 has ${parsed}`)
    footerBytes = copy
    footer = parsed
  }
  if (footer.currentSize > MAX_OPEN_SIZE || footer.currentSize % 512 !== 0) {
    throw new DiskCorruptError(path, `VHD disk size ${footer.currentSize} is invalid`)
  }
  if (footer.diskType === VHD_FIXED) {
    if (footer.currentSize > fileSize - 512) {
      throw new DiskCorruptError(
        path,
        `fixed VHD claims ${footer.currentSize} bytes but the file holds ${fileSize - 512}`,
      )
    }
    return new FixedVhdLayer(context, file, footerBytes, footer)
  }
  if (footer.diskType !== VHD_DYNAMIC && footer.diskType !== VHD_DIFFERENCING) {
    throw new DiskUnsupportedError(path, `VHD disk type ${footer.diskType} is not supported`)
  }
  if (footer.dataOffset + 1024 > fileSize) {
    throw new DiskCorruptError(path, `VHD dynamic header offset ${footer.dataOffset} is outside the file`)
  }
  const header = parseDynamicHeader(await readExact(file, footer.dataOffset, 1024, 'VHD dynamic header'))
  if (typeof header === 'string') throw new DiskCorruptError(path, `VHD ${header}`)
  const { blockSize, maxTableEntries, tableOffset } = header
  if (blockSize < 4096 || blockSize > 256 * 1024 * 1024 || blockSize % 4096 !== 0) {
    throw new DiskCorruptError(path, `VHD block size ${blockSize} is invalid`)
  }
  if (maxTableEntries * 4 > MAX_MAP_BYTES || maxTableEntries * blockSize < footer.currentSize) {
    throw new DiskCorruptError(path, `VHD table of ${maxTableEntries} entries does not fit the disk size`)
  }
  const tableBytes = alignUp(maxTableEntries * 4, 512)
  if (tableOffset < 512 || tableOffset + maxTableEntries * 4 > fileSize) {
    throw new DiskCorruptError(path, `VHD block table at ${tableOffset} is outside the file`)
  }
  const raw = viewOf(await readExact(file, tableOffset, maxTableEntries * 4, 'VHD block table'))
  const bat = new Uint32Array(maxTableEntries)
  const bitmapBytes = alignUp(blockSize / 512 / 8, 512)
  const span = bitmapBytes + blockSize
  const starts: [number, number][] = []
  let nextFree = alignUp(tableOffset + tableBytes, 512)
  for (const locator of header.locators) nextFree = Math.max(nextFree, alignUp(locator.offset + locator.length, 512))
  const metadataEnd = Math.max(alignUp(tableOffset + tableBytes, 512), footer.dataOffset + 1024)
  for (let block = 0; block < maxTableEntries; block++) {
    const sector = raw.getUint32(block * 4, false)
    bat[block] = sector
    if (sector === BAT_FREE) continue
    const start = sector * 512
    if (start < metadataEnd || start + bitmapBytes >= fileSize) {
      throw new DiskCorruptError(path, `VHD block ${block} at offset ${start} lies outside the data area`)
    }
    starts.push([start, block])
    nextFree = Math.max(nextFree, start + span)
  }
  starts.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < starts.length; i++) {
    const [start, block] = starts[i] ?? [0, 0]
    const [previous, other] = starts[i - 1] ?? [0, 0]
    if (start < previous + span) throw new DiskCorruptError(path, `VHD blocks ${other} and ${block} overlap`)
  }
  const parent = footer.diskType === VHD_DIFFERENCING ? await parentLink(context, file, header, fileSize) : undefined
  const layer = new DynamicVhdLayer(context, file, footerBytes, footer, {
    tableOffset,
    blockSize,
    bat,
    nextFree,
    ...(parent ? { parent } : {}),
  })
  if (context.writable) await layer.repairTail(fileSize)
  return layer
}

/** Reads the parent locators: relative Windows path, absolute Windows path, Mac URL, then the bare name. */
async function parentLink(
  context: LayerContext,
  file: BlockFile,
  header: Exclude<ReturnType<typeof parseDynamicHeader>, string>,
  fileSize: number,
): Promise<ParentLink> {
  const found = new Map<string, string>()
  for (const locator of header.locators) {
    if (locator.length === 0 || locator.length > 4096 || locator.offset + locator.length > fileSize) continue
    const bytes = await readExact(file, locator.offset, locator.length, 'VHD parent locator')
    const text = locator.code === 'MacX' ? utf8Decode(bytes).replace(/^file:\/\//, '') : utf16Decode(bytes, true)
    if (text) found.set(locator.code, text.replace(/\\/g, '/'))
  }
  const hint = found.get('W2ru') ?? found.get('W2ku') ?? found.get('MacX') ?? (header.parentName || undefined)
  return { uuid: header.parentUuid, hint: hint?.replace(/^\.\//, '') }
}

/** Creates a fixed, dynamic or differencing VHD; the size rounds up to a whole CHS geometry. */
export async function createVhd(context: LayerContext, file: BlockFile, request: CreateRequest): Promise<Layer> {
  const size = vhdCreateSize(request.size)
  if (size > VHD_MAX_SIZE) {
    throw new DiskUsageError('DISK_INVALID_ARGUMENT', context.path, `VHD images hold at most ${VHD_MAX_SIZE} bytes`)
  }
  const timestamp = Math.max(0, Math.floor(context.host.now() / 1000) - VHD_EPOCH_SECONDS) >>> 0
  if (request.variant === 'fixed' && !request.parent) {
    const footer = buildFooter({ dataOffset: -1, timestamp, size, diskType: VHD_FIXED, uuid: request.uuid })
    await file.truncate(size)
    await file.write(size, footer)
    await file.flush()
    return openVhd(context, file)
  }
  const entries = Math.ceil(size / DEFAULT_BLOCK)
  const tableOffset = 1536
  let end = alignUp(tableOffset + entries * 4, 512)
  const pieces: [number, Uint8Array][] = []
  let parentInfo: Parameters<typeof buildDynamicHeader>[0]['parent']
  if (request.parent) {
    const finalPath = request.finalPath ?? context.path
    const relative = context.host.fs.relative(finalPath, request.parent.path)
    const absolute = context.host.fs.absolute(request.parent.path)
    const locators = []
    for (const [code, text] of [
      ['W2ru', relative],
      ['W2ku', absolute],
    ] as const) {
      const data = utf16Encode(text, true)
      const space = alignUp(Math.max(data.length, 1), 512)
      locators.push({ code, space, length: data.length, offset: end })
      pieces.push([end, data])
      end += space
    }
    const name = absolute.split('/').pop() ?? absolute
    parentInfo = { uuid: request.parent.uuid, timestamp: request.parent.timestamp, name, locators }
  }
  const diskType = request.parent ? VHD_DIFFERENCING : VHD_DYNAMIC
  const footer = buildFooter({ dataOffset: 512, timestamp, size, diskType, uuid: request.uuid })
  const header = buildDynamicHeader({
    tableOffset,
    maxTableEntries: entries,
    blockSize: DEFAULT_BLOCK,
    ...(parentInfo ? { parent: parentInfo } : {}),
  })
  const image = new Uint8Array(end + 512)
  image.set(footer, 0)
  image.set(header, 512)
  image.fill(0xff, tableOffset, tableOffset + entries * 4)
  for (const [at, data] of pieces) image.set(data, at)
  image.set(footer, end)
  await file.write(0, image)
  await file.flush()
  return openVhd(context, file)
}
