// The resume flag (Intel SDM vol. 3A 6.12.1, 17.3.1.1) in every engine: faults push RF = 1, traps and INT n do
// not; RF lives for one instruction; a REP instruction interrupted between iterations (a long run yielding to an
// interrupt, or a data breakpoint: SDM 17.3.1.2) restarts from the EIP of the REP with RF = 1 in the image. And the
// #GP that VIF = VIP = 1 raises after IRET comes after a pending external interrupt (Bochs cpu/cpu.cc `prefetch`).
// The Bochs differential test (test/bochs-diff/debug.test.ts) covers the same rules against the oracle.
import { describe, expect, it } from 'vitest'
import type { CpuOptions } from '../../src/cpu/cpu'
import { protectedMachine, type TestMachine, ENGINES } from './harness'

const RF = 0x10000
const IF = 0x200
const TF = 0x100
const VIF = 0x80000
const VIP = 0x100000
const CR4_PVI = 2

/** A flat ring-0 machine in `engine` whose IDT gate `vector` leads to `handler` (code at 0x3100). */
function machine(source: string, engine: (typeof ENGINES)[number], handler = 'hlt'): TestMachine {
  const options: Partial<CpuOptions> = { engine, compileThreshold: 0 }
  const m = protectedMachine(source, [], options)
  const code = Buffer.from(handler === 'iretd' ? [0xcf] : [0xf4])
  m.memory.ram.set(code, 0x3100)
  return m
}

/** Points IDT gate `vector` (a 32-bit interrupt gate) at `target`. */
function gate(m: TestMachine, vector: number, target: number, dpl = 0): void {
  m.memory.write32(0x2000 + vector * 8, 0x00080000 | (target & 0xffff))
  m.memory.write32(0x2000 + vector * 8 + 4, (target & 0xffff0000) | 0x8e00 | (dpl << 13))
}

/** The EFLAGS image of the frame at ESP (no error code: ESP + 8; with one: ESP + 12). */
function image(m: TestMachine, errorCode: boolean): number {
  return m.memory.read32((m.cpu.regs[4]! >>> 0) + (errorCode ? 12 : 8)) >>> 0
}

describe('RF in the EFLAGS image', () => {
  for (const engine of ENGINES) {
    it(`is set for faults (#GP, #UD, #DE) and clear for INT3, INT n and external interrupts (${engine})`, () => {
      for (const [source, vector, err] of [
        ['mov ax, 0x7f8\nmov ds, ax', 13, true],
        ['ud2', 6, false],
        ['xor edx, edx\nmov eax, 1\ndiv edx', 0, false],
      ] as const) {
        const m = machine(`${source}\nhlt`, engine)
        m.cpu.run(100)
        expect(m.cpu.eip, source).toBe(0x3001)
        expect(m.cpu.lastException?.vector, source).toBe(vector)
        expect(image(m, err) & RF, source).toBe(RF)
        // Delivery clears RF in EFLAGS itself: the handler runs with RF = 0.
        expect(m.cpu.getEflags() & RF).toBe(0)
      }
      for (const source of ['int3', 'int 5']) {
        const m = machine(`${source}\nhlt`, engine)
        m.cpu.run(100)
        expect(m.cpu.eip, source).toBe(0x3001)
        expect(image(m, false) & RF, source).toBe(0)
      }
      const ext = machine('nop\nnop\nhlt', engine)
      const s = ext.cpu.getState()
      s.eflags |= IF
      ext.cpu.setState(s)
      ext.interrupts.pending.push(0x1e)
      ext.cpu.run(100)
      expect(ext.cpu.eip).toBe(0x3001)
      expect(image(ext, false) & RF).toBe(0)
    })

    it(`lasts one instruction after IRETD loads it (${engine})`, () => {
      // IRETD with RF to `nop`; then an external interrupt after two more instructions pushes RF = 0.
      const m = machine(
        'pushfd\nor dword [esp], 0x10200\npush cs\npush dword next\niretd\nnext:\nnop\nnop\nhlt',
        engine,
      )
      m.cpu.run(5)
      expect(m.cpu.getEflags() & RF).toBe(RF)
      m.cpu.run(2)
      expect(m.cpu.getEflags() & RF).toBe(0)
      m.interrupts.pending.push(0x1e)
      m.cpu.run(1)
      expect(m.cpu.eip).toBe(0x3001)
      expect(image(m, false) & RF).toBe(0)
    })

    it(`is set when an external interrupt stops a long REP between iterations (${engine})`, () => {
      // REP LODSB runs element by element (no bulk path), yielding after a slice of iterations.
      const source = 'mov esi, 0x100000\nmov ecx, 20000\ncld\nrep lodsb\nhlt'
      const m = machine(source, engine)
      const s = m.cpu.getState()
      s.eflags |= IF
      m.cpu.setState(s)
      m.cpu.run(3)
      // EIP stays on the REP, and RF is set until the next instruction runs.
      m.cpu.run(1)
      const left = m.cpu.regs[1]! >>> 0
      expect(left).toBeGreaterThan(0)
      expect(left).toBeLessThan(20000)
      expect(m.cpu.eip).toBe(0x1000b)
      expect(m.cpu.getEflags() & RF).toBe(RF)
      m.interrupts.pending.push(0x1e)
      m.cpu.run(1)
      expect(m.cpu.eip).toBe(0x3001)
      expect(m.memory.read32(m.cpu.regs[4]! >>> 0)).toBe(0x1000b)
      expect(image(m, false) & RF).toBe(RF)
      // Without an interrupt the REP finishes.
      const done = machine(source, engine)
      done.cpu.run(1000)
      expect(done.cpu.regs[1]).toBe(0)
      expect(done.cpu.regs[6]).toBe(0x100000 + 20000)
      expect(done.cpu.getEflags() & RF).toBe(0)
    })
  }
})

