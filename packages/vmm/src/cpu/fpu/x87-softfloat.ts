// Exact 80-bit x87 arithmetic for FADD/FSUB/FMUL/FDIV/FSQRT: 64-bit significands in 32-bit words, a 128-bit
// intermediate with a sticky bit, one rounding to the precision-control width (24/53/64 bits) under the rounding
// control, the full 15-bit exponent range with gradual underflow (Intel SDM vol. 1 §4.8, §8.1.5.2, §8.5.4–8.5.6).
// Special operands (zero, infinity) are decided on the encoding classes; NaNs never reach this module.
import { EXT_CLASS, RC, clz64, roundIncremented, roundInexact, rounded, roundSignificand } from './x87-extended'
import { SW, type X87State } from './x87-state'

// Scratch in one typed array (uint32 values in module-level variables would be boxed as heap numbers on every
// store): the 128-bit significand M (M3 most significant), the unpacked significands of the operands A and B,
// shiftLeft64's result and the square root's radicand.
const w = new Uint32Array(12)
const M0 = 0
const M1 = 1
const M2 = 2
const M3 = 3
const A_HI = 4
const A_LO = 5
const B_HI = 6
const B_LO = 7
const SH_HI = 8
const SH_LO = 9
const RAD_HI = 10
const RAD_LO = 11
let aExp = 0
let bExp = 0

/** Significand width for the precision-control field (00 single, 10 double, 11 and 01 extended). */
function precisionBits(controlWord: number): number {
  const pc = (controlWord >>> 8) & 3
  return pc === 0 ? 24 : pc === 2 ? 53 : 64
}

/** Unpacks the finite non-zero extended value at ext[at] (denormals normalised) into the `a` registers. */
function unpackA(ext: Uint32Array, at: number): void {
  const hi = ext[at + 1] as number
  const lo = ext[at] as number
  const se = ext[at + 2] as number
  const exp = se & 0x7fff
  const lz = clz64(hi, lo)
  aExp = (exp === 0 ? 1 : exp) - 16383 - lz
  shiftLeft64(hi, lo, lz)
  w[A_HI] = w[SH_HI]!
  w[A_LO] = w[SH_LO]!
}

function unpackB(ext: Uint32Array, at: number): void {
  const hi = ext[at + 1] as number
  const lo = ext[at] as number
  const se = ext[at + 2] as number
  const exp = se & 0x7fff
  const lz = clz64(hi, lo)
  bExp = (exp === 0 ? 1 : exp) - 16383 - lz
  shiftLeft64(hi, lo, lz)
  w[B_HI] = w[SH_HI]!
  w[B_LO] = w[SH_LO]!
}

function shiftLeft64(hi: number, lo: number, n: number): void {
  if (n === 0) {
    w[SH_HI] = hi
    w[SH_LO] = lo
  } else if (n < 32) {
    w[SH_HI] = ((hi << n) | (lo >>> (32 - n))) >>> 0
    w[SH_LO] = (lo << n) >>> 0
  } else if (n < 64) {
    w[SH_HI] = (lo << (n - 32)) >>> 0
    w[SH_LO] = 0
  } else {
    w[SH_HI] = 0
    w[SH_LO] = 0
  }
}

/** Shifts M left until bit 127 is set; returns the shift (128 when M is zero). */
function normalise(): number {
  let n = 0
  while (w[M3]! === 0 && n < 128) {
    if ((w[M2]! | w[M1]! | w[M0]!) === 0) return 128
    w[M3] = w[M2]!
    w[M2] = w[M1]!
    w[M1] = w[M0]!
    w[M0] = 0
    n += 32
  }
  const lz = Math.clz32(w[M3]!)
  if (lz > 0) {
    w[M3] = ((w[M3]! << lz) | (w[M2]! >>> (32 - lz))) >>> 0
    w[M2] = ((w[M2]! << lz) | (w[M1]! >>> (32 - lz))) >>> 0
    w[M1] = ((w[M1]! << lz) | (w[M0]! >>> (32 - lz))) >>> 0
    w[M0] = (w[M0]! << lz) >>> 0
  }
  return n + lz
}

