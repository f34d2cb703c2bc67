// Unit tests per x87 instruction group, with expected values derived from the Intel SDM (vol. 1 ch. 4 and 8,
// vol. 2 instruction entries) and exact BigInt arithmetic where rounding matters.
import { describe, expect, it } from 'vitest'
import { Driver } from './x87-driver'
import { TestFaultError } from './test-host'
import { FpuHostError } from '../../../src/cpu/fpu/x87-host'

const IE = 0x01
const DE = 0x02
const ZE = 0x04
const OE = 0x08
const PE = 0x20
const SF = 0x40

describe('arithmetic', () => {
  it('register, reversed and popping forms (D8/DC/DE)', () => {
    const d = new Driver()
    d.loadDouble(10).loadDouble(4) // ST0 = 4, ST1 = 10
    d.reg(0xd8, 0xe1) // FSUB ST0, ST1 → 4 - 10
    expect(d.peekDouble()).toBe(-6)
    d.reg(0xd8, 0xe9) // FSUBR ST0, ST1 → 10 - (-6)
    expect(d.peekDouble()).toBe(16)
    d.reg(0xdc, 0xe9) // DC E8+i = FSUB ST(i), ST(0): ST1 ← 10 - 16
    d.reg(0xd9, 0xc9) // FXCH ST1
    expect(d.peekDouble()).toBe(-6)
    d.reg(0xde, 0xf9) // DE F8+i = FDIVP ST(i), ST(0): ST1 ← 16 / -6, pop
    expect(d.popDouble()).toBe(16 / -6)
    expect(d.fpu.state.top).toBe(0)
  })

  it('directed rounding gives the neighbours of 1/3 (SDM §4.8.4)', () => {
    const results = [0, 1, 2, 3].map((rc) => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.loadDouble(1).loadDouble(3).reg(0xde, 0xf9) // FDIVP: 1/3
      return d.popDouble()
    })
    const [nearest, down, up, zero] = results as [number, number, number, number]
    expect(nearest).toBe(1 / 3)
    expect(down).toBe(zero)
    expect(up).toBeGreaterThan(down)
    // 1/3 lies strictly between down and up, which are adjacent binary64 values: 3·down < 1 < 3·up exactly.
    expect(BigInt(Math.round(down * 2 ** 54)) * 3n < 2n ** 54n).toBe(true)
    expect(BigInt(Math.round(up * 2 ** 54)) * 3n > 2n ** 54n).toBe(true)
    expect(up === nearest || down === nearest).toBe(true)
  })

  it('PC = extended rounds to 64 bits: 1/3 = 0.AAAA…AB (nearest) or …AA (down), with #P and C1', () => {
    const third = (rc: number): [bigint, number, number] => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.reg(0xd9, 0xe8).loadDouble(3).reg(0xde, 0xf9)
      const sw = d.status()
      return [...d.popExtended(), sw & 0x220] as [bigint, number, number]
    }
    expect(third(0)).toEqual([0xaaaaaaaaaaaaaaabn, 0x3ffd, 0x220])
    expect(third(1)).toEqual([0xaaaaaaaaaaaaaaaan, 0x3ffd, 0x20])
    // FILD m64 + 1 keeps all 64 bits (binary64 could not).
    const d = new Driver()
    d.host.view.setBigInt64(0x180, 2n ** 62n + 1n, true)
    d.mem(0xdf, 5, 0x180).reg(0xd9, 0xe8).reg(0xde, 0xc1)
    d.mem(0xdf, 7, 0x200)
    expect(d.host.view.getBigInt64(0x200, true)).toBe(2n ** 62n + 2n)
  })

  it('results beyond binary64 stay finite in the extended range; gradual underflow below 2^-16382', () => {
    const d = new Driver()
    d.loadDouble(1e300).reg(0xd9, 0xc0).reg(0xde, 0xc9) // 1e600
    expect(d.flags() & 0x08).toBe(0)
    d.loadDouble(1e300).reg(0xde, 0xf9) // back to 1e300
    expect(d.popDouble()).toBeCloseTo(1e300, -285)
    const t = new Driver()
    t.loadExtended(0x8000000000000000n, 1).loadDouble(0.25).reg(0xde, 0xc9) // 2^-16382 · 2^-2
    expect(t.popExtended()).toEqual([0x2000000000000000n, 0])
    expect(t.flags()).toBe(0) // exact: no #U
  })

  it('unmasked #O/#U on a register store the result with the exponent biased by ∓24576 (SDM §4.9.1.4–5)', () => {
    const o = new Driver().controlWord(0x0377) // OE unmasked
    o.host.numericError = false
    o.loadExtended(0x8000000000000000n, 0x7ffe).reg(0xd9, 0xc0).reg(0xde, 0xc9) // 2^16383 · 2^16383
    expect(o.status() & 0x88).toBe(0x88) // OE and ES
    expect(o.popExtended()).toEqual([0x8000000000000000n, 0x3fff + 32766 - 24576])
    const u = new Driver().controlWord(0x036f) // UE unmasked
    u.host.numericError = false
    u.loadExtended(0x8000000000000000n, 0x0001).loadDouble(0.5).reg(0xde, 0xc9) // 2^-16382 · 2^-1, exact
    expect(u.status() & 0x90).toBe(0x90) // UE even though exact, and ES
    expect(u.popExtended()).toEqual([0x8000000000000000n, 0x3fff - 16383 + 24576])
  })

  it('PC = double keeps the extended exponent range: 1e300 · 1e300 does not overflow', () => {
    const d = new Driver().controlWord(0x027f)
    d.loadDouble(1e300).loadDouble(1e300).reg(0xde, 0xc9)
    expect(d.flags() & 0x08).toBe(0)
    const [, se] = d.popExtended()
    expect(se).toBe(0x3fff + 1993) // 1e600 ≈ 2^1993.2
  })

  it('signals #Z, #I and #P with their masked responses', () => {
    const d = new Driver()
    d.loadDouble(1).loadDouble(0).reg(0xde, 0xf9) // 1/0
    expect(d.popDouble()).toBe(Infinity)
    expect(d.flags()).toBe(ZE)
    const e = new Driver()
    e.loadDouble(Infinity).loadDouble(Infinity).reg(0xde, 0xe9) // ∞ − ∞
    const [sig, se] = e.popExtended()
    expect([sig, se]).toEqual([0xc000000000000000n, 0xffff]) // QNaN indefinite
    expect(e.flags()).toBe(IE)
    const f = new Driver()
    f.loadDouble(0.1).loadDouble(0.2).reg(0xde, 0xc1)
    expect(f.popDouble()).toBe(0.1 + 0.2)
    expect(f.flags()).toBe(PE)
  })

  it('propagates NaNs: the larger significand wins, SNaNs are quieted with #I (SDM table 4-7)', () => {
    const d = new Driver()
    d.loadExtended(0xc000000000000123n, 0x7fff) // QNaN, small payload
    d.loadExtended(0x8000000000000456n, 0xffff) // SNaN, larger payload, negative
    d.reg(0xde, 0xc1) // FADDP
    const [sig, se] = d.popExtended()
    expect(sig).toBe(0xc000000000000123n) // QNaN beats SNaN
    expect(se).toBe(0x7fff)
    expect(d.flags()).toBe(IE)
    const e = new Driver()
    e.loadDouble(1).loadExtended(0x8000000000000456n, 0xffff).reg(0xde, 0xc9)
    expect(e.popExtended()).toEqual([0xc000000000000456n, 0xffff])
  })

  it('unsupported encodings (unnormals) are invalid operands', () => {
    const d = new Driver()
    d.loadDouble(1).loadExtended(0x4000000000000000n, 0x3fff).reg(0xde, 0xc1)
    expect(d.popExtended()).toEqual([0xc000000000000000n, 0xffff])
    expect(d.flags()).toBe(IE)
  })

  it('a product below the binary64 range underflows to zero with #U and #P', () => {
    const d = new Driver()
    d.loadDouble(1e-300).loadDouble(-1e-300).reg(0xde, 0xc9)
    expect(Object.is(d.popDouble(), -0)).toBe(true)
    expect(d.flags()).toBe(0x10 | PE)
  })

  it('denormal memory operands signal #D', () => {
    const d = new Driver()
    d.loadDouble(1)
    d.host.view.setFloat64(0x180, 2 ** -1070, true)
    d.mem(0xdc, 0, 0x180) // FADD m64fp
    expect(d.flags() & DE).toBe(DE)
  })

  it('precision control single rounds to 24 bits', () => {
    const d = new Driver().controlWord(0x007f)
    d.loadDouble(1).loadDouble(3).reg(0xde, 0xf9)
    expect(d.popDouble()).toBe(Math.fround(1 / 3))
  })

  it('integer memory operands: FIADD/FIMUL/FIDIVR m16/m32', () => {
    const d = new Driver()
    d.host.view.setInt16(0x180, -7, true)
    d.host.view.setInt32(0x184, 100000, true)
    d.loadDouble(2.5)
    d.mem(0xde, 0, 0x180) // FIADD m16: -4.5
    d.mem(0xda, 1, 0x184) // FIMUL m32: -450000
    d.mem(0xde, 7, 0x180) // FIDIVR m16: -7 / -450000
    expect(d.popDouble()).toBe(-7 / -450000)
  })

  it('FSQRT at PC = extended is the correctly rounded 64-bit root (BigInt reference)', () => {
    const isqrt = (n: bigint): bigint => {
      let x = BigInt(Math.floor(Math.sqrt(Number(n))))
      while (x * x > n) x--
      while ((x + 1n) * (x + 1n) <= n) x++
      return x
    }
    let seed = 12345
    const next = (): bigint => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return BigInt(seed)
    }
    for (let i = 0; i < 300; i++) {
      const sig = (next() << 32n) | next() | (1n << 63n)
      const odd = i % 2 // exponent 0: x in [1, 2); exponent 1: x in [2, 4)
      const n = sig << BigInt(63 + odd) // sqrt(x) · 2^63 = sqrt(n)
      let root = isqrt(n)
      if (4n * n > (2n * root + 1n) ** 2n) root++ // round to nearest (no ties: n is no square of a half-integer)
      const d = new Driver()
      d.loadExtended(sig, 0x3fff + odd).reg(0xd9, 0xfa)
      expect(d.popExtended()).toEqual([root, 0x3fff])
    }
  })

  it('FSQRT is correctly rounded in every mode and invalid for negatives', () => {
    const root = (rc: number): number => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.loadDouble(3).reg(0xd9, 0xfa)
      return d.popDouble()
    }
    const [nearest, down, up, zero] = [root(0), root(1), root(2), root(3)]
    expect(nearest).toBe(Math.sqrt(3))
    expect(down).toBe(zero)
    expect(up).toBeGreaterThan(down)
    // down² < 3 < up², exactly (2^-52 grid: squares fit in BigInt).
    const big = (v: number): bigint => BigInt(v * 2 ** 52)
    expect(big(down) ** 2n < 3n * 2n ** 104n).toBe(true)
    expect(big(up) ** 2n > 3n * 2n ** 104n).toBe(true)
    const neg = new Driver()
    neg.loadDouble(-4).reg(0xd9, 0xfa)
    expect(neg.flags()).toBe(IE)
    const negZero = new Driver()
    negZero.loadDouble(-0).reg(0xd9, 0xfa)
    expect(Object.is(negZero.popDouble(), -0)).toBe(true)
  })
})