describe('instruction breakpoints with RF', () => {
  /** Code at 0x10000 with `db` at 0x10100 and `gp` at 0x10200 (IDT gates 1 and 13); DR0 = `bp`, DR7 L0. */
  function breakpointMachine(main: string, db: string, gp = 'hlt'): TestMachine {
    const m = machine(`${main}\ntimes 0x100 - ($ - $$) db 0\n${db}\ntimes 0x200 - ($ - $$) db 0\n${gp}`, 'interpreter')
    gate(m, 1, 0x10100)
    gate(m, 13, 0x10200)
    const s = m.cpu.getState()
    s.dr[0] = 0x10004
    s.dr[7] = 1
    m.cpu.setState(s)
    return m
  }

  it('a breakpoint on a faulting instruction fires once: the fault image has RF, its IRETD skips the breakpoint', () => {
    // DR0 on `mov ds, ax` (selector 0x7f8 is past the GDT: #GP). The #DB handler sets RF and IRETDs; the #GP
    // handler loads a good selector into EAX and IRETDs with the image as pushed (RF from the fault).
    const m = breakpointMachine(
      'mov ax, 0x7f8\nmov ds, ax\nmov ecx, 0x77\nhlt',
      'inc dword [0x9000]\nor dword [esp + 8], 0x10000\niretd',
      'inc dword [0x9004]\nadd esp, 4\nmov eax, [esp + 8]\nmov [0x9008], eax\nmov eax, 0x10\niretd',
    )
    m.cpu.run(100)
    expect(m.cpu.regs[1]).toBe(0x77)
    expect(m.memory.read32(0x9000)).toBe(1)
    expect(m.memory.read32(0x9004)).toBe(1)
    expect(m.memory.read32(0x9008) & RF).toBe(RF)
    expect(m.cpu.segSel[3]).toBe(0x10)
  })

  it('a #DB handler that does not set RF meets the breakpoint again', () => {
    // The handler counts to three, then disables DR7 so the loop ends.
    const m = breakpointMachine(
      'mov ax, 1\nnop\nhlt',
      'inc dword [0x9000]\ncmp dword [0x9000], 3\njb .out\nxor eax, eax\nmov dr7, eax\n.out:\niretd',
    )
    m.cpu.run(100)
    expect(m.memory.read32(0x9000)).toBe(3)
    expect(m.cpu.eip).toBe(0x10006)
  })
})

