// Alignment checking (#AC, vector 17, error code 0): misaligned data accesses fault only at CPL 3 with CR0.AM and
// EFLAGS.AC both set (Intel SDM vol. 3A 6.15 "Interrupt 17"); #PF takes priority. QEMU's TCG does not implement
// #AC, so these are unit tests.
import { describe, expect, it } from 'vitest'
import { enterUserMode, protectedMachine, stepUntilException, USER_GDT, type TestMachine } from './harness'

const CR0_AM = 0x40000
const EFLAGS_AC = 0x40000

/** A flat machine switched to CPL 3 (user code 0x1b, user data 0x23), with AM/AC as given. */
function userMachine(source: string, am: boolean, ac: boolean, engine?: 'interpreter' | 'compiled'): TestMachine {
  const m = protectedMachine(source, USER_GDT, engine ? { engine, compileThreshold: 0 } : {})
  return enterUserMode(m, (s) => {
    s.cr0 = (s.cr0 & ~CR0_AM) | (am ? CR0_AM : 0)
    s.eflags = (s.eflags & ~EFLAGS_AC) | (ac ? EFLAGS_AC : 0)
  })
}

describe('alignment check (#AC)', () => {
  const cases: [string, string][] = [
    ['32-bit load', 'mov eax, [0x20001]'],
    ['16-bit store', 'mov word [0x20003], ax'],
    ['32-bit read-modify-write', 'add dword [0x20002], 1'],
    ['push onto a misaligned stack', 'mov esp, 0x30003\npush eax'],
    ['REP STOSD', 'mov edi, 0x20001\nmov ecx, 8\ncld\nrep stosd'],
    ['page-crossing load', 'mov eax, [0x20ffe]'],
  ]
  for (const [name, code] of cases) {
    it(`raises #AC(0) for a misaligned ${name} at CPL 3 with CR0.AM and EFLAGS.AC`, () => {
      const m = userMachine(`${code}\nhlt`, true, true)
      expect(stepUntilException(m)).toEqual({ vector: 17, errorCode: 0 })
    })
  }

  it('faults the same way in compiled blocks and leaves the faulting instruction unexecuted', () => {
    const m = userMachine('mov ebx, 5\nmov eax, [0x20001]\nmov ebx, 6\nhlt', true, true, 'compiled')
    // #AC handler in the user code segment (no stack switch): jmp $ at 0x3100.
    m.memory.write32(0x2000 + 17 * 8, 0x001b3100)
    m.memory.write32(0x2000 + 17 * 8 + 4, 0x0000ef00)
    m.memory.ram.set([0xeb, 0xfe], 0x3100)
    m.cpu.run(1000)
    expect(m.cpu.lastException).toEqual({ vector: 17, errorCode: 0 })
    expect(m.cpu.regs[3]).toBe(5)
  })

  // The programs end in UD2: reaching it (#UD) without an earlier #AC is the pass condition.
  const END = { vector: 6, errorCode: null }
  for (const [am, ac, what] of [
    [false, true, 'CR0.AM clear'],
    [true, false, 'EFLAGS.AC clear'],
  ] as const) {
    it(`does not check alignment with ${what}`, () => {
      const m = userMachine('mov eax, [0x20001]\nmov word [0x20003], ax\npush eax\nud2', am, ac)
      expect(stepUntilException(m)).toEqual(END)
    })
  }

  it('does not check alignment at CPL 0', () => {
    const m = protectedMachine(
      'mov eax, cr0\nor eax, 0x40000\nmov cr0, eax\npushfd\nor dword [esp], 0x40000\npopfd\nmov eax, [0x20001]\nhlt',
    )
    expect(stepUntilException(m)).toBeNull()
    expect(m.cpu.halted).toBe(true)
  })

  it('lets aligned accesses through', () => {
    const m = userMachine('mov eax, [0x20004]\nmov word [0x20002], ax\nmov byte [0x20003], al\nud2', true, true)
    expect(stepUntilException(m)).toEqual(END)
  })

  it('gives #PF priority over #AC', () => {
    const m = userMachine('mov eax, [0x20001]\nhlt', true, true)
    // Paging with the page at 0x20000 not present: identity map the first 4 MB except that page.
    const pd = 0x100000
    const pt = 0x101000
    for (let i = 0; i < 1024; i++) m.memory.write32(pt + i * 4, i === 0x20 ? 0 : (i << 12) | 7)
    m.memory.write32(pd, pt | 7)
    const s = m.cpu.getState()
    s.cr3 = pd
    s.cr0 |= 0x80000000
    m.cpu.setState(s)
    expect(stepUntilException(m)).toEqual({ vector: 14, errorCode: 4 })
  })
})
