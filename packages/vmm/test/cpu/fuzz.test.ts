// Seeded fuzzing of the decoder/executor: random code and register states in real, 16/32-bit protected and
// V86 mode must never raise a host exception, hang, or touch memory outside guest RAM.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { createMachine, protectedMachine, runForComparison } from './harness'

describe('decoder fuzzing', () => {
  const modes = ['real', 'protected', 'v86', 'protected-compiled', 'pae'] as const
  for (const mode of modes) {
    it(`random code in ${mode} mode never escapes the guest`, () => {
      const rng = new Rng(0xf00d + mode.length)
      for (let round = 0; round < 40; round++) {
        const m =
          mode === 'protected' || mode === 'pae'
            ? protectedMachine('hlt')
            : mode === 'protected-compiled'
              ? protectedMachine('hlt', [], { compileThreshold: 0 })
              : createMachine()
        const ram = m.memory.ram
        for (let i = 0; i < 0x20000; i++) ram[0x10000 + i] = rng.int(256)
        // Sprinkle prefixes and 0F escapes, which random bytes rarely combine.
        for (let i = 0; i < 2000; i++) ram[0x10000 + rng.int(0x20000)] = rng.pick([0x0f, 0x66, 0x67, 0xf3, 0xf0, 0x26])
        const s = m.cpu.getState()
        for (const r of ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'] as const) s[r] = rng.value()
        s.esp = 0x8000 + rng.int(0x1000)
        s.eflags = (rng.next() & 0xcd5) | 2
        if (mode === 'real') {
          s.cs = { selector: 0x1000, base: 0x10000, limit: 0xffff, attributes: 0x9b }
          s.eip = rng.int(0x10000)
        } else if (mode === 'v86') {
          s.cr0 = 0x11
          s.eflags |= 0x20000
          s.cs = { selector: 0x1000, base: 0x10000, limit: 0xffff, attributes: 0xfb }
          s.ss = { selector: 0, base: 0, limit: 0xffff, attributes: 0xf3 }
          s.cpl = 3
          s.eip = rng.int(0x10000)
        } else {
          // Protected mode (interpreted blocks or compiled on first use).
          s.eip = 0x10000 + rng.int(0x10000)
          s.cr0 = rng.int(2) === 0 ? 0x11 : 0x80000011 // paging with CR3 = 0: tables of random bytes
          s.cr3 = 0x10000 + (rng.int(16) << 12)
          if (mode === 'pae') {
            // PAE paging over random tables; PDPTE registers as set (possibly with reserved bits or tables
            // above 4 GB, which hardware would refuse to load), NXE and PGE at random.
            s.cr0 = 0x80000011
            s.cr4 = 0x20 | (rng.int(2) === 0 ? 0x80 : 0)
            s.msr.efer = rng.int(2) === 0 ? 0x800 : 0
            s.pdpte = Array.from({ length: 8 }, (_, i) =>
              i % 2 === 0 ? (0x10000 + (rng.int(0x70) << 12)) | rng.int(2) : rng.int(4) === 0 ? rng.value() : 0,
            )
          }
        }
        m.cpu.setState(s)
        const exit = m.cpu.run(20_000)
        expect(['budget', 'halted', 'triple-fault', 'stopped']).toContain(exit.reason)
        expect(ram.length).toBe(4 << 20)
      }
    }, 180_000)
  }

  it('random code behaves identically in the interpreter, the block cache and compiled blocks', () => {
    const rng = new Rng(0xe9e9)
    // Most random byte streams fault within a few instructions (into a HLT handler); some run thousands.
    for (let round = 0; round < 50; round++) {
      const code = new Uint8Array(0x4000)
      for (let i = 0; i < code.length; i++) code[i] = rng.int(256)
      const regs = Array.from({ length: 7 }, () => rng.value())
      const eip = 0x10000 + rng.int(0x3000)
      const flags = (rng.next() & 0x8d5) | 2
      const results = (['interpreter', 'blocks', 'compiled'] as const).map((engine) => {
        const m = protectedMachine('hlt', [], { engine, compileThreshold: 0 })
        m.memory.ram.set(code, 0x10000)
        const s = m.cpu.getState()
        ;(['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'] as const).forEach((r, i) => (s[r] = regs[i]!))
        s.eip = eip
        s.eflags = flags
        m.cpu.setState(s)
        const { exit, st } = runForComparison(m, 5_000)
        return { exit, st, ram: Buffer.from(m.memory.ram.subarray(0, 0x90000)).toString('base64') }
      })
      expect(results[1]).toEqual(results[0])
      expect(results[2]).toEqual(results[0])
    }
  }, 180_000)
})
