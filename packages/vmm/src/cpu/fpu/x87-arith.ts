// x87 basic arithmetic: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR and FSQRT dispatch (exact 80-bit arithmetic in
// x87-softfloat.ts; binary64 arithmetic with all four rounding modes when PC = double and both operands are plain
// binary64 values), NaN propagation and the #I/#D/#Z/#O/#U/#P exceptions (Intel SDM vol. 1 §4.7–4.9, §8.5,
// table 4-7; vol. 2 FADD…FDIVR, FSQRT). The binary64 path rounds directed modes using the exact error of the
// round-to-nearest result (TwoSum / Dekker products), so it is correctly rounded in every mode.
import {
  binary64Arithmetic,
  binary64SquareRoot,
  extendedAdd,
  extendedDivide,
  extendedMultiply,
  extendedSquareRoot,
  productError as dekkerError,
} from './x87-binary64'
import { EXT_CLASS, RC, nextDown, nextUp, pow2 } from './x87-extended'
import { softArithmetic, softSquareRoot } from './x87-softfloat'
import { SW, TMP2, type X87State } from './x87-state'

/** Operation numbers: the ModRM reg field of D8/DA/DC/DE. */
export const ARITH = { ADD: 0, MUL: 1, SUB: 4, SUBR: 5, DIV: 6, DIVR: 7 } as const

const SAFE_MAX = pow2(995)
const SAFE_MIN = pow2(-969)

/**
 * Exact error term of the binary64 product r = RN(a·b) (Dekker's TwoProduct), i.e. a·b − r, as long as neither
 * factor is huge and the product is not tiny. Outside that range it scales the operands by powers of two.
 */
function productError(a: number, b: number, r: number): number {
  let scaleBack = 1
  const absR = Math.abs(r)
  if (Math.abs(a) > SAFE_MAX || Math.abs(b) > SAFE_MAX || absR > SAFE_MAX) {
    a *= pow2(-600)
    r *= pow2(-600)
    scaleBack = pow2(600)
  } else if (absR < SAFE_MIN) {
    if (Math.abs(a) < Math.abs(b)) a *= pow2(600)
    else b *= pow2(600)
    r *= pow2(600)
    scaleBack = pow2(-600)
  }
  const err = dekkerError(a, b, r)
  // Scaling back may underflow the error to zero; keep its sign so directed rounding still sees it.
  const scaled = err * scaleBack
  return scaled === 0 && err !== 0 ? (err > 0 ? pow2(-1074) : -pow2(-1074)) : scaled
}

/** Sign-correct error (true − r) of r = RN(x / y). */
function quotientError(x: number, y: number, q: number): number {
  const p = q * y
  const rem = x - p - productError(q, y, p)
  if (rem === 0) return 0
  return rem > 0 === y > 0 ? pow2(-1074) : -pow2(-1074)
}

/** Sign-correct error (true − s) of s = RN(sqrt(x)). */
function sqrtError(x: number, s: number): number {
  const p = s * s
  const rem = x - p - productError(s, s, p)
  return rem === 0 ? 0 : rem > 0 ? pow2(-1074) : -pow2(-1074)
}

/**
 * Stores a computed binary64 result `r` (round-to-nearest of the true value, which is r + err) into `dst`,
 * applying rounding control, precision control, and the #O/#U/#P flags and C1. `finiteInputs` tells whether an
 * infinite r is an overflow. Returns false when an unmasked exception suppressed the store.
 */
export function storeRounded(s: X87State, dst: number, r: number, err: number, finiteInputs: boolean): boolean {
  const rc = s.roundingControl()
  let flags = 0
  let roundedUp = false
  if (r === Infinity || r === -Infinity) {
    if (finiteInputs) {
      flags = SW.OE | SW.PE
      const negative = r < 0
      const toInfinity = rc === RC.NEAREST || (rc === RC.UP && !negative) || (rc === RC.DOWN && negative)
      if (!toInfinity) r = negative ? -Number.MAX_VALUE : Number.MAX_VALUE
      roundedUp = toInfinity
    }
  } else if (err !== 0) {
    flags = SW.PE
    if (rc === RC.DOWN) {
      if (err < 0) r = nextDown(r)
    } else if (rc === RC.UP) {
      if (err > 0) r = nextUp(r)
    } else if (rc === RC.ZERO) {
      if (r > 0 && err < 0) r = nextDown(r)
      else if (r < 0 && err > 0) r = nextUp(r)
    }
    // C1 reports whether the magnitude was rounded up (the stored value lies farther from zero than the true one).
    if (rc === RC.NEAREST) roundedUp = r > 0 ? err < 0 : err > 0
    else if (rc === RC.DOWN) roundedUp = r < 0
    else if (rc === RC.UP) roundedUp = r > 0
    if (Math.abs(r) < pow2(-1022)) flags |= SW.UE // tiny and inexact (zero included)
  }
  if (((s.controlWord >>> 8) & 3) === 0 && r === r && isFinite(r)) {
    const single = Math.fround(r)
    if (single !== r) {
      flags |= SW.PE
      roundedUp = Math.abs(single) > Math.abs(r)
      r = single
    }
  }
  if (flags !== 0) {
    const unmasked = s.signal(flags)
    s.setC1(roundedUp)
    if (unmasked && (flags & (SW.OE | SW.UE)) !== 0) return false
  } else {
    s.setC1(false)
  }
  s.setValue(dst, r)
  return true
}

