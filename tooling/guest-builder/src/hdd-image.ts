// Guest 4's hard disk: an MBR-partitioned raw image whose one active FAT partition holds SYSLINUX, the Debian
// i386 kernel and the busybox initramfs; syslinux-common's mbr.bin chain-loads the partition's boot sector.
// Built without root or loop devices: mformat/mcopy (mtools) address the partition as `image@@offset` and the
// mtools-based `syslinux --install --offset` writes ldlinux.sys/ldlinux.c32 and the FAT boot sector.
// References: syslinux(1), SYSLINUX wiki "Config" (SERIAL, DEFAULT, APPEND), the classic MBR partition table
// layout (entries at 0x1BE, signature 55AA at 0x1FE).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CACHE_DIR } from './boot-sector'
import { debianKernelI386Path, MissingPackageError } from './debian'
import { buildBusyboxInitramfs } from './initramfs'

/** Printed on COM1 by SYSLINUX (its SERIAL console) once kernel and initramfs are in memory. */
export const SYSLINUX_MARKER = 'Loading initrd.gz...ok'

/** First sector of the FAT partition (1 MiB alignment, as partitioning tools do). */
const PARTITION_LBA = 2048
/** The CHS geometry recorded in the FAT boot sector and the partition entry (16 heads, 63 sectors). */
const HEADS = 16
const SECTORS = 63

/** Options of {@link buildLinuxHddImage}. */
export interface LinuxHddOptions {
  /** Kernel command line (the default puts the console on ttyS0). */
  readonly cmdline?: string
  /** Output file (default: `linux-hdd.img` in the guest cache). */
  readonly path?: string
}

/** What {@link buildLinuxHddImage} produced. */
export interface LinuxHddImage {
  readonly path: string
  readonly sizeBytes: number
}

function run(tool: string, args: readonly string[], pkg: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingPackageError(`${tool} is not installed (apt-get install ${pkg})`)
    }
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr.trim()}`)
  }
}

/** syslinux-common's MBR boot code (the first 440 bytes of the disk). */
function syslinuxMbr(): Uint8Array {
  const path = '/usr/lib/syslinux/mbr/mbr.bin'
  if (!existsSync(path))
    throw new MissingPackageError('syslinux-common has no mbr.bin (apt-get install syslinux-common)')
  const mbr = new Uint8Array(readFileSync(path))
  if (mbr.length > 440) throw new Error(`mbr.bin is ${mbr.length} bytes; the boot code area holds 440`)
  return mbr
}

/** CHS triple of a partition-table entry; LBAs beyond CHS reach are written as the conventional 1023/254/63. */
function chs(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (HEADS * SECTORS))
  if (cylinder > 1023) return [0xfe, 0xff, 0xff]
  const head = Math.floor(lba / SECTORS) % HEADS
  const sector = (lba % SECTORS) + 1
  return [head, ((cylinder >> 2) & 0xc0) | sector, cylinder & 0xff]
}

/** The first sector: MBR code, one active partition (FAT12/16 by size), signature. */
function masterBootRecord(totalSectors: number, partitionType: number): Uint8Array {
  const sector = new Uint8Array(512)
  sector.set(syslinuxMbr())
  const entry = new DataView(sector.buffer, 0x1be, 16)
  const count = totalSectors - PARTITION_LBA
  entry.setUint8(0, 0x80) // active: mbr.bin boots this one
  chs(PARTITION_LBA).forEach((b, i) => entry.setUint8(1 + i, b))
  entry.setUint8(4, partitionType)
  chs(totalSectors - 1).forEach((b, i) => entry.setUint8(5 + i, b))
  entry.setUint32(8, PARTITION_LBA, true)
  entry.setUint32(12, count, true)
  sector[0x1fe] = 0x55
  sector[0x1ff] = 0xaa
  return sector
}

function syslinuxConfig(cmdline: string): string {
  // SERIAL first: SYSLINUX then mirrors its console (banner, "Loading vmlinuz... ok") on COM1 at 115200 8N1.
  return [
    'SERIAL 0 115200',
    'PROMPT 0',
    'TIMEOUT 1',
    'DEFAULT linux',
    'LABEL linux',
    '  KERNEL vmlinuz',
    `  APPEND initrd=initrd.gz ${cmdline}`,
    '',
  ].join('\n')
}

/**
 * Builds the bootable hard-disk image of guest 4 (Debian 12 i386 kernel + busybox initramfs behind SYSLINUX
 * on a FAT partition) and returns its path. Needs the packages syslinux, syslinux-common and mtools.
 */
export function buildLinuxHddImage(options: LinuxHddOptions = {}): LinuxHddImage {
  mkdirSync(CACHE_DIR, { recursive: true })
  const path = options.path ?? join(CACHE_DIR, 'linux-hdd.img')
  const kernel = debianKernelI386Path()
  const initrdPath = join(CACHE_DIR, 'linux-hdd-initrd.gz')
  const initrd = buildBusyboxInitramfs()
  writeFileSync(initrdPath, initrd)
  const configPath = join(CACHE_DIR, 'linux-hdd-syslinux.cfg')
  writeFileSync(configPath, syslinuxConfig(options.cmdline ?? 'console=ttyS0 loglevel=4 tsc=reliable'))

  // Room for the files plus 4 MiB, in whole MiB, at least 16 MiB (a FAT16-sized volume for the bigger cases).
  const payload = readFileSync(kernel).length + initrd.length
  const sizeBytes = Math.max(16, Math.ceil(payload / 2 ** 20) + 4 + 1) * 2 ** 20
  const totalSectors = sizeBytes / 512
  const fatSectors = totalSectors - PARTITION_LBA
  writeFileSync(path, new Uint8Array(sizeBytes))

  const volume = `${path}@@${PARTITION_LBA * 512}`
  const geometry = ['-h', String(HEADS), '-s', String(SECTORS), '-H', String(PARTITION_LBA)]
  run('mformat', ['-i', volume, ...geometry, '-T', String(fatSectors), '-v', 'BOXWOOD', '::'], 'mtools')
  run('syslinux', ['--offset', String(PARTITION_LBA * 512), '--install', path], 'syslinux')
  run('mcopy', ['-i', volume, kernel, '::vmlinuz'], 'mtools')
  run('mcopy', ['-i', volume, initrdPath, '::initrd.gz'], 'mtools')
  run('mcopy', ['-i', volume, configPath, '::syslinux.cfg'], 'mtools')

  // FAT12 below 4085 clusters, FAT16 above: mformat picks; the partition type only informs other tools.
  const bootSector = readFileSync(path).subarray(PARTITION_LBA * 512, PARTITION_LBA * 512 + 512)
  const fatType = new TextDecoder().decode(bootSector.subarray(0x36, 0x3e))
  const image = readFileSync(path)
  image.set(masterBootRecord(totalSectors, fatType.startsWith('FAT12') ? 0x01 : 0x06), 0)
  writeFileSync(path, image)
  return { path, sizeBytes }
}
