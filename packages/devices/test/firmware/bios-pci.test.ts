// The Boxwood BIOS's PCI side, checked through guest-visible I/O: POST's BAR assignment and interrupt lines
// (read back through configuration mechanism #1 at CF8h/CFCh, and a BAR that really decodes), the PIIX3 PIRQ
// routing, the INT 1Ah AH=B1h PCI BIOS, and the MP table on an APIC machine (checksums, entries).
import { createTestMachine, type TestMachine } from '@boxwood/device-testkit'
import { describe, expect, it } from 'vitest'
import { ioApic } from '../../src/apic/io-apic'
import { localApic } from '../../src/apic/local-apic'
import { i440fxHostBridge } from '../../src/bus/pci/i440fx-host'
import { piix3IsaBridge } from '../../src/bus/pci/piix3-isa'
import { boxwoodBios } from '../../src/firmware/boxwood-bios/bios-device'
import { MP_FLOATING_EBDA_OFFSET } from '../../src/firmware/boxwood-bios/mp-table'
import { CALL, ROM } from '../../src/firmware/boxwood-bios/rom-image'
import { EBDA_SEGMENT } from '../../src/firmware/boxwood-bios/bios-env'
import { vgaDevice } from '../../src/graphics/vga/vga-device'
import { i8259Pic } from '../../src/pc/i8259-pic'
import { PRINT_ROUTINES, bootUntil, programDisk, verdictLine } from './boot-helpers'
import { pciTestFunction, TEST_SLOT } from './pci-test-function'

const BASE = 0x0b00
function pciMachine(apic = false): TestMachine {
  const m = createTestMachine({
    ramBytes: 4 << 20,
    devices: [
      ...(apic ? [{ definition: i8259Pic, config: { cpuFacing: false } }, localApic, ioApic] : []),
      { definition: i440fxHostBridge, config: { pirqGsiBase: apic ? 16 : 0 } },
      piix3IsaBridge,
      { definition: vgaDevice, config: { vramMB: 4 } },
      pciTestFunction,
      boxwoodBios,
    ],
  })
  Object.assign(m.firmwareRegisters, { ss: 0, esp: 0x7000, cs: 0xf000 })
  m.io.out8(BASE + CALL.POST, 0)
  return m
}

/** Configuration mechanism #1, as a guest does it. */
function cfg(m: TestMachine, devfn: number, offset: number): number {
  m.io.out32(0xcf8, (0x8000_0000 | (devfn << 8) | (offset & 0xfc)) >>> 0)
  return m.io.in32(0xcfc) >>> 0
}

/** INT 1Ah through the ROM stub's calling convention; returns the result registers, DX and FLAGS. */
function int1a(m: TestMachine, regs: Partial<Record<string, number>>, dx = 0) {
  const sp = 0x6ff8
  m.memory.write16(sp, dx)
  m.memory.write16(sp + 6, 0x0202)
  Object.assign(m.firmwareRegisters, { ss: 0, esp: sp, eip: ROM.stub(0x1a) + ROM.STUB_CONTINUE, ...regs })
  m.io.out8(BASE + 0x1a, 0)
  const r = m.firmwareRegisters
  return { ah: (r.eax >> 8) & 0xff, r, dx: m.memory.read16(sp), cf: m.memory.read16(sp + 6) & 1 }
}

describe('Boxwood BIOS PCI initialisation', () => {
  it('assigns BARs in the PCI windows, enables decoding and the BARs decode', () => {
    const m = pciMachine()
    const vgaBar = cfg(m, 2 << 3, 0x10)
    expect((vgaBar & ~0xf) >>> 0).toBe(0xe000_0000) // the largest BAR first, at the start of the PCI hole
    const ioBar = cfg(m, TEST_SLOT << 3, 0x10)
    const memBar = cfg(m, TEST_SLOT << 3, 0x14)
    expect(ioBar & 1).toBe(1)
    const io = ioBar & ~3
    expect(io).toBeGreaterThanOrEqual(0xc000)
    expect(io % 256).toBe(0)
    const mem = (memBar & ~0xf) >>> 0
    expect(mem).toBeGreaterThanOrEqual(0xe000_0000 + (4 << 20))
    expect(mem % 0x1_0000).toBe(0)
    expect(cfg(m, TEST_SLOT << 3, 0x04) & 3).toBe(3)
    expect(m.io.in8(io + 7)).toBe(0x5a)
    expect(m.memory.read8(mem + 3)).toBe(0xa5)
  })

  it('routes PIRQ A–D to IRQ 10, 10, 11, 11 and writes interrupt lines by slot and pin', () => {
    const m = pciMachine()
    expect(cfg(m, 1 << 3, 0x60)).toBe(0x0b0b_0a0a)
    // 00:05.0 INTA → PIRQ (0 + 5) & 3 = B → IRQ 10.
    expect(cfg(m, TEST_SLOT << 3, 0x3c) & 0xffff).toBe(0x010a)
  })
})

