// x87 transcendental and scaling instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1,
// FSCALE, FXTRACT, FPREM, FPREM1, FRNDINT (Intel SDM vol. 2 entries; vol. 1 §8.3.8–8.3.10).
// Transcendentals use the host's binary64 functions (≤ 1 ulp of binary64, not of extended); FSCALE, FXTRACT,
// FRNDINT and FPREM/FPREM1 (in x87-softfloat.ts) are exact.
import { propagateNaN, storeApproximate } from './x87-arith'
import { log2Extended, softRemainder, softScale } from './x87-softfloat'
import { EXT_CLASS, clz64, pow2, roundIncremented, roundInexact, rounded } from './x87-extended'
import { uint64ToExtended } from './x87-extended'
import { roundToInteger } from './x87-memory'
import { SW, type X87State } from './x87-state'

/** Operations on ST(0) alone. */
export const UNARY = { SIN: 0, COS: 1, TAN: 2, F2XM1: 3 } as const

const TRIG_LIMIT = pow2(63)

/**
 * Checks ST(0) (physical `reg`) as the operand of a transcendental: NaN → propagated (#I for SNaN), ∞ → #I,
 * denormal → #D. Returns true when the caller should compute a result.
 */
function usableOperand(s: X87State, reg: number, allowInfinity: boolean): boolean {
  const x = s.values[reg] as number
  if (x !== x) {
    propagateNaN(s, reg, reg, reg)
    return false
  }
  if (!allowInfinity && s.classify(reg) === EXT_CLASS.INFINITY) {
    if (!s.signal(SW.IE)) s.setIndefinite(reg)
    return false
  }
  if ((s.denormal[reg] as number) !== 0 && s.signal(SW.DE)) return false
  return true
}

/**
 * FSIN/FCOS/FPTAN (the tangent only; the caller pushes 1.0)/F2XM1 of physical register `reg`, in place. For the
 * trigonometric ones, |x| ≥ 2^63 sets C2 and leaves the operand unchanged. Returns true when a result was stored.
 */
export function unary(s: X87State, op: number, reg: number): boolean {
  s.statusFlags &= ~SW.C2
  if (!usableOperand(s, reg, op === UNARY.F2XM1)) return false
  const x = s.values[reg] as number
  if (op !== UNARY.F2XM1 && Math.abs(x) >= TRIG_LIMIT) {
    s.statusFlags |= SW.C2
    return false
  }
  if ((op === UNARY.SIN || op === UNARY.TAN) && s.classify(reg) !== EXT_CLASS.ZERO) {
    // sin x and tan x round to x itself (64-bit significand) when |x| < 2^-32; the exact image is kept, so tiny
    // extended values below the binary64 range survive.
    const at = s.loadExtended(reg)
    const exp = (s.ext[at + 2] as number) & 0x7fff
    if (exp < 16383 - 32) {
      s.signal(SW.PE)
      s.setC1(false)
      return true
    }
  }
  let r: number
  let exact = false
  switch (op) {
    case UNARY.SIN:
      r = Math.sin(x)
      exact = x === 0
      break
    case UNARY.COS:
      r = Math.cos(x)
      break
    case UNARY.TAN:
      r = Math.tan(x)
      exact = x === 0
      break
    default:
      if (x === -Infinity) r = -1
      else r = Math.abs(x) < pow2(-40) ? x * Math.LN2 : Math.expm1(x * Math.LN2)
      exact = x === 0 || x === 1 || x === -1 || x === Infinity || x === -Infinity
      break
  }
  return storeApproximate(s, reg, r, exact)
}

/** FSINCOS: ST(0) ← sin, then the caller pushes the cosine held in the returned value. NaN when nothing stored. */
export function sinCos(s: X87State, reg: number): number {
  s.statusFlags &= ~SW.C2
  if (!usableOperand(s, reg, false)) return NaN
  const x = s.values[reg] as number
  if (Math.abs(x) >= TRIG_LIMIT) {
    s.statusFlags |= SW.C2
    return NaN
  }
  const c = Math.cos(x)
  storeApproximate(s, reg, Math.sin(x), x === 0)
  return c
}

/** Binary operations that store into ST(1) and pop: FPATAN, FYL2X, FYL2XP1. */
export const BINARY = { PATAN: 0, YL2X: 1, YL2XP1: 2 } as const

/** ST(1) ← f(ST(1), ST(0)) for BINARY ops; returns true when the stack should be popped (not on unmasked faults). */
export function binary(s: X87State, op: number, st0: number, st1: number): boolean {
  const x = s.values[st0] as number
  const y = s.values[st1] as number
  if (x !== x || y !== y) return propagateNaN(s, st1, st1, st0)
  if (((s.denormal[st0] as number) !== 0 || (s.denormal[st1] as number) !== 0) && s.signal(SW.DE)) return false
  let r: number
  switch (op) {
    case BINARY.PATAN:
      r = Math.atan2(y, x)
      return storeApproximate(s, st1, r, y === 0)
    case BINARY.YL2X: {
      const cx = s.classify(st0)
      if (cx === EXT_CLASS.ZERO && y !== 0 && isFinite(y)) {
        if (s.signal(SW.ZE)) return false
        s.setC1(false)
        s.setValue(st1, y > 0 ? -Infinity : Infinity)
        return true
      }
      // log2 from the exact exponent and significand: full extended range, no binary64 rounding of x.
      const positive = (s.ext[st0 * 3 + 2] as number) < 0x8000
      const positiveFinite = positive && cx !== EXT_CLASS.INFINITY && cx !== EXT_CLASS.ZERO
      r = y * (positiveFinite ? log2Extended(s, st0) : Math.log2(x))
      return storeApproximate(s, st1, r, x === 1 || y === 0 || !isFinite(r))
    }
    default:
      r = y * (Math.log1p(x) * Math.LOG2E)
      return storeApproximate(s, st1, r, x === 0 || y === 0 || !isFinite(r))
  }
}

