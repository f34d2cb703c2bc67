// Flat hot paths for the commonest x87 arithmetic: FADD/FSUB(R)/FMUL/FDIV(R) and FSQRT on two plain binary64
// operands whose exact result is again a binary64 value, at 53- or 64-bit precision (Intel SDM vol. 1 §4.8.4:
// an exact result needs no rounding, raises no exception and clears C1), and inexact FADD/FSUB(R)/FMUL at 53-bit
// precision under round-to-nearest, where binary64's own rounding is the x87's (#P, C1 from the exact error).
// Everything else — other inexact results, special operands, other precisions — returns false untouched and
// takes the general path (x87-arith.ts), so these functions only save the calls of the general path, never
// change a result.
import { productError } from './x87-binary64'
import type { X87State } from './x87-state'

// Operands and results in [2^-900, 2^900]: Dekker's error term is exact there. Constants are spelled inline on
// these paths (a module-level binding costs a check per use).

/**
 * dst ← a op b (op: ARITH numbering, 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr) when exact, or rounded at
 * PC = 53 bits, RC = nearest (not FDIV); `dst` is `a` or `b`. Returns false without changing anything when the
 * general path must decide.
 */
export function exactArithmetic(s: X87State, op: number, dst: number, a: number, b: number): boolean {
  // PC = 10b or 11b (53 or 64 bits); both operands valid, binary64 (no 80-bit image) and not denormal.
  if ((s.controlWord & 0x200) === 0) return false
  const empty = s.empty
  const raw = s.rawValid
  const denormal = s.denormal
  if (((empty[a] as number) | (empty[b] as number) | (raw[a] as number) | (raw[b] as number)) !== 0) return false
  if (((denormal[a] as number) | (denormal[b] as number)) !== 0) return false
  let x = s.values[a] as number
  let y = s.values[b] as number
  if (op === 5 || op === 7) {
    const t = x
    x = y
    y = t
    op -= 1
  }
  // At PC = 53 bits and RC = nearest, a binary64 sum or product in the range below is the x87's result too (one
  // rounding of the exact value, to nearest-even, far from binary64's underflow and overflow): only #P and C1
  // ("rounded up") are left to set, from the sign of the exact error term (x87-arith.ts storeRounded).
  const rounds = (s.controlWord & 0xf00) === 0x200
  let r: number
  let err = 0
  if (op === 0 || op === 4) {
    if (op === 4) y = -y
    r = x + y
    // TwoSum: the exact error of the sum (NaN and ∞ operands make it NaN; the range check below declines them).
    const t = r - x
    err = x - (r - t) + (y - t)
    if (err !== 0 && !rounds) return false
  } else {
    const ax = x < 0 ? -x : x
    const ay = y < 0 ? -y : y
    if (!(ax >= 2 ** -900 && ax <= 2 ** 900 && ay >= 2 ** -900 && ay <= 2 ** 900)) return false
    if (op === 1) {
      r = x * y
      err = productError(x, y, r)
      if (err !== 0 && !rounds) return false
    } else if (op === 6) {
      r = x / y
      // The quotient is exact when r·y reproduces x exactly.
      const p = r * y
      if (p !== x || productError(r, y, p) !== 0) return false
    } else {
      return false
    }
  }
  const ar = r < 0 ? -r : r
  if (!(ar >= 2 ** -900 && ar <= 2 ** 900)) return false
  // `dst` is one of the operands: already valid, binary64 and not denormal.
  s.values[dst] = r
  if (err === 0) s.statusFlags &= ~0x200 /* SW.C1 */
  else {
    // An unmasked #P still stores the result (SDM vol. 1 §4.9.1.6); ES is set for the next waiting instruction.
    s.signal(0x20 /* SW.PE */)
    s.setC1(r > 0 ? err < 0 : err > 0)
  }
  return true
}

/** ST(0) ← sqrt(ST(0)) when the root is an exact binary64 value; false leaves everything to the general path. */
export function exactSquareRoot(s: X87State, st0: number): boolean {
  if ((s.controlWord & 0x200) === 0) return false
  if (((s.empty[st0] as number) | (s.rawValid[st0] as number) | (s.denormal[st0] as number)) !== 0) return false
  const x = s.values[st0] as number
  if (!(x >= 2 ** -900 && x <= 2 ** 900)) return false
  const r = Math.sqrt(x)
  // sqrt(x) is exact iff r² = x exactly. r² of an odd significand of n bits has 2n − 1 or 2n bits, which binary64
  // holds only when n ≤ 26: so r must survive Veltkamp's 26-bit split unchanged, and then r·r is exact.
  const c = 134217729 * r
  if (c - (c - r) !== r || r * r !== x) return false
  s.values[st0] = r
  s.statusFlags &= ~0x200 /* SW.C1 */
  return true
}