describe('loads and stores', () => {
  it('FLD m80 → FSTP m80 round-trips every encoding, including unsupported ones', () => {
    const patterns: [bigint, number][] = [
      [0xc90fdaa22168c235n, 0x4000],
      [0x0000000000000001n, 0x0000], // denormal
      [0x8000000000000001n, 0x0000], // pseudo-denormal
      [0x4000000000000000n, 0x3fff], // unnormal
      [0x0000000000000000n, 0x7fff], // pseudo-infinity
      [0x8000000000000001n, 0x7fff], // SNaN
      [0xffffffffffffffffn, 0x7ffe], // largest finite (beyond binary64)
      [0x8000000000000000n, 0x0001], // smallest normal (below binary64)
    ]
    for (const [sig, se] of patterns) {
      const d = new Driver()
      d.loadExtended(sig, se)
      d.reg(0xd9, 0xc0) // FLD ST0
      d.reg(0xd9, 0xc9) // FXCH
      d.popExtended()
      expect(d.popExtended()).toEqual([sig, se])
      expect(d.flags()).toBe(0)
    }
  })

  it('FST m64 rounds the 64-bit significand under the rounding control, with #P/#O/#U', () => {
    const d = new Driver()
    d.loadExtended(0xc90fdaa22168c235n, 0x4000) // π
    expect(d.peekDouble()).toBe(Math.PI)
    expect(d.flags()).toBe(PE)
    const big = new Driver()
    big.loadExtended(0x8000000000000000n, 0x3fff + 1024) // 2^1024: overflows binary64
    expect(big.peekDouble()).toBe(Infinity)
    expect(big.flags()).toBe(OE | PE)
    const chop = new Driver().controlWord(0x0f7f)
    chop.loadExtended(0x8000000000000000n, 0x3fff + 1024)
    expect(chop.peekDouble()).toBe(Number.MAX_VALUE)
    const tiny = new Driver()
    tiny.loadExtended(0xc000000000000000n, 0x3fff - 1074) // 1.5 · 2^-1074 → tie → 2 · 2^-1074
    expect(tiny.peekDouble()).toBe(2 ** -1073)
    expect(tiny.flags()).toBe(0x10 | PE)
  })

  it('FST m32 narrows with the rounding control', () => {
    const d = new Driver().controlWord(0x077f) // round down
    d.loadDouble(1 / 3)
    d.mem(0xd9, 2, 0x200)
    expect(d.host.view.getFloat32(0x200, true)).toBeLessThanOrEqual(1 / 3)
    const n = new Driver()
    n.loadDouble(1 / 3)
    n.mem(0xd9, 3, 0x200)
    expect(n.host.view.getFloat32(0x200, true)).toBe(Math.fround(1 / 3))
  })

  it('FIST rounds per RC; FISTTP truncates; out of range stores the integer indefinite with #I', () => {
    const stored = [0, 1, 2, 3].map((rc) => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.loadDouble(-2.5)
      d.mem(0xdb, 2, 0x200) // FIST m32
      return d.host.view.getInt32(0x200, true)
    })
    expect(stored).toEqual([-2, -3, -2, -2])
    const t = new Driver()
    t.loadDouble(-2.7)
    t.mem(0xdf, 1, 0x200) // FISTTP m16
    expect(t.host.view.getInt16(0x200, true)).toBe(-2)
    const o = new Driver()
    o.loadDouble(40000)
    o.mem(0xdf, 3, 0x200) // FISTP m16: out of range
    expect(o.host.view.getUint16(0x200, true)).toBe(0x8000)
    expect(o.flags()).toBe(IE)
    const edge = new Driver()
    edge.loadDouble(-32768)
    edge.mem(0xdf, 3, 0x200)
    expect(edge.host.view.getInt16(0x200, true)).toBe(-32768)
    expect(edge.flags()).toBe(0)
  })

  it('FILD m64 / FISTP m64 are exact for all 64-bit integers', () => {
    for (const n of [-(2n ** 63n), 2n ** 63n - 1n, 0x123456789abcdefn, -1n]) {
      const d = new Driver()
      d.host.view.setBigInt64(0x180, n, true)
      d.mem(0xdf, 5, 0x180) // FILD m64
      d.mem(0xdf, 7, 0x200) // FISTP m64
      expect(d.host.view.getBigInt64(0x200, true)).toBe(n)
    }
  })

  it('FBLD / FBSTP: 18 packed BCD digits, exact; out of range gives the BCD indefinite', () => {
    const d = new Driver()
    const bcd = [0x89, 0x67, 0x45, 0x23, 0x01, 0x89, 0x67, 0x45, 0x23, 0x80] // -234567890123456789
    bcd.forEach((b, i) => d.host.view.setUint8(0x180 + i, b))
    d.mem(0xdf, 4, 0x180)
    d.reg(0xd9, 0xc0)
    d.mem(0xdf, 7, 0x210) // FISTP m64
    expect(d.host.view.getBigInt64(0x210, true)).toBe(-234567890123456789n)
    d.mem(0xdf, 6, 0x200) // FBSTP
    expect([...d.host.memory.subarray(0x200, 0x20a)]).toEqual(bcd)
    const o = new Driver()
    o.loadDouble(1e19)
    o.mem(0xdf, 6, 0x200)
    expect([...o.host.memory.subarray(0x200, 0x20a)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff])
    expect(o.flags()).toBe(IE)
  })

  it('FLD m32/m64 of an SNaN signals #I and pushes the quiet NaN', () => {
    const d = new Driver()
    d.host.view.setUint32(0x180, 0x7f800001, true)
    d.mem(0xd9, 0, 0x180)
    expect(d.flags()).toBe(IE)
    expect(d.popExtended()).toEqual([0xc000010000000000n, 0x7fff])
  })
})

