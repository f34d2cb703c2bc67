// ISO 9660 images (ECMA-119 §8 volume descriptors; Joliet supplementary descriptor for the Unicode label):
// read-only block devices with 2048-byte sectors, plus the volume information media management shows.

import { asciiz, utf16Decode, viewOf } from './bytes'
import { DiskCorruptError } from './errors'
import type { BlockFile, DiskHost } from './host'
import type { Extent, Layer, LayerContext, ParentIdentity } from './layer'
import { MAX_OPEN_SIZE, readExact, readZeroPadded } from './layer'
import { NIL_UUID } from './uuid'

/** Volume information from an ISO 9660 image's primary (and Joliet) volume descriptor. */
export interface IsoInfo {
  /** Volume identifier (the Joliet one when present, which keeps case and Unicode). */
  readonly volumeLabel: string
  readonly systemId: string
  readonly publisherId: string
  readonly preparerId: string
  readonly applicationId: string
  /** Logical block size (2048 on every real disc). */
  readonly blockSize: number
  /** Volume space size in logical blocks. */
  readonly volumeBlocks: number
  /** Volume size in bytes (volumeBlocks × blockSize). */
  readonly volumeSize: number
  /** Creation date as written (YYYYMMDDHHMMSScc), or '' when unset. */
  readonly created: string
  readonly joliet: boolean
}

const SECTOR = 2048
const FIRST_DESCRIPTOR = 16
const MAX_DESCRIPTORS = 64

/** Parses the volume descriptor set of an open ISO file. */
export async function parseIsoInfo(path: string, file: BlockFile): Promise<IsoInfo> {
  let primary: Uint8Array | undefined
  let jolietLabel: string | undefined
  for (let index = 0; index < MAX_DESCRIPTORS; index++) {
    const sector = await readExact(file, (FIRST_DESCRIPTOR + index) * SECTOR, SECTOR, 'ISO 9660 volume descriptor')
    if (asciiz(sector, 1, 6) !== 'CD001') {
      throw new DiskCorruptError(path, `ISO 9660 volume descriptor ${index} lacks the CD001 identifier`)
    }
    const type = sector[0]
    if (type === 255) break
    if (type === 1 && !primary) primary = sector
    if (type === 2) {
      // Joliet: escape sequence %/@, %/C or %/E selects UCS-2 (big-endian) identifiers.
      const escape = asciiz(sector, 88, 91)
      if (escape === '%/@' || escape === '%/C' || escape === '%/E') {
        jolietLabel = utf16Decode(sector.subarray(40, 72), false).trimEnd()
      }
    }
  }
  if (!primary) throw new DiskCorruptError(path, 'ISO 9660 image has no primary volume descriptor')
  const view = viewOf(primary)
  const volumeBlocks = view.getUint32(80, true)
  const blockSize = view.getUint16(128, true)
  if (blockSize !== 512 && blockSize !== 1024 && blockSize !== 2048) {
    throw new DiskCorruptError(path, `ISO 9660 logical block size ${blockSize} is invalid`)
  }
  if (volumeBlocks * blockSize > MAX_OPEN_SIZE) {
    throw new DiskCorruptError(path, `ISO 9660 volume of ${volumeBlocks} blocks is absurd`)
  }
  const text = (start: number, length: number) => asciiz(primary, start, start + length).trimEnd()
  const created = text(813, 16)
  return {
    volumeLabel: jolietLabel ?? text(40, 32),
    systemId: text(8, 32),
    publisherId: text(318, 128),
    preparerId: text(446, 128),
    applicationId: text(574, 128),
    blockSize,
    volumeBlocks,
    volumeSize: volumeBlocks * blockSize,
    created: /^0+$/.test(created) ? '' : created,
    joliet: jolietLabel !== undefined,
  }
}

/** Reads the volume information of the ISO image at `path`. */
export async function readIsoInfo(host: DiskHost, path: string): Promise<IsoInfo> {
  const file = await host.fs.open(path, { write: false })
  try {
    return await parseIsoInfo(path, file)
  } finally {
    await file.close()
  }
}

class IsoLayer implements Layer {
  readonly format = 'iso'
  readonly variant = 'fixed'
  readonly writable = false
  readonly sectorSize = SECTOR
  readonly uuid = NIL_UUID
  readonly parent = undefined
  readonly blockSize = SECTOR
  readonly path: string
  readonly logicalSize: number
  private readonly file: BlockFile

  constructor(path: string, file: BlockFile, size: number) {
    this.path = path
    this.file = file
    this.logicalSize = size
  }
  async extent(_offset: number, length: number): Promise<Extent> {
    return { state: 'data', length }
  }
  readData(offset: number, target: Uint8Array): Promise<void> {
    return readZeroPadded(this.file, offset, target)
  }
  async write(): Promise<void> {
    throw new DiskCorruptError(this.path, 'ISO images are read-only')
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

/** Opens an ISO image read-only; its size is the file's, rounded down to whole 2048-byte sectors. */
export async function openIso(context: LayerContext, file: BlockFile): Promise<Layer> {
  await parseIsoInfo(context.path, file)
  const size = Math.floor((await file.size()) / SECTOR) * SECTOR
  return new IsoLayer(context.path, file, size)
}
