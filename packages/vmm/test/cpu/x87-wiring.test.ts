// The CPU side of the x87 module: D8–DF dispatch with #NM per CR0.EM/TS, FNSTSW AX, FCOMI flags, FXSAVE
// alignment and layout, and CPUID's FPU/FXSR bits (the x87 arithmetic itself is tested in test/cpu/fpu).
import { describe, expect, it } from 'vitest'
import { protectedMachine, stepUntilException, runForComparison } from './harness'

describe('x87 wiring', () => {
  it('runs x87 code: FLD1/FADD/FISTP, FNSTSW AX and FCOMI into EFLAGS', () => {
    const m = protectedMachine(`
      fninit
      fld1
      fld1
      faddp st1, st0
      fistp dword [0x5000]
      fld1
      fldz
      fcomip st0, st1
      fnstsw ax
      hlt`)
    expect(m.cpu.run(100).reason).toBe('halted')
    expect(m.memory.read32(0x5000)).toBe(2)
    const flags = m.cpu.getState().eflags
    expect(flags & 1).toBe(1) // 0 < 1: CF = 1
    expect(flags & 0x40).toBe(0)
  })

  it('raises #NM with CR0.TS or CR0.EM and #GP for a misaligned FXSAVE', () => {
    const ts = protectedMachine('fld1')
    const s = ts.cpu.getState()
    s.cr0 |= 8
    ts.cpu.setState(s)
    expect(stepUntilException(ts)).toEqual({ vector: 7, errorCode: null })
    const mis = protectedMachine('fxsave [0x5008]')
    expect(stepUntilException(mis)).toEqual({ vector: 13, errorCode: 0 })
  })

  it('stores the FXSAVE image (FCW 0x037F after FNINIT) at a 16-byte aligned address', () => {
    const m = protectedMachine('fninit\nfxsave [0x5000]\nhlt')
    expect(m.cpu.run(10).reason).toBe('halted')
    expect(m.memory.read16(0x5000)).toBe(0x037f)
  })

  it('gives identical x87 results in every engine (x87 instructions inside cached and compiled blocks)', () => {
    const source = `
      fninit
      fld1
      fldz
      mov ecx, 200
    l:
      fadd st0, st1
      fld st0
      fmul st0, st0
      fsqrt
      fstp dword [0x5000]
      fild dword [0x6000]
      fcomip st0, st1
      setb al
      add [0x6004], al
      fstp st0
      fld st0
      fistp dword [0x6008]
      inc dword [0x6000]
      loop l
      fnstsw ax
      hlt`
    const results = (['interpreter', 'blocks', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      const { exit, st } = runForComparison(m, 100_000)
      return { exit, st, mem: [...m.memory.ram.subarray(0x5000, 0x5004), ...m.memory.ram.subarray(0x6000, 0x600c)] }
    })
    expect(results[0]!.exit.reason).toBe('halted')
    expect(results[0]!.mem.slice(4, 8)).toEqual([200, 0, 0, 0])
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })
})
