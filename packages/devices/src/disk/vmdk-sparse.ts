// A VMDK hosted sparse extent (VMware "Virtual Disk Format 1.1": SparseExtentHeader, grain directory, grain
// tables, grains), including streamOptimized extents (compressed grains with markers, directory in the footer).
// Grain tables load lazily; a new grain is written before the grain table entry that points at it (at flush).

import { setU64le, u64le, viewOf } from './bytes'
import { DiskCorruptError, DiskUnsupportedError } from './errors'
import type { BlockFile, DiskHost } from './host'
import { MAX_MAP_BYTES, readExact, readZeroPadded } from './layer'

export const SPARSE_MAGIC = 0x564d444b // "KDMV"
const FLAG_REDUNDANT = 1 << 1
const FLAG_ZERO_GTE = 1 << 2
const FLAG_COMPRESSED = 1 << 16
const FLAG_MARKERS = 1 << 17
const GD_AT_END = Infinity // u64 0xffffffffffffffff reads as Infinity through u64le

export interface SparseHeader {
  readonly version: number
  readonly flags: number
  readonly capacity: number
  readonly grainSize: number
  readonly descriptorOffset: number
  readonly descriptorSize: number
  readonly gtesPerGt: number
  readonly rgdOffset: number
  readonly gdOffset: number
  readonly overhead: number
  readonly compressAlgorithm: number
}

export function parseSparseHeader(path: string, bytes: Uint8Array): SparseHeader {
  const view = viewOf(bytes)
  if (view.getUint32(0, true) !== SPARSE_MAGIC) throw new DiskCorruptError(path, 'VMDK sparse header magic is wrong')
  const header = {
    version: view.getUint32(4, true),
    flags: view.getUint32(8, true),
    capacity: u64le(view, 12),
    grainSize: u64le(view, 20),
    descriptorOffset: u64le(view, 28),
    descriptorSize: u64le(view, 36),
    gtesPerGt: view.getUint32(44, true),
    rgdOffset: u64le(view, 48),
    gdOffset: u64le(view, 56),
    overhead: u64le(view, 64),
    compressAlgorithm: view.getUint16(77, true),
  }
  if (header.version < 1 || header.version > 3) {
    throw new DiskUnsupportedError(path, `VMDK sparse extent version ${header.version} is not supported`)
  }
  const grain = header.grainSize
  if (!Number.isFinite(grain) || grain < 1 || grain > 2048 || (grain & (grain - 1)) !== 0) {
    throw new DiskCorruptError(path, `VMDK grain size ${grain} sectors is invalid`)
  }
  if (header.gtesPerGt < 1 || header.gtesPerGt > 8192) {
    throw new DiskCorruptError(path, `VMDK grain table size ${header.gtesPerGt} is invalid`)
  }
  if (!Number.isFinite(header.capacity) || header.capacity * 512 > 2 ** 44) {
    throw new DiskCorruptError(path, `VMDK capacity ${header.capacity} sectors is absurd`)
  }
  if ((header.flags & FLAG_COMPRESSED) !== 0 && header.compressAlgorithm !== 1) {
    throw new DiskUnsupportedError(path, `VMDK compression algorithm ${header.compressAlgorithm} is not supported`)
  }
  return header
}

export function buildSparseHeader(options: {
  readonly capacity: number
  readonly grainSize: number
  readonly descriptorOffset: number
  readonly descriptorSize: number
  readonly rgdOffset: number
  readonly gdOffset: number
  readonly overhead: number
}): Uint8Array {
  const bytes = new Uint8Array(512)
  const view = viewOf(bytes)
  view.setUint32(0, SPARSE_MAGIC, true)
  view.setUint32(4, 1, true)
  view.setUint32(8, 1 | FLAG_REDUNDANT, true) // valid newline test + redundant grain tables
  setU64le(view, 12, options.capacity)
  setU64le(view, 20, options.grainSize)
  setU64le(view, 28, options.descriptorOffset)
  setU64le(view, 36, options.descriptorSize)
  view.setUint32(44, 512, true)
  setU64le(view, 48, options.rgdOffset)
  setU64le(view, 56, options.gdOffset)
  setU64le(view, 64, options.overhead)
  bytes.set([0x0a, 0x20, 0x0d, 0x0a], 73)
  return bytes
}

/** Grain table entry meaning "unallocated" and (with the zeroed-grain flag) "reads as zeros". */
export const GTE_UNALLOCATED = 0
export const GTE_ZERO = 1

export class SparseExtent {
  readonly path: string
  readonly file: BlockFile
  readonly header: SparseHeader
  readonly grainBytes: number
  readonly compressed: boolean
  private readonly gd: Uint32Array
  private readonly rgd: Uint32Array | undefined
  private readonly tables = new Map<number, Uint32Array>()
  /** Grain tables being read: concurrent readers share one load (two would trip the shared-sector check). */
  private readonly loading = new Map<number, Promise<Uint32Array | undefined>>()
  private readonly dirtyTables = new Set<number>()
  private readonly host: DiskHost
  private fileSize: number
  private nextGrain: number
  /** Which grain owns each data sector, to reject tables pointing at each other (bounded to mid-size disks). */
  private readonly owners: Map<number, number> | undefined
  private cachedGrain = -1
  private cachedData: Uint8Array | undefined

