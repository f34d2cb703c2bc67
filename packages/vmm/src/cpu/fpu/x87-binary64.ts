// Fast x87 arithmetic on binary64 operands at 64-bit precision (PC = extended): FADD/FSUB/FMUL/FDIV/FSQRT
// computed in binary64 together with the exact or tightly bounded error of the binary64 result, then rounded once
// to the 80-bit format under the rounding control (Intel SDM vol. 1 §4.8.4, §8.1.5.2; the error-free
// transformations are Knuth's TwoSum and Dekker's TwoProduct). The result is the same bits as the exact 80-bit
// path (x87-softfloat.ts); whenever that cannot be guaranteed (results near the ends of the binary64 range, a
// division or square root too close to a rounding boundary) these functions decline and the caller falls back.
import { pow2 } from './x87-extended'
import type { X87State } from './x87-state'

const SPLIT = 134217729 // 2^27 + 1 (Veltkamp split)
/** Results and operands outside [2^-900, 2^900] take the exact path: error terms stay normal and exact inside. */
const LOW = pow2(-900)
const HIGH = pow2(900)

const f64 = new Float64Array(1)
const f64Words = new Uint32Array(f64.buffer)
/**
 * [r, err] handed to roundToExtended (and r to roundSum): binary64 arguments of a call V8 does not inline would
 * each be boxed in a fresh heap number, on every instruction.
 */
const rounding = new Float64Array(2)

/**
 * Dekker's TwoProduct error a·b − r for r = RN(a·b), exact while the Veltkamp split cannot overflow and the
 * partial products cannot underflow (|a|, |b|, |a·b| in [2^-900, 2^900] is safe).
 */
export function productError(a: number, b: number, r: number): number {
  let c = SPLIT * a
  const aHi = c - (c - a)
  const aLo = a - aHi
  c = SPLIT * b
  const bHi = c - (c - b)
  const bLo = b - bHi
  return aHi * bHi - r + aHi * bLo + aLo * bHi + aLo * bLo
}

function inRange(v: number): boolean {
  const a = v < 0 ? -v : v
  return a >= LOW && a <= HIGH
}

/**
 * dst ← x op y (op: 0 add, 1 mul, 4 sub, 6 div; operands already swapped for the reversed forms) for finite
 * binary64 operands at 64-bit precision. Returns false when the caller must use the exact 80-bit path.
 */
export function binary64Arithmetic(s: X87State, op: number, dst: number, x: number, y: number): boolean {
  if (!inRange(x) || !inRange(y)) return false
  let r: number
  let err: number
  let exactError = true
  if (op === 1) {
    r = x * y
    if (!inRange(r)) return false
    err = productError(x, y, r)
  } else if (op === 6) {
    r = x / y
    if (!inRange(r)) return false
    // The remainder x − r·y is exactly representable, and so are both steps of computing it (Sterbenz).
    const p = r * y
    const rem = x - p - productError(r, y, p)
    err = rem / y
    exactError = rem === 0
  } else {
    const y2 = op === 4 ? -y : y
    r = x + y2
    if (!inRange(r)) return false
    const t = r - x
    err = x - (r - t) + (y2 - t)
  }
  rounding[0] = r
  rounding[1] = err
  return roundToExtended(s, dst, exactError)
}

/** dst ← sqrt(x) for a finite positive binary64 x at 64-bit precision; false: use the exact path. */
export function binary64SquareRoot(s: X87State, dst: number, x: number): boolean {
  if (!inRange(x)) return false
  const r = Math.sqrt(x)
  const p = r * r
  // x − r² is exactly representable (it lies on the grid of ulp(r)² and below 2·r·ulp(r)), as is x − p.
  const rem = x - p - productError(r, r, p)
  // sqrt(x) = r + rem / (r + sqrt(x)) ≈ r + rem / (2r), with a relative error below 2^-51.
  rounding[0] = r
  rounding[1] = rem / (2 * r)
  return roundToExtended(s, dst, rem === 0)
}