/**
 * Handles NaN or unsupported operands of a two-operand instruction (SDM vol. 1 table 4-7): SNaN or unsupported →
 * #I; the result is the quieted NaN (the larger significand of two), or the indefinite. Writes `dst` unless #I
 * is unmasked.
 */
export function propagateNaN(s: X87State, dst: number, a: number, b: number): boolean {
  const ca = s.classify(a)
  const cb = s.classify(b)
  if (ca === EXT_CLASS.UNSUPPORTED || cb === EXT_CLASS.UNSUPPORTED) {
    if (s.signal(SW.IE)) return false
    s.setIndefinite(dst)
    return true
  }
  if ((ca === EXT_CLASS.SNAN || cb === EXT_CLASS.SNAN) && s.signal(SW.IE)) return false
  const aNaN = ca === EXT_CLASS.QNAN || ca === EXT_CLASS.SNAN
  const bNaN = cb === EXT_CLASS.QNAN || cb === EXT_CLASS.SNAN
  let pick = aNaN ? a : b
  if (aNaN && bNaN) {
    if (ca === EXT_CLASS.SNAN && cb === EXT_CLASS.QNAN) pick = b
    else if (ca === EXT_CLASS.QNAN && cb === EXT_CLASS.SNAN) pick = a
    else pick = compareSignificands(s, a, b) >= 0 ? a : b
  }
  const at = pick * 3
  s.setExtended(dst, s.ext[at] as number, ((s.ext[at + 1] as number) | 0x40000000) >>> 0, s.ext[at + 2] as number)
  return true
}

function compareSignificands(s: X87State, a: number, b: number): number {
  const ha = (s.ext[a * 3 + 1] as number) & 0x3fffffff
  const hb = (s.ext[b * 3 + 1] as number) & 0x3fffffff
  if (ha !== hb) return ha > hb ? 1 : -1
  const la = s.ext[a * 3] as number
  const lb = s.ext[b * 3] as number
  if (la !== lb) return la > lb ? 1 : -1
  // Equal significands: the positive one wins (as the x87 NaN selection in common implementations).
  return (s.ext[a * 3 + 2] as number) <= (s.ext[b * 3 + 2] as number) ? 1 : -1
}

/** Signals #D when either operand is a denormal; returns true if #D is unmasked (no result is written). */
export function denormalOperands(s: X87State, a: number, b: number): boolean {
  if ((s.denormal[a] as number) !== 0 || (s.denormal[b] as number) !== 0) return s.signal(SW.DE)
  return false
}

/**
 * dst ← a op b for op in ARITH (SUBR/DIVR reverse the operands). `a` and `b` are slots; `dst` is a physical
 * register (or scratch slot). Returns false when an unmasked exception left `dst` unchanged.
 */