/** FSCALE: ST(0) ← ST(0) · 2^trunc(ST(1)), exact in the 80-bit image when the exponent stays in range. */
export function scale(s: X87State, st0: number, st1: number): void {
  const x = s.values[st0] as number
  const y = s.values[st1] as number
  if (x !== x || y !== y) {
    propagateNaN(s, st0, st0, st1)
    return
  }
  if (((s.denormal[st0] as number) !== 0 || (s.denormal[st1] as number) !== 0) && s.signal(SW.DE)) return
  // Decide on the encodings: registers may hold extended values beyond the binary64 range.
  const cx = s.classify(st0)
  const cy = s.classify(st1)
  const yNegative = (s.ext[st1 * 3 + 2] as number) >= 0x8000
  const xInfinite = cx === EXT_CLASS.INFINITY
  const yInfinite = cy === EXT_CLASS.INFINITY
  if ((cx === EXT_CLASS.ZERO && yInfinite && !yNegative) || (xInfinite && yInfinite && yNegative)) {
    if (!s.signal(SW.IE)) s.setIndefinite(st0)
    return
  }
  s.setC1(false)
  if (cx === EXT_CLASS.ZERO || xInfinite) return // 0 · 2^n = 0, ∞ · 2^n = ∞
  if (yInfinite) {
    const sign = (s.ext[st0 * 3 + 2] as number) & 0x8000
    s.setExtended(st0, 0, yNegative ? 0 : 0x80000000, sign | (yNegative ? 0 : 0x7fff))
    return
  }
  // Scales beyond ±70000 over- or underflow every finite operand alike.
  softScale(s, st0, st0, Math.trunc(Math.max(-70000, Math.min(70000, y))))
}

/**
 * FXTRACT: ST(0) ← unbiased exponent, then the caller pushes the significand held in slot `significandSlot`.
 * Returns false when nothing is to be pushed (an unmasked fault).
 */
export function extract(s: X87State, st0: number, significandSlot: number): boolean {
  const x = s.values[st0] as number
  if (x !== x) {
    if (!propagateNaN(s, st0, st0, st0)) return false
    s.copy(significandSlot, st0)
    return true
  }
  if ((s.denormal[st0] as number) !== 0 && s.signal(SW.DE)) return false
  const cls = s.classify(st0)
  if (cls === EXT_CLASS.ZERO) {
    if (s.signal(SW.ZE)) return false
    s.copy(significandSlot, st0)
    s.setValue(st0, -Infinity)
    return true
  }
  if (cls === EXT_CLASS.INFINITY) {
    s.copy(significandSlot, st0)
    s.setValue(st0, Infinity)
    return true
  }
  const at = s.loadExtended(st0)
  const hi = s.ext[at + 1] as number
  const lo = s.ext[at] as number
  const se = s.ext[at + 2] as number
  const exp = se & 0x7fff
  // Denormals are normalised first: their true exponent is 1 - 16383 minus the leading zeros.
  const lz = clz64(hi, lo)
  const unbiased = (exp === 0 ? 1 : exp) - 16383 - lz
  uint64ToExtended(hi, lo, false, s.ext, significandSlot * 3)
  const sat = significandSlot * 3
  s.setExtended(significandSlot, s.ext[sat] as number, s.ext[sat + 1] as number, (se & 0x8000) | 16383)
  s.setValue(st0, unbiased)
  return true
}

/**
 * FPREM (IEEE = false, truncating quotient) / FPREM1 (round-to-nearest quotient): ST(0) ← remainder of
 * ST(0) / ST(1). C2 = 1 for a partial remainder; otherwise C0, C3, C1 = quotient bits 2, 1, 0.
 */
export function remainder(s: X87State, st0: number, st1: number, ieee: boolean): void {
  const x = s.values[st0] as number
  const y = s.values[st1] as number
  s.statusFlags &= ~SW.C2
  if (x !== x || y !== y) {
    propagateNaN(s, st0, st0, st1)
    return
  }
  if (((s.denormal[st0] as number) !== 0 || (s.denormal[st1] as number) !== 0) && s.signal(SW.DE)) return
  softRemainder(s, st0, st1, ieee)
}

/** FRNDINT: rounds ST(0) to an integer under the rounding control, exactly (on the 80-bit image). */
export function roundToIntegral(s: X87State, reg: number): void {
  const x = s.values[reg] as number
  if (x !== x) {
    propagateNaN(s, reg, reg, reg)
    return
  }
  if ((s.denormal[reg] as number) !== 0 && s.signal(SW.DE)) return
  if (!isFinite(x)) return
  const at = s.loadExtended(reg)
  const se = s.ext[at + 2] as number
  if (!roundToInteger(s.ext, at, s.roundingControl())) {
    s.setC1(false)
    return // already integral: |x| ≥ 2^63
  }
  if (roundInexact) {
    s.signal(SW.PE)
    s.setC1(roundIncremented)
  } else {
    s.setC1(false)
  }
  const negative = se >= 0x8000
  uint64ToExtended(rounded[1] as number, rounded[0] as number, negative, s.ext, at)
  s.setExtended(reg, s.ext[at] as number, s.ext[at + 1] as number, s.ext[at + 2] as number)
}