describe('INT 1Ah AH=B1h PCI BIOS', () => {
  it('answers the installation check', () => {
    const m = pciMachine()
    const { r, dx, cf, ah } = int1a(m, { eax: 0xb101, edi: 0x1234 })
    expect([cf, ah, r.eax & 0xff]).toEqual([0, 0, 1])
    expect(((r.edx & 0xffff0000) | dx) >>> 0).toBe(0x2049_4350)
    expect(r.ebx & 0xffff).toBe(0x0210)
    expect(r.ecx & 0xff).toBe(0)
  })

  it('finds devices by ID and by class code, with the index in SI', () => {
    const m = pciMachine()
    let res = int1a(m, { eax: 0xb102, ecx: 0x10f0, esi: 0 }, 0x1af4)
    expect([res.cf, res.ah, res.r.ebx & 0xffff]).toEqual([0, 0, TEST_SLOT << 3])
    res = int1a(m, { eax: 0xb102, ecx: 0x10f0, esi: 1 }, 0x1af4)
    expect([res.cf, res.ah]).toEqual([1, 0x86])
    res = int1a(m, { eax: 0xb102, ecx: 0x10f0, esi: 0 }, 0xffff)
    expect([res.cf, res.ah]).toEqual([1, 0x83])
    res = int1a(m, { eax: 0xb103, ecx: 0x03_0000, esi: 0 })
    expect([res.cf, res.ah, res.r.ebx & 0xffff]).toEqual([0, 0, 2 << 3])
    res = int1a(m, { eax: 0xb103, ecx: 0x06_0100, esi: 0 })
    expect(res.r.ebx & 0xffff).toBe(1 << 3)
  })

  it('reads and writes configuration space in bytes, words and dwords like mechanism #1', () => {
    const m = pciMachine()
    const devfn = TEST_SLOT << 3
    expect(int1a(m, { eax: 0xb10a, ebx: devfn, edi: 0 }).r.ecx >>> 0).toBe(cfg(m, devfn, 0))
    expect(int1a(m, { eax: 0xb109, ebx: devfn, edi: 2 }).r.ecx & 0xffff).toBe(0x10f0)
    expect(int1a(m, { eax: 0xb108, ebx: devfn, edi: 0x3d }).r.ecx & 0xff).toBe(1)
    int1a(m, { eax: 0xb10b, ebx: devfn, edi: 0x3c, ecx: 0x0e })
    expect(cfg(m, devfn, 0x3c) & 0xff).toBe(0x0e)
    int1a(m, { eax: 0xb10c, ebx: devfn, edi: 0x0c, ecx: 0x4010 })
    expect(cfg(m, devfn, 0x0c) & 0xffff).toBe(0x4010)
    int1a(m, { eax: 0xb10d, ebx: devfn, edi: 0x40, ecx: 0xdead_beef })
    expect(cfg(m, devfn, 0x40)).toBe(0xdead_beef)
    // Misaligned register: BAD_REGISTER_NUMBER; a missing bus reads all ones.
    expect(int1a(m, { eax: 0xb109, ebx: devfn, edi: 1 })).toMatchObject({ cf: 1, ah: 0x87 })
    expect(int1a(m, { eax: 0xb10a, ebx: 0x0100 | devfn, edi: 0 }).r.ecx >>> 0).toBe(0xffff_ffff)
  })

  it('answers seeded random B1xxh calls without throwing or touching memory outside RAM', () => {
    const m = pciMachine(true)
    let x = 4242
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
    for (let i = 0; i < 2000; i++) {
      const regs = { eax: 0xb100 | (next() % 0x10), ebx: next(), ecx: next(), esi: next() & 0xffff, edi: next() }
      expect(() => int1a(m, { ...regs, es: next() & 0xffff }, next() & 0xffff)).not.toThrow()
    }
    expect(m.logs.filter((l) => l.level === 'error')).toEqual([])
  })

  it('the 32-bit $PCI traps: B10Eh takes the size in ECX and returns the needed size; the data trap streams the table', () => {
    const m = pciMachine()
    const pci32 = (regs: Partial<Record<string, number>>, port: number = CALL.PCI32) => {
      // The stub moved the caller's EDX into EBP; the handler must keep EBP as the stub's.
      Object.assign(m.firmwareRegisters, { ebp: 0x1234_5678, ...regs })
      m.io.out8(BASE + port, 0)
      const r = m.firmwareRegisters
      const ah = (r.eax >> 8) & 0xff
      return { ah, al: r.eax & 0xff, cf: r.eflags & 1, ecx: r.ecx >>> 0, bx: r.ebx & 0xffff, ebp: r.ebp >>> 0 }
    }
    const small = pci32({ eax: 0xb10e, ebx: 0, ecx: 8, eflags: 0x2 })
    expect(small).toMatchObject({ ah: 0x89, cf: 1, bx: (1 << 10) | (1 << 11), ebp: 0x1234_5678 })
    const needed = small.ecx
    expect(needed % 16).toBe(0)
    expect(needed).toBeGreaterThanOrEqual(16)
    expect(pci32({ eax: 0xb10e, ebx: 0, ecx: needed, eflags: 0x3 })).toMatchObject({ ah: 0, cf: 0, ecx: needed })
    // The bytes the stub stores equal the table INT 1Ah AH=B10Eh writes for a real-mode caller.
    const streamed = Array.from({ length: needed }, (_, i) => pci32({ eax: 0xb10e, esi: i }, CALL.PCI32_DATA))
    m.memory.write16(0x8000, needed)
    m.memory.write16(0x8002, 0x8100)
    m.memory.write16(0x8004, 0)
    expect(int1a(m, { eax: 0xb10e, ebx: 0, es: 0, edi: 0x8000 }).cf).toBe(0)
    const written = Array.from({ length: needed }, (_, i) => m.memory.read8(0x8100 + i))
    expect(streamed.map((r) => r.al)).toEqual(written)
    expect(streamed.every((r) => r.ah === 0xb1 && r.ebp === 0x1234_5678)).toBe(true)
    // Past the table, and for random register files, the traps answer without throwing or logging errors.
    let x = 777
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
    for (let i = 0; i < 1000; i++) {
      const regs = { eax: next(), ebx: next(), ecx: next(), edx: next(), esi: next(), edi: next(), eflags: 0x2 }
      expect(() => pci32(regs, i % 2 ? CALL.PCI32 : CALL.PCI32_DATA)).not.toThrow()
    }
    expect(m.logs.filter((l) => l.level === 'error')).toEqual([])
  })

  it('returns the PIRQ routing options (buffer too small first)', () => {
    const m = pciMachine()
    m.memory.write16(0x8000, 0) // size
    m.memory.write16(0x8002, 0x8100) // offset
    m.memory.write16(0x8004, 0) // segment
    let res = int1a(m, { eax: 0xb10e, ebx: 0, es: 0, edi: 0x8000 })
    expect([res.cf, res.ah]).toEqual([1, 0x89])
    const needed = m.memory.read16(0x8000)
    expect(needed % 16).toBe(0)
    res = int1a(m, { eax: 0xb10e, ebx: 0, es: 0, edi: 0x8000 })
    expect([res.cf, res.ah, res.r.ebx & 0xffff]).toEqual([0, 0, (1 << 10) | (1 << 11)])
    const entries = Array.from({ length: needed / 16 }, (_, i) => 0x8100 + i * 16)
    const slot = entries.find((at) => m.memory.read8(at + 1) === TEST_SLOT << 3)!
    expect(slot).toBeDefined()
    expect(m.memory.read8(slot + 2)).toBe(0x61) // INTA of slot 5 → PIRQB (PIRQRC at 61h)
    expect(m.memory.read16(slot + 3)).toBe((1 << 10) | (1 << 11))
  })
})