/** Shifts M right by n bits, OR-ing everything shifted out into bit 0 (sticky). */
function shiftRightSticky(n: number): void {
  if (n <= 0) return
  if (n >= 128) {
    const any = (w[M3]! | w[M2]! | w[M1]! | w[M0]!) !== 0
    w[M3] = w[M2] = w[M1] = 0
    w[M0] = any ? 1 : 0
    return
  }
  let sticky = 0
  while (n >= 32) {
    sticky |= w[M0]!
    w[M0] = w[M1]!
    w[M1] = w[M2]!
    w[M2] = w[M3]!
    w[M3] = 0
    n -= 32
  }
  if (n > 0) {
    sticky |= (w[M0]! << (32 - n)) >>> 0
    w[M0] = ((w[M0]! >>> n) | (w[M1]! << (32 - n))) >>> 0
    w[M1] = ((w[M1]! >>> n) | (w[M2]! << (32 - n))) >>> 0
    w[M2] = ((w[M2]! >>> n) | (w[M3]! << (32 - n))) >>> 0
    w[M3] = w[M3]! >>> n
  }
  if (sticky !== 0) w[M0] = (w[M0]! | 1) >>> 0
}

/**
 * Rounds M (normalised, value M · 2^(e − 127)) to the precision-control width under the rounding control and
 * stores it into slot `dst` with #P/#U/#O and C1. Returns false when an unmasked #O/#U suppressed the store.
 */
function roundAndStore(s: X87State, dst: number, negative: boolean, e: number, bits = 0): boolean {
  const p = bits !== 0 ? bits : precisionBits(s.controlWord)
  const rc = s.roundingControl()
  // Unmasked #U: no denormalisation; the result is stored with its exponent biased up by 24576 (SDM §4.9.1.5).
  const tinyUnmasked = e < -16382 && (s.controlWord & SW.UE) === 0
  if (tinyUnmasked) e += 24576
  // Tiny results are denormalised first and then rounded at the precision's fixed bit of the 64-bit field, as
  // the x87 (and SoftFloat's roundAndPackFloatx80) do: reduced precision and denormal loss add up.
  const denormalShift = e < -16382 ? -16382 - e : 0
  const drop = 64 - p + denormalShift
  // Only M3:M2 can be kept; M1 supplies the rounding bit when nothing of M3:M2 is dropped, M0 only the sticky.
  roundSignificand(w[M3]!, w[M2]!, drop, rc, negative, (w[M1]! | (w[M0]! !== 0 ? 1 : 0)) >>> 0)
  let keptHi = rounded[1] as number
  let keptLo = rounded[0] as number
  let exp = e
  if (denormalShift === 0 && roundIncremented) {
    if (drop === 0 && keptHi === 0 && keptLo === 0) {
      // All ones rounded up: 2^64 → 2^63 with the exponent one higher.
      keptHi = 0x80000000
      exp += 1
    } else if (drop > 0 && carriedOut(keptHi, keptLo, 64 - drop)) {
      keptLo = ((keptLo >>> 1) | (keptHi << 31)) >>> 0
      keptHi = keptHi >>> 1
      exp += 1
    }
  }
  let flags = 0
  if (roundInexact) flags |= SW.PE
  if ((denormalShift > 0 && roundInexact) || tinyUnmasked) flags |= SW.UE
  // Unmasked #O: the result is stored with its exponent biased down by 24576 (SDM §4.9.1.4).
  if (exp + 16383 >= 0x7fff && (s.controlWord & SW.OE) === 0) {
    exp -= 24576
    flags |= SW.OE
  }
  let hi: number
  let lo: number
  let se: number
  if (exp + 16383 >= 0x7fff) {
    flags |= SW.OE | SW.PE
    const toInfinity = rc === RC.NEAREST || (rc === RC.UP && !negative) || (rc === RC.DOWN && negative)
    if (toInfinity) {
      hi = 0x80000000
      lo = 0
      se = 0x7fff
    } else {
      // The largest finite value of the precision.
      hi = 0xffffffff
      lo = p >= 64 ? 0xffffffff : p > 32 ? (0xffffffff << (64 - p)) >>> 0 : 0
      if (p <= 32) hi = (0xffffffff << (32 - p)) >>> 0
      se = 0x7ffe
    }
    s.signal(flags) // post-computation exceptions: the masked response is stored even when #P is unmasked
    s.setC1(toInfinity)
    s.setExtended(dst, lo, hi, (negative ? 0x8000 : 0) | se)
    return true
  }
  // Position the kept bits as a 64-bit significand.
  const shifted = shiftKept(keptHi, keptLo, 64 - p)
  hi = shifted[1] as number
  lo = shifted[0] as number
  if (denormalShift > 0) se = hi >= 0x80000000 ? 1 : 0
  else se = exp + 16383
  if (hi === 0 && lo === 0) se = 0
  if (flags !== 0) {
    s.signal(flags)
    s.setC1(roundIncremented)
  } else {
    s.setC1(false)
  }
  s.setExtended(dst, lo, hi, (negative ? 0x8000 : 0) | se)
  return true
}