/**
 * dst ← sqrt(x) at 64-bit precision for the positive normal 80-bit value in slot `src` (a 64-bit significand,
 * exponent within [-900, 900]); false: use the exact path. x is split exactly into H + L (the top and bottom
 * 32 significand bits), r = RN(sqrt(RN(x))), and the remainder x − r² = (H − p) + L − e (p + e = r² exactly) is
 * formed with its exact sign and zero-ness: H − p and its sum with L are exact (Sterbenz; both are multiples of
 * the significand's unit and below 2^33 of them); only the final subtraction of e may round.
 */
export function extendedSquareRoot(s: X87State, dst: number, src: number): boolean {
  const at = src * 3
  const hi = s.ext[at + 1] as number
  const se = s.ext[at + 2] as number
  const e = se - 16383 // sign bit set → far out of range
  if (hi < 0x80000000 || e < -900 || e > 900) return false
  const big = hi * scale(e - 31)
  const small = (s.ext[at] as number) * scale(e - 63)
  const r = Math.sqrt(big + small)
  const p = r * r
  const rem = big - p + small - productError(r, r, p)
  rounding[0] = r
  rounding[1] = rem / (2 * r)
  return roundToExtended(s, dst, rem === 0)
}

/**
 * dst ← a / b at 64-bit precision for normal 80-bit values (64-bit significands, exponents within [-800, 800]);
 * false: use the exact path. Each operand splits exactly into its top and bottom 32 significand bits (X1 + X2,
 * Y1 + Y2) and q = RN(RN(x) / RN(y)) lies within a few ulps of x / y. The remainder x − q·y is summed as
 * X1 − p1 + X2 − p2 − e1 − e2 (q·Y1 = p1 + e1, q·Y2 = p2 + e2 exactly): the first two steps are exact (Sterbenz;
 * multiples of the dividend's unit below 2^35 of them) and the last three round by at most 2^-100 of x, so the
 * offset from q in 64-bit units is known within 2^-35, far inside the margin roundToExtended demands.
 */
export function extendedDivide(s: X87State, dst: number, a: number, b: number): boolean {
  if (!splitOperands(s, a, b, 800)) return false
  const x1 = split[0] as number
  const x2 = split[1] as number
  const y1 = split[2] as number
  const y2 = split[3] as number
  const q = (x1 + x2) / (y1 + y2)
  if (!inRange(q)) return false
  const p1 = q * y1
  const p2 = q * y2
  const e2 = p2 === 0 ? 0 : productError(q, y2, p2)
  const rem = x1 - p1 + x2 - p2 - productError(q, y1, p1) - e2
  // rem is only known approximately, never exactly zero: a (nearly) exact quotient is declined.
  if (rem === 0) return false
  rounding[0] = q
  rounding[1] = rem / (y1 + y2)
  return roundToExtended(s, dst, false)
}

/** The operands of the 64-bit-significand paths split exactly into top and bottom 32 significand bits. */
const split = new Float64Array(4)

/** Splits slots a and b into split = [X1, X2, Y1, Y2]; false when either is not normal or |exponent| > limit. */
function splitOperands(s: X87State, a: number, b: number, limit: number): boolean {
  return splitInto(s, a, limit, 0) && splitInto(s, b, limit, 2)
}

/**
 * split[at], split[at + 1] ← the top and bottom 32 significand bits of slot `slot` as binary64 values (a binary64
 * value is its own top half, with a zero bottom half: every bound above holds for it too); false when the slot is
 * not a normal value with |exponent| ≤ limit (zero, NaN, ∞, unsupported or denormal encodings decline).
 */
