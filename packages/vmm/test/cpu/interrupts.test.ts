// External interrupts, NMI, HLT, the interrupt shadow, real-mode INT/IRET and triple faults.
import { describe, expect, it } from 'vitest'
import { createMachine, protectedMachine, runReal, TestInterrupts } from './harness'

describe('interrupt delivery', () => {
  it('takes INTR only with IF=1, after the STI shadow, and wakes from HLT', () => {
    const m = runReal(`
      xor dx, dx
      mov word [0x20 * 4], isr
      mov word [0x20 * 4 + 2], 0
      hlt
      sti
      inc bx
      inc bx
      hlt
      inc cx
      hlt
    isr:
      inc dx
      iret`)
    // Halted at the first HLT with IF=0: a pending INTR does not wake it.
    m.interrupts.pending.push(0x20)
    expect(m.cpu.run(10).reason).toBe('halted')
    m.cpu.halted = false
    // STI; INC BX runs in the shadow; the interrupt comes before the second INC BX.
    m.cpu.step() // sti
    m.cpu.step() // inc bx (shadow)
    expect(m.cpu.regs[3]! & 0xffff).toBe(1)
    m.cpu.step() // interrupt delivered
    expect(m.cpu.regs[2]! & 0xffff).toBe(0)
    expect(m.cpu.run(3).retired).toBe(3) // inc dx, iret, inc bx
    expect(m.cpu.regs[2]! & 0xffff).toBe(1)
    expect(m.cpu.regs[3]! & 0xffff).toBe(2)
    expect(m.cpu.run(100).reason).toBe('halted')
    m.interrupts.pending.push(0x20)
    expect(m.cpu.run(3).retired).toBe(3) // wake: inc dx, iret, inc cx
    expect(m.cpu.regs[1]! & 0xffff).toBe(1)
    expect(m.cpu.regs[2]! & 0xffff).toBe(2)
  })

  it('delivers NMI even with IF=0 and blocks nested NMIs until IRET', () => {
    const m = runReal(`
      mov word [2 * 4], nmi
      mov word [2 * 4 + 2], 0
      hlt
    nmi:
      inc si
      iret`)
    m.interrupts.nmi = true
    m.cpu.run(2)
    expect(m.cpu.regs[6]! & 0xffff).toBe(1)
    m.interrupts.nmi = true
    m.cpu.run(1)
    expect(m.cpu.regs[6]! & 0xffff).toBe(2)
  })

  it('shuts down (triple fault) when the IDT cannot deliver an exception', () => {
    const m = protectedMachine('xor ecx, ecx\ndiv ecx')
    const s = m.cpu.getState()
    s.idtr = { base: 0, limit: 0 }
    m.cpu.setState(s)
    expect(m.cpu.run(10).reason).toBe('triple-fault')
  })

  it('runs from the reset vector through ROM', () => {
    const m = createMachine()
    const rom = new Uint8Array(0x10000).fill(0xf4)
    // F000:FFF0: mov ax, 0x55aa; hlt
    rom.set([0xb8, 0xaa, 0x55, 0xf4], 0xfff0)
    m.memory.mapRom(0xffff0000, rom, 'bios')
    expect(m.cpu.run(10).reason).toBe('halted')
    expect(m.cpu.regs[0]! & 0xffff).toBe(0x55aa)
  })

  it('reports CPUID features honestly: FPU and FXSR only with the x87 module', () => {
    const m = protectedMachine('mov eax, 1\ncpuid\nhlt')
    m.cpu.run(10)
    const edx = m.cpu.regs[2]!
    expect(edx & 1).toBe(1)
    expect((edx >>> 24) & 1).toBe(1) // FXSR
    expect((edx >>> 8) & 1).toBe(1) // CX8
    expect((edx >>> 11) & 1).toBe(1) // SEP
    expect((edx >>> 15) & 1).toBe(1) // CMOV
    expect((edx >>> 23) & 1).toBe(0) // no MMX yet
    expect(m.cpu.regs[0]).toBe(0x633)
    const bare = protectedMachine('mov eax, 1\ncpuid\nfld1\nhlt', [], { fpu: null })
    bare.cpu.run(2)
    expect(bare.cpu.regs[2]! & ((1 << 24) | 1)).toBe(0)
    expect(bare.cpu.step().exception).toEqual({ vector: 6, errorCode: null })
  })

  it('reports the APIC in CPUID only for a local APIC that IA32_APIC_BASE leaves enabled', () => {
    const apic = Object.assign(new TestInterrupts(), { localApic: true })
    const withApic = protectedMachine('mov eax, 1\ncpuid\nhlt', [], { interrupts: apic })
    withApic.cpu.run(10)
    expect((withApic.cpu.regs[2]! >>> 9) & 1).toBe(1)
    const pic = protectedMachine('mov eax, 1\ncpuid\nhlt')
    pic.cpu.run(10)
    expect((pic.cpu.regs[2]! >>> 9) & 1).toBe(0)
    // Clearing the global enable bit hides it (SDM vol. 3A 11.4.3).
    const disabled = protectedMachine('mov ecx, 0x1b\nrdmsr\nand eax, ~0x800\nwrmsr\nmov eax, 1\ncpuid\nhlt', [], {
      interrupts: Object.assign(new TestInterrupts(), { localApic: true }),
    })
    disabled.cpu.run(20)
    expect((disabled.cpu.regs[2]! >>> 9) & 1).toBe(0)
  })

  it('turns a fault while delivering an external interrupt into a nested exception at the same boundary', () => {
    // IDT limit covers vectors 0–31 only: INTR vector 0x40 raises #GP(0x40 * 8 + 2 + EXT) at the boundary.
    const m = protectedMachine('sti\nmov eax, 1\nmov eax, 2\nmov eax, 3\nhlt')
    m.cpu.run(2)
    expect(m.cpu.eip).toBe(0x10006)
    m.interrupts.pending.push(0x40)
    const r = m.cpu.step()
    expect(r.exception).toEqual({ vector: 13, errorCode: 0x40 * 8 + 2 + 1 })
    // The #GP frame: error code on top, then the interrupted boundary (not the previous instruction) as EIP.
    expect(m.memory.read32(m.cpu.regs[4]! >>> 0)).toBe(0x203)
    expect(m.memory.read32((m.cpu.regs[4]! + 4) >>> 0)).toBe(0x10006)
  })
})
