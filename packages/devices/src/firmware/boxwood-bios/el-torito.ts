// El Torito CD boot (Bootable CD-ROM Format Specification 1.0): the Boot Record Volume Descriptor at sector 17,
// the boot catalog's validation entry and initial/default entry, and the three ways its image boots —
// no emulation (the image loaded at its segment, the CD is drive E0h with 2048-byte sectors), diskette
// emulation (1.2/1.44/2.88 MB: the image becomes drive 00h, real diskettes move up by one) and hard-disk
// emulation (the image, an MBR-partitioned disk, becomes drive 80h, real hard disks move up by one; its
// geometry comes from the partition table's ending CHS, §5.1 "the BIOS reads the partition table").
import { createBlockDrive, type BlockMedium } from '../../backends/block-backend'
import { floppyGeometry, type BiosDisk, type BiosGeometry } from './bios-disks'
import { BDA, type BiosEnv } from './bios-env'

/** The drive number of a CD booted without emulation (what SeaBIOS and most BIOSes use). */
export const CD_DRIVE_NUMBER = 0xe0

/** Boot media types of the catalog entry (byte 1, bits 0–3). */
export const MEDIA = { NONE: 0, FLOPPY_1_2M: 1, FLOPPY_1_44M: 2, FLOPPY_2_88M: 3, HARD_DISK: 4 } as const

const FLOPPY_BYTES: Readonly<Record<number, number>> = {
  [MEDIA.FLOPPY_1_2M]: 1_228_800,
  [MEDIA.FLOPPY_1_44M]: 1_474_560,
  [MEDIA.FLOPPY_2_88M]: 2_949_120,
}

/** The boot catalog's initial/default entry. */
export interface BootEntry {
  readonly media: number
  /** Load segment (0 in the catalog means 07C0h). */
  readonly segment: number
  /** 512-byte virtual sectors to load. */
  readonly sectors: number
  /** First CD sector (2048 bytes) of the image. */
  readonly lba: number
}

/** Reads `count` CD sectors, or undefined when the medium is missing, too small or fails. */
export type CdReader = (lba: number, count: number) => Promise<Uint8Array | undefined>

/** Finds the bootable initial/default entry of a CD, or undefined (not El Torito, bad checksum, not bootable). */
export async function readBootEntry(read: CdReader): Promise<BootEntry | undefined> {
  const brvd = await read(17, 1)
  if (!brvd) return undefined
  const ident = String.fromCharCode(...brvd.subarray(1, 6))
  const system = String.fromCharCode(...brvd.subarray(7, 30))
  if (brvd[0] !== 0 || ident !== 'CD001' || system !== 'EL TORITO SPECIFICATION') return undefined
  const catalog = await read(new DataView(brvd.buffer).getUint32(0x47, true), 1)
  if (!catalog) return undefined
  const view = new DataView(catalog.buffer)
  let sum = 0
  for (let i = 0; i < 32; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff
  if (catalog[0] !== 0x01 || catalog[0x1e] !== 0x55 || catalog[0x1f] !== 0xaa || sum !== 0) return undefined
  if (catalog[0x20] !== 0x88) return undefined
  return {
    media: catalog[0x21]! & 0x0f,
    segment: view.getUint16(0x22, true) || 0x07c0,
    sectors: view.getUint16(0x26, true) || 1,
    lba: view.getUint32(0x28, true),
  }
}

/**
 * A read-only 512-byte-sector view of `bytes` bytes of the CD from its sector `lba`: the emulated drive's
 * medium. It answers only while the CD that was booted is still in the drive.
 */
function imageMedium(cd: BiosDisk, lba: number, bytes: number): BlockMedium {
  const medium = cd.drive.medium!
  const base = lba * 2048
  const check = (offset: number, length: number): void => {
    if (cd.drive.medium !== medium) throw new RangeError('the El Torito boot CD was removed')
    if (offset < 0 || offset + length > bytes) throw new RangeError(`I/O at ${offset} is outside the boot image`)
  }
  return {
    size: bytes,
    sectorSize: 512,
    readOnly: true,
    read(offset, target) {
      try {
        check(offset, target.length)
      } catch (error) {
        return Promise.reject(error as Error)
      }
      return medium.read(base + offset, target)
    },
    write: () => Promise.reject(new RangeError('an El Torito boot image is read-only')),
    flush: () => Promise.resolve(),
  }
}

/** The emulated hard disk's size and geometry from its MBR (the partition that ends last). */
function hardDiskLayout(mbr: Uint8Array): { bytes: number; geometry: BiosGeometry } | undefined {
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) return undefined
  const view = new DataView(mbr.buffer, mbr.byteOffset, mbr.byteLength)
  let end = 0
  let heads = 0
  let sectors = 0
  for (let i = 0; i < 4; i++) {
    const entry = 0x1be + i * 16
    const count = view.getUint32(entry + 12, true)
    if (mbr[entry + 4] === 0 || count === 0) continue
    const last = view.getUint32(entry + 8, true) + count
    if (last > end) {
      end = last
      heads = mbr[entry + 5]! + 1
      sectors = mbr[entry + 6]! & 0x3f
    }
  }
  if (end === 0 || sectors === 0) return undefined
  const cylinders = Math.min(1024, Math.ceil(end / (heads * sectors)))
  return { bytes: end * 512, geometry: { cylinders, heads, sectors } }
}

