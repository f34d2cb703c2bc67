// INT 15h system services (IBM PC/AT BIOS, AH=86h wait; ACPI 6.x §15.1 for the E820h memory map), INT 11h/12h and
// INT 1Ah time of day from the BDA tick count and the POST CMOS snapshot (MC146818 registers, BCD or binary
// per status register B); INT 1Ah AH=B1h goes to the PCI BIOS (pci-bios.ts).
import type { BiosCall } from './bios-call'
import { BDA, type BiosEnv, type HandlerResult } from './bios-env'
import { pciBios } from './pci-bios'
import { ROM } from './rom-image'

/** The E820h map: base, length, type (1 usable, 2 reserved). */
export function memoryMap(ramBytes: number): [number, number, number][] {
  return [
    [0, 0x9_fc00, 1],
    [0x9_fc00, 0x400, 2],
    [0xe_0000, 0x2_0000, 2],
    [0x10_0000, Math.max(0, ramBytes - 0x10_0000), 1],
    [0xfffc_0000, 0x4_0000, 2],
  ]
}

/** INT 15h. */
export function int15(call: BiosCall, env: BiosEnv): HandlerResult {
  const ram = env.dma.ramBytes
  const unsupported = () => {
    call.ah = 0x86
    call.carry = true
  }
  call.carry = false
  if (call.regs.eax >>> 0 === 0xe820 && ((call.regs.edx & 0xffff0000) | call.dx) >>> 0 === 0x534d4150) {
    const map = memoryMap(ram)
    const index = call.regs.ebx >>> 0
    const entry = map[index]
    if (!entry || call.regs.ecx >>> 0 < 20) return unsupported()
    const buf = new Uint8Array(20)
    const v = new DataView(buf.buffer)
    v.setUint32(0, entry[0], true)
    v.setUint32(8, entry[1] % 2 ** 32, true)
    v.setUint32(12, Math.floor(entry[1] / 2 ** 32), true)
    v.setUint32(16, entry[2], true)
    call.writeBytes(call.es, call.di, buf)
    call.regs.eax = 0x534d4150
    call.regs.ecx = 20
    call.regs.ebx = index + 1 < map.length ? index + 1 : 0
    return
  }
  switch (call.ah) {
    case 0xe8:
      if (call.al === 0x01) {
        const extended = Math.max(0, ram - 0x10_0000)
        call.ax = call.cx = Math.min(extended, 15 * 1024 * 1024) >>> 10
        call.bx = Math.max(0, ram - 0x100_0000) >>> 16
        call.dx = call.bx
        return
      }
      return unsupported()
    case 0x88:
      call.ax = Math.min(0xfc00, Math.max(0, ram - 0x10_0000) >>> 10)
      return
    case 0x24:
      switch (call.al) {
        case 0x00:
        case 0x01:
          env.machine.setA20(call.al === 0x01)
          call.ah = 0
          return
        case 0x02:
          call.ah = 0
          call.al = env.machine.a20Enabled ? 1 : 0
          return
        case 0x03:
          call.ah = 0
          call.bx = 0x0003 // keyboard controller and port 92h
          return
        default:
          return unsupported()
      }
    case 0xc0:
      call.es = 0xf000
      call.bx = ROM.SYSCONF
      call.ah = 0
      return
    case 0x86: {
      // Wait CX:DX microseconds of virtual time. The call completes when the deadline passes; until then the
      // caller sleeps in HLT (the BIOS device's timer wakes it), as a real BIOS sleeps on the RTC's periodic
      // interrupt, instead of re-running the stub and burning guest instructions.
      const us = call.cx * 0x1_0000 + call.dx
      call.ah = 0
      return us === 0 ? undefined : { untilNs: env.clock.nowNs() + us * 1000 }
    }
    case 0x4f:
      call.carry = true // not intercepted: the scancode is processed
      return
    case 0x90:
    case 0x91:
      call.ah = 0
      return
    default:
      return unsupported()
  }
}

/** INT 11h: equipment list. */
export function int11(call: BiosCall): HandlerResult {
  call.ax = call.read16(0x40, BDA.EQUIPMENT)
}

/** INT 12h: conventional memory size in KB. */
export function int12(call: BiosCall): HandlerResult {
  call.ax = call.read16(0x40, BDA.MEMORY_KB)
}

const TICKS_PER_SECOND = 1_193_182 / 65_536

function bcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | (value % 10)
}

/** A CMOS time/date register as BCD. */
function cmosBcd(env: BiosEnv, index: number): number {
  const v = env.cmos(index)
  return env.cmos(0x0b) & 0x04 ? bcd(v) : v
}

/** INT 1Ah. */
export function int1a(call: BiosCall, env: BiosEnv): HandlerResult {
  call.carry = false
  switch (call.ah) {
    case 0x00: {
      const ticks = call.read32(0x40, BDA.TICKS)
      call.cx = ticks >>> 16
      call.dx = ticks & 0xffff
      call.al = call.read8(0x40, BDA.MIDNIGHT)
      call.write8(0x40, BDA.MIDNIGHT, 0)
      return
    }
    case 0x01:
      call.write32(0x40, BDA.TICKS, (call.cx << 16) | call.dx)
      return
    case 0x02: {
      const seconds = Math.floor(call.read32(0x40, BDA.TICKS) / TICKS_PER_SECOND)
      call.ch = bcd(Math.floor(seconds / 3600) % 24)
      call.cl = bcd(Math.floor(seconds / 60) % 60)
      call.dh = bcd(seconds % 60)
      call.dl = 0
      return
    }
    case 0x04:
      call.ch = cmosBcd(env, 0x32)
      call.cl = cmosBcd(env, 0x09)
      call.dh = cmosBcd(env, 0x08)
      call.dl = cmosBcd(env, 0x07)
      return
    case 0x03:
    case 0x05:
      return
    case 0xb1:
      return pciBios(call, env)
    default:
      call.ah = 0x86
      call.carry = true
  }
}

/** Ticks since midnight for a CMOS time (POST seeds the BDA counter with it). */
export function ticksFromCmos(env: BiosEnv): number {
  const binary = (index: number) => {
    const v = env.cmos(index)
    return env.cmos(0x0b) & 0x04 ? v : (v >> 4) * 10 + (v & 0x0f)
  }
  const seconds = binary(0x04) * 3600 + binary(0x02) * 60 + binary(0x00)
  return Math.floor(seconds * TICKS_PER_SECOND) % 0x1800b0
}