const keptOut = new Uint32Array(2)
/** Shifts a kept value left by n (< 64) into the significand position. */
function shiftKept(hi: number, lo: number, n: number): Uint32Array {
  if (n <= 0) {
    keptOut[0] = lo
    keptOut[1] = hi
  } else if (n < 32) {
    keptOut[1] = (hi << n) | (lo >>> (32 - n))
    keptOut[0] = lo << n
  } else {
    keptOut[1] = lo << (n - 32)
    keptOut[0] = 0
  }
  return keptOut
}

/** True when hi:lo equals 2^width (the rounding carried into a new leading bit). */
function carriedOut(hi: number, lo: number, width: number): boolean {
  if (width >= 64) return false
  return width >= 32 ? hi === 1 << (width - 32) && lo === 0 : hi === 0 && lo === (1 << width) >>> 0
}

/** Extended sum/difference/product/quotient of slots a and b into dst (op: 0 add, 1 mul, 4 sub, 6 div). */
export function softArithmetic(s: X87State, op: number, dst: number, a: number, b: number): boolean {
  const ca = s.classify(a)
  const cb = s.classify(b)
  const pa = a * 3
  const pb = b * 3
  const signA = (s.ext[pa + 2] as number) >= 0x8000
  let signB = (s.ext[pb + 2] as number) >= 0x8000
  if (op === 4) {
    signB = !signB
    op = 0
  }
  const infA = ca === EXT_CLASS.INFINITY
  const infB = cb === EXT_CLASS.INFINITY
  const zeroA = ca === EXT_CLASS.ZERO
  const zeroB = cb === EXT_CLASS.ZERO
  switch (op) {
    case 0: {
      if (infA || infB) {
        if (infA && infB && signA !== signB) return invalid(s, dst)
        return special(s, dst, infA ? signA : signB, true)
      }
      if (zeroA && zeroB) {
        const negative = signA === signB ? signA : s.roundingControl() === RC.DOWN
        return special(s, dst, negative, false)
      }
      if (zeroB || zeroA) {
        unpackA(s.ext, zeroB ? pa : pb)
        w[M3] = w[A_HI]!
        w[M2] = w[A_LO]!
        w[M1] = w[M0] = 0
        return roundAndStore(s, dst, zeroB ? signA : signB, aExp)
      }
      unpackA(s.ext, pa)
      unpackB(s.ext, pb)
      return addMagnitudes(s, dst, signA, signB)
    }
    case 1: {
      const negative = signA !== signB
      if (infA || infB) {
        if (zeroA || zeroB) return invalid(s, dst)
        return special(s, dst, negative, true)
      }
      if (zeroA || zeroB) return special(s, dst, negative, false)
      unpackA(s.ext, pa)
      unpackB(s.ext, pb)
      multiply()
      const shift = normalise()
      return roundAndStore(s, dst, negative, aExp + bExp + 1 - shift)
    }
    default: {
      const negative = signA !== signB
      if ((infA && infB) || (zeroA && zeroB)) return invalid(s, dst)
      if (infA) return special(s, dst, negative, true)
      if (infB) return special(s, dst, negative, false)
      if (zeroB) {
        if (s.signal(SW.ZE)) return false
        s.setC1(false)
        return special(s, dst, negative, true)
      }
      if (zeroA) return special(s, dst, negative, false)
      unpackA(s.ext, pa)
      unpackB(s.ext, pb)
      divide()
      const shift = normalise()
      return roundAndStore(s, dst, negative, aExp - bExp - shift)
    }
  }
}