  private constructor(
    path: string,
    file: BlockFile,
    header: SparseHeader,
    gd: Uint32Array,
    rgd: Uint32Array | undefined,
    fileSize: number,
    host: DiskHost,
  ) {
    this.path = path
    this.file = file
    this.header = header
    this.grainBytes = header.grainSize * 512
    this.compressed = (header.flags & FLAG_COMPRESSED) !== 0
    this.gd = gd
    this.rgd = rgd
    this.fileSize = fileSize
    this.nextGrain = Math.ceil(fileSize / 512) * 512
    this.host = host
    this.owners = header.capacity / header.grainSize <= 1 << 20 && !this.compressed ? new Map() : undefined
  }

  /** Opens the extent in `file` (header at 0; streamOptimized directory from the footer). */
  static async open(path: string, file: BlockFile, host: DiskHost): Promise<SparseExtent> {
    const fileSize = await file.size()
    let header = parseSparseHeader(path, await readExact(file, 0, 512, 'VMDK sparse header'))
    if (header.gdOffset === GD_AT_END) {
      if ((header.flags & FLAG_MARKERS) === 0 || fileSize < 1536) {
        throw new DiskCorruptError(path, 'VMDK grain directory is "at end" but there is no footer')
      }
      header = parseSparseHeader(path, await readExact(file, fileSize - 1024, 512, 'VMDK footer'))
      if (header.gdOffset === GD_AT_END) throw new DiskCorruptError(path, 'VMDK footer has no grain directory')
    }
    const grains = Math.ceil(header.capacity / header.grainSize)
    const entries = Math.ceil(grains / header.gtesPerGt)
    if (grains * 4 > MAX_MAP_BYTES * 2) throw new DiskCorruptError(path, `VMDK with ${grains} grains is too big`)
    const readDirectory = async (sector: number, what: string) => {
      if (sector * 512 + entries * 4 > fileSize)
        throw new DiskCorruptError(path, `${what} at sector ${sector} is outside the file`)
      const bytes = await readExact(file, sector * 512, entries * 4, what)
      const view = viewOf(bytes)
      const table = new Uint32Array(entries)
      for (let i = 0; i < entries; i++) {
        const gt = view.getUint32(i * 4, true)
        if (gt !== 0 && gt * 512 + header.gtesPerGt * 4 > fileSize) {
          throw new DiskCorruptError(path, `${what} entry ${i} points at sector ${gt}, outside the file`)
        }
        if (gt !== 0 && gt < 1) throw new DiskCorruptError(path, `${what} entry ${i} points at the header`)
        table[i] = gt
      }
      return table
    }
    const gd = await readDirectory(header.gdOffset, 'VMDK grain directory')
    const redundant = (header.flags & FLAG_REDUNDANT) !== 0 && header.rgdOffset > 0 && Number.isFinite(header.rgdOffset)
    const rgd = redundant ? await readDirectory(header.rgdOffset, 'VMDK redundant grain directory') : undefined
    return new SparseExtent(path, file, header, gd, rgd, fileSize, host)
  }

  get sectors(): number {
    return this.header.capacity
  }

  /** Grain table entry of `grain` (GTE_UNALLOCATED, GTE_ZERO, or the sector of the grain/marker). */
  async entry(grain: number): Promise<number> {
    const table = await this.table(Math.floor(grain / this.header.gtesPerGt))
    const value = table ? (table[grain % this.header.gtesPerGt] ?? 0) : GTE_UNALLOCATED
    if (value === GTE_ZERO && (this.header.flags & FLAG_ZERO_GTE) === 0 && !this.compressed) return GTE_UNALLOCATED
    return value
  }

  /** The grain's data offset when its table is cached and it is allocated (uncompressed), else undefined. */
  peek(grain: number): number | undefined {
    if (this.compressed) return undefined
    const value = this.tables.get(Math.floor(grain / this.header.gtesPerGt))?.[grain % this.header.gtesPerGt] ?? 0
    return value > GTE_ZERO ? value * 512 : undefined
  }

  private table(index: number): Promise<Uint32Array | undefined> {
    const cached = this.tables.get(index)
    if (cached) return Promise.resolve(cached)
    let load = this.loading.get(index)
    if (!load) {
      load = this.loadTable(index).finally(() => this.loading.delete(index))
      this.loading.set(index, load)
    }
    return load
  }