describe('constants', () => {
  it('FLDPI, FLDL2E, FLDL2T, FLDLG2, FLDLN2 are rounded per RC from the 66-bit internal values', () => {
    const load = (modrm: number, rc: number): bigint => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.reg(0xd9, modrm)
      return d.popExtended()[0]
    }
    expect(load(0xeb, 0)).toBe(0xc90fdaa22168c235n)
    expect(load(0xeb, 1)).toBe(0xc90fdaa22168c234n)
    expect(load(0xeb, 2)).toBe(0xc90fdaa22168c235n)
    expect(load(0xea, 0)).toBe(0xb8aa3b295c17f0bcn)
    expect(load(0xe9, 0)).toBe(0xd49a784bcd1b8afen)
    expect(load(0xe9, 2)).toBe(0xd49a784bcd1b8affn)
    expect(load(0xec, 3)).toBe(0x9a209a84fbcff798n)
    expect(load(0xed, 0)).toBe(0xb17217f7d1cf79acn)
    expect(load(0xe8, 1)).toBe(0x8000000000000000n)
    expect(load(0xee, 0)).toBe(0n)
  })
})

describe('comparisons', () => {
  const order = (a: number, b: number, modrm = 0xd1): string => {
    const d = new Driver()
    d.loadDouble(b).loadDouble(a).reg(0xd8, modrm)
    return d.conditions()
  }
  it('FCOM sets C3/C2/C0 (SDM FCOM table)', () => {
    expect(order(2, 1)).toBe('0000')
    expect(order(1, 2)).toBe('0001')
    expect(order(-0, 0)).toBe('1000')
    expect(order(NaN, 0)).toBe('1101')
  })

  it('FCOM signals #I for any NaN, FUCOM only for SNaNs', () => {
    const d = new Driver()
    d.loadDouble(1).loadDouble(NaN).reg(0xd8, 0xd1)
    expect(d.flags()).toBe(IE)
    const u = new Driver()
    u.loadDouble(1).loadDouble(NaN).reg(0xdd, 0xe1)
    expect(u.flags()).toBe(0)
    expect(u.conditions()).toBe('1101')
  })

  it('decides equal binary64 approximations on the exact 80-bit values', () => {
    const d = new Driver()
    d.loadExtended(0x8000000000000001n, 0x3fff) // 1 + 2^-63
    d.loadDouble(1)
    d.reg(0xd8, 0xd1)
    expect(d.conditions()).toBe('0001') // 1 < 1 + 2^-63
  })

  it('FCOMI/FUCOMIP set ZF/PF/CF and FCMOVcc reads them', () => {
    const d = new Driver()
    d.loadDouble(5).loadDouble(3)
    d.reg(0xdb, 0xf1) // FCOMI ST0, ST1: 3 < 5 → CF
    expect(d.host.eflags & 0x45).toBe(0x01)
    d.reg(0xda, 0xc1) // FCMOVB ST0, ST1: CF set → ST0 = 5
    expect(d.peekDouble()).toBe(5)
    d.reg(0xdf, 0xe9) // FUCOMIP ST0, ST1: equal → ZF, pop
    expect(d.host.eflags & 0x45).toBe(0x40)
    expect(d.fpu.state.top).toBe(7)
    d.loadDouble(NaN)
    d.reg(0xdb, 0xe9) // FUCOMI with a QNaN: unordered, no #I
    expect(d.host.eflags & 0x45).toBe(0x45)
    expect(d.flags()).toBe(0)
    d.reg(0xdb, 0xd1) // FCMOVNBE: CF=1 → no move
    expect(Number.isNaN(d.peekDouble())).toBe(true)
  })

  it('FICOM compares with integers; FTST with +0; FCOMPP pops twice', () => {
    const d = new Driver()
    d.host.view.setInt32(0x180, 7, true)
    d.loadDouble(7.5)
    d.mem(0xda, 2, 0x180)
    expect(d.conditions()).toBe('0000')
    d.reg(0xd9, 0xe4)
    expect(d.conditions()).toBe('0000')
    d.loadDouble(-1)
    d.reg(0xde, 0xd9)
    expect(d.conditions()).toBe('0001')
    expect(d.fpu.state.empty.every((e) => e === 1)).toBe(true)
  })

  it('FXAM classifies every encoding and reports the sign in C1', () => {
    const classify = (load: (d: Driver) => void): string => {
      const d = new Driver()
      load(d)
      d.reg(0xd9, 0xe5)
      return d.conditions()
    }
    expect(classify(() => {})).toBe('1001') // empty
    expect(classify((d) => d.loadDouble(-1))).toBe('0110') // normal, negative
    expect(classify((d) => d.loadDouble(0))).toBe('1000')
    expect(classify((d) => d.loadDouble(Infinity))).toBe('0101')
    expect(classify((d) => d.loadDouble(NaN))).toBe('0001')
    expect(classify((d) => d.loadExtended(1n, 0))).toBe('1100') // denormal
    expect(classify((d) => d.loadExtended(0x4000000000000000n, 0xbfff))).toBe('0010') // unsupported, negative
  })
})

