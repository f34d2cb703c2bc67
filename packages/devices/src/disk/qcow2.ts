// QCOW2 images, read-only (qemu docs/interop/qcow2.txt): versions 2 and 3, L1/L2 cluster tables, zero clusters,
// zlib-compressed clusters and backing files (which become the parent of the chain). Internal snapshots are ignored.

import { asciiz, u64be, viewOf } from './bytes'
import { DiskCorruptError, DiskUnsupportedError } from './errors'
import type { BlockFile, DiskHost } from './host'
import type { Extent, Layer, LayerContext, ParentIdentity, ParentLink } from './layer'
import { MAX_MAP_BYTES, MAX_OPEN_SIZE, readExact, readZeroPadded } from './layer'
import { NIL_UUID } from './uuid'

const MAGIC = 0x514649fb
const INCOMPATIBLE_DIRTY = 1
const INCOMPATIBLE_CORRUPT = 2
const INCOMPATIBLE_COMPRESSION_TYPE = 8

/** An L2 entry split into the parts this reader needs (JS numbers cannot hold 64 bits). */
interface ClusterEntry {
  readonly kind: 'unallocated' | 'zero' | 'data' | 'compressed'
  /** Host byte offset of the data (or of the compressed stream). */
  readonly offset: number
  /** Compressed stream length in bytes (upper bound). */
  readonly length: number
}

class Qcow2Layer implements Layer {
  readonly format = 'qcow2'
  readonly variant = 'dynamic'
  readonly writable = false
  readonly sectorSize = 512
  readonly uuid = NIL_UUID
  readonly path: string
  readonly logicalSize: number
  readonly blockSize: number
  readonly parent: ParentLink | undefined
  private readonly file: BlockFile
  private readonly host: DiskHost
  private readonly clusterBits: number
  private readonly l1: readonly number[]
  private readonly l2Cache = new Map<number, DataView>()
  private readonly fileSize: number
  private cachedCluster = -1
  private cachedData: Uint8Array | undefined

  constructor(
    context: LayerContext,
    file: BlockFile,
    options: { size: number; clusterBits: number; l1: number[]; fileSize: number; backing: string | undefined },
  ) {
    this.path = context.path
    this.host = context.host
    this.file = file
    this.logicalSize = options.size
    this.clusterBits = options.clusterBits
    this.blockSize = 2 ** options.clusterBits
    this.l1 = options.l1
    this.fileSize = options.fileSize
    this.parent = options.backing !== undefined ? { uuid: undefined, hint: options.backing } : undefined
  }

  private async entry(cluster: number): Promise<ClusterEntry> {
    const perTable = this.blockSize / 8
    const index = Math.floor(cluster / perTable)
    const l2Offset = this.l1[index] ?? 0
    if (l2Offset === 0) return { kind: 'unallocated', offset: 0, length: 0 }
    let table = this.l2Cache.get(index)
    if (!table) {
      table = viewOf(await readExact(this.file, l2Offset, this.blockSize, 'QCOW2 L2 table'))
      if (this.l2Cache.size > 4096) this.l2Cache.clear()
      this.l2Cache.set(index, table)
    }
    const at = (cluster % perTable) * 8
    const high = table.getUint32(at, false)
    const low = table.getUint32(at + 4, false)
    if (high & 0x40000000) {
      // Compressed: the low x bits are the host offset, the rest the count of additional 512-byte sectors.
      // x ≥ 49, so the offset takes the low x − 32 bits of the high word (split: 62 bits exceed a double).
      const x = 62 - (this.clusterBits - 8)
      const highBits = x - 32
      const offset = (high & (2 ** highBits - 1)) * 0x1_0000_0000 + low
      const sectors = (high & 0x3fffffff) >>> highBits
      const length = (sectors + 1) * 512 - (offset % 512)
      if (offset + 1 > this.fileSize)
        throw new DiskCorruptError(this.path, `QCOW2 cluster ${cluster} lies outside the file`)
      return { kind: 'compressed', offset, length: Math.min(length, this.fileSize - offset) }
    }
    const offset = (high & 0x00ffffff) * 0x1_0000_0000 + (low & 0xfffffe00)
    if (low & 1) return { kind: 'zero', offset: 0, length: 0 }
    if (offset === 0) return { kind: 'unallocated', offset: 0, length: 0 }
    if (offset % this.blockSize !== 0 || offset >= this.fileSize) {
      throw new DiskCorruptError(this.path, `QCOW2 cluster ${cluster} points at ${offset}, outside the file`)
    }
    return { kind: 'data', offset, length: this.blockSize }
  }

  async extent(offset: number, length: number): Promise<Extent> {
    const cluster = Math.floor(offset / this.blockSize)
    const run = Math.min(length, (cluster + 1) * this.blockSize - offset)
    const entry = await this.entry(cluster)
    if (entry.kind === 'zero') return { state: 'zero', length: run }
    if (entry.kind === 'unallocated') return { state: this.parent ? 'absent' : 'zero', length: run }
    return { state: 'data', length: run }
  }

  async readData(offset: number, target: Uint8Array): Promise<void> {
    let done = 0
    while (done < target.length) {
      const at = offset + done
      const cluster = Math.floor(at / this.blockSize)
      const inCluster = at - cluster * this.blockSize
      const length = Math.min(target.length - done, this.blockSize - inCluster)
      const part = target.subarray(done, done + length)
      const entry = await this.entry(cluster)
      if (entry.kind === 'data') await readZeroPadded(this.file, entry.offset + inCluster, part)
      else if (entry.kind === 'compressed')
        part.set((await this.inflate(cluster, entry)).subarray(inCluster, inCluster + length))
      else part.fill(0)
      done += length
    }
  }