function invalid(s: X87State, dst: number): boolean {
  if (s.signal(SW.IE)) return false
  s.setIndefinite(dst)
  return true
}

function special(s: X87State, dst: number, negative: boolean, infinity: boolean): boolean {
  s.setC1(false)
  s.setExtended(dst, 0, infinity ? 0x80000000 : 0, (negative ? 0x8000 : 0) | (infinity ? 0x7fff : 0))
  return true
}

/** a + b for finite non-zero unpacked operands with the given signs. */
function addMagnitudes(s: X87State, dst: number, signA: boolean, signB: boolean): boolean {
  // Order by magnitude: the larger goes to `a`.
  if (bExp > aExp || (bExp === aExp && (w[B_HI]! > w[A_HI]! || (w[B_HI]! === w[A_HI]! && w[B_LO]! > w[A_LO]!)))) {
    const e = aExp
    aExp = bExp
    bExp = e
    let t = w[A_HI]!
    w[A_HI] = w[B_HI]!
    w[B_HI] = t
    t = w[A_LO]!
    w[A_LO] = w[B_LO]!
    w[B_LO] = t
    const sg = signA
    signA = signB
    signB = sg
  }
  // B aligned into the 128-bit frame.
  w[M3] = w[B_HI]!
  w[M2] = w[B_LO]!
  w[M1] = w[M0] = 0
  shiftRightSticky(aExp - bExp)
  const b3 = w[M3]!
  const b2 = w[M2]!
  const b1 = w[M1]!
  const b0 = w[M0]!
  let e = aExp
  if (signA === signB) {
    let sum = b0
    w[M0] = sum >>> 0
    sum = b1 + Math.floor(sum / 4294967296)
    w[M1] = sum >>> 0
    sum = w[A_LO]! + b2 + Math.floor(sum / 4294967296)
    w[M2] = sum >>> 0
    sum = w[A_HI]! + b3 + Math.floor(sum / 4294967296)
    w[M3] = sum >>> 0
    if (sum >= 4294967296) {
      shiftRightSticky(1)
      w[M3] = (w[M3]! | 0x80000000) >>> 0
      e += 1
    }
  } else {
    let diff = 0 - b0
    w[M0] = diff >>> 0
    let borrow = diff < 0 ? 1 : 0
    diff = 0 - b1 - borrow
    w[M1] = diff >>> 0
    borrow = diff < 0 ? 1 : 0
    diff = w[A_LO]! - b2 - borrow
    w[M2] = diff >>> 0
    borrow = diff < 0 ? 1 : 0
    diff = w[A_HI]! - b3 - borrow
    w[M3] = diff >>> 0
    const shift = normalise()
    if (shift === 128) {
      // Exact cancellation: +0, or −0 when rounding down (IEEE 754 §6.3).
      return special(s, dst, s.roundingControl() === RC.DOWN, false)
    }
    e -= shift
  }
  return roundAndStore(s, dst, signA, e)
}

/** M ← aSig · bSig (128-bit product through 16-bit limbs; every column sum stays below 2^53). */
function multiply(): void {
  const a0 = w[A_LO]! & 0xffff
  const a1 = w[A_LO]! >>> 16
  const a2 = w[A_HI]! & 0xffff
  const a3 = w[A_HI]! >>> 16
  const b0 = w[B_LO]! & 0xffff
  const b1 = w[B_LO]! >>> 16
  const b2 = w[B_HI]! & 0xffff
  const b3 = w[B_HI]! >>> 16
  let c = a0 * b0
  const r0 = c % 65536
  c = Math.floor(c / 65536) + a0 * b1 + a1 * b0
  const r1 = c % 65536
  c = Math.floor(c / 65536) + a0 * b2 + a1 * b1 + a2 * b0
  const r2 = c % 65536
  c = Math.floor(c / 65536) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0
  const r3 = c % 65536
  c = Math.floor(c / 65536) + a1 * b3 + a2 * b2 + a3 * b1
  const r4 = c % 65536
  c = Math.floor(c / 65536) + a2 * b3 + a3 * b2
  const r5 = c % 65536
  c = Math.floor(c / 65536) + a3 * b3
  const r6 = c % 65536
  const r7 = Math.floor(c / 65536)
  w[M0] = (r0 | (r1 << 16)) >>> 0
  w[M1] = (r2 | (r3 << 16)) >>> 0
  w[M2] = (r4 | (r5 << 16)) >>> 0
  w[M3] = (r6 | (r7 << 16)) >>> 0
}

