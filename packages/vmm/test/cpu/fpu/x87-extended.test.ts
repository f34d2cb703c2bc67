// Unit tests of the exact binary64/binary32 ↔ 80-bit conversions and significand rounding (Intel SDM vol. 1 §4.2,
// §4.8.3, §8.2), checked against BigInt rational arithmetic.
import { describe, expect, it } from 'vitest'
import {
  RC,
  extendedToFloat32,
  extendedToFloat64,
  float32BitsToExtended,
  float64BitsToExtended,
  float64ToExtended,
  roundSignificand,
  rounded,
} from '../../../src/cpu/fpu/x87-extended'
import { rng } from './seeded-random'

/** Exact value of an extended as a rational numerator/denominator pair of bigints (finite only). */
function extendedRational(ext: Uint32Array): { num: bigint; den: bigint } {
  const mant = (BigInt(ext[1]!) << 32n) | BigInt(ext[0]!)
  const se = ext[2]!
  const exp = se & 0x7fff
  const e = (exp === 0 ? 1 : exp) - 16383 - 63
  const sign = se & 0x8000 ? -1n : 1n
  return e >= 0 ? { num: sign * (mant << BigInt(e)), den: 1n } : { num: sign * mant, den: 1n << BigInt(-e) }
}

function doubleRational(x: number): { num: bigint; den: bigint } {
  const ext = new Uint32Array(3)
  float64ToExtended(x, ext, 0)
  return extendedRational(ext)
}

function cmp(a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }): number {
  const l = a.num * b.den
  const r = b.num * a.den
  return l < r ? -1 : l > r ? 1 : 0
}

describe('binary64 ↔ extended', () => {
  it('converts known values exactly (SDM table 4-3 encodings)', () => {
    const ext = new Uint32Array(3)
    float64ToExtended(1, ext, 0)
    expect([...ext]).toEqual([0, 0x80000000, 0x3fff])
    float64ToExtended(-2.5, ext, 0)
    expect([...ext]).toEqual([0, 0xa0000000, 0xc000])
    float64ToExtended(2 ** -1074, ext, 0) // smallest binary64 denormal is a normal extended value
    expect([...ext]).toEqual([0, 0x80000000, 16383 - 1074])
    float64ToExtended(-Infinity, ext, 0)
    expect([...ext]).toEqual([0, 0x80000000, 0xffff])
    float64ToExtended(-0, ext, 0)
    expect([...ext]).toEqual([0, 0, 0x8000])
    float64BitsToExtended(0x00000001, 0x7ff00000, ext, 0) // SNaN payload moves to the top of the significand
    expect([...ext]).toEqual([0x800, 0x80000000, 0x7fff])
  })

  it('round-trips every finite binary64 exactly (random bit patterns)', () => {
    const r = rng(1)
    const ext = new Uint32Array(3)
    const view = new DataView(new ArrayBuffer(8))
    for (let i = 0; i < 5000; i++) {
      view.setUint32(0, Math.floor(r() * 2 ** 32))
      view.setUint32(4, Math.floor(r() * 2 ** 32))
      const x = view.getFloat64(0)
      if (Number.isNaN(x)) continue
      float64ToExtended(x, ext, 0)
      expect(Object.is(extendedToFloat64(ext, 0, RC.NEAREST), x)).toBe(true)
    }
  })

  it('binary32 bit patterns convert exactly', () => {
    const ext = new Uint32Array(3)
    float32BitsToExtended(0x00000001, ext, 0) // 2^-149
    expect(extendedToFloat64(ext, 0, RC.NEAREST)).toBe(2 ** -149)
    float32BitsToExtended(0xc0490fdb, ext, 0)
    expect(extendedToFloat64(ext, 0, RC.NEAREST)).toBe(Math.fround(-3.1415927410125732))
  })
})

describe('extended → binary64/binary32 rounding under every rounding control', () => {
  const modes = [RC.NEAREST, RC.DOWN, RC.UP, RC.ZERO]
  it('returns the correctly rounded neighbour (BigInt reference)', () => {
    const r = rng(2)
    const ext = new Uint32Array(3)
    for (let i = 0; i < 3000; i++) {
      ext[0] = Math.floor(r() * 2 ** 32)
      ext[1] = (Math.floor(r() * 2 ** 32) | 0x80000000) >>> 0
      // Exponents from the binary64 subnormal range to well inside it.
      ext[2] = (r() < 0.5 ? 0x8000 : 0) | (16383 + Math.floor((r() - 0.9) * 1200))
      const exact = extendedRational(ext)
      for (const rc of modes) {
        const v = extendedToFloat64(ext, 0, rc)
        const c = cmp(doubleRational(v), exact)
        if (rc === RC.DOWN) expect(c).toBeLessThanOrEqual(0)
        if (rc === RC.UP) expect(c).toBeGreaterThanOrEqual(0)
        if (rc === RC.ZERO)
          expect(
            cmp(doubleRational(Math.abs(v)), { num: exact.num < 0n ? -exact.num : exact.num, den: exact.den }),
          ).toBeLessThanOrEqual(0)
        // The neighbour on the other side is beyond the exact value (v is one of the two nearest doubles).
        const other = c <= 0 ? nextAfter(v, Infinity) : nextAfter(v, -Infinity)
        if (c !== 0) expect(cmp(doubleRational(other), exact)).toBe(-c)
      }
    }
  })

  it('binary32: rounds the 64-bit significand once (no double rounding)', () => {
    const ext = new Uint32Array([0x00000001, 0x80000080, 0x3fff]) // 1 + 2^-24 + 2^-63: just above the tie
    expect(extendedToFloat32(ext, 0, RC.NEAREST)).toBe(1 + 2 ** -23)
    const tie = new Uint32Array([0, 0x80000080, 0x3fff]) // exactly 1 + 2^-24: tie → even (1)
    expect(extendedToFloat32(tie, 0, RC.NEAREST)).toBe(1)
    expect(extendedToFloat32(tie, 0, RC.UP)).toBe(1 + 2 ** -23)
  })
})

function nextAfter(x: number, toward: number): number {
  const v = new DataView(new ArrayBuffer(8))
  if (x === 0) return toward > 0 ? 2 ** -1074 : -(2 ** -1074)
  v.setFloat64(0, x)
  let bits = v.getBigUint64(0)
  bits += toward > x === x > 0 ? 1n : -1n
  v.setBigUint64(0, bits)
  return v.getFloat64(0)
}

describe('roundSignificand', () => {
  it('rounds ties to even and reports inexact / incremented', () => {
    roundSignificand(0, 0b1010_1000, 4, RC.NEAREST, false) // 1010.1000 → tie → 1010
    expect(rounded[0]).toBe(0b1010)
    roundSignificand(0, 0b1011_1000, 4, RC.NEAREST, false) // 1011.1 → tie → 1100
    expect(rounded[0]).toBe(0b1100)
    roundSignificand(0xffffffff, 0xffffffff, 1, RC.UP, false) // carries across the word boundary
    expect([rounded[0], rounded[1]]).toEqual([0, 0x80000000])
    roundSignificand(0x80000000, 0, 70, RC.DOWN, true) // everything dropped, negative, toward −∞ → 1
    expect(rounded[0]).toBe(1)
  })
})