function splitInto(s: X87State, slot: number, limit: number, at: number): boolean {
  if ((s.rawValid[slot] as number) === 0) {
    const v = s.values[slot] as number
    const av = v < 0 ? -v : v
    if (!(av >= scale(-limit) && av < scale(limit + 1))) return false
    split[at] = v
    split[at + 1] = 0
    return true
  }
  const p = slot * 3
  const ext = s.ext
  const hi = ext[p + 1] as number
  const se = ext[p + 2] as number
  const e = (se & 0x7fff) - 16383
  if (hi < 0x80000000 || e < -limit || e > limit) return false
  const unit = se >= 0x8000 ? -scale(e - 31) : scale(e - 31)
  split[at] = hi * unit
  split[at + 1] = (ext[p] as number) * (unit * 2.3283064365386963e-10) // · 2^-32
  return true
}

/**
 * dst ← a op b (op: ARITH numbering, 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr) at PC = 64 bits for two valid
 * operands without the denormal-operand mark, each a binary64 value or a normal 80-bit image: the routes above,
 * called straight from the stack helpers (x87-stack.ts) without the general dispatch of x87-arith.ts. Returns
 * false, changing nothing, when the general path must decide (other precisions, special or far-out operands,
 * results in doubt); the general path then reaches the same functions or the softfloat, so results never differ.
 */
export function extendedArithmetic(s: X87State, op: number, dst: number, a: number, b: number): boolean {
  if ((s.controlWord & 0x300) !== 0x300 || op === 2 || op === 3) return false
  const empty = s.empty
  const denormal = s.denormal
  if (((empty[a] as number) | (empty[b] as number) | (denormal[a] as number) | (denormal[b] as number)) !== 0) {
    return false
  }
  if (op === 5 || op === 7) {
    const t = a
    a = b
    b = t
    op -= 1
  }
  if (((s.rawValid[a] as number) | (s.rawValid[b] as number)) === 0) {
    return binary64Arithmetic(s, op, dst, s.values[a] as number, s.values[b] as number)
  }
  if (op === 1) return extendedMultiply(s, dst, a, b)
  if (op === 6) return extendedDivide(s, dst, a, b)
  if (op === 0 || op === 4) return extendedAdd(s, dst, a, b, op === 4)
  return false
}

/**
 * dst ← a · b at 64-bit precision for normal 80-bit values with exponents within [-400, 400]; false: use the
 * exact path. r = RN(RN(x) · RN(y)) and the error x·y − r = (X1·Y1 − r) + X1·Y2 + X2·Y1 + X2·Y2, with the three
 * large products split exactly (Dekker): X1·Y1's rounded part minus r is exact (Sterbenz), and every later
 * partial sum stays below 2^-30 of the product, so the error is known within 2^-80 of it (2^-16 of a unit).
 */
export function extendedMultiply(s: X87State, dst: number, a: number, b: number): boolean {
  if (!splitOperands(s, a, b, 400)) return false
  const x1 = split[0] as number
  const x2 = split[1] as number
  const y1 = split[2] as number
  const y2 = split[3] as number
  const r = (x1 + x2) * (y1 + y2)
  if (!inRange(r)) return false
  const p11 = x1 * y1
  const c1 = x1 * y2
  const c2 = x2 * y1
  const c3 = x2 * y2
  // The eight exact parts of x·y − r, largest first; summed with TwoSum so that when nothing rounds the error is
  // exact (then ties and exact products are decided here instead of declined).
  terms[0] = p11 - r
  terms[1] = c1
  terms[2] = c2
  terms[3] = productError(x1, y1, p11)
  terms[4] = c1 === 0 ? 0 : productError(x1, y2, c1)
  terms[5] = c2 === 0 ? 0 : productError(x2, y1, c2)
  terms[6] = c3
  terms[7] = c3 === 0 ? 0 : productError(x2, y2, c3)
  rounding[0] = r
  return roundSum(s, dst, 8)
}

/** Summands of the error terms (see extendedMultiply and extendedAdd). */
const terms = new Float64Array(8)

