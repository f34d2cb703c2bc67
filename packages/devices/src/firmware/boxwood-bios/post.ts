// POST, the TypeScript half (the ROM half programmed the PICs, the PIT and copied the CMOS): interrupt vector
// table, BIOS data area, EBDA, the drive table from the controllers' services, PCI initialisation, the MP
// table on APIC machines, video mode 3 with a banner.
// Spec: IBM PC/AT Technical Reference (IVT, BDA); Ralf Brown's MEMORY.LST.
import type { FloppyFirmwareServices } from '../../storage/floppy/floppy-services'
import type { IdeFirmwareServices } from '../../storage/ide/piix3-ide'
import type { BiosCall } from './bios-call'
import type { BiosDisk } from './bios-disks'
import { BDA, EBDA_SEGMENT, type BiosEnv } from './bios-env'
import { printString, setVideoMode } from './int10-video'
import { recordDisks } from './int13-disk'
import { ticksFromCmos } from './int15-system'
import { buildMpTable, MP_FLOATING_EBDA_OFFSET, MP_TABLE_ADDRESS } from './mp-table'
import { initPciBus } from './pci-init'
import { HLE_VECTORS, ROM } from './rom-image'

/** Builds the INT 13h drive table: diskettes 00h.., hard disks 80h.., CD drives E0h... */
export function buildDiskTable(
  ide: IdeFirmwareServices | undefined,
  floppy: FloppyFirmwareServices | undefined,
): BiosDisk[] {
  const disks: BiosDisk[] = []
  for (const f of floppy?.drives ?? []) disks.push({ number: f.unit, kind: 'floppy', drive: f.drive, sectorSize: 512 })
  let hd = 0x80
  let cd = 0xe0
  for (const d of ide?.drives ?? []) {
    if (d.drive.kind === 'hard-disk') disks.push({ number: hd++, kind: 'hard-disk', drive: d.drive, sectorSize: 512 })
    else if (d.drive.kind === 'cdrom') disks.push({ number: cd++, kind: 'cdrom', drive: d.drive, sectorSize: 2048 })
  }
  return disks
}

/** Runs POST: IVT, BDA, EBDA, disks, video. */
export function post(call: BiosCall, env: BiosEnv): void {
  const { entries } = env.rom
  const vector = (n: number, offset: number, segment = 0xf000) =>
    call.write32(0, n * 4, ((segment << 16) | offset) >>> 0)
  for (let n = 0; n < 256; n++) vector(n, entries.iret)
  for (let n = 0x0a; n <= 0x0f; n++) vector(n, entries.eoiMaster)
  for (let n = 0x70; n <= 0x77; n++) vector(n, entries.eoiSlave)
  vector(0x08, entries.int08)
  vector(0x09, entries.int09)
  for (const v of HLE_VECTORS) vector(v, ROM.stub(v))
  vector(0x1e, ROM.DISK_PARAMS)
  vector(0x1f, ROM.FONT8 + 128 * 8)
  vector(0x43, ROM.FONT8)

  // BIOS data area.
  call.writeBytes(0x40, 0, new Uint8Array(0x100))
  call.write16(0x40, BDA.COM, 0x3f8)
  call.write16(0x40, BDA.COM + 2, 0x2f8)
  call.write16(0x40, 0x0e, EBDA_SEGMENT)
  const floppies = env.disks.filter((d) => d.kind === 'floppy').length
  // Equipment: diskettes (bit 0, count-1 in 6-7), FPU, 80×25 colour, two serial ports.
  const equipment = (floppies > 0 ? 0x01 | ((floppies - 1) << 6) : 0) | 0x02 | 0x20 | (2 << 9)
  call.write16(0x40, BDA.EQUIPMENT, equipment)
  call.write16(0x40, BDA.MEMORY_KB, EBDA_SEGMENT >> 6)
  call.write16(0x40, BDA.KB_HEAD, 0x1e)
  call.write16(0x40, BDA.KB_TAIL, 0x1e)
  call.write16(0x40, BDA.KB_START, 0x1e)
  call.write16(0x40, BDA.KB_END, 0x3e)
  call.write8(0x40, BDA.KB_STATUS, 0x10)
  call.write32(0x40, BDA.TICKS, ticksFromCmos(env))
  call.write16(EBDA_SEGMENT, 0, 1) // EBDA size in KB
  recordDisks(call, env)
  env.machine.setA20(true)
  const pci = env.pci ? initPciBus(env.pci, env.dma.ramBytes) : []
  if (env.apic) {
    // The same addresses and I/O APIC id as the MADT (machine/pc-config.ts) and the APIC devices' defaults.
    const mp = buildMpTable({
      localApicAddress: 0xfee0_0000,
      ioApicAddress: 0xfec0_0000,
      ioApicId: 1,
      cpuSignature: 0x633, // the i686 CPU's CPUID.01h EAX: family 6, model 3, stepping 3
      pci,
      address: MP_TABLE_ADDRESS,
    })
    env.dma.write(MP_TABLE_ADDRESS, mp.table)
    call.writeBytes(EBDA_SEGMENT, MP_FLOATING_EBDA_OFFSET, mp.floating)
  }
  env.bootCd = undefined

  if (setVideoMode(call, env, 0x03)) {
    printString(call, env, 'Boxwood BIOS\r\n')
    const mb = Math.floor(env.dma.ramBytes / (1024 * 1024))
    printString(call, env, `Memory: ${mb} MB\r\n`)
    for (const d of env.disks) {
      const what = d.kind === 'floppy' ? 'Floppy' : d.kind === 'hard-disk' ? 'Hard disk' : 'CD/DVD'
      const size = d.drive.medium ? `${Math.round(d.drive.medium.size / 1024)} KB` : 'no medium'
      printString(call, env, `${what} ${d.number.toString(16).toUpperCase()}h: ${size}\r\n`)
    }
  }
}
