// The Boxwood BIOS device (VirtualBox's 'pcbios' role): a ROM built at run time from TypeScript (rom-image.ts)
// mapped at F0000h and at the top of 4 GB, and a firmware-call port range whose ports trap the ROM stubs into
// the handlers here (the DOSBox approach: a high-level-emulated BIOS). A handler waiting for host media I/O
// sends the stub to the ROM's I/O wait, which sleeps in HLT until the BIOS pulses IRQ 14 on completion (a real
// BIOS waits for its disk controller's interrupt the same way) and then re-executes the OUT to collect the
// result; INT 15h AH=86h sleeps in the same wait until a virtual-clock timer completes the call; INT 16h waits
// with STI;HLT for a key.
import {
  defineDevice,
  defineState,
  u16,
  u32,
  u8,
  type DeviceContext,
  type DeviceInstance,
  type FirmwareCall,
} from '@boxwood/vmm/device-api'
import { apicBusContract } from '../../apic/apic-bus'
import { pciBusContract } from '../../bus/pci/pci-bus'
import { vgaFirmwareContract } from '../../graphics/vga/vga-firmware-services'
import { floppyFirmwareContract } from '../../storage/floppy/floppy-services'
import { ideFirmwareContract } from '../../storage/ide/piix3-ide'
import { BiosCall } from './bios-call'
import { bios32Directory, bios32Pci, bios32PciData } from './bios32'
import { CMOS_SNAPSHOT, EBDA_SEGMENT, type BiosEnv, type BiosHandler } from './bios-env'
import type { BiosDisk } from './bios-disks'
import { int18, int19 } from './boot'
import { CD_DRIVE_NUMBER, insertEmulatedDrive } from './el-torito'
import { int10, VBE_MODES } from './int10-video'
import { int13 } from './int13-disk'
import { int11, int12, int15, int1a } from './int15-system'
import { int16, keyboardIrq } from './int16-keyboard'
import { buildDiskTable, post } from './post'
import { buildBiosRom, CALL, ROM } from './rom-image'

/**
 * Saved state: the VBE mode INT 10h set and (version 2) the El Torito boot CD — which CD drive, its boot catalog
 * entry and, for an emulated drive, the image's size and geometry — so a restored machine gets drive E0h's
 * AX=4B01h packet or its emulated drive 00h/80h back. Everything else lives in guest RAM (IVT, BDA, EBDA) or
 * follows from the attached drives.
 */
export const boxwoodBiosState = defineState({
  unit: 'pcbios',
  version: 2,
  minVersion: 1,
  fields: {
    vbeMode: u16,
    /** 0 no boot CD, 1 booted without emulation, 2 an emulated drive. */
    cdBoot: u8.since(2, 0),
    /** Which CD drive (in the drive table's order). */
    cdIndex: u8.since(2, 0),
    cdLba: u32.since(2, 0),
    cdSegment: u16.since(2, 0),
    cdSectors: u16.since(2, 0),
    cdMedia: u8.since(2, 0),
    /** The emulated drive: bytes and CHS geometry. */
    cdBytes: u32.since(2, 0),
    cdCylinders: u16.since(2, 0),
    cdHeads: u16.since(2, 0),
    cdSectorsPerTrack: u8.since(2, 0),
  },
})

type BiosState = ReturnType<typeof boxwoodBiosState.initial>

const HANDLERS: Readonly<Record<number, BiosHandler>> = {
  0x10: int10,
  0x11: (call) => int11(call),
  0x12: (call) => int12(call),
  0x13: int13,
  0x15: int15,
  0x16: int16,
  0x18: int18,
  0x19: int19,
  0x1a: int1a,
}

interface InFlight {
  settled: boolean
  readonly call: BiosCall
}

/** The IRQ a disk controller raises when an operation completes (primary IDE); the BIOS's I/O wait sleeps on it. */
const IO_DONE_IRQ = 14