// Long division in radix 2^22 over 16-bit limbs: R (remainder, up to 96 bits) and D (divisor, 64 bits).
const R = new Int32Array(6)
const D = new Int32Array(4)

/** M ← floor(aSig · 2^65 / bSig) with a sticky bit (66 quotient bits), placed at bits 127…62. */
function divide(): void {
  D[0] = w[B_LO]! & 0xffff
  D[1] = w[B_LO]! >>> 16
  D[2] = w[B_HI]! & 0xffff
  D[3] = w[B_HI]! >>> 16
  R[0] = w[A_LO]! & 0xffff
  R[1] = w[A_LO]! >>> 16
  R[2] = w[A_HI]! & 0xffff
  R[3] = w[A_HI]! >>> 16
  R[4] = 0
  R[5] = 0
  const divisor = w[B_HI]! * 4294967296 + w[B_LO]!
  // Three quotient digits: 21 + 22 + 22 bits (aSig / bSig < 2, so the first digit stays below 2^22).
  const d0 = quotientDigit(5, divisor)
  const d1 = quotientDigit(6, divisor)
  const d2 = quotientDigit(6, divisor)
  // Q = d0·2^44 + d1·2^22 + d2 (66 bits) → M = Q << 62.
  const qHi = d0 * 4096 + Math.floor(d1 / 1024) // Q >> 32 (34 bits)
  const qLo = ((d1 % 1024) * 4194304 + d2) >>> 0 // Q mod 2^32
  const q2 = Math.floor(qHi / 4294967296)
  const q1 = qHi >>> 0
  w[M3] = ((q2 << 30) | (q1 >>> 2)) >>> 0
  w[M2] = ((q1 << 30) | (qLo >>> 2)) >>> 0
  w[M1] = (qLo << 30) >>> 0
  let rest = 0
  for (let k = 0; k < 6; k++) rest |= R[k] as number
  w[M0] = rest !== 0 ? 1 : 0
}

/** R ← R · 2^(16 + extra); returns the digit floor(R / D) and leaves R mod D. */
function quotientDigit(extra: number, divisor: number): number {
  // Shift by one limb, then by `extra` bits with carries (R < D < 2^64 beforehand, so 96 bits suffice).
  R[5] = R[4]!
  R[4] = R[3]!
  R[3] = R[2]!
  R[2] = R[1]!
  R[1] = R[0]!
  R[0] = 0
  let carry = 0
  for (let k = 0; k < 6; k++) {
    const v = ((R[k] as number) << extra) + carry
    R[k] = v & 0xffff
    carry = v >>> 16
  }
  const approx =
    ((((R[5] as number) * 65536 + (R[4] as number)) * 65536 + (R[3] as number)) * 65536 + (R[2] as number)) *
      4294967296 +
    ((R[1] as number) * 65536 + (R[0] as number))
  let digit = Math.floor(approx / divisor)
  if (digit > 0x3fffff) digit = 0x3fffff
  // R ← R − digit·D; the estimate may be one or two too large (R goes negative) or too small (R ≥ D).
  let borrow = 0
  carry = 0
  for (let k = 0; k < 6; k++) {
    const product = digit * (k < 4 ? (D[k] as number) : 0) + carry
    carry = Math.floor(product / 65536)
    const v = (R[k] as number) - (product - carry * 65536) - borrow
    borrow = v < 0 ? 1 : 0
    R[k] = v & 0xffff
  }
  let negative = borrow !== 0 || carry !== 0
  while (negative) {
    digit--
    let c = 0
    for (let k = 0; k < 6; k++) {
      const v = (R[k] as number) + (k < 4 ? (D[k] as number) : 0) + c
      R[k] = v & 0xffff
      c = v >>> 16
    }
    if (c !== 0) negative = false // the addition wrapped past 2^96: back to a non-negative remainder
  }
  while (remainderAtLeastDivisor()) {
    digit++
    let b = 0
    for (let k = 0; k < 6; k++) {
      const v = (R[k] as number) - (k < 4 ? (D[k] as number) : 0) - b
      b = v < 0 ? 1 : 0
      R[k] = v & 0xffff
    }
  }
  return digit
}