/**
 * Makes the emulated drive for `entry` of the boot CD `cd` (floppy or hard-disk media types): the drive table
 * gets it as 00h or 80h and the real drives of that kind move up by one; the BDA counts it. Returns undefined
 * when the image does not fit the CD or, for a hard disk, has no usable partition table.
 */
export async function emulateDrive(
  env: BiosEnv,
  cd: BiosDisk,
  entry: BootEntry,
  read: CdReader,
): Promise<BiosDisk | undefined> {
  const medium = cd.drive.medium
  if (!medium) return undefined
  const room = medium.size - entry.lba * 2048
  let bytes: number
  let geometry: BiosGeometry
  if (entry.media === MEDIA.HARD_DISK) {
    const first = await read(entry.lba, 1)
    const layout = first && hardDiskLayout(first.subarray(0, 512))
    if (!layout) return undefined
    bytes = layout.bytes
    geometry = layout.geometry
  } else {
    const size = FLOPPY_BYTES[entry.media]
    if (size === undefined) return undefined
    bytes = size
    geometry = floppyGeometry(size).geometry
  }
  if (bytes > room) return undefined
  const disk = insertEmulatedDrive(env, cd, entry, bytes, geometry)
  countDrives(env)
  return disk
}

/**
 * The emulated drive of `entry` (`bytes` of the CD from its first sector, with `geometry`) as drive 00h or 80h,
 * the real drives of its kind moved up by one. Also how a restored saved state gets it back (no CD reads).
 */
export function insertEmulatedDrive(
  env: BiosEnv,
  cd: BiosDisk,
  entry: BootEntry,
  bytes: number,
  geometry: BiosGeometry,
): BiosDisk {
  const kind = entry.media === MEDIA.HARD_DISK ? 'hard-disk' : 'floppy'
  const disk: BiosDisk = {
    number: kind === 'floppy' ? 0x00 : 0x80,
    kind,
    drive: createBlockDrive(kind, imageMedium(cd, entry.lba, bytes)),
    sectorSize: 512,
    geometry,
    image: { lba: entry.lba, segment: entry.segment, sectors: entry.sectors, media: entry.media, cd },
  }
  env.disks = [disk, ...env.disks.map((d) => (d.kind === kind ? { ...d, number: d.number + 1 } : d))]
  return disk
}

/** INT 13h AX=4B00h on an emulated drive: the image's drive goes away and the real drives get their numbers back. */
export function terminateEmulation(env: BiosEnv, disk: BiosDisk): void {
  env.disks = env.disks
    .filter((d) => d !== disk)
    .map((d) => (d.kind === disk.kind ? { ...d, number: d.number - 1 } : d))
  env.bootCd = undefined
  countDrives(env)
}

/** Diskette count in the equipment word and the hard-disk count in the BDA, after the drive table changed. */
function countDrives(env: BiosEnv): void {
  const floppies = env.disks.filter((d) => d.kind === 'floppy').length
  const equipmentAt = 0x400 + BDA.EQUIPMENT
  const equipment = env.dma.readU16(equipmentAt) & ~0xc1
  env.dma.writeU16(equipmentAt, equipment | (floppies > 0 ? 0x01 | ((Math.min(floppies, 4) - 1) << 6) : 0))
  env.dma.writeU8(0x400 + BDA.HARD_DISKS, env.disks.filter((d) => d.kind === 'hard-disk').length)
}
