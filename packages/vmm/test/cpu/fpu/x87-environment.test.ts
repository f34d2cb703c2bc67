// Unit tests of the x87 environment images (Intel SDM vol. 1 figures 8-9 to 8-12 for FSTENV/FSAVE in the
// 16/32-bit real/protected layouts, table 10-2 for FXSAVE), the pointer registers, and the saved-state unit.
import { describe, expect, it } from 'vitest'
import { FpuStateError } from '../../../src/cpu/fpu/x87-environment'
import { Driver } from './x87-driver'

/** FLDPI then FADD m64fp (operand offset `dp`) from instruction pointer `ip`: sets FIP, FDP and FOP 0x405. */
function withPointers(d: Driver, ip: number, dp = DP): Driver {
  d.reg(0xd9, 0xeb)
  d.host.view.setFloat64(0x180, 1, true)
  d.fpu.execute(0xdc, 0x05, 0x180, d.host, ip, dp)
  return d
}

/** A driver in real mode with CS = 1000h and the memory operand's segment 3000h (bases 10000h and 30000h). */
function realMode(): Driver {
  const d = new Driver()
  d.host.isProtectedMode = false
  d.host.codeSelector = 0x1000
  d.host.dataSelector = 0x3000
  return d
}
const DP = 0x32345

describe('FNSTENV layouts', () => {
  it('32-bit protected mode: FCW, FSW, FTW, FIP, FCS|FOP<<16, FDP, FDS', () => {
    const d = withPointers(new Driver(), 0x00401234)
    d.fpu.execute(0xd9, 6 << 3, 0x600, d.host, 0x9999, 0x600) // FNSTENV does not change FIP
    const v = d.host.view
    expect(v.getUint16(0x600, true)).toBe(0x037f)
    expect(v.getUint16(0x604, true)).toBe(0x3820) // π (64 bits) + 1 is inexact: #P
    expect(v.getUint16(0x608, true)).toBe(0x3fff) // R7 valid (00), others empty
    expect(v.getUint32(0x60c, true)).toBe(0x00401234)
    expect(v.getUint32(0x610, true)).toBe((0x405 << 16) | 0x08)
    expect(v.getUint32(0x614, true)).toBe(DP)
    expect(v.getUint16(0x618, true)).toBe(0x10)
    // FNSTENV masks all exceptions afterwards.
    expect(d.fpu.state.controlWord & 0x3f).toBe(0x3f)
  })

  it('32-bit real mode: linear FIP[15:0], FIP[31:16]<<12 | FOP, FDP split the same way', () => {
    // CS:IP = 1000:2345 → 12345h; the operand at 3000:2345 → 32345h (= DP).
    const d = withPointers(realMode(), 0x2345, 0x2345)
    d.mem(0xd9, 6, 0x600)
    const v = d.host.view
    expect(v.getUint16(0x60c, true)).toBe(0x2345)
    expect(v.getUint32(0x610, true)).toBe((0x0001 << 12) | 0x405)
    expect(v.getUint16(0x614, true)).toBe(DP & 0xffff)
    expect(v.getUint32(0x618, true)).toBe((DP >>> 16) << 12)
  })

  it('16-bit layouts: 14 bytes, protected (selectors) and real (20-bit pointers)', () => {
    const p = withPointers(new Driver(), 0x1234)
    p.host.is32BitOperand = false
    p.mem(0xd9, 6, 0x600)
    const v = p.host.view
    expect([0, 2, 4, 6, 8, 10, 12].map((o) => v.getUint16(0x600 + o, true))).toEqual([
      0x037f,
      0x3820,
      0x3fff,
      0x1234,
      0x08,
      DP & 0xffff,
      0x10,
    ])
    // Real mode: CS:IP = 1000:F234 → 1F234h, the operand at 3000:FFF0 → 3FFF0h.
    const r = withPointers(realMode(), 0xf234, 0xfff0)
    r.host.is32BitOperand = false
    r.mem(0xd9, 6, 0x600)
    const w = r.host.view
    expect(w.getUint16(0x606, true)).toBe(0xf234)
    expect(w.getUint16(0x608, true)).toBe((0x1 << 12) | 0x405)
    expect(w.getUint16(0x60a, true)).toBe(0xfff0)
    expect(w.getUint16(0x60c, true)).toBe(0x3 << 12)
  })

  it('FNSAVE → FRSTOR → FNSTENV in real mode keeps the linear pointers', () => {
    for (const is32 of [true, false]) {
      const d = withPointers(realMode(), 0xf234, 0xfff0)
      d.host.is32BitOperand = is32
      d.mem(0xd9, 6, 0x600) // FNSTENV
      d.mem(0xdd, 6, 0x700) // FNSAVE
      d.mem(0xdd, 4, 0x700) // FRSTOR
      d.mem(0xd9, 6, 0x680) // FNSTENV again: the same image
      const size = is32 ? 28 : 14
      expect([...d.host.memory.subarray(0x680, 0x680 + size)]).toEqual([...d.host.memory.subarray(0x600, 0x600 + size)])
    }
  })

  it('FLDENV restores what FNSTENV stored in every layout', () => {
    for (const [is32, pm] of [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ] as const) {
      const d = withPointers(new Driver(), 0x4_5678)
      d.controlWord(0x0e7a)
      d.host.is32BitOperand = is32
      d.host.isProtectedMode = pm
      const before = d.fpu.getState()
      d.mem(0xd9, 6, 0x600)
      d.reg(0xdb, 0xe3) // FNINIT
      d.mem(0xd9, 4, 0x600) // FLDENV
      const after = d.fpu.getState()
      expect(after.controlWord).toBe(before.controlWord)
      expect(after.statusWord).toBe(before.statusWord)
      expect(after.tagWord).toBe(before.tagWord)
      // Outside protected mode the image holds CS·16 + IP (08h·16 + 45678h), kept as a linear pointer.
      const linear = 0x80 + 0x4_5678
      expect(after.instructionPointer).toBe(pm ? (is32 ? 0x4_5678 : 0x5678) : is32 ? linear : linear & 0xfffff)
      expect(after.lastOpcode).toBe(pm ? (is32 ? 0x405 : 0) : 0x405)
    }
  })
})

