// INT 19h bootstrap and INT 18h: the boot order from CMOS (0x3D low/high nibble, 0x38 high nibble: 1 floppy,
// 2 hard disk, 3 CD — the encoding Bochs/SeaBIOS use), boot sectors with the 55AAh signature loaded at
// 0000:7C00, and El Torito CD boot without emulation or with diskette/hard-disk emulation (el-torito.ts).
import type { BiosCall } from './bios-call'
import { type BiosDisk } from './bios-disks'
import type { BiosEnv, HandlerResult } from './bios-env'
import { printString } from './int10-video'
import { CD_DRIVE_NUMBER, emulateDrive, MEDIA, readBootEntry, terminateEmulation } from './el-torito'
import { transfer } from './int13-disk'

async function readBytes(env: BiosEnv, disk: BiosDisk, lba: number, count: number): Promise<Uint8Array | undefined> {
  const medium = disk.drive.medium
  if (!medium) return undefined
  const bytes = new Uint8Array(count * disk.sectorSize)
  if ((lba + count) * disk.sectorSize > medium.size) return undefined
  try {
    await medium.read(lba * disk.sectorSize, bytes)
  } catch {
    return undefined
  }
  return bytes
}

async function bootSector(call: BiosCall, env: BiosEnv, disk: BiosDisk, checkSignature: boolean): Promise<boolean> {
  const sector = await readBytes(env, disk, 0, 1)
  if (!sector) return false
  if (checkSignature && (sector[510] !== 0x55 || sector[511] !== 0xaa)) return false
  env.dma.write(0x7c00, sector)
  call.jump = { cs: 0, ip: 0x7c00, ss: 0, sp: 0x7c00, dl: disk.number }
  return true
}

async function bootCd(call: BiosCall, env: BiosEnv, disk: BiosDisk): Promise<boolean> {
  const read = (lba: number, count: number) => readBytes(env, disk, lba, count)
  const entry = await readBootEntry(read)
  if (!entry) return false
  if (entry.media === MEDIA.NONE) {
    const cdSectors = Math.ceil((entry.sectors * 512) / 2048)
    const status = await transfer(env, disk, entry.lba, cdSectors, entry.segment * 16, false)
    if (status !== 0) return false
    env.bootCd = { ...disk, number: CD_DRIVE_NUMBER, image: { ...entry } }
    call.jump = { cs: entry.segment, ip: 0, ss: 0, sp: 0x7c00, dl: CD_DRIVE_NUMBER }
    return true
  }
  const emulated = await emulateDrive(env, disk, entry, read)
  if (!emulated) {
    env.log.warn('El Torito: the emulated boot image does not fit the CD or has no partition table', { ...entry })
    return false
  }
  // The emulated drive's first sectors go to the load segment; the image starts like a boot sector there.
  const status = await transfer(env, emulated, 0, entry.sectors, entry.segment * 16, false)
  if (status !== 0) {
    terminateEmulation(env, emulated)
    return false
  }
  env.bootCd = emulated
  // The usual load segment 07C0h starts the image at 0000:7C00, where a diskette or MBR boot sector expects it.
  const [cs, ip] = entry.segment === 0x07c0 ? [0, 0x7c00] : [entry.segment, 0]
  call.jump = { cs, ip, ss: 0, sp: 0x7c00, dl: emulated.number }
  return true
}

/** INT 19h: tries the boot devices in CMOS order. */
export function int19(call: BiosCall, env: BiosEnv): HandlerResult {
  const order = [env.cmos(0x3d) & 0x0f, env.cmos(0x3d) >> 4, env.cmos(0x38) >> 4].filter((d) => d >= 1 && d <= 3)
  const checkFloppySignature = (env.cmos(0x38) & 1) === 0
  const devices = order.length > 0 ? order : [1, 2, 3]
  return (async () => {
    for (const device of devices) {
      if (device === 1) {
        const floppy = env.disks.find((d) => d.kind === 'floppy' && d.drive.medium)
        if (floppy) {
          printString(call, env, 'Booting from Floppy...\r\n')
          if (await bootSector(call, env, floppy, checkFloppySignature)) return
        }
      } else if (device === 2) {
        const disk = env.disks.find((d) => d.kind === 'hard-disk')
        if (disk) {
          printString(call, env, 'Booting from Hard Disk...\r\n')
          if (await bootSector(call, env, disk, true)) return
        }
      } else {
        for (const cd of env.disks.filter((d) => d.kind === 'cdrom' && d.drive.medium)) {
          printString(call, env, 'Booting from DVD/CD...\r\n')
          if (await bootCd(call, env, cd)) return
        }
      }
    }
    int18(call, env)
  })()
}

/** INT 18h: no bootable device — print and halt. */
export function int18(call: BiosCall, env: BiosEnv): HandlerResult {
  printString(call, env, 'No bootable medium found! System halted.\r\n')
  call.jump = { cs: 0xf000, ip: env.rom.entries.halt, ss: 0, sp: 0x7c00, dl: 0 }
}