describe('transcendental and scaling', () => {
  it('FSIN/FCOS/FSINCOS/FPTAN match binary64 functions; |x| ≥ 2^63 sets C2 and keeps ST0', () => {
    const d = new Driver()
    d.loadDouble(0.5).reg(0xd9, 0xfb) // FSINCOS: ST0 = cos, ST1 = sin
    expect(d.popDouble()).toBeCloseTo(Math.cos(0.5), 15)
    expect(d.popDouble()).toBeCloseTo(Math.sin(0.5), 15)
    d.loadDouble(1).reg(0xd9, 0xf2) // FPTAN pushes 1.0
    expect(d.popDouble()).toBe(1)
    expect(d.popDouble()).toBeCloseTo(Math.tan(1), 15)
    d.loadExtended(0xc000000000000000n, 0x3fff - 15000).reg(0xd9, 0xfe) // sin(1.5 · 2^-15000) = itself
    expect(d.popExtended()).toEqual([0xc000000000000000n, 0x3fff - 15000])
    d.loadDouble(2 ** 64).reg(0xd9, 0xfe)
    expect(d.status() & 0x400).toBe(0x400)
    expect(d.popDouble()).toBe(2 ** 64)
  })

  it('FPATAN, FYL2X, FYL2XP1, F2XM1', () => {
    const d = new Driver()
    d.loadDouble(1).loadDouble(-1).reg(0xd9, 0xf3) // atan2(1, -1)
    expect(d.popDouble()).toBeCloseTo((3 * Math.PI) / 4, 15)
    d.loadDouble(3).loadDouble(8).reg(0xd9, 0xf1) // 3 · log2(8)
    expect(d.popDouble()).toBe(9)
    d.loadDouble(2).loadDouble(1e-10).reg(0xd9, 0xf9) // 2 · log2(1 + 1e-10)
    expect(d.popDouble()).toBeCloseTo((2 * Math.log1p(1e-10)) / Math.LN2, 24)
    d.loadDouble(0.5).reg(0xd9, 0xf0)
    expect(d.popDouble()).toBeCloseTo(Math.SQRT2 - 1, 15)
    const z = new Driver()
    z.loadDouble(1).loadDouble(0).reg(0xd9, 0xf1) // log2(0): #Z, −∞
    expect(z.popDouble()).toBe(-Infinity)
    expect(z.flags()).toBe(ZE)
  })

  it('FSCALE is exact in the 80-bit image; FXTRACT splits exponent and significand', () => {
    const d = new Driver()
    d.loadDouble(3.9).loadExtended(0xc90fdaa22168c235n, 0x4000).reg(0xd9, 0xfd)
    expect(d.popExtended()).toEqual([0xc90fdaa22168c235n, 0x4003]) // π · 2^3 exactly
    d.loadDouble(-48).reg(0xd9, 0xf4)
    expect(d.popDouble()).toBe(-1.5)
    expect(d.popDouble()).toBe(5)
  })

  it('FPREM/FPREM1 return exact remainders and the low quotient bits (BigInt reference)', () => {
    const cases: [number, number][] = [
      [-652348384512, -516],
      [-809, 1.603530552238226],
      [297.43347042798996, -3.2572472714819014],
      [1e15 + 3, 7],
    ]
    for (const [x, y] of cases) {
      for (const ieee of [false, true]) {
        const d = new Driver()
        d.loadDouble(y)
          .loadDouble(x)
          .reg(0xd9, ieee ? 0xf5 : 0xf8)
        const sw = d.status()
        const r = d.popDouble()
        // q·y = x − r exactly (all values are multiples of 2^-80 here).
        const X = scaled(x)
        const Y = scaled(y)
        const R = scaled(r)
        const q = (X - R) / Y
        if (ieee) expect(2n * (R < 0n ? -R : R) <= (Y < 0n ? -Y : Y)).toBe(true)
        else expect(R === 0n || R < 0n === x < 0).toBe(true)
        expect((X - R) % Y).toBe(0n)
        const bits = Number((q < 0n ? -q : q) & 7n)
        const c0 = (sw >>> 8) & 1
        const c1 = (sw >>> 9) & 1
        const c3 = (sw >>> 14) & 1
        expect([c0, c3, c1]).toEqual([(bits >> 2) & 1, (bits >> 1) & 1, bits & 1])
        expect(sw & 0x400).toBe(0)
      }
    }
  })

  it('FSCALE, FXTRACT and FYL2X work across the whole extended range (beyond binary64)', () => {
    const d = new Driver()
    d.loadDouble(16000).loadExtended(0xc000000000000000n, 0x3fff - 16000) // 1.5 · 2^-16000
    d.reg(0xd9, 0xfd) // FSCALE by 16000
    expect(d.popDouble()).toBe(1.5)
    d.reg(0xdd, 0xd8) // pop the scale
    d.loadExtended(0xa000000000000000n, 0x3fff + 12000).reg(0xd9, 0xf4) // FXTRACT of 1.25 · 2^12000
    expect(d.popDouble()).toBe(1.25)
    expect(d.popDouble()).toBe(12000)
    d.loadDouble(0.5)
      .loadExtended(0x8000000000000000n, 0x3fff + 15000)
      .reg(0xd9, 0xf1) // 0.5 · log2(2^15000)
    expect(d.popDouble()).toBe(7500)
    expect(d.flags() & ~PE).toBe(0) // no #O/#U/#Z: nothing left the extended range
  })

  it('FPREM is exact on 64-bit operands: 10^6 mod π(80-bit)', () => {
    const d = new Driver()
    d.reg(0xd9, 0xeb).loadDouble(1e6).reg(0xd9, 0xf8)
    const sw = d.status()
    const [sig, se] = d.popExtended()
    const piSig = 0xc90fdaa22168c235n // π = piSig · 2^-62
    const x = 1000000n << 62n
    const q = x / piSig
    const rem = x - q * piSig // remainder · 2^62
    const shift = BigInt((se & 0x7fff) - 16384) // sig · 2^(exp − 16383 − 63) = rem · 2^-62
    expect(shift >= 0n ? sig << shift : sig).toBe(shift >= 0n ? rem : rem << -shift)
    const bits = Number(q & 7n)
    expect([(sw >>> 8) & 1, (sw >>> 14) & 1, (sw >>> 9) & 1]).toEqual([(bits >> 2) & 1, (bits >> 1) & 1, bits & 1])
  })

  it('FRNDINT rounds per RC exactly on the 80-bit value', () => {
    const results = [0, 1, 2, 3].map((rc) => {
      const d = new Driver().controlWord(0x037f | (rc << 10))
      d.loadDouble(-2.5).reg(0xd9, 0xfc)
      return d.popDouble()
    })
    expect(results).toEqual([-2, -3, -2, -2])
    const big = new Driver()
    big.loadExtended(0xffffffffffffffffn, 0x3fff + 63).reg(0xd9, 0xfc)
    expect(big.popExtended()).toEqual([0xffffffffffffffffn, 0x3fff + 63])
  })
})

