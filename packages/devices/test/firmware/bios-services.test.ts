// Boxwood BIOS handlers driven directly through the firmware-call facility (no CPU): POST state, INT 10h
// teletype on the VGA text screen, E820, INT 16h through the keyboard IRQ path, and seeded random register
// files for every service vector — handlers must answer, never throw or write outside guest RAM.
import { createTestMachine, type TestMachine } from '@boxwood/device-testkit'
import { describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium } from '../../src/backends/block-backend'
import { boxwoodBios } from '../../src/firmware/boxwood-bios/bios-device'
import { HLE_VECTORS, ROM, CALL } from '../../src/firmware/boxwood-bios/rom-image'
import { vgaDevice } from '../../src/graphics/vga/vga-device'
import { piix3Ide } from '../../src/storage/ide/piix3-ide'

const BASE = 0x0b00

function biosMachine(): TestMachine {
  const m = createTestMachine({
    ramBytes: 4 << 20,
    devices: [
      { definition: vgaDevice, config: { vramMB: 2 } },
      {
        definition: piix3Ide,
        luns: { 0: createBlockDrive('hard-disk', createMemoryMedium(new Uint8Array(64 * 512))) },
      },
      boxwoodBios,
    ],
  })
  // POST as the ROM would call it (real mode, stack at 0:7000).
  Object.assign(m.firmwareRegisters, { ss: 0, esp: 0x7000, cs: 0xf000 })
  m.io.out8(BASE + CALL.POST, 0)
  return m
}

/** Calls vector `v` as the ROM stub does: the caller's DX and FLAGS are on the stack (push dx after INT). */
function callVector(
  m: TestMachine,
  v: number,
  regs: Partial<Record<string, number>>,
  dx = 0,
): { dx: number; flags: number } {
  const sp = 0x6ff8
  m.memory.write16(sp, dx)
  m.memory.write16(sp + 2, 0x1234) // IP
  m.memory.write16(sp + 4, 0x0000) // CS
  m.memory.write16(sp + 6, 0x0202) // FLAGS
  Object.assign(m.firmwareRegisters, { ss: 0, esp: sp, eip: ROM.stub(v) + ROM.STUB_CONTINUE, ...regs })
  m.io.out8(BASE + v, 0)
  return { dx: m.memory.read16(sp), flags: m.memory.read16(sp + 6) }
}

describe('Boxwood BIOS services', () => {
  it('POST fills the IVT, the BDA and shows the banner on the VGA text screen', () => {
    const m = biosMachine()
    expect(m.memory.read32(0x10 * 4) >>> 0).toBe(((0xf000 << 16) | ROM.stub(0x10)) >>> 0)
    expect(m.memory.read16(0x413)).toBe(639)
    expect(m.memory.read8(0x449)).toBe(3)
    expect(m.memory.read8(0x475)).toBe(1)
    const row0 = Array.from({ length: 12 }, (_, i) => String.fromCharCode(m.memory.read8(0xb_8000 + i * 2))).join('')
    expect(row0).toBe('Boxwood BIOS')
  })

  it('INT 10h AH=0Eh writes at the cursor and advances it; AH=03h reports it', () => {
    const m = biosMachine()
    callVector(m, 0x10, { eax: 0x0200, ebx: 0 }, 0x0a05) // cursor row 10, col 5
    callVector(m, 0x10, { eax: 0x0e41, ebx: 0x0007 })
    expect(m.memory.read8(0xb_8000 + (10 * 80 + 5) * 2)).toBe(0x41)
    const { dx } = callVector(m, 0x10, { eax: 0x0300, ebx: 0 })
    expect(dx).toBe(0x0a06)
  })

  it('INT 15h E820 walks the map and sets CF past the end', () => {
    const m = biosMachine()
    const entries: number[][] = []
    let ebx = 0
    do {
      const { flags } = callVector(m, 0x15, { eax: 0xe820, ebx, ecx: 20, es: 0, edi: 0x8000, edx: 0x534d0000 }, 0x4150)
      expect(flags & 1).toBe(0)
      expect(m.firmwareRegisters.eax >>> 0).toBe(0x534d4150)
      entries.push([m.memory.read32(0x8000) >>> 0, m.memory.read32(0x8008) >>> 0, m.memory.read32(0x8010)])
      ebx = m.firmwareRegisters.ebx
    } while (ebx !== 0)
    expect(entries.find((e) => e[0] === 0x10_0000)).toEqual([0x10_0000, (4 << 20) - 0x10_0000, 1])
    expect(callVector(m, 0x15, { eax: 0xe820, ebx: 99, ecx: 20, edx: 0x534d0000 }, 0x4150).flags & 1).toBe(1)
  })

  it('the keyboard IRQ path fills the buffer INT 16h reads (with shift)', () => {
    const m = biosMachine()
    for (const code of [0x2a, 0x1e, 0xaa, 0x1e]) {
      Object.assign(m.firmwareRegisters, { eax: code })
      m.io.out8(BASE + CALL.KEYBOARD_IRQ, code)
    }
    callVector(m, 0x16, { eax: 0x0000 })
    expect(m.firmwareRegisters.eax & 0xffff).toBe(0x1e41) // 'A'
    callVector(m, 0x16, { eax: 0x0000 })
    expect(m.firmwareRegisters.eax & 0xffff).toBe(0x1e61) // 'a'
    // Empty buffer: AH=01h sets ZF; AH=00h asks the stub to wait (STI;HLT).
    expect(callVector(m, 0x16, { eax: 0x0100 }).flags & 0x40).toBe(0x40)
    callVector(m, 0x16, { eax: 0x0000 })
    expect(m.firmwareRegisters.eip).toBe(ROM.stub(0x16) + ROM.STUB_WAIT)
  })

  it('answers seeded random register files on every vector without throwing', () => {
    const m = biosMachine()
    let x = 12345
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
    for (let i = 0; i < 3000; i++) {
      const v = HLE_VECTORS[next() % HLE_VECTORS.length]!
      if (v === 0x19 || v === 0x18) continue // these jump away by design
      const regs = { eax: next(), ebx: next(), ecx: next() & 0xffff, esi: next() & 0xffff, edi: next() & 0xffff }
      expect(() =>
        callVector(m, v, { ...regs, es: next() & 0xffff, ds: next() & 0xffff, ebp: next() }, next() & 0xffff),
      ).not.toThrow()
    }
    expect(m.logs.filter((l) => l.level === 'error')).toEqual([])
  })
})