function createBios(
  ctx: DeviceContext,
  config: { callBase: number; acpiTables: Uint8Array | undefined; acpiAddress: number },
): DeviceInstance<BiosState> {
  const state = boxwoodBiosState.initial()
  const rom = buildBiosRom(
    config.callBase,
    VBE_MODES.map(([n]) => n),
  )
  ctx.rom(rom.image, 'Boxwood BIOS').map(0xf_0000)
  ctx.rom(rom.image, 'Boxwood BIOS (high alias)').map(0xffff_0000)
  // Calls waiting for the host, by vector and caller stack: an interrupt taken while one waits may call the
  // same service again (a nested call has its own stack frame).
  const inflight = new Map<string, InFlight>()
  const ioDone = ctx.irq(IO_DONE_IRQ)
  // Timed waits (INT 15h AH=86h) by deadline: one timer armed for the earliest completes them and wakes the CPU.
  const timed = new Map<InFlight, number>()
  const waitTimer = ctx.timer('timed-wait', () => {
    const now = ctx.clock.nowNs()
    let next = Infinity
    for (const [op, until] of timed) {
      if (until <= now) {
        op.settled = true
        timed.delete(op)
      } else next = Math.min(next, until)
    }
    if (next !== Infinity) waitTimer.armAt(next)
    ioDone.pulse()
  })
  /** Sends the stub to the ROM's I/O wait with its OUT pushed as the near return address (real-mode stack). */
  const waitForHost = (regs: FirmwareCall['regs'], stub: number): void => {
    const sp = (regs.esp - 2) & 0xffff
    ctx.dma.writeU16(BiosCall.linear(regs.ss, sp), stub + ROM.STUB_RETRY)
    regs.esp = ((regs.esp & 0xffff_0000) | sp) >>> 0
    regs.eip = rom.entries.ioWait
  }

  let bootCd: BiosDisk | undefined
  /** Keeps the saved state's boot CD fields in step with `env.bootCd`. */
  const recordBootCd = (disk: BiosDisk | undefined): void => {
    const cd = disk?.image?.cd ?? disk
    const cdIndex = cd ? env.disks.filter((d) => d.kind === 'cdrom').findIndex((d) => d.drive === cd.drive) : -1
    if (!disk?.image || cdIndex < 0) {
      state.cdBoot = 0
      return
    }
    const emulated = disk.kind !== 'cdrom'
    Object.assign(state, {
      cdBoot: emulated ? 2 : 1,
      cdIndex,
      cdLba: disk.image.lba,
      cdSegment: disk.image.segment,
      cdSectors: disk.image.sectors,
      cdMedia: disk.image.media,
      cdBytes: emulated ? (disk.drive.medium?.size ?? 0) : 0,
      cdCylinders: disk.geometry?.cylinders ?? 0,
      cdHeads: disk.geometry?.heads ?? 0,
      cdSectorsPerTrack: disk.geometry?.sectors ?? 0,
    })
  }
  /** The boot CD the saved state names, back in the drive table (after the table was rebuilt). */
  const restoreBootCd = (): void => {
    bootCd = undefined
    const cd = env.disks.filter((d) => d.kind === 'cdrom')[state.cdIndex]
    if (state.cdBoot === 0 || !cd) return
    const entry = { lba: state.cdLba, segment: state.cdSegment, sectors: state.cdSectors, media: state.cdMedia }
    if (state.cdBoot === 1) {
      bootCd = { ...cd, number: CD_DRIVE_NUMBER, image: entry }
      return
    }
    const geometry = { cylinders: state.cdCylinders, heads: state.cdHeads, sectors: state.cdSectorsPerTrack }
    bootCd = insertEmulatedDrive(env, cd, entry, state.cdBytes, geometry)
  }

  const env: BiosEnv = {
    dma: ctx.dma,
    clock: ctx.clock,
    machine: ctx.machine,
    log: ctx.log,
    rom,
    get vga() {
      return ctx.service(vgaFirmwareContract)
    },
    get pci() {
      return ctx.service(pciBusContract)
    },
    get apic() {
      return ctx.service(apicBusContract) !== undefined
    },
    disks: [],
    get bootCd() {
      return bootCd
    },
    set bootCd(disk: BiosDisk | undefined) {
      bootCd = disk
      recordBootCd(disk)
    },
    get vbeMode() {
      return state.vbeMode
    },
    set vbeMode(v: number) {
      state.vbeMode = v
    },
    cmos: (index) => ctx.dma.readU8(EBDA_SEGMENT * 16 + CMOS_SNAPSHOT + (index & 0x7f)),
  }

  function dispatch(fw: FirmwareCall): void {
    const offset = fw.offset
    if (offset === CALL.POST) {
      env.disks = buildDiskTable(ctx.service(ideFirmwareContract), ctx.service(floppyFirmwareContract))
      const call = new BiosCall(fw.regs, ctx.dma, false)
      // ACPI tables (RSDP first) in the reserved E0000h area, where OSes scan for the RSDP.
      if (config.acpiTables) ctx.dma.write(config.acpiAddress, config.acpiTables)
      post(call, env)
      call.applyTo(fw.regs, false)
      return
    }
    if (offset === CALL.BIOS32) return bios32Directory(fw.regs, ROM.PCI32_ENTRY)
    if (offset === CALL.PCI32) return bios32Pci(fw.regs, env)
    if (offset === CALL.PCI32_DATA) return bios32PciData(fw.regs, env)
    if (offset === CALL.KEYBOARD_IRQ) {
      const call = new BiosCall(fw.regs, ctx.dma, false)
      keyboardIrq(call)
      return
    }
    const handler = HANDLERS[offset]
    if (!handler) return
    const stub = ROM.stub(offset)
    const key = `${offset}:${BiosCall.linear(fw.regs.ss, fw.regs.esp)}`
    const pending = inflight.get(key)
    if (pending) {
      if (!pending.settled) {
        waitForHost(fw.regs, stub)
        return
      }
      inflight.delete(key)
      pending.call.applyTo(fw.regs)
      return
    }
    const call = new BiosCall(fw.regs, ctx.dma)
    let result: ReturnType<BiosHandler>
    try {
      result = handler(call, env)
    } catch (error) {
      // A handler bug must not take the VM down: report failure to the caller.
      ctx.log.error('BIOS handler failed', { vector: offset, error: String(error) })
      call.carry = true
      call.applyTo(fw.regs)
      return
    }
    if (result instanceof Promise) {
      const op: InFlight = { settled: false, call }
      inflight.set(key, op)
      const settle = (): void => {
        // A reset while the host worked forgot the call; its completion must not interrupt the new boot.
        if (inflight.get(key) !== op) return
        op.settled = true
        ioDone.pulse()
      }
      result.then(settle, (error: unknown) => {
        ctx.log.error('BIOS handler failed', { vector: offset, error: String(error) })
        call.carry = true
        settle()
      })
      waitForHost(fw.regs, stub)
      return
    }
    if (result !== undefined && typeof result === 'object') {
      const op: InFlight = { settled: false, call }
      inflight.set(key, op)
      timed.set(op, result.untilNs)
      if (waitTimer.deadlineNs === undefined || result.untilNs < waitTimer.deadlineNs) waitTimer.armAt(result.untilNs)
      waitForHost(fw.regs, stub)
      return
    }
    if (result === 'wait') {
      fw.regs.eip = stub + ROM.STUB_WAIT
      return
    }
    call.applyTo(fw.regs)
  }

  ctx.firmwareCalls(0x100, dispatch, 'Boxwood BIOS services').map(config.callBase)

  return {
    state,
    reset() {
      state.vbeMode = 0
      inflight.clear()
      timed.clear()
      waitTimer.cancel()
      env.bootCd = undefined
    },
    afterLoad() {
      // The drive table lives here, not in guest RAM: rebuild it from the attached drives as POST did, then put
      // the saved boot CD (and its emulated drive) back. Calls in flight belong to the run that was replaced; the
      // loaded guest's waiting stubs re-run their calls.
      env.disks = buildDiskTable(ctx.service(ideFirmwareContract), ctx.service(floppyFirmwareContract))
      restoreBootCd()
      inflight.clear()
      timed.clear()
      waitTimer.cancel()
    },
  }
}

/** The Boxwood BIOS device definition (config node 'pcbios'). */
export const boxwoodBios = defineDevice({
  name: 'pcbios',
  description: 'Boxwood BIOS: real-mode stubs over TypeScript services',
  maxInstances: 1,
  config: {
    callBase: { type: 'u16', default: 0x0b00, description: 'base of the 256 firmware-call ports' },
    acpiTables: { type: 'bytes', optional: true, description: 'ACPI tables (RSDP first) copied at POST' },
    acpiAddress: { type: 'u32', default: 0xe_0000, min: 0xe_0000, max: 0xf_0000 - 16 },
  },
  savedState: boxwoodBiosState,
  create: createBios,
})