/** x · 2^80 as an exact bigint (x must be a multiple of 2^-80). */
function scaled(x: number): bigint {
  const v = new DataView(new ArrayBuffer(8))
  v.setFloat64(0, x)
  const bits = v.getBigUint64(0)
  const exp = Number((bits >> 52n) & 0x7ffn)
  const frac = bits & 0xfffffffffffffn
  const mant = exp === 0 ? frac : frac | (1n << 52n)
  const shift = (exp === 0 ? 1 : exp) - 1075 + 80
  const mag = shift >= 0 ? mant << BigInt(shift) : mant >> BigInt(-shift)
  return x < 0 ? -mag : mag
}

describe('undefined encodings', () => {
  it('raise #UD through the host', () => {
    for (const [op, modrm] of [
      [0xd9, 0xd1],
      [0xd9, 0xe2],
      [0xd9, 0xef],
      [0xda, 0xe8],
      [0xdb, 0xe5],
      [0xdb, 0xf8],
      [0xdd, 0xf0],
      [0xde, 0xd8],
      [0xdf, 0xe1],
      [0xd9, 0x08],
      [0xdb, 0x20],
      [0xdd, 0x28],
    ] as const) {
      const d = new Driver()
      expect(() => d.fpu.execute(op, modrm, 0x100, d.host, 0, 0)).toThrow(TestFaultError)
    }
  })
})

