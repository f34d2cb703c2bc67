// INT 13h disk services (IBM PC/AT BIOS interface; Phoenix "BIOS Enhanced Disk Drive Specification" 3.0 for
// AH=41h..48h; El Torito "Bootable CD-ROM Format Specification" 1.0 §5 for AH=4Bh): diskettes, hard disks
// with CHS (translated geometry) and LBA packets, and the El Torito boot drive (no-emulation CD, or the
// emulated diskette/hard disk of el-torito.ts, which are ordinary drives here). Media I/O is async: the
// handlers return a promise and the stub sleeps in the ROM's I/O wait until it settles (bios-device.ts).
import { BiosCall } from './bios-call'
import { geometryOf, sectorsOf, type BiosDisk } from './bios-disks'
import { BDA, type BiosEnv, type HandlerResult } from './bios-env'
import { BiosReadCache } from './bios-read-cache'
import { terminateEmulation } from './el-torito'
import { ROM } from './rom-image'

/** INT 13h status codes. */
const STATUS = {
  OK: 0x00,
  BAD_COMMAND: 0x01,
  WRITE_PROTECTED: 0x03,
  SECTOR_NOT_FOUND: 0x04,
  MEDIA_CHANGED: 0x06,
  NOT_READY: 0xaa,
  TIMEOUT: 0x80,
} as const

const readCaches = new WeakMap<BiosDisk, BiosReadCache>()

function readCacheOf(disk: BiosDisk): BiosReadCache {
  let cache = readCaches.get(disk)
  if (!cache) readCaches.set(disk, (cache = new BiosReadCache()))
  return cache
}

function ioFailed(env: BiosEnv, disk: BiosDisk, lba: number, count: number, error: unknown): number {
  env.log.warn('INT 13h media I/O failed', { drive: disk.number, lba, count, error: String(error) })
  return STATUS.TIMEOUT
}

/**
 * Reads or writes `count` sectors of `disk` at `lba` to/from the linear address `linear`. Reads that the drive's
 * read-ahead window already holds complete at once (a number); the others wait for the host (a promise).
 */
export function transfer(
  env: BiosEnv,
  disk: BiosDisk,
  lba: number,
  count: number,
  linear: number,
  write: boolean,
): number | Promise<number> {
  const medium = disk.drive.medium
  if (!medium) return STATUS.NOT_READY
  if (lba < 0 || lba + count > sectorsOf(disk)) return STATUS.SECTOR_NOT_FOUND
  if (write && medium.readOnly) return STATUS.WRITE_PROTECTED
  const offset = lba * disk.sectorSize
  const length = count * disk.sectorSize
  if (write) {
    const bytes = new Uint8Array(length)
    env.dma.read(linear >>> 0, bytes)
    readCacheOf(disk).clear()
    return medium.write(offset, bytes).then(
      () => STATUS.OK,
      (error: unknown) => ioFailed(env, disk, lba, count, error),
    )
  }
  if (BiosReadCache.cacheable(medium)) {
    const cache = readCacheOf(disk)
    const hit = cache.lookup(medium, offset, length)
    if (hit) {
      env.dma.write(linear >>> 0, hit)
      return STATUS.OK
    }
    return cache.fill(medium, offset, length).then(
      (bytes) => {
        env.dma.write(linear >>> 0, bytes)
        return STATUS.OK
      },
      (error: unknown) => ioFailed(env, disk, lba, count, error),
    )
  }
  const bytes = new Uint8Array(length)
  return medium.read(offset, bytes).then(
    () => {
      env.dma.write(linear >>> 0, bytes)
      return STATUS.OK
    },
    (error: unknown) => ioFailed(env, disk, lba, count, error),
  )
}

function finish(call: BiosCall, env: BiosEnv, disk: BiosDisk | undefined, status: number): void {
  call.ah = status
  call.carry = status !== STATUS.OK
  if (disk?.kind === 'floppy') call.write8(0x40, 0x41, status)
  else call.write8(0x40, 0x74, status)
  void env
}

function findDisk(env: BiosEnv, number: number): BiosDisk | undefined {
  if (env.bootCd && number === env.bootCd.number) return env.bootCd
  return env.disks.find((d) => d.number === number)
}