function remainderAtLeastDivisor(): boolean {
  if ((R[5] as number) !== 0 || (R[4] as number) !== 0) return true
  for (let k = 3; k >= 0; k--) {
    if ((R[k] as number) !== (D[k] as number)) return (R[k] as number) > (D[k] as number)
  }
  return true
}

/** FSQRT of slot src (finite or infinite, not NaN) into dst, exactly rounded. */
export function softSquareRoot(s: X87State, dst: number, src: number): boolean {
  const cls = s.classify(src)
  const at = src * 3
  const negative = (s.ext[at + 2] as number) >= 0x8000
  if (cls === EXT_CLASS.ZERO) return special(s, dst, negative, false)
  if (negative) return invalid(s, dst)
  if (cls === EXT_CLASS.INFINITY) return special(s, dst, false, true)
  unpackA(s.ext, at)
  w[RAD_HI] = w[A_HI]!
  w[RAD_LO] = w[A_LO]!
  // Radicand N = aSig · 2^t with (aExp − 63 − t) even; the bit stream is padded to an even length on top.
  const t = ((aExp - 63) & 1) === 0 ? 66 : 67
  const length = 64 + t + ((64 + t) & 1)
  // The top 52 bits of the stream (the significand's top bits) give the first 26 root bits exactly in binary64:
  // q = floor(sqrt(top)) and r = top − q² < 2^27.
  const pad = length - 64 - t
  const top = w[A_HI]! * 2 ** (20 - pad) + Math.floor(w[A_LO]! / 2 ** (12 + pad))
  let seed = Math.floor(Math.sqrt(top))
  while (seed * seed > top) seed--
  while ((seed + 1) * (seed + 1) <= top) seed++
  // Twelve more root bits stay exact in binary64 (all terms below 2^52): d = the largest digit with
  // (2·q·2^12 + d)·d ≤ r·2^24 + next 24 stream bits.
  let next24 = 0
  for (let pos = length - 53; pos > length - 77; pos--) next24 = next24 * 2 + radicandBit(pos, t)
  const widened = (top - seed * seed) * 16777216 + next24
  const base = seed * 8192 // 2·q·2^12
  let digit = Math.min(4095, Math.floor(widened / Math.max(base, 1)))
  while ((base + digit) * digit > widened) digit--
  while (digit < 4095 && (base + digit + 1) * (digit + 1) <= widened) digit++
  const remainder = widened - (base + digit) * digit // < 2^39
  const root = seed * 4096 + digit // 38 bits
  let r2 = 0
  let r1 = Math.floor(remainder / 4294967296)
  let r0 = remainder >>> 0
  let q2 = 0
  let q1 = Math.floor(root / 4294967296)
  let q0 = root >>> 0
  for (let pos = length - 77; pos > 0; pos -= 2) {
    const pair = (radicandBit(pos, t) << 1) | radicandBit(pos - 1, t)
    // r ← r·4 + pair
    r2 = ((r2 << 2) | (r1 >>> 30)) >>> 0
    r1 = ((r1 << 2) | (r0 >>> 30)) >>> 0
    r0 = ((r0 << 2) | pair) >>> 0
    // trial ← q·4 + 1
    const t2 = ((q2 << 2) | (q1 >>> 30)) >>> 0
    const t1 = ((q1 << 2) | (q0 >>> 30)) >>> 0
    const t0 = ((q0 << 2) | 1) >>> 0
    let bit = 0
    if (r2 > t2 || (r2 === t2 && (r1 > t1 || (r1 === t1 && r0 >= t0)))) {
      let d = r0 - t0
      r0 = d >>> 0
      let borrow = d < 0 ? 1 : 0
      d = r1 - t1 - borrow
      r1 = d >>> 0
      borrow = d < 0 ? 1 : 0
      r2 = (r2 - t2 - borrow) >>> 0
      bit = 1
    }
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0
    q0 = ((q0 << 1) | bit) >>> 0
  }
  w[M3] = q2
  w[M2] = q1
  w[M1] = q0
  w[M0] = 0
  const sticky = (r2 | r1 | r0) !== 0
  const shift = normalise()
  if (sticky) w[M0] = (w[M0]! | 1) >>> 0
  // value = Q · 2^((aExp − 63 − t)/2) and M = Q · 2^(32 + shift), so M · 2^(e − 127) needs e as below.
  const e = (aExp - 63 - t) / 2 + 95 - shift
  return roundAndStore(s, dst, false, e)
}

