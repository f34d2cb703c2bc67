// INT 19h bootstrap and INT 18h: the boot order from CMOS (0x3D low/high nibble, 0x38 high nibble: 1 floppy,
// 2 hard disk, 3 CD — the encoding Bochs/SeaBIOS use), boot sectors with the 55AAh signature loaded at
// 0000:7C00, and El Torito no-emulation CD boot (Bootable CD-ROM Format Specification 1.0: Boot Record
// Volume Descriptor at sector 17, validation and initial/default entries of the boot catalog).
import type { BiosCall } from './bios-call'
import { type BiosDisk } from './bios-disks'
import type { BiosEnv, HandlerResult } from './bios-env'
import { printString } from './int10-video'
import { transfer } from './int13-disk'

const CD_DRIVE_NUMBER = 0xe0

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
  const brvd = await readBytes(env, disk, 17, 1)
  if (!brvd) return false
  const ident = String.fromCharCode(...brvd.subarray(1, 6))
  const system = String.fromCharCode(...brvd.subarray(7, 30))
  if (brvd[0] !== 0 || ident !== 'CD001' || system !== 'EL TORITO SPECIFICATION') return false
  const catalogLba = new DataView(brvd.buffer).getUint32(0x47, true)
  const catalog = await readBytes(env, disk, catalogLba, 1)
  if (!catalog) return false
  const view = new DataView(catalog.buffer)
  let sum = 0
  for (let i = 0; i < 32; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff
  if (catalog[0] !== 0x01 || catalog[0x1e] !== 0x55 || catalog[0x1f] !== 0xaa || sum !== 0) return false
  const entry = catalog.subarray(0x20, 0x40)
  if (entry[0] !== 0x88) return false
  if ((entry[1]! & 0x0f) !== 0) {
    env.log.warn('El Torito floppy/hard-disk emulation is not supported; only no-emulation images boot')
    return false
  }
  const segment = view.getUint16(0x22, true) || 0x07c0
  const virtualSectors = view.getUint16(0x26, true) || 1
  const rba = view.getUint32(0x28, true)
  const cdSectors = Math.ceil((virtualSectors * 512) / 2048)
  const status = await transfer(env, disk, rba, cdSectors, segment * 16, false)
  if (status !== 0) return false
  env.bootCd = { ...disk, number: CD_DRIVE_NUMBER, image: { lba: rba, segment, sectors: virtualSectors } }
  call.jump = { cs: segment, ip: 0, ss: 0, sp: 0x7c00, dl: CD_DRIVE_NUMBER }
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