/** Runs `then` with the status now, or once the host I/O behind it completes. */
function afterTransfer(status: number | Promise<number>, then: (status: number) => void): void | Promise<void> {
  return typeof status === 'number' ? then(status) : status.then(then)
}

function chsTransfer(call: BiosCall, env: BiosEnv, disk: BiosDisk, write: boolean, verify: boolean): HandlerResult {
  const g = geometryOf(disk)
  if (!g) return finish(call, env, disk, disk.kind === 'floppy' ? STATUS.TIMEOUT : STATUS.NOT_READY)
  const count = call.al
  const sector = call.cl & 0x3f
  const cylinder = call.ch | ((call.cl & 0xc0) << 2)
  const head = call.dh
  if (count === 0 || sector === 0 || sector > g.sectors || head >= g.heads || cylinder >= g.cylinders) {
    call.al = 0
    return finish(call, env, disk, STATUS.SECTOR_NOT_FOUND)
  }
  const lba = (cylinder * g.heads + head) * g.sectors + sector - 1
  const status = verify
    ? lba + count <= sectorsOf(disk)
      ? STATUS.OK
      : STATUS.SECTOR_NOT_FOUND
    : transfer(env, disk, lba, count, BiosCall.linear(call.es, call.bx), write)
  return afterTransfer(status, (done) => {
    call.al = done === STATUS.OK ? count : 0
    finish(call, env, disk, done)
  })
}

function packetTransfer(call: BiosCall, env: BiosEnv, disk: BiosDisk, write: boolean, verify: boolean): HandlerResult {
  const size = call.read8(call.ds, call.si)
  if (size < 0x10) return finish(call, env, disk, STATUS.BAD_COMMAND)
  const count = call.read16(call.ds, call.si + 2)
  const offset = call.read16(call.ds, call.si + 4)
  const segment = call.read16(call.ds, call.si + 6)
  const lba = call.read32(call.ds, call.si + 8) + call.read32(call.ds, call.si + 12) * 2 ** 32
  let linear = BiosCall.linear(segment, offset)
  if (segment === 0xffff && offset === 0xffff && size >= 0x18) linear = call.read32(call.ds, call.si + 16)
  if (count === 0) return finish(call, env, disk, STATUS.OK)
  const status = verify
    ? lba + count <= sectorsOf(disk)
      ? STATUS.OK
      : STATUS.SECTOR_NOT_FOUND
    : transfer(env, disk, lba, count, linear, write)
  return afterTransfer(status, (done) => {
    if (done !== STATUS.OK) call.write16(call.ds, call.si + 2, 0)
    finish(call, env, disk, done)
  })
}

function driveParameters(call: BiosCall, env: BiosEnv, disk: BiosDisk): void {
  const size = call.read16(call.ds, call.si)
  if (size < 0x1a) return finish(call, env, disk, STATUS.BAD_COMMAND)
  const g = geometryOf(disk) ?? { cylinders: 0, heads: 0, sectors: 0 }
  const total = sectorsOf(disk)
  const buf = new Uint8Array(0x1a)
  const v = new DataView(buf.buffer)
  v.setUint16(0, 0x1a, true)
  v.setUint16(2, disk.kind === 'hard-disk' ? 0x0002 : 0x0074, true) // CHS valid / removable, change line, lockable
  v.setUint32(4, g.cylinders, true)
  v.setUint32(8, g.heads, true)
  v.setUint32(12, g.sectors, true)
  v.setUint32(16, total % 2 ** 32, true)
  v.setUint32(20, Math.floor(total / 2 ** 32), true)
  v.setUint16(24, disk.sectorSize, true)
  call.writeBytes(call.ds, call.si, buf)
  finish(call, env, disk, STATUS.OK)
}

/**
 * AH=4Bh, El Torito terminate emulation (AL=00h) / get status (AL=01h): the specification packet at DS:SI
 * (§5.4: media type, drive number, image LBA, load segment, sector count, emulated geometry).
 */