describe('FNSAVE / FRSTOR', () => {
  it('saves the environment and ST(0)…ST(7), reinitialises, and restores exactly', () => {
    const d = new Driver()
    d.loadExtended(0xffffffffffffffffn, 0x7ffe)
    d.loadDouble(-0.1)
    d.reg(0xd9, 0xeb)
    const before = d.fpu.getState()
    d.mem(0xdd, 6, 0x600)
    expect(d.fpu.getState().tagWord).toBe(0xffff)
    expect(d.fpu.state.controlWord).toBe(0x037f)
    // ST(0) = π sits right after the 28-byte environment.
    expect(d.host.view.getBigUint64(0x600 + 28, true)).toBe(0xc90fdaa22168c235n)
    expect(d.host.view.getBigUint64(0x600 + 48, true)).toBe(0xffffffffffffffffn)
    d.mem(0xdd, 4, 0x600)
    const after = d.fpu.getState()
    expect(after.statusWord).toBe(before.statusWord)
    expect(after.tagWord).toBe(before.tagWord)
    expect(after.registers).toEqual(before.registers)
  })
})

describe('FXSAVE / FXRSTOR', () => {
  it('stores the x87 part of the 512-byte image (abridged tags, registers at 32 + 16·i)', () => {
    const d = withPointers(new Driver(), 0x401000)
    d.fpu.fxsave(d.host, 0x800)
    const v = d.host.view
    expect(v.getUint16(0x800, true)).toBe(0x037f)
    expect(v.getUint16(0x802, true)).toBe(0x3820)
    expect(v.getUint8(0x804)).toBe(0x80)
    expect(v.getUint16(0x806, true)).toBe(0x405)
    expect(v.getUint32(0x808, true)).toBe(0x401000)
    expect(v.getUint16(0x80c, true)).toBe(0x08)
    expect(v.getUint16(0x814, true)).toBe(0x10)
    // (π + 1) · 2^61 = 0x8487ED5110B4611A.8: a tie, rounded to even.
    expect(v.getBigUint64(0x820, true)).toBe(0x8487ed5110b4611an)
    expect(v.getUint16(0x828, true)).toBe(0x4001)
    d.reg(0xdb, 0xe3)
    d.fpu.fxrstor(d.host, 0x800)
    d.fpu.fxsave(d.host, 0xa00)
    expect(d.host.memory.subarray(0xa00, 0xaa0)).toEqual(d.host.memory.subarray(0x800, 0x8a0))
  })
})

describe('saved state and architectural state', () => {
  it('saveState → loadState round-trips every bit, including raw 80-bit values and pointers', () => {
    const d = withPointers(new Driver(), 0x1234)
    d.loadExtended(0x4000000000000001n, 0x1234) // an unnormal
    d.controlWord(0x0c7f)
    const bytes = d.fpu.saveState()
    const e = new Driver()
    e.fpu.loadState(bytes)
    expect(e.fpu.getState()).toEqual(d.fpu.getState())
    expect(e.fpu.saveState()).toEqual(bytes)
    expect(e.popExtended()).toEqual([0x4000000000000001n, 0x1234])
  })

  it('rejects malformed saved state with FpuStateError', () => {
    const d = new Driver()
    expect(() => d.fpu.loadState(new Uint8Array(3))).toThrow(FpuStateError)
    const bytes = d.fpu.saveState()
    bytes[0] = 99
    expect(() => d.fpu.loadState(bytes)).toThrow(/version 99/)
  })

  it('setState → getState is the identity', () => {
    const d = new Driver()
    const registers = Array.from({ length: 8 }, (_, i) => {
      const b = new Uint8Array(10)
      b[7] = 0x80
      b[8] = i
      b[9] = 0x40
      return b
    })
    const state = {
      controlWord: 0x027f,
      statusWord: 0x2800,
      tagWord: 0x0fff,
      registers,
      instructionPointer: 0xdeadbeef,
      dataPointer: 0x1000,
      lastOpcode: 0x1e8,
    }
    d.fpu.setState(state)
    expect(d.fpu.getState()).toEqual({ ...state, tagWord: 0x0fff })
    expect(d.fpu.state.top).toBe(5)
  })
})
