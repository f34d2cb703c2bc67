// The run loop's interrupt sampling and block reuse: port I/O and MMIO writes end the chunk (a device's new
// interrupt is taken before the next instruction), single-instruction self-loops (LOOP $) run compiled, and
// decoded code survives memory-map changes that leave its page RAM.
import { describe, expect, it } from 'vitest'
import { protectedMachine, type TestMachine } from './harness'

/** IDT gate 0x20 → handler at 0x3100 that records the return EIP in EDI and halts. */
function withIrqHandler(m: TestMachine): void {
  m.memory.write32(0x2000 + 0x20 * 8, 0x00083100)
  m.memory.write32(0x2000 + 0x20 * 8 + 4, 0x00008e00)
  // mov edi, [esp]; hlt
  m.memory.ram.set([0x8b, 0x3c, 0x24, 0xf4], 0x3100)
  const s = m.cpu.getState()
  s.idtr = { base: 0x2000, limit: 0x21 * 8 - 1 }
  m.cpu.setState(s)
}

describe('run loop', () => {
  for (const engine of ['interpreter', 'blocks', 'compiled'] as const) {
    it(`takes an interrupt raised by an OUT before the next instruction (${engine})`, () => {
      const m = protectedMachine(
        `
  sti
  mov ecx, 100000
spin:
  dec ecx
  jnz spin
  out 0x80, al
after:
  inc eax
  jmp after`,
        [],
        { engine, compileThreshold: 0 },
      )
      withIrqHandler(m)
      const write = m.ports.ioWrite.bind(m.ports)
      m.ports.ioWrite = (port, value, size) => {
        write(port, value, size)
        if (port === 0x80) m.interrupts.pending.push(0x20)
      }
      expect(m.cpu.run(1_000_000).reason).toBe('halted')
      // The return address is the instruction right after the OUT, and it never ran.
      expect(m.cpu.regs[7]! >>> 0).toBe(0x10000 + 1 + 5 + 1 + 2 + 2)
      expect(m.cpu.regs[0]).toBe(0)
    })
  }

  it('takes an interrupt raised by an MMIO write before the next instruction', () => {
    const m = protectedMachine(
      `
  sti
  mov dword [0x300000], 1
after:
  inc eax
  jmp after`,
      [],
      { compileThreshold: 0 },
    )
    m.memory.mapMmio(
      0x300000,
      0x1000,
      { read: () => 0, write: () => void m.interrupts.pending.push(0x20) },
      'irq raiser',
    )
    withIrqHandler(m)
    expect(m.cpu.run(1_000_000).reason).toBe('halted')
    expect(m.cpu.regs[7]! >>> 0).toBe(0x10000 + 1 + 10)
    expect(m.cpu.regs[0]).toBe(0)
  })

  it('runs LOOP $ as a compiled self-loop with exact instruction counts', () => {
    const m = protectedMachine(
      `
  mov ecx, 250000
  loop $
  hlt`,
      [],
      { compileThreshold: 0 },
    )
    const exit = m.cpu.run(10_000_000)
    expect(exit.reason).toBe('halted')
    expect(m.cpu.regs[1]).toBe(0)
    expect(exit.retired).toBe(1 + 250000 + 1)
  })

  it('stops a compiled self-loop exactly at the budget', () => {
    const m = protectedMachine(`mov ecx, 1000\nloop $\nhlt`, [], { compileThreshold: 0 })
    expect(m.cpu.run(101).retired).toBe(101)
    expect(m.cpu.regs[1]).toBe(900)
  })

  it('keeps decoded code across a memory-map change elsewhere and drops it when its page becomes MMIO', () => {
    const m = protectedMachine(`call 0x200000\nhlt`, [], { compileThreshold: 0 })
    // mov eax, 7; ret at 0x200000 (RAM)
    m.memory.ram.set([0xb8, 7, 0, 0, 0, 0xc3], 0x200000)
    m.cpu.flushDecodedCode()
    expect(m.cpu.run(1000).reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(7)
    // An unrelated MMIO region appears: the function's decoded block stays valid and still runs correctly.
    const elsewhere = m.memory.mapMmio(0x300000, 0x1000, { read: () => 0, write: () => {} }, 'elsewhere')
    elsewhere.unmap()
    // Restart at the call without setState (which would drop decoded code).
    const rerun = () => {
      m.cpu.eip = 0x10000
      m.cpu.regs[0] = 0
      m.cpu.regs[4] = 0x80000
      m.cpu.halted = false
      return m.cpu.run(1000)
    }
    expect(rerun().reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(7)
    expect(m.cpu.blocks.codePage[0x200]).toBe(1)
    // The function's page becomes MMIO: its decoded block is dropped and the CPU fetches through the handler
    // (which serves `mov al, 9; ret`).
    const image = [0xb0, 9, 0xc3]
    m.memory.mapMmio(0x200000, 0x1000, { read: (offset) => image[offset] ?? 0x90, write: () => {} }, 'code mmio')
    expect(m.cpu.blocks.codePage[0x200]).toBe(0)
    expect(rerun().reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(9)
  })
})