function radicandBit(pos: number, t: number): number {
  const k = pos - t
  if (k < 0 || k > 63) return 0
  return k >= 32 ? (w[RAD_HI]! >>> (k - 32)) & 1 : (w[RAD_LO]! >>> k) & 1
}

/**
 * FPREM (ieee = false: truncated quotient) / FPREM1 (ieee = true: quotient rounded to nearest) of the exact 80-bit
 * values in st0 and st1, for operands that are not NaN (SDM vol. 2 FPREM, FPREM1). The remainder is always exact.
 * An exponent difference of 64 or more gives a partial remainder (reduction by ST(1)·2^(D−N), N = 32 + D mod 32)
 * with C2 = 1; otherwise C2 = 0 and C0, C3, C1 hold quotient bits 2, 1, 0.
 */
export function softRemainder(s: X87State, st0: number, st1: number, ieee: boolean): void {
  const cx = s.classify(st0)
  const cy = s.classify(st1)
  if (cy === EXT_CLASS.ZERO || cx === EXT_CLASS.INFINITY) {
    if (!s.signal(SW.IE)) s.setIndefinite(st0)
    return
  }
  if (cx === EXT_CLASS.ZERO || cy === EXT_CLASS.INFINITY) {
    s.setConditions(0, 0, 0, 0)
    return
  }
  const px = st0 * 3
  let negative = (s.ext[px + 2] as number) >= 0x8000
  unpackA(s.ext, px)
  unpackB(s.ext, st1 * 3)
  let d = aExp - bExp
  let partial = false
  if (d >= 64) {
    // Reduce by y · 2^(d − n): the same algorithm with the divisor's exponent raised.
    const n = 32 + (d % 32)
    bExp += d - n
    d = n
    partial = true
  }
  let r1 = w[A_HI]!
  let r0 = w[A_LO]!
  let q = 0
  let scaleExp = bExp // the remainder R is counted in units of 2^(scaleExp − 63)
  if (d < 0) {
    scaleExp = aExp
    if (ieee && d === -1 && (w[A_HI]! > w[B_HI]! || (w[A_HI]! === w[B_HI]! && w[A_LO]! > w[B_LO]!))) {
      // |x| > |y|/2: the nearest quotient is 1 and the remainder |y| − |x| (exact, at x's scale).
      const twoY = shiftLeftOne(w[B_HI]!, w[B_LO]!)
      const diff = subtract64(twoY.hi, twoY.lo, w[A_HI]!, w[A_LO]!) // 2|y| − |x| < 2^64: the bit shifted out cancels
      r1 = diff.hi
      r0 = diff.lo
      q = 1
      negative = !negative
    }
  } else {
    let r2 = 0
    for (let i = 0; i <= d; i++) {
      let bit = 0
      if (r2 !== 0 || r1 > w[B_HI]! || (r1 === w[B_HI]! && r0 >= w[B_LO]!)) {
        const low = r0 - w[B_LO]!
        r0 = low >>> 0
        r1 = (r1 - w[B_HI]! - (low < 0 ? 1 : 0)) >>> 0
        bit = 1
      }
      q = ((q << 1) | bit) & 7
      if (i < d) {
        r2 = r1 >>> 31
        r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0
        r0 = (r0 << 1) >>> 0
      }
    }
    if (ieee && !partial) {
      // Round the quotient to nearest: compare 2R with |y|.
      const twice = shiftLeftOne(r1, r0)
      const above = shiftedOut !== 0 || twice.hi > w[B_HI]! || (twice.hi === w[B_HI]! && twice.lo > w[B_LO]!)
      const tie = shiftedOut === 0 && twice.hi === w[B_HI]! && twice.lo === w[B_LO]!
      if (above || (tie && (q & 1) === 1)) {
        const diff = subtract64(w[B_HI]!, w[B_LO]!, r1, r0)
        r1 = diff.hi
        r0 = diff.lo
        q = (q + 1) & 7
        negative = !negative
      }
    }
  }
  packExact(s, st0, negative, r1, r0, scaleExp)
  if (partial) s.setConditions(0, 1, 0, 0)
  else s.setConditions((q >>> 1) & 1, 0, q & 1, (q >>> 2) & 1)
}

