// Compiled functions hold their CPU's RAM, decoded-code map and TLB pair as constants (jit/compile-block.ts
// bindArrays): two machines in one process must not share them, and a function compiled at CPL 0 (supervisor TLB)
// must not run at CPL 3 (user TLB) — the same code then compiles again for that TLB.
import { describe, expect, it } from 'vitest'
import { protectedMachine, runForComparison, USER_GDT } from './harness'

/** Sums the dwords at ESI.. (wrapping within 16 KiB) for ECX passes; loads and stores through the TLB. */
const LOOP = ['top:', 'add eax, [esi]', 'mov [esi + 4], eax', 'add esi, 8', 'and esi, 0x33ff8', 'dec ecx', 'jnz top']
const SUM_LOOP = [...LOOP, 'hlt']

describe('arrays bound into compiled functions', () => {
  it('two machines compile the same code each for their own RAM', () => {
    const machines = [7, 11].map((seed) => {
      const m = protectedMachine(SUM_LOOP.join('\n'), [], { engine: 'compiled', compileThreshold: 1 })
      for (let k = 0; k < 0x1000; k++) m.memory.write32(0x30000 + k * 4, (k * seed) | 0)
      m.cpu.setState({ ...m.cpu.getState(), eax: 0, ecx: 3000, esi: 0x30000 })
      return m
    })
    // Interleaved slices: each machine's functions must read its own memory.
    for (let k = 0; k < 40; k++) for (const m of machines) m.cpu.run(500)
    const expected = [7, 11].map((seed) => {
      const m = protectedMachine(SUM_LOOP.join('\n'), [], { engine: 'interpreter' })
      for (let k = 0; k < 0x1000; k++) m.memory.write32(0x30000 + k * 4, (k * seed) | 0)
      m.cpu.setState({ ...m.cpu.getState(), eax: 0, ecx: 3000, esi: 0x30000 })
      return runForComparison(m).st
    })
    machines.forEach((m, k) => expect(runForComparison(m).st).toEqual(expected[k]))
    const fn = (m: (typeof machines)[number]) =>
      m.cpu.compiled.find((f) => f !== undefined && String(f).includes('continue'))
    // Each machine ran the loop compiled, with a function of its own.
    const fns = machines.map(fn)
    expect(fns[0]).toBeDefined()
    expect(fns[1]).toBeDefined()
    expect(fns[0]).not.toBe(fns[1])
  })

  it('code compiled at CPL 0 runs at CPL 3 through the user TLB, as the interpreter runs it', () => {
    // The loop runs compiled at CPL 0, then IRETD takes it to CPL 3 without a TLB flush: its first access to the
    // supervisor-only data page must fault there (a function bound to the supervisor TLB would just read it).
    const source = [
      'mov ecx, 2000',
      // At CPL 3 this NOP runs first, through the interpreter, and so maps the code page in the user TLB: the loop
      // then starts as a block (its compiled function), not as a single interpreted instruction.
      'uentry:',
      'nop',
      ...LOOP,
      'mov ecx, 1000',
      'mov dx, 0x23',
      'mov ds, dx',
      'push 0x23',
      'push 0x7f000',
      'pushfd',
      'push 0x1b',
      'push uentry',
      'iretd',
    ].join('\n')
    const states = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, USER_GDT, { engine, compileThreshold: 1 })
      for (let k = 0; k < 0x1000; k++) m.memory.write32(0x30000 + k * 4, k * 3)
      // Paging: everything user-accessible but the data pages 0x30–0x33, which are supervisor-only.
      m.memory.write32(0x8000, 0x9000 | 7)
      for (let p = 0; p < 1024; p++) m.memory.write32(0x9000 + p * 4, (p << 12) | (p >= 0x30 && p < 0x34 ? 3 : 7))
      m.cpu.setState({ ...m.cpu.getState(), eax: 0, esi: 0x30000, cr3: 0x8000, cr0: 0x80000011 })
      const { exit, st } = runForComparison(m, 50_000)
      return { exit: exit.reason, st, cr2: st.cr2, data: [...m.memory.ram.subarray(0x30000, 0x34000)] }
    })
    expect(states[0]!.st.cs.selector & 3).toBe(3)
    expect(states[1]).toEqual(states[0])
  })
})