/** A boot sector that asks the PCI BIOS for the VGA's BAR 0 and compares it with mechanism #1 on the real CPU. */
const PCI_PROGRAM = `
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov dx, 0x3fb
    mov al, 0x03
    out dx, al
    mov ax, 0xb101
    xor edi, edi
    int 0x1a
    jc fail
    cmp edx, 0x20494350
    jne fail
    cmp bx, 0x0210
    jne fail
    mov ax, 0xb102
    mov cx, 0x1111
    mov dx, 0x1234
    xor si, si
    int 0x1a
    jc fail
    mov [devfn], bx
    mov ax, 0xb10a
    mov di, 0x10
    int 0x1a
    jc fail
    and ecx, 0xfffffff0
    cmp ecx, 0xe0000000
    jne fail
    movzx eax, word [devfn]
    shl eax, 8
    or eax, 0x80000010
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    and eax, 0xfffffff0
    cmp eax, ecx
    jne fail
    mov si, ok
    jmp report
fail:
    mov si, bad
report:
    call com1_print
    cli
    hlt
${PRINT_ROUTINES}ok: db 'PCI-BIOS-OK', 13, 10, 0
bad: db 'PCI-BIOS-FAIL', 13, 10, 0
devfn: dw 0
times 510-($-$$) db 0
dw 0xaa55
`