export function arithmetic(s: X87State, op: number, dst: number, a: number, b: number): boolean {
  if (op === ARITH.SUBR || op === ARITH.DIVR) {
    const t = a
    a = b
    b = t
    op -= 1
  }
  const x = s.values[a] as number
  const y = s.values[b] as number
  // The common case first: binary64 operands (no 80-bit image, no denormal) at 64-bit precision.
  if (
    (s.controlWord & 0x100) !== 0 &&
    ((s.rawValid[a] as number) | (s.rawValid[b] as number) | (s.denormal[a] as number) | (s.denormal[b] as number)) ===
      0 &&
    binary64Arithmetic(s, op, dst, x, y)
  ) {
    return true
  }
  if (x !== x || y !== y) return propagateNaN(s, dst, a, b)
  if (denormalOperands(s, a, b)) return false
  // Exact 80-bit arithmetic unless both operands are plain binary64 values and PC selects double precision,
  // where binary64 arithmetic gives the same bits.
  const pc = (s.controlWord >>> 8) & 3
  if (pc !== 2 || s.rawValid[a] === 1 || s.rawValid[b] === 1) {
    if (pc !== 0 && s.rawValid[a] === 0 && s.rawValid[b] === 0) {
      // Binary64 operands whose exact result is a binary64 value need no rounding at any precision ≥ 53 bits.
      const exact = exactBinary64(s, op, x, y)
      if (exact === exact) {
        s.setC1(false)
        s.setValue(dst, exact)
        return true
      }
    }
    if ((pc & 1) === 1) {
      // 64-bit precision with 80-bit operands: binary64 approximations with tightly bounded errors.
      if (op === ARITH.DIV && extendedDivide(s, dst, a, b)) return true
      if (op === ARITH.MUL && extendedMultiply(s, dst, a, b)) return true
      if ((op === ARITH.ADD || op === ARITH.SUB) && extendedAdd(s, dst, a, b, op === ARITH.SUB)) return true
    }
    return softArithmetic(s, op, dst, a, b)
  }
  let r: number
  let err = 0
  switch (op) {
    case ARITH.ADD:
    case ARITH.SUB: {
      const y2 = op === ARITH.SUB ? -y : y
      r = x + y2
      if (isFinite(r)) {
        const t = r - x
        err = x - (r - t) + (y2 - t)
      }
      // An exact zero sum is +0 except when rounding down (IEEE 754 §6.3); (-0) + (-0) is -0 in every mode.
      if (r === 0 && s.roundingControl() === RC.DOWN && (x !== 0 || Object.is(x, -0) || Object.is(y2, -0))) r = -0
      break
    }
    case ARITH.MUL:
      r = x * y
      if (isFinite(r) && r !== 0 && isFinite(x) && isFinite(y)) err = productError(x, y, r)
      else if (r === 0 && x !== 0 && y !== 0) err = x > 0 === y > 0 ? pow2(-1074) : -pow2(-1074)
      break
    default: {
      if (y === 0 && x === x && isFinite(x) && x !== 0) {
        if (s.signal(SW.ZE)) return false
        s.setC1(false)
        s.setValue(dst, x > 0 === !Object.is(y, -0) ? Infinity : -Infinity)
        return true
      }
      r = x / y
      if (isFinite(r) && r !== 0 && isFinite(x) && isFinite(y)) err = quotientError(x, y, r)
      else if (r === 0 && x !== 0 && isFinite(y)) err = r > 0 || Object.is(r, 0) ? pow2(-1074) : -pow2(-1074)
      break
    }
  }
  if (r !== r) {
    if (s.signal(SW.IE)) return false
    s.setIndefinite(dst)
    return true
  }
  // Results beyond the binary64 range (overflow, or tiny and inexact) still fit the x87's extended exponent range
  // at PC = double: the 80-bit path decides them.
  if ((!isFinite(r) && isFinite(x) && isFinite(y)) || (Math.abs(r) < pow2(-1022) && err !== 0)) {
    return softArithmetic(s, op, dst, a, b)
  }
  return storeRounded(s, dst, r, err, isFinite(x) && isFinite(y))
}

/**
 * The result of x op y when it is exactly representable in binary64 (finite, not tiny), else NaN. Operands are
 * finite or infinite binary64 values, never NaN.
 */
function exactBinary64(s: X87State, op: number, x: number, y: number): number {
  if (!isFinite(x) || !isFinite(y)) return NaN
  let r: number
  switch (op) {
    case ARITH.ADD:
    case ARITH.SUB: {
      const y2 = op === ARITH.SUB ? -y : y
      r = x + y2
      if (!isFinite(r)) return NaN
      const t = r - x
      if (x - (r - t) + (y2 - t) !== 0) return NaN
      // Exact cancellation gives −0 when rounding down; (−0) + (−0) is −0 in every mode.
      if (r === 0 && s.roundingControl() === RC.DOWN && !(Object.is(x, 0) && Object.is(y2, 0))) return -0
      return r
    }
    case ARITH.MUL:
      r = x * y
      if (r === 0) return x === 0 || y === 0 ? r : NaN
      if (!isFinite(r) || Math.abs(r) < pow2(-1022)) return NaN
      return productError(x, y, r) === 0 ? r : NaN
    default:
      if (y === 0) return NaN
      r = x / y
      if (r === 0) return x === 0 ? r : NaN
      if (!isFinite(r) || Math.abs(r) < pow2(-1022)) return NaN
      return quotientError(x, y, r) === 0 ? r : NaN
  }
}

/** FSQRT of slot `src` into `dst`. */
export function squareRoot(s: X87State, dst: number, src: number): boolean {
  const x = s.values[src] as number
  if (x !== x) return propagateNaN(s, dst, src, src)
  if (denormalOperands(s, src, src)) return false
  const pc = (s.controlWord >>> 8) & 3
  if (pc !== 2 || s.rawValid[src] === 1) {
    if (pc !== 0 && s.rawValid[src] === 0 && x > 0 && binary64SquareRoot(s, dst, x)) return true
    if ((pc & 1) === 1 && s.rawValid[src] === 1 && extendedSquareRoot(s, dst, src)) return true
    return softSquareRoot(s, dst, src)
  }
  if (x < 0) {
    if (s.signal(SW.IE)) return false
    s.setIndefinite(dst)
    return true
  }
  const r = Math.sqrt(x)
  const err = isFinite(x) && x !== 0 ? sqrtError(x, r) : 0
  return storeRounded(s, dst, r, err, isFinite(x))
}

/** Stores a binary64 result computed by an approximate function (transcendentals): #P unless `exact`. */
export function storeApproximate(s: X87State, dst: number, r: number, exact: boolean): boolean {
  if (r !== r) {
    if (s.signal(SW.IE)) return false
    s.setIndefinite(dst)
    return true
  }
  // An infinite result of these functions comes from an infinite operand or a pole (#Z), never an overflow.
  if (!storeRounded(s, dst, r, 0, false)) return false
  if (!exact) s.signal(SW.PE)
  return true
}

/** Scratch slot used by callers that need an intermediate operand. */
export const SCRATCH = TMP2