/**
 * Sums terms[0..n) with TwoSum (the partial sums stay small: see the callers) and rounds r (rounding[0]) plus that sum. When
 * no addition rounded the sum is exact; otherwise it is accurate far inside roundToExtended's margin.
 */
function roundSum(s: X87State, dst: number, n: number): boolean {
  let sum = terms[0] as number
  let lost = 0
  let exact = true
  for (let i = 1; i < n; i++) {
    const term = terms[i] as number
    // Zero terms (a binary64 operand's bottom half and the products with it) change nothing: skipping them
    // shortens the chain of dependent TwoSums, the latency that dominates this path.
    if (term === 0) continue
    const next = sum + term
    const e = twoSumError(sum, term, next)
    if (e !== 0) {
      exact = false
      lost += e
    }
    sum = next
  }
  const err = sum + lost
  if (err === 0 && !exact) return false
  rounding[1] = err
  return roundToExtended(s, dst, exact)
}

/**
 * dst ← a + b (or a − b when `subtract`) at 64-bit precision for normal 80-bit values with exponents within
 * [-900, 900], without heavy cancellation (|result| ≥ 2^-4 of the larger operand); false: use the exact path.
 * r = RN(RN(x) + RN(y)); the error (X1 + Y1 − r) + X2 + Y2 starts from TwoSum(X1, Y1) = s1 + e1, s1 − r is exact
 * (Sterbenz), and the later partial sums stay below 2^-29 of the larger operand, so even when they round the
 * error is known within 2^-81 of it (2^-13 of a unit of the result).
 */
export function extendedAdd(s: X87State, dst: number, a: number, b: number, subtract: boolean): boolean {
  if (!splitOperands(s, a, b, 900)) return false
  const x1 = split[0] as number
  const x2 = split[1] as number
  const y1 = subtract ? -(split[2] as number) : (split[2] as number)
  const y2 = subtract ? -(split[3] as number) : (split[3] as number)
  const r = x1 + x2 + (y1 + y2)
  const ar = r < 0 ? -r : r
  const ax = x1 < 0 ? -x1 : x1
  const ay = y1 < 0 ? -y1 : y1
  if (!(ar >= (ax > ay ? ax : ay) * 0.0625) || !inRange(r)) return false
  const s1 = x1 + y1
  terms[0] = s1 - r
  terms[1] = twoSumError(x1, y1, s1)
  terms[2] = x2
  terms[3] = y2
  rounding[0] = r
  return roundSum(s, dst, 4)
}

/** Knuth's TwoSum error a + b − s for s = RN(a + b) (exact for finite values). */
function twoSumError(a: number, b: number, s: number): number {
  const t = s - a
  return a - (s - t) + (b - t)
}

/** 2^k for k in [-1022, 1023], copied here from x87-extended.ts once (see `scale`). */
const POWERS = new Float64Array(2046)
for (let k = -1022; k <= 1023; k++) POWERS[k + 1022] = pow2(k)

/**
 * 2^k for an integer k in [-1022, 1023]. The rounding below runs on every inexact instruction: a module-local
 * table load is cheaper than a call into another module, and than building the bits (two 32-bit stores read
 * back as one 64-bit load stall the CPU's store forwarding).
 */
function scale(k: number): number {
  return POWERS[k + 1022] as number
}

/**
 * Stores the value r + err (r = the binary64 rounding of the true result, |err| ≤ ulp(r)/2, err exact when
 * `exactError`, else accurate to a few ulps of err with the exact sign) rounded to 64 bits under RC, with #P and
 * C1. Returns false (nothing stored) when an inexact error term leaves the rounding in doubt. r is normal and
 * within [2^-900, 2^900] (every caller checks), so the stored value is a normal 80-bit value; it is written here
 * directly, as X87State.setExtended would store it (a binary64 value when its significand fits 53 bits).
 */
