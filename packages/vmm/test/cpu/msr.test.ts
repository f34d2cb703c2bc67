// CPUID's PAE/NX reports, IA32_EFER (Intel SDM vol. 3A 2.2.1) and the P6 performance-monitoring MSRs
// (SDM vol. 3B 19.6.1): values, reserved bits (#GP(0)), the 40-bit counters' sign extension, and the probe a
// Linux kernel runs at boot (arch/x86/events/core.c check_hw_exists: read the event select, then flip the low
// 16 bits of a counter and read them back).
import { describe, expect, it } from 'vitest'
import { enterUserMode, protectedMachine, stepUntilException, USER_GDT } from './harness'

function run(source: string): Int32Array {
  const m = protectedMachine(source)
  expect(m.cpu.run(1000).reason).toBe('halted')
  return m.cpu.regs
}

describe('CPUID: PAE and NX', () => {
  it('reports PAE in leaf 1 EDX and NX in leaf 0x80000001 EDX, with 0x80000001 as the highest extended leaf', () => {
    const r = run(`mov eax, 1
cpuid
mov esi, edx
mov eax, 0x80000000
cpuid
mov edi, eax
mov eax, 0x80000001
cpuid
hlt`)
    expect((r[6]! >>> 6) & 1).toBe(1)
    expect(r[7]! >>> 0).toBe(0x80000001)
    expect(r[2]).toBe(1 << 20)
    expect([r[0], r[1], r[3]]).toEqual([0, 0, 0])
  })
})

describe('IA32_EFER', () => {
  it('starts at 0 and keeps NXE', () => {
    const r = run(`mov ecx, 0xc0000080
rdmsr
mov esi, eax
mov eax, 0x800
xor edx, edx
wrmsr
rdmsr
hlt`)
    expect(r[6]).toBe(0)
    expect([r[0], r[2]]).toEqual([0x800, 0])
  })

  for (const [what, eax, edx] of [
    ['LME (no long mode)', 0x100, 0],
    ['SCE (no SYSCALL)', 1, 0],
    ['a high bit', 0x800, 1],
  ] as const) {
    it(`raises #GP(0) for ${what}`, () => {
      const m = protectedMachine(`mov ecx, 0xc0000080\nmov eax, ${eax}\nmov edx, ${edx}\nwrmsr\nhlt`)
      expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
      expect(m.cpu.getState().msr.efer).toBe(0)
    })
  }
})

describe('P6 performance-monitoring MSRs', () => {
  it("pass Linux's probe: event selects read, a counter keeps what is written", () => {
    const r = run(`mov ecx, 0x186
rdmsr
mov ebx, eax
mov ecx, 0x187
rdmsr
or ebx, eax
mov ecx, 0xc1
rdmsr
xor eax, 0xffff
wrmsr
xor eax, eax
xor edx, edx
rdmsr
hlt`)
    expect(r[3]).toBe(0) // no counter enabled at reset
    expect([r[0], r[2]]).toEqual([0xffff, 0])
  })

  it('counters are 40 bits: WRMSR sets the low 32 and sign-extends bit 31 into bits 39:32', () => {
    const r = run(`mov ecx, 0xc2
mov eax, 0x80000001
mov edx, 0x12345678
wrmsr
xor eax, eax
xor edx, edx
rdmsr
mov esi, eax
mov edi, edx
mov ecx, 0xc1
mov eax, 0x7fffffff
mov edx, -1
wrmsr
rdmsr
hlt`)
    expect([r[6]! >>> 0, r[7]]).toEqual([0x80000001, 0xff])
    expect([r[0], r[2]]).toEqual([0x7fffffff, 0])
  })

  it('event selects keep their 32 bits, raise #GP(0) for high bits, and survive saved state', () => {
    const m = protectedMachine(`mov ecx, 0x187
mov eax, 0x004300c0
xor edx, edx
wrmsr
mov ecx, 0x186
mov eax, 0x00430079
wrmsr
rdmsr
mov edx, 1
wrmsr
hlt`)
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.regs[0]).toBe(0x00430079)
    const s = m.cpu.getState()
    expect(s.msr.perfEvtSel).toEqual([0x00430079, 0x004300c0])
    const n = protectedMachine('hlt')
    n.cpu.loadState(m.cpu.saveState())
    expect(n.cpu.getState().msr.perfEvtSel).toEqual([0x00430079, 0x004300c0])
  })
})

describe('IA32_BIOS_SIGN_ID (0x8B)', () => {
  it("takes Linux's WRMSR 0, CPUID(1), RDMSR sequence and reports microcode revision 0 (none loaded)", () => {
    const r = run(`mov ecx, 0x8b
xor eax, eax
xor edx, edx
wrmsr
mov eax, 1
cpuid
mov ecx, 0x8b
mov eax, -1
mov edx, -1
rdmsr
hlt`)
    expect([r[0], r[2]]).toEqual([0, 0])
  })
})

describe('RDPMC', () => {
  /** A flat machine at CPL 3 with CR4.PCE as given. */
  function userMachine(source: string, pce: boolean) {
    return enterUserMode(protectedMachine(source, USER_GDT), (s) => {
      s.cr4 = (s.cr4 & ~0x100) | (pce ? 0x100 : 0)
      s.msr.perfCtr = [0x12_3456_789a, 5]
    })
  }

  it('reads counters 0 and 1 as 40-bit values in EDX:EAX at CPL 0 (what WRMSR wrote)', () => {
    const r = run(`mov ecx, 0xc1
mov eax, 0x80000002
xor edx, edx
wrmsr
mov ecx, 0xc2
mov eax, 7
wrmsr
xor ecx, ecx
rdpmc
mov esi, eax
mov edi, edx
mov ecx, 1
rdpmc
hlt`)
    expect([r[6]! >>> 0, r[7]]).toEqual([0x80000002, 0xff])
    expect([r[0], r[2]]).toEqual([7, 0])
  })

  it('raises #GP(0) for a counter the P6 does not have', () => {
    const m = protectedMachine('mov ecx, 2\nrdpmc\nhlt')
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
  })

  it('raises #GP(0) at CPL 3 unless CR4.PCE is set', () => {
    expect(stepUntilException(userMachine('xor ecx, ecx\nrdpmc\nhlt', false))).toEqual({ vector: 13, errorCode: 0 })
    const m = userMachine('xor ecx, ecx\nrdpmc\nmov ecx, 1\nrdpmc\nhlt', true)
    for (let i = 0; i < 2; i++) m.cpu.step()
    expect([m.cpu.regs[0]! >>> 0, m.cpu.regs[2]]).toEqual([0x3456789a, 0x12])
    m.cpu.step()
    m.cpu.step()
    expect([m.cpu.regs[0], m.cpu.regs[2]]).toEqual([5, 0])
  })
})