function elToritoStatus(call: BiosCall, env: BiosEnv, disk: BiosDisk): void {
  const image = disk.image
  if (disk !== env.bootCd || !image || (call.al !== 0x00 && call.al !== 0x01)) {
    return finish(call, env, disk, STATUS.BAD_COMMAND)
  }
  const packet = new Uint8Array(0x13)
  const v = new DataView(packet.buffer)
  packet[0] = 0x13
  packet[1] = image.media
  packet[2] = disk.number
  v.setUint32(4, image.lba, true)
  v.setUint16(0x0c, image.segment, true)
  v.setUint16(0x0e, image.sectors, true)
  const g = image.media === 0 ? undefined : geometryOf(disk)
  if (g) {
    const maxCyl = g.cylinders - 1
    packet[0x10] = maxCyl & 0xff
    packet[0x11] = (g.sectors & 0x3f) | ((maxCyl >> 2) & 0xc0)
    packet[0x12] = g.heads - 1
  }
  call.writeBytes(call.ds, call.si, packet)
  if (call.al === 0x00 && image.cd) terminateEmulation(env, disk)
  finish(call, env, disk, STATUS.OK)
}

/** INT 13h. */
export function int13(call: BiosCall, env: BiosEnv): HandlerResult {
  const fn = call.ah
  // AH=4Bh with DL=7Fh means "the El Torito boot drive, whatever its number".
  const disk = fn === 0x4b && call.dl === 0x7f ? env.bootCd : findDisk(env, call.dl)
  if (fn === 0x00 || fn === 0x0d) return finish(call, env, disk, STATUS.OK) // reset
  if (fn === 0x01) {
    call.al = call.read8(0x40, disk?.kind === 'floppy' ? 0x41 : 0x74)
    call.ah = 0
    call.carry = false
    return
  }
  if (!disk) {
    // No such drive. AH=15h reports "no drive" without an error for diskettes.
    if (fn === 0x15) {
      call.ah = 0
      call.carry = false
      return
    }
    return finish(call, env, disk, STATUS.BAD_COMMAND)
  }
  switch (fn) {
    case 0x02:
    case 0x03:
    case 0x04:
      if (disk.kind === 'cdrom') return finish(call, env, disk, STATUS.BAD_COMMAND)
      return chsTransfer(call, env, disk, fn === 0x03, fn === 0x04)
    case 0x08: {
      const g = geometryOf(disk)
      if (!g || disk.kind === 'cdrom') return finish(call, env, disk, STATUS.BAD_COMMAND)
      const maxCyl = g.cylinders - 1
      call.ch = maxCyl & 0xff
      call.cl = g.sectors | ((maxCyl >> 2) & 0xc0)
      call.dh = g.heads - 1
      if (disk.kind === 'floppy') {
        call.dl = env.disks.filter((d) => d.kind === 'floppy').length
        call.bl = disk.drive.medium ? (g.sectors === 36 ? 5 : g.sectors === 18 ? 4 : g.sectors === 15 ? 2 : 3) : 4
        call.es = 0xf000
        call.di = ROM.DISK_PARAMS
      } else {
        call.dl = env.disks.filter((d) => d.kind === 'hard-disk').length
      }
      call.al = 0
      return finish(call, env, disk, STATUS.OK)
    }
    case 0x10:
    case 0x11:
    case 0x14:
    case 0x16:
      return finish(call, env, disk, disk.drive.medium ? STATUS.OK : STATUS.MEDIA_CHANGED)
    case 0x15: {
      call.carry = false
      if (disk.kind === 'floppy') {
        call.ah = 0x02 // diskette with change line
        return
      }
      const total = sectorsOf(disk)
      call.ah = 0x03
      call.cx = Math.floor(total / 0x1_0000) & 0xffff
      call.dx = total & 0xffff
      return
    }
    case 0x41:
      if (call.bx !== 0x55aa) return finish(call, env, disk, STATUS.BAD_COMMAND)
      call.bx = 0xaa55
      call.cx = 0x0007
      call.ah = 0x30
      call.carry = false
      return
    case 0x42:
    case 0x43:
    case 0x44:
      return packetTransfer(call, env, disk, fn === 0x43, fn === 0x44)
    case 0x47:
      return finish(call, env, disk, STATUS.OK)
    case 0x48:
      return driveParameters(call, env, disk)
    case 0x4b:
      return elToritoStatus(call, env, disk)
    default:
      return finish(call, env, disk, STATUS.BAD_COMMAND)
  }
}

/** Counts hard disks into the BDA (done at POST). */
export function recordDisks(call: BiosCall, env: BiosEnv): void {
  call.write8(0x40, BDA.HARD_DISKS, env.disks.filter((d) => d.kind === 'hard-disk').length)
}
