/**
 * The standard PC CMOS layout, built as bytes for the MC146818's `image` config (what VirtualBox's
 * ConsoleImpl2/pcbios and QEMU's pc.c write): base/extended memory sizes, floppy and hard-disk types and
 * geometry, equipment byte, boot order (the 0x3D/0x38 encoding SeaBIOS reads), and the 0x2E checksum.
 * Spec: IBM PC AT technical reference "CMOS RAM address map"; SeaBIOS src/hw/rtc.h names; Bochs CMOS reference.
 */

/** A boot device in the CMOS boot-order encoding. */
export type CmosBootDevice = 'floppy' | 'disk' | 'cdrom' | 'network'
const BOOT_CODE: Record<CmosBootDevice, number> = { floppy: 1, disk: 2, cdrom: 3, network: 4 }

/** Floppy drive types of register 0x10 (4 = 1.44 MB 3.5", 5 = 2.88 MB 3.5"). */
export type CmosFloppyType = 'none' | '1.44M' | '2.88M'
const FLOPPY_CODE: Record<CmosFloppyType, number> = { none: 0, '1.44M': 4, '2.88M': 5 }

/** Hard-disk geometry for the type-47 entries (0x1B/0x24). */
export interface CmosDiskGeometry {
  readonly cylinders: number
  readonly heads: number
  readonly sectors: number
}

/** What the CMOS describes. */
export interface CmosLayout {
  readonly ramBytes: number
  readonly floppies?: readonly [CmosFloppyType?, CmosFloppyType?]
  /** The first two IDE disks (primary master, primary slave). */
  readonly disks?: readonly [CmosDiskGeometry?, CmosDiskGeometry?]
  /** Up to three boot devices in order (default: floppy, disk, cdrom). */
  readonly bootOrder?: readonly CmosBootDevice[]
  /** Number of CPUs (SeaBIOS reads 0x5F as count - 1). */
  readonly cpus?: number
}

const put16 = (image: Uint8Array, at: number, value: number) => {
  image[at] = value & 0xff
  image[at + 1] = (value >> 8) & 0xff
}

/** Builds the 256-byte CMOS image (time registers are left to the RTC). */
export function buildCmosImage(layout: CmosLayout): Uint8Array {
  const image = new Uint8Array(256)
  const kb = Math.floor(layout.ramBytes / 1024)
  const below4g = Math.min(layout.ramBytes, 0xe000_0000)
  put16(image, 0x15, 640)
  const extKb = Math.min(0xfbc0, Math.max(0, kb - 1024)) // 1 MiB .. 64 MiB in KB
  put16(image, 0x17, extKb)
  put16(image, 0x30, extKb)
  const above16m = Math.max(0, below4g - 16 * 1024 * 1024)
  put16(image, 0x34, Math.min(0xffff, Math.floor(above16m / 65536)))
  const above4g = Math.max(0, layout.ramBytes - 0xe000_0000)
  const blocks = Math.floor(above4g / 65536)
  image[0x5b] = blocks & 0xff
  image[0x5c] = (blocks >> 8) & 0xff
  image[0x5d] = Math.floor(blocks / 65536) & 0xff
  image[0x5f] = Math.max(0, (layout.cpus ?? 1) - 1)

  const [fd0 = 'none', fd1 = 'none'] = layout.floppies ?? []
  image[0x10] = (FLOPPY_CODE[fd0] << 4) | FLOPPY_CODE[fd1]
  const floppyCount = (fd0 !== 'none' ? 1 : 0) + (fd1 !== 'none' ? 1 : 0)
  // Equipment byte: bit 0 floppy present, bits 6-7 count-1, bit 1 FPU, bits 4-5 = 00 (EGA/VGA).
  image[0x14] = (floppyCount > 0 ? 0x01 | ((floppyCount - 1) << 6) : 0) | 0x02

  const [hd0, hd1] = layout.disks ?? []
  image[0x12] = (hd0 ? 0xf0 : 0) | (hd1 ? 0x0f : 0)
  image[0x19] = hd0 ? 47 : 0
  image[0x1a] = hd1 ? 47 : 0
  const geometry = (at: number, g: CmosDiskGeometry) => {
    const cylinders = Math.min(g.cylinders, 0xffff)
    put16(image, at, cylinders)
    image[at + 2] = g.heads & 0xff
    put16(image, at + 3, 0xffff) // write precompensation: none
    image[at + 5] = 0xc0 | (g.heads > 8 ? 0x08 : 0)
    put16(image, at + 6, cylinders) // landing zone
    image[at + 8] = g.sectors & 0xff
  }
  if (hd0) geometry(0x1b, hd0)
  if (hd1) geometry(0x24, hd1)
  // LBA translation for both disks of the first channel.
  image[0x39] = (hd0 ? 0x01 : 0) | (hd1 ? 0x04 : 0)

  const order = (layout.bootOrder ?? ['floppy', 'disk', 'cdrom']).slice(0, 3).map((d) => BOOT_CODE[d])
  image[0x3d] = (order[0] ?? 0) | ((order[1] ?? 0) << 4)
  image[0x38] = (order[2] ?? 0) << 4 // bit 0 clear: check the floppy boot signature
  image[0x32] = 0x20 // century (BCD); the RTC keeps it current

  let sum = 0
  for (let i = 0x10; i <= 0x2d; i++) sum += image[i]!
  image[0x2e] = (sum >> 8) & 0xff
  image[0x2f] = sum & 0xff
  return image
}