  private async loadTable(index: number): Promise<Uint32Array | undefined> {
    const sector = this.gd[index] ?? 0
    if (sector === 0) return undefined
    const bytes = await readExact(this.file, sector * 512, this.header.gtesPerGt * 4, 'VMDK grain table')
    const view = viewOf(bytes)
    const table = new Uint32Array(this.header.gtesPerGt)
    const minimum = this.compressed ? 1 : Math.max(1, this.header.overhead)
    for (let i = 0; i < table.length; i++) {
      const value = view.getUint32(i * 4, true)
      if (value > GTE_ZERO && (value < minimum || value * 512 >= this.fileSize)) {
        throw new DiskCorruptError(
          this.path,
          `VMDK grain ${index * table.length + i} points at sector ${value}, outside the data area`,
        )
      }
      table[i] = value
      if (value > GTE_ZERO && this.owners) {
        const grain = index * table.length + i
        const other = this.owners.get(value)
        if (other !== undefined)
          throw new DiskCorruptError(this.path, `VMDK grains ${other} and ${grain} share sector ${value}`)
        this.owners.set(value, grain)
      }
    }
    this.tables.set(index, table)
    return table
  }

  /** Reads bytes of an allocated grain. */
  async read(grain: number, entry: number, inGrain: number, target: Uint8Array): Promise<void> {
    if (!this.compressed) return readZeroPadded(this.file, entry * 512 + inGrain, target)
    if (this.cachedGrain !== grain || !this.cachedData) {
      this.cachedData = await this.inflateGrain(grain, entry)
      this.cachedGrain = grain
    }
    target.set(this.cachedData.subarray(inGrain, inGrain + target.length))
  }

  private async inflateGrain(grain: number, entry: number): Promise<Uint8Array> {
    const marker = viewOf(await readExact(this.file, entry * 512, 12, 'VMDK grain marker'))
    const lba = u64le(marker, 0)
    const size = marker.getUint32(8, true)
    if (lba !== grain * this.header.grainSize) {
      throw new DiskCorruptError(
        this.path,
        `VMDK grain marker at sector ${entry} is for LBA ${lba}, not grain ${grain}`,
      )
    }
    if (size === 0 || size > this.grainBytes + 65536 || entry * 512 + 12 + size > this.fileSize) {
      throw new DiskCorruptError(this.path, `VMDK compressed grain ${grain} has an invalid size ${size}`)
    }
    const compressed = await readExact(this.file, entry * 512 + 12, size, 'VMDK compressed grain')
    let data: Uint8Array
    try {
      data = await this.host.inflate(compressed, false, this.grainBytes)
    } catch (error) {
      throw new DiskCorruptError(this.path, `VMDK grain ${grain} does not decompress: ${(error as Error).message}`)
    }
    const grainData = new Uint8Array(this.grainBytes)
    grainData.set(data.subarray(0, this.grainBytes))
    return grainData
  }

  /** Appends a new grain (full content) and records it in the in-memory grain table. */
  async allocate(grain: number, content: Uint8Array): Promise<void> {
    const index = Math.floor(grain / this.header.gtesPerGt)
    const table = await this.table(index)
    if (!table) throw new DiskUnsupportedError(this.path, `VMDK grain table ${index} is not allocated; cannot write`)
    const at = this.nextGrain
    await this.file.write(at, content)
    this.nextGrain = at + this.grainBytes
    this.fileSize = Math.max(this.fileSize, this.nextGrain)
    table[grain % this.header.gtesPerGt] = at / 512
    this.owners?.set(at / 512, grain)
    this.dirtyTables.add(index)
  }

  /** Like `allocate` for a grain that is all zeros but `part`: past the end of the file only `part` is written. */
  async allocatePart(grain: number, part: Uint8Array, inGrain: number): Promise<boolean> {
    const at = this.nextGrain
    if (at < this.fileSize) return false
    const index = Math.floor(grain / this.header.gtesPerGt)
    const table = await this.table(index)
    if (!table) return false
    await this.file.truncate(at + this.grainBytes)
    await this.file.write(at + inGrain, part)
    this.nextGrain = at + this.grainBytes
    this.fileSize = this.nextGrain
    table[grain % this.header.gtesPerGt] = at / 512
    this.owners?.set(at / 512, grain)
    this.dirtyTables.add(index)
    return true
  }

  get dirty(): boolean {
    return this.dirtyTables.size > 0
  }

  /** Writes changed grain tables (primary and redundant copies). Call after the grains are durable. */
  async writeTables(): Promise<void> {
    for (const index of [...this.dirtyTables].sort((a, b) => a - b)) {
      const table = this.tables.get(index)
      if (!table) continue
      const bytes = new Uint8Array(table.length * 4)
      const view = viewOf(bytes)
      table.forEach((value, i) => view.setUint32(i * 4, value, true))
      await this.file.write((this.gd[index] ?? 0) * 512, bytes)
      const redundant = this.rgd?.[index] ?? 0
      if (redundant !== 0) await this.file.write(redundant * 512, bytes)
    }
    this.dirtyTables.clear()
  }
}
