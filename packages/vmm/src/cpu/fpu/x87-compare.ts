// x87 comparisons and classification: FCOM/FCOMP/FCOMPP, FUCOM*, FICOM*, FCOMI/FUCOMI(P), FTST and FXAM
// (Intel SDM vol. 2 FCOM, FUCOM, FCOMI, FTST, FXAM; vol. 1 §8.3.6 table 8-6 and 8-7).
import { EXT_CLASS } from './x87-extended'
import { SW, type X87State } from './x87-state'

/** Comparison outcomes. */
export const ORDER = { GREATER: 0, LESS: 1, EQUAL: 2, UNORDERED: 3, FAULT: -1 } as const

/**
 * Compares slots a and b exactly. `quiet` is the FUCOM rule (only SNaNs signal #I); otherwise any NaN signals.
 * Returns ORDER.FAULT when an unmasked #I or #D suppresses the result.
 */
export function compare(s: X87State, a: number, b: number, quiet: boolean): number {
  const x = s.values[a] as number
  const y = s.values[b] as number
  if (x !== x || y !== y) {
    const ca = s.classify(a)
    const cb = s.classify(b)
    const signalling =
      !quiet ||
      ca === EXT_CLASS.SNAN ||
      cb === EXT_CLASS.SNAN ||
      ca === EXT_CLASS.UNSUPPORTED ||
      cb === EXT_CLASS.UNSUPPORTED
    if (signalling && s.signal(SW.IE)) return ORDER.FAULT
    return ORDER.UNORDERED
  }
  if (((s.denormal[a] as number) !== 0 || (s.denormal[b] as number) !== 0) && s.signal(SW.DE)) return ORDER.FAULT
  if (x < y) return ORDER.LESS
  if (x > y) return ORDER.GREATER
  if ((s.rawValid[a] as number) === 0 && (s.rawValid[b] as number) === 0) return ORDER.EQUAL
  // Equal binary64 approximations: decide on the exact 80-bit images.
  return compareExtended(s, s.loadExtended(a), s.loadExtended(b))
}

/** Exact order of two finite-or-infinite, non-NaN extended values at ext offsets p and q. */
function compareExtended(s: X87State, p: number, q: number): number {
  const e = s.ext
  const zp = (e[p] as number) === 0 && (e[p + 1] as number) === 0
  const zq = (e[q] as number) === 0 && (e[q + 1] as number) === 0
  if (zp && zq) return ORDER.EQUAL
  const negP = (e[p + 2] as number) >= 0x8000
  const negQ = (e[q + 2] as number) >= 0x8000
  if (zp) return negQ ? ORDER.GREATER : ORDER.LESS
  if (zq) return negP ? ORDER.LESS : ORDER.GREATER
  if (negP !== negQ) return negP ? ORDER.LESS : ORDER.GREATER
  const mag = compareMagnitude(e, p, q)
  if (mag === 0) return ORDER.EQUAL
  return mag > 0 !== negP ? ORDER.GREATER : ORDER.LESS
}

function compareMagnitude(e: Uint32Array, p: number, q: number): number {
  // Denormals and pseudo-denormals share the exponent of exponent 1.
  const ep = Math.max((e[p + 2] as number) & 0x7fff, 1)
  const eq = Math.max((e[q + 2] as number) & 0x7fff, 1)
  if (ep !== eq) {
    // Only exact when both are normalised, which holds for every non-denormal finite value.
    return ep > eq ? 1 : -1
  }
  const hp = e[p + 1] as number
  const hq = e[q + 1] as number
  if (hp !== hq) return hp > hq ? 1 : -1
  const lp = e[p] as number
  const lq = e[q] as number
  return lp === lq ? 0 : lp > lq ? 1 : -1
}

/** Sets C3/C2/C0 (and clears C1) from a comparison outcome, as FCOM/FTST do. */
export function setCompareConditions(s: X87State, order: number): void {
  if (order === ORDER.GREATER) s.setConditions(0, 0, 0, 0)
  else if (order === ORDER.LESS) s.setConditions(0, 0, 0, 1)
  else if (order === ORDER.EQUAL) s.setConditions(1, 0, 0, 0)
  else s.setConditions(1, 1, 0, 1)
}

/** FXAM: classifies ST(0) (physical register `reg`) into C3/C2/C0 and puts its sign in C1. */
export function examine(s: X87State, reg: number): void {
  if (s.empty[reg] === 1) {
    // Empty: C3=1 C0=1; C1 is the sign bit of whatever the register holds.
    const sign = ((s.ext[reg * 3 + 2] as number) >>> 15) & 1
    const value = s.values[reg] as number
    s.setConditions(1, 0, s.rawValid[reg] === 1 ? sign : value < 0 || Object.is(value, -0) ? 1 : 0, 1)
    return
  }
  const cls = s.classify(reg)
  const sign = ((s.ext[reg * 3 + 2] as number) >>> 15) & 1
  switch (cls) {
    case EXT_CLASS.UNSUPPORTED:
      s.setConditions(0, 0, sign, 0)
      break
    case EXT_CLASS.QNAN:
    case EXT_CLASS.SNAN:
      s.setConditions(0, 0, sign, 1)
      break
    case EXT_CLASS.NORMAL:
      s.setConditions(0, 1, sign, 0)
      break
    case EXT_CLASS.INFINITY:
      s.setConditions(0, 1, sign, 1)
      break
    case EXT_CLASS.ZERO:
      s.setConditions(1, 0, sign, 0)
      break
    default:
      s.setConditions(1, 1, sign, 0)
      break
  }
}
