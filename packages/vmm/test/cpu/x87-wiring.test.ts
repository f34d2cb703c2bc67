// The CPU side of the x87 module: D8–DF dispatch with #NM per CR0.EM/TS, FNSTSW AX, FCOMI flags, FXSAVE
// alignment and layout, and CPUID's FPU/FXSR bits (the x87 arithmetic itself is tested in test/cpu/fpu).
import { describe, expect, it } from 'vitest'
import { protectedMachine, stepUntilException } from './harness'

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
})