describe('host contract', () => {
  it('a host without the X87CpuAccess members is rejected with FpuHostError naming them', () => {
    const d = new Driver()
    const partial = {
      read8: () => 0,
      read16: () => 0,
      read32: () => 0,
      write8: () => {},
      write16: () => {},
      write32: () => {},
      raiseFloatingPointError: () => {},
      is32BitOperand: true,
      isProtectedMode: true,
    }
    expect(() => d.fpu.execute(0xd9, 0xe8, 0, partial as never, 0, 0)).toThrow(FpuHostError)
    expect(() => d.fpu.execute(0xd9, 0xe8, 0, partial as never, 0, 0)).toThrow(/setAx\(\).*eflags/)
    expect(d.fpu.state.empty[7]).toBe(1)
  })
})

describe('stack faults', () => {
  it('overflow: #IS with C1 = 1 and the indefinite pushed; underflow: C1 = 0', () => {
    const d = new Driver()
    for (let i = 0; i < 8; i++) d.reg(0xd9, 0xe8)
    d.reg(0xd9, 0xeb) // ninth push
    expect(d.status() & 0x2ff).toBe(0x200 | SF | IE)
    expect(d.popExtended()).toEqual([0xc000000000000000n, 0xffff])
    const u = new Driver()
    u.reg(0xd8, 0xc1) // FADD ST0, ST1 with an empty stack
    expect(u.status() & 0x2ff).toBe(SF | IE)
    expect(u.popExtended()).toEqual([0xc000000000000000n, 0xffff])
  })

  it('unmasked stack fault leaves the registers untouched and raises #MF on the next waiting instruction', () => {
    const d = new Driver().controlWord(0x037e) // IE unmasked
    d.reg(0xd8, 0xc1)
    expect(d.status() & 0x80c1).toBe(0x8000 | 0x80 | SF | IE)
    expect(d.fpu.state.empty[0]).toBe(1)
    expect(() => d.reg(0xd9, 0xe8)).toThrow(TestFaultError) // FLD1 waits → #MF
    d.reg(0xdb, 0xe2) // FNCLEX does not wait
    expect(d.status() & 0x80ff).toBe(0)
    d.reg(0xd9, 0xe8)
    expect(d.popDouble()).toBe(1)
  })

  it('with CR0.NE = 0, a pending exception asserts FERR# and the instruction continues', () => {
    const d = new Driver().controlWord(0x037b) // ZE unmasked
    d.host.numericError = false
    d.loadDouble(1).loadDouble(0).reg(0xde, 0xf9) // unmasked #Z: nothing stored, no pop
    expect(d.fpu.state.top).toBe(6)
    d.fpu.wait(d.host)
    expect(d.host.ferrCount).toBe(1)
    d.reg(0xd9, 0xe8)
    expect(d.host.ferrCount).toBe(2)
  })

  it('FLDCW unmasking a pending flag sets ES/B', () => {
    const d = new Driver()
    d.loadDouble(1).loadDouble(0).reg(0xde, 0xf9)
    expect(d.status() & 0x8080).toBe(0)
    d.controlWord(0x037b)
    expect(d.status() & 0x8080).toBe(0x8080)
    expect(() => d.fpu.wait(d.host)).toThrow(TestFaultError)
  })
})
