// The BIOS drive table: diskettes (00h..), hard disks (80h..) and CD drives (E0h..) numbered from the
// controllers' firmware services, with the CHS geometry INT 13h reports (diskette formats by image size,
// LBA-assisted translation for hard disks: Phoenix "BIOS Enhanced Disk Drive Specification" §2.3).
import type { BlockDrive } from '../../backends/block-backend'

/** One drive as INT 13h sees it. */
export interface BiosDisk {
  readonly number: number
  readonly kind: 'floppy' | 'hard-disk' | 'cdrom'
  readonly drive: BlockDrive
  /** Bytes per sector INT 13h uses (2048 for CDs). */
  readonly sectorSize: number
  /** The geometry INT 13h reports, when not derived from the medium's size (an emulated El Torito hard disk). */
  readonly geometry?: BiosGeometry
  /**
   * For the El Torito boot drive: the boot image's first CD sector, load segment, 512-byte sector count, the
   * catalog's media type (0 no emulation, 1–3 diskettes, 4 hard disk) and, for an emulated drive, the CD.
   */
  readonly image?: {
    readonly lba: number
    readonly segment: number
    readonly sectors: number
    readonly media: number
    readonly cd?: BiosDisk
  }
}

/** CHS geometry. */
export interface BiosGeometry {
  readonly cylinders: number
  readonly heads: number
  readonly sectors: number
}

const FLOPPY_FORMATS: readonly [number, BiosGeometry, number][] = [
  [2_949_120, { cylinders: 80, heads: 2, sectors: 36 }, 5],
  [1_474_560, { cylinders: 80, heads: 2, sectors: 18 }, 4],
  [1_228_800, { cylinders: 80, heads: 2, sectors: 15 }, 2],
  [737_280, { cylinders: 80, heads: 2, sectors: 9 }, 3],
  [368_640, { cylinders: 40, heads: 2, sectors: 9 }, 1],
]

/** The geometry of a diskette image (by size) and its CMOS drive type. */
export function floppyGeometry(size: number): { geometry: BiosGeometry; type: number } {
  const match = FLOPPY_FORMATS.find(([bytes]) => bytes === size) ?? FLOPPY_FORMATS[1]!
  return { geometry: match[1], type: match[2] }
}

/** The translated geometry of a hard disk of `sectors` sectors (at most 1024 cylinders). */
export function hardDiskGeometry(totalSectors: number): BiosGeometry {
  const sectors = 63
  let heads = 16
  for (const h of [16, 32, 64, 128, 255]) {
    heads = h
    if (totalSectors <= 1024 * h * sectors) break
  }
  const cylinders = Math.max(1, Math.min(1024, Math.floor(totalSectors / (heads * sectors))))
  return { cylinders, heads, sectors }
}

/** Geometry of a BIOS disk with its current medium (undefined without one). */
export function geometryOf(disk: BiosDisk): BiosGeometry | undefined {
  const medium = disk.drive.medium
  if (!medium) return undefined
  if (disk.geometry) return disk.geometry
  if (disk.kind === 'floppy') return floppyGeometry(medium.size).geometry
  return hardDiskGeometry(Math.floor(medium.size / disk.sectorSize))
}

/** Total sectors of a BIOS disk (0 without a medium). */
export function sectorsOf(disk: BiosDisk): number {
  const medium = disk.drive.medium
  return medium ? Math.floor(medium.size / disk.sectorSize) : 0
}