describe('PCI BIOS on the real CPU', () => {
  it('answers a boot sector through INT 1Ah like configuration mechanism #1 does', async () => {
    const disk = programDisk(PCI_PROGRAM)
    const { com1 } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, verdictLine('PCI-BIOS-'))
    expect(com1.text()).toContain('PCI-BIOS-OK')
  })
})

describe('MP table', () => {
  const sum = (m: TestMachine, at: number, n: number) => {
    let s = 0
    for (let i = 0; i < n; i++) s += m.memory.read8(at + i)
    return s & 0xff
  }

  it('is written on APIC machines only, with valid checksums and the PCI and ISA interrupt entries', () => {
    expect(pciMachine(false).memory.read32(EBDA_SEGMENT * 16 + MP_FLOATING_EBDA_OFFSET)).not.toBe(0x5f504d5f)
    const m = pciMachine(true)
    const fp = EBDA_SEGMENT * 16 + MP_FLOATING_EBDA_OFFSET
    expect(m.memory.read32(fp)).toBe(0x5f504d5f) // "_MP_"
    expect(sum(m, fp, 16)).toBe(0)
    const table = m.memory.read32(fp + 4) >>> 0
    expect(m.memory.read32(table)).toBe(0x504d4350) // "PCMP"
    const length = m.memory.read16(table + 4)
    expect(sum(m, table, length)).toBe(0)
    expect(m.memory.read32(table + 36) >>> 0).toBe(0xfee0_0000)
    const count = m.memory.read16(table + 34)
    const entries: number[][] = []
    for (let at = table + 44, i = 0; i < count; i++) {
      const size = m.memory.read8(at) === 0 ? 20 : 8
      entries.push(Array.from({ length: size }, (_, k) => m.memory.read8(at + k)))
      at += size
    }
    expect(entries.filter((e) => e[0] === 0)).toHaveLength(1)
    expect(entries.find((e) => e[0] === 2)).toEqual([2, 1, 0x11, 1, 0x00, 0x00, 0xc0, 0xfe])
    const io = entries.filter((e) => e[0] === 3)
    // ISA IRQ 0 → pin 2; PCI bus 0, device 5 INTA (5 << 2 | 0) → PIRQB → pin 17, level active low.
    expect(io).toContainEqual([3, 0, 0, 0, 1, 0, 1, 2])
    expect(io).toContainEqual([3, 0, 0x0f, 0, 0, TEST_SLOT << 2, 1, 17])
    expect(entries.filter((e) => e[0] === 4).map((e) => [e[1], e[7]])).toEqual([
      [3, 0],
      [1, 1],
    ])
  })
})