  private async inflate(cluster: number, entry: ClusterEntry): Promise<Uint8Array> {
    if (this.cachedCluster === cluster && this.cachedData) return this.cachedData
    const compressed = await readExact(this.file, entry.offset, entry.length, 'QCOW2 compressed cluster')
    let data: Uint8Array
    try {
      data = await this.host.inflate(compressed, true, this.blockSize)
    } catch (error) {
      // qemu pads the stream to whole sectors; inflate reports trailing bytes, which are harmless when full.
      throw new DiskCorruptError(this.path, `QCOW2 cluster ${cluster} does not decompress: ${(error as Error).message}`)
    }
    const full = new Uint8Array(this.blockSize)
    full.set(data.subarray(0, this.blockSize))
    this.cachedCluster = cluster
    this.cachedData = full
    return full
  }

  async write(): Promise<void> {
    throw new DiskUnsupportedError(this.path, 'QCOW2 images are read-only')
  }
  async flush(): Promise<void> {}
  close(): Promise<void> {
    return this.file.close()
  }
  allocatedSize(): Promise<number> {
    return this.file.allocatedSize()
  }
  identity(): ParentIdentity {
    return { path: this.path, uuid: NIL_UUID, modificationUuid: NIL_UUID, cid: 0, timestamp: 0 }
  }
  async grow(): Promise<boolean> {
    return false
  }
  files(): readonly string[] {
    return [this.path]
  }
}

/** Opens a QCOW2 image read-only, validating the header and the L1 table. */
export async function openQcow2(context: LayerContext, file: BlockFile): Promise<Layer> {
  const path = context.path
  const fileSize = await file.size()
  const header = await readExact(file, 0, 104, 'QCOW2 header')
  const view = viewOf(header)
  if (view.getUint32(0, false) !== MAGIC) throw new DiskCorruptError(path, 'QCOW2 magic is wrong')
  const version = view.getUint32(4, false)
  if (version !== 2 && version !== 3) throw new DiskUnsupportedError(path, `QCOW2 version ${version} is not supported`)
  const backingOffset = u64be(view, 8)
  const backingSize = view.getUint32(16, false)
  const clusterBits = view.getUint32(20, false)
  const size = u64be(view, 24)
  const crypt = view.getUint32(32, false)
  const l1Size = view.getUint32(36, false)
  const l1Offset = u64be(view, 40)
  if (clusterBits < 9 || clusterBits > 21)
    throw new DiskCorruptError(path, `QCOW2 cluster bits ${clusterBits} are invalid`)
  if (size > MAX_OPEN_SIZE) throw new DiskCorruptError(path, `QCOW2 disk size ${size} is absurd`)
  if (crypt !== 0) throw new DiskUnsupportedError(path, 'encrypted QCOW2 images are not supported')
  if (version === 3) {
    const incompatibleHigh = view.getUint32(72, false)
    const incompatible = view.getUint32(76, false)
    const known = INCOMPATIBLE_DIRTY | INCOMPATIBLE_CORRUPT | INCOMPATIBLE_COMPRESSION_TYPE
    if (incompatibleHigh !== 0 || (incompatible & ~known) !== 0) {
      throw new DiskUnsupportedError(
        path,
        `QCOW2 incompatible features 0x${incompatible.toString(16)} are not supported`,
      )
    }
    if (incompatible & INCOMPATIBLE_CORRUPT) throw new DiskCorruptError(path, 'QCOW2 image is marked corrupt')
    if (incompatible & INCOMPATIBLE_COMPRESSION_TYPE) {
      const headerLength = view.getUint32(100, false)
      const type = headerLength > 104 ? (await readExact(file, 104, 1, 'QCOW2 header'))[0] : 0
      if (type !== 0) throw new DiskUnsupportedError(path, `QCOW2 compression type ${type} is not supported`)
    }
  }
  const clusterSize = 2 ** clusterBits
  const needed = Math.ceil(size / clusterSize / (clusterSize / 8))
  if (l1Size < needed || l1Size * 8 > MAX_MAP_BYTES || l1Offset + l1Size * 8 > fileSize) {
    throw new DiskCorruptError(path, `QCOW2 L1 table (${l1Size} entries at ${l1Offset}) is invalid`)
  }
  const l1View = viewOf(await readExact(file, l1Offset, l1Size * 8, 'QCOW2 L1 table'))
  const l1: number[] = []
  for (let i = 0; i < l1Size; i++) {
    const offset =
      (l1View.getUint32(i * 8, false) & 0x00ffffff) * 0x1_0000_0000 + (l1View.getUint32(i * 8 + 4, false) & 0xfffffe00)
    if (offset !== 0 && (offset % clusterSize !== 0 || offset + clusterSize > fileSize)) {
      throw new DiskCorruptError(path, `QCOW2 L1 entry ${i} points at ${offset}, outside the file`)
    }
    l1.push(offset)
  }
  let backing: string | undefined
  if (backingOffset !== 0 && backingSize !== 0) {
    if (backingSize > 1023 || backingOffset + backingSize > fileSize) {
      throw new DiskCorruptError(path, 'QCOW2 backing file name is invalid')
    }
    const name = await readExact(file, backingOffset, backingSize, 'QCOW2 backing file name')
    backing = asciiz(name, 0, name.length)
    if (/^[a-z]+:/.test(backing)) throw new DiskUnsupportedError(path, `QCOW2 backing "${backing}" is not a file`)
  }
  return new Qcow2Layer(context, file, { size, clusterBits, l1, fileSize, backing })
}