let shiftedOut = 0
const pair = { hi: 0, lo: 0 }
/** hi:lo << 1 into `pair`, the bit shifted out into shiftedOut. */
function shiftLeftOne(hi: number, lo: number): { hi: number; lo: number } {
  shiftedOut = hi >>> 31
  pair.hi = ((hi << 1) | (lo >>> 31)) >>> 0
  pair.lo = (lo << 1) >>> 0
  return pair
}

/** (hi:lo − subHi:subLo) mod 2^64, into `pair`. */
function subtract64(hi: number, lo: number, subHi: number, subLo: number): { hi: number; lo: number } {
  const low = lo - subLo
  pair.lo = low >>> 0
  pair.hi = (hi - subHi - (low < 0 ? 1 : 0)) >>> 0
  return pair
}

/** Stores ±R · 2^(e − 63) exactly (R < 2^64; denormalised below 2^-16382). */
function packExact(s: X87State, dst: number, negative: boolean, hi: number, lo: number, e: number): void {
  const sign = negative ? 0x8000 : 0
  if (hi === 0 && lo === 0) {
    s.setExtended(dst, 0, 0, sign)
    return
  }
  const lz = clz64(hi, lo)
  shiftLeft64(hi, lo, lz)
  const exp = e - lz + 16383
  if (exp >= 1) {
    s.setExtended(dst, w[SH_LO]!, w[SH_HI]!, sign | exp)
    return
  }
  // Denormal: shift right by 1 − exp (the bits shifted out are zero: the remainder lies on the operands' grid).
  const n = 1 - exp
  w[M3] = w[SH_HI]!
  w[M2] = w[SH_LO]!
  w[M1] = w[M0] = 0
  shiftRightSticky(n)
  s.setExtended(dst, w[M2]!, w[M3]!, sign)
}

/**
 * FSCALE core: slot src (finite, non-zero) times 2^n into dst, exact unless the result leaves the extended
 * range (then rounded with #O/#U/#P). Precision control does not apply to FSCALE (SDM vol. 1 §8.1.5.2).
 */
export function softScale(s: X87State, dst: number, src: number, n: number): boolean {
  const at = src * 3
  const negative = (s.ext[at + 2] as number) >= 0x8000
  unpackA(s.ext, at)
  w[M3] = w[A_HI]!
  w[M2] = w[A_LO]!
  w[M1] = w[M0] = 0
  return roundAndStore(s, dst, negative, aExp + n, 64)
}

/** log2 of the finite positive extended value in slot src, from its exact exponent and significand. */
export function log2Extended(s: X87State, src: number): number {
  unpackA(s.ext, s.loadExtended(src))
  if (aExp === 0 || aExp === -1) {
    // Near 1: log2(1 + t) with t = x − 1 formed exactly from the high word (no cancellation).
    const t = w[A_HI]! * 2 ** (aExp - 31) - 1 + w[A_LO]! * 2 ** (aExp - 63)
    return Math.log1p(t) * Math.LOG2E
  }
  return aExp + Math.log2(w[A_HI]! * 2 ** -31 + w[A_LO]! * 2 ** -63)
}
