// IDENTIFY DEVICE / IDENTIFY PACKET DEVICE data (ATA/ATAPI-6, T13/1410D §8.15/§8.16: word layout, ASCII
// strings stored byte-swapped within each word) and the default CHS geometry of a hard disk.

/** The logical CHS geometry a disk reports (16 heads, 63 sectors, cylinders capped at 16383: ATA §6.2.1). */
export interface ChsGeometry {
  readonly cylinders: number
  readonly heads: number
  readonly sectors: number
}

/** The default geometry of a disk of `totalSectors`. */
export function defaultGeometry(totalSectors: number): ChsGeometry {
  const heads = 16
  const sectors = 63
  const cylinders = Math.max(1, Math.min(16383, Math.floor(totalSectors / (heads * sectors))))
  return { cylinders, heads, sectors }
}

function putString(words: Uint16Array, first: number, count: number, text: string): void {
  const padded = text.padEnd(count * 2, ' ')
  for (let i = 0; i < count; i++) words[first + i] = (padded.charCodeAt(i * 2) << 8) | padded.charCodeAt(i * 2 + 1)
}

function toBytes(words: Uint16Array): Uint8Array {
  const out = new Uint8Array(512)
  for (let i = 0; i < 256; i++) {
    out[i * 2] = words[i]! & 0xff
    out[i * 2 + 1] = words[i]! >> 8
  }
  return out
}

/** Transfer-mode state the identify data reports (SET FEATURES subcommand 03h). */
export interface TransferModes {
  /** Current multiple count (0: off). */
  readonly multiple: number
  /** Selected multiword DMA mode (0..2) or -1, selected Ultra DMA mode (0..5) or -1. */
  readonly mdma: number
  readonly udma: number
}

/** IDENTIFY DEVICE data of an ATA disk. */
export function identifyDisk(
  totalSectors: number,
  logical: ChsGeometry,
  modes: TransferModes,
  serial: string,
  maxMultiple: number,
): Uint8Array {
  const w = new Uint16Array(256)
  const geometry = defaultGeometry(totalSectors)
  w[0] = 0x0040
  w[1] = geometry.cylinders
  w[3] = geometry.heads
  w[6] = geometry.sectors
  putString(w, 10, 10, serial)
  putString(w, 23, 4, '1.0')
  putString(w, 27, 20, 'BOXWOOD HARDDISK')
  w[47] = 0x8000 | maxMultiple
  w[49] = 0x0300 // LBA and DMA supported
  w[51] = 0x0200
  w[53] = 0x0007
  const chsSectors = Math.min(totalSectors, logical.cylinders * logical.heads * logical.sectors)
  w[54] = logical.cylinders
  w[55] = logical.heads
  w[56] = logical.sectors
  w[57] = chsSectors & 0xffff
  w[58] = chsSectors >>> 16
  w[59] = modes.multiple > 0 ? 0x0100 | modes.multiple : 0
  const lba28 = Math.min(totalSectors, 0x0fff_ffff)
  w[60] = lba28 & 0xffff
  w[61] = lba28 >>> 16
  w[63] = 0x0007 | (modes.mdma >= 0 ? 0x100 << modes.mdma : 0)
  w[64] = 0x0003
  w[65] = w[66] = w[67] = w[68] = 120
  w[80] = 0x007e // ATA-1 .. ATA/ATAPI-6
  w[82] = 0x4000 // NOP
  w[83] = 0x7400 // 48-bit addressing, FLUSH CACHE, FLUSH CACHE EXT
  w[84] = 0x4000
  w[85] = 0x4000
  w[86] = 0x3400
  w[87] = 0x4000
  w[88] = 0x003f | (modes.udma >= 0 ? 0x100 << modes.udma : 0)
  w[93] = 0x6000 | 0x0001
  w[100] = totalSectors % 0x1_0000
  w[101] = Math.floor(totalSectors / 0x1_0000) % 0x1_0000
  w[102] = Math.floor(totalSectors / 0x1_0000_0000) % 0x1_0000
  return toBytes(w)
}

/** IDENTIFY PACKET DEVICE data of an ATAPI CD/DVD drive. */
export function identifyAtapi(modes: TransferModes, serial: string): Uint8Array {
  const w = new Uint16Array(256)
  w[0] = 0x85c0 // ATAPI, CD/DVD device, removable, 50 µs DRQ, 12-byte packets
  putString(w, 10, 10, serial)
  putString(w, 23, 4, '1.0')
  putString(w, 27, 20, 'BOXWOOD CD-ROM')
  w[49] = 0x0300
  w[53] = 0x0006
  w[63] = 0x0007 | (modes.mdma >= 0 ? 0x100 << modes.mdma : 0)
  w[64] = 0x0003
  w[65] = w[66] = w[67] = w[68] = 120
  w[71] = w[72] = 30
  w[80] = 0x007e
  w[82] = 0x4210 // PACKET, DEVICE RESET, NOP
  w[85] = 0x4210
  w[88] = 0x003f | (modes.udma >= 0 ? 0x100 << modes.udma : 0)
  return toBytes(w)
}