describe('data breakpoints in REP string instructions (SDM vol. 3A 17.3.1.2)', () => {
  for (const engine of ENGINES) {
    it(`trap after the iteration that hit, at the REP with RF, and resume (${engine})`, () => {
      // DR0 watches writes to the dword at 0x30008: REP STOSD over 0x30000… hits in its third iteration.
      const m = machine('mov edi, 0x30000\nmov ecx, 8\nmov eax, 0x5a5a5a5a\ncld\nrep stosd\nhlt', engine, 'iretd')
      gate(m, 1, 0x3100)
      const s = m.cpu.getState()
      s.dr[0] = 0x30008
      s.dr[7] = 0xd0001
      m.cpu.setState(s)
      const rep = 0x10000 + 5 + 5 + 5 + 1
      let trap: { eip: number; ecx: number; edi: number; image: number; dr6: number } | null = null
      for (let i = 0; i < 20 && trap === null; i++) {
        m.cpu.step()
        if (m.cpu.eip === 0x3100) {
          const esp = m.cpu.regs[4]! >>> 0
          trap = {
            eip: m.memory.read32(esp),
            ecx: m.cpu.regs[1]!,
            edi: m.cpu.regs[7]!,
            image: m.memory.read32(esp + 8) & RF,
            dr6: m.cpu.getState().dr[6]! & 0xf,
          }
        }
      }
      expect(trap).toEqual({ eip: rep, ecx: 5, edi: 0x3000c, image: RF, dr6: 1 })
      // The handler's IRETD resumes the REP, which finishes without another trap.
      m.cpu.run(100)
      expect(m.cpu.regs[1]).toBe(0)
      expect(m.cpu.regs[7]).toBe(0x30020)
      expect(m.memory.read32(0x3001c)).toBe(0x5a5a5a5a)
    })
  }

  it('with TF, every iteration traps; a breakpoint hit in the same iteration adds its B bit', () => {
    const m = machine('mov edi, 0x30000\nmov ecx, 3\ncld\nrep stosd\nhlt', 'interpreter', 'iretd')
    gate(m, 1, 0x3100)
    const s = m.cpu.getState()
    s.dr[0] = 0x30004
    s.dr[7] = 0xd0001
    s.eflags |= TF
    m.cpu.setState(s)
    const traps: [number, number][] = []
    for (let i = 0; i < 40 && traps.length < 4; i++) {
      m.cpu.step()
      if (m.cpu.eip === 0x3100) {
        const st = m.cpu.getState()
        traps.push([m.cpu.regs[1]!, st.dr[6]! & 0x400f])
        st.dr[6] = 0
        m.cpu.setState(st)
      }
    }
    // After MOV EDI, MOV ECX, CLD, then iterations 1 (ECX 2), 2 (ECX 1, hits DR0) and 3 (ECX 0).
    expect(traps.slice(3)).toEqual([[2, 0x4000]])
    m.cpu.step() // IRETD back to the REP
    m.cpu.step()
    expect(m.cpu.regs[1]).toBe(1)
    expect(m.cpu.getState().dr[6]! & 0x400f).toBe(0x4001)
  })
})

describe('VIF = VIP = 1 after IRETD under PVI, with an external interrupt pending', () => {
  /** Ring 0 IRETDs to ring-3 `nop`s at 0x10100 with VIF, VIP and IF; IDT gate 0x1e leads to an IRETD. */
  function pviMachine(): TestMachine {
    const m = protectedMachine(
      `push dword 0x23\npush dword 0x70000\npush dword 0x${(0x202 | VIF | VIP).toString(16)}\n` +
        'push dword 0x1b\npush dword 0x10100\niretd',
      [
        [0x18, 0x0000ffff, 0x00cffb00],
        [0x20, 0x0000ffff, 0x00cff300],
        [0x28, (0x4000 << 16) | 0x67, 0x00008b00],
      ],
    )
    m.memory.write32(0x4000 + 4, 0x80000)
    m.memory.write32(0x4000 + 8, 0x10)
    m.memory.ram.fill(0x90, 0x10100, 0x10110)
    m.memory.write8(0x3100, 0xcf)
    gate(m, 0x1e, 0x3100)
    const s = m.cpu.getState()
    s.tr = { selector: 0x28, base: 0x4000, limit: 0x67, attributes: 0x8b }
    s.cr4 = CR4_PVI
    m.cpu.setState(s)
    for (let i = 0; i < 6; i++) expect(m.cpu.step().exception).toBeUndefined()
    expect(m.cpu.cpl).toBe(3)
    return m
  }

  it('takes the interrupt first; the #GP(0) comes when the handler returns to ring 3', () => {
    const m = pviMachine()
    m.interrupts.pending.push(0x1e)
    const r = m.cpu.step()
    expect(r.exception).toBeUndefined()
    expect(m.cpu.eip).toBe(0x3100)
    expect(m.memory.read32(m.cpu.regs[4]! >>> 0)).toBe(0x10100)
    // The handler's IRETD back to ring 3 arms the check again.
    expect(m.cpu.step().exception).toBeUndefined()
    expect(m.cpu.eip).toBe(0x10100)
    const gp = m.cpu.step()
    expect(gp.exception).toEqual({ vector: 13, errorCode: 0 })
    expect(gp.retired).toBe(0)
    // The #GP image: the ring-3 NOP that did not run, with VIF, VIP and RF (a fault).
    const esp = m.cpu.regs[4]! >>> 0
    expect(m.memory.read32(esp + 4)).toBe(0x10100)
    expect(m.memory.read32(esp + 12) & (VIF | VIP | RF)).toBe(VIF | VIP | RF)
  })

  it('without a pending interrupt the #GP(0) comes at once, in run() as in step()', () => {
    const m = pviMachine()
    m.cpu.run(1)
    expect(m.cpu.lastException).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.cpl).toBe(0)
    expect(m.memory.read32((m.cpu.regs[4]! >>> 0) + 4)).toBe(0x10100)
  })
})