function roundToExtended(s: X87State, dst: number, exactError: boolean): boolean {
  const r = rounding[0] as number
  const err = rounding[1] as number
  if (err === 0) {
    s.statusFlags &= ~0x200 // C1: not rounded
    s.setValue(dst, r)
    return true
  }
  f64[0] = r
  const wordLo = f64Words[0] as number
  const wordHi = f64Words[1] as number
  const negative = wordHi >= 0x80000000
  let exp = ((wordHi >>> 20) & 0x7ff) - 1023
  const fraction = wordHi & 0xfffff
  // Offset of the true result from r in units of the 64-bit grid at r (2^(exp − 63)), towards larger magnitude.
  let t = err * scale(63 - exp)
  if (t === 0) t = err > 0 ? 5e-324 : -5e-324 // keep the sign of an error that underflowed
  if (negative) t = -t
  // Just below a power of two the grid is twice as fine: count in half units there.
  const belowPowerOfTwo = t < 0 && fraction === 0 && wordLo === 0
  if (belowPowerOfTwo) t *= 2
  const floor = Math.floor(t)
  const frac = t - floor
  const rc = (s.controlWord >>> 10) & 3
  // An approximate t is never an integer or a half-integer exactly (the true root or quotient does not lie on
  // the 65-bit grid), but near one its rounding or C1 is in doubt (MARGIN = 2^-12).
  if (
    !exactError &&
    (frac < 0.000244140625 || frac > 1 - 0.000244140625 || (frac - 0.5 < 0.000244140625 && 0.5 - frac < 0.000244140625))
  ) {
    return false
  }
  let k: number
  if (rc === 0 /* RC.NEAREST */) {
    k = frac > 0.5 || (frac === 0.5 && (floor & 1) === 1) ? floor + 1 : floor
  } else {
    const awayFromZero = rc === 2 /* UP */ ? !negative : rc === 1 /* DOWN */ ? negative : false
    k = awayFromZero && frac !== 0 ? floor + 1 : floor
  }
  let hi: number
  let lo: number
  if (belowPowerOfTwo && k !== 0) {
    // 2^64 + k units of 2^(exp − 64): the significand lies just under 2^64, one binade lower.
    hi = 0xffffffff
    lo = 4294967296 + k
    exp -= 1
  } else {
    hi = (0x80000000 | (fraction << 11) | (wordLo >>> 21)) >>> 0
    lo = ((wordLo << 11) >>> 0) + k
    // r may lie a few binary64 ulps from the true value (FDIV/FSQRT of 64-bit significands): carry or borrow one
    // word, and leave a result that crossed a power of two (a different grid) to the exact path.
    if (lo < 0) {
      lo += 4294967296
      hi -= 1
      if (hi < 0x80000000) return false
    } else if (lo >= 4294967296) {
      lo -= 4294967296
      hi += 1
      if (hi > 0xffffffff) return false
    }
  }
  let flags = s.statusFlags
  if (frac !== 0) {
    // #P; ES and B too when it is unmasked (X87State.signal). C1: the magnitude was rounded up.
    flags |= (0x20 & ~s.controlWord) !== 0 ? 0x80a0 : 0x20
    flags = k > t ? flags | 0x200 : flags & ~0x200
  } else {
    flags &= ~0x200
  }
  s.statusFlags = flags
  // The image, and the binary64 view X87State.setExtended keeps of it: exact when the low 11 significand bits
  // are zero (the exponent is inside binary64's range here), else the round-to-nearest of the 64-bit significand
  // (one rounding: hi · 2^32 is exact).
  const at = dst * 3
  const ext = s.ext
  ext[at] = lo
  ext[at + 1] = hi
  ext[at + 2] = (negative ? 0x8000 : 0) | (exp + 16383)
  const magnitude = (hi * 4294967296 + lo) * scale(exp - 63)
  s.values[dst] = negative ? -magnitude : magnitude
  s.rawValid[dst] = (lo & 0x7ff) === 0 ? 0 : 1
  s.denormal[dst] = 0
  if (dst < 8) s.empty[dst] = 0
  return true
}
