// Segment registers' hidden parts (Intel SDM vol. 3A 3.4.3, 5.3–5.6): loading them as given or the real/V86
// way (base = selector × 16), and deriving the per-segment offset range and read/write rights the CPU's
// segmented accesses check.
import type { Cpu } from './cpu'
import * as constants from './constants'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { ATTR_CODE, ATTR_DB, ATTR_EXPAND_DOWN, ATTR_P, ATTR_S, ATTR_WRITABLE, CS, SS } = constants

/** Loads a segment register's visible and hidden parts as given, and derives the access checks. */
export function setSegRaw(c: Cpu, seg: number, sel: number, base: number, limit: number, attr: number): void {
  // Reloading CS with what it holds (an IRET or far return to the same code segment: Linux's sync_core()) leaves
  // what EIPs map to as it was, so the jump cache keeps its epoch.
  const sameCode =
    seg === CS && c.segBase[CS] === (base | 0) && c.segLimit[CS] === (limit | 0) && c.segAttr[CS] === attr
  c.segSel[seg] = sel & 0xffff
  c.segBase[seg] = base | 0
  c.segLimit[seg] = limit | 0
  c.segAttr[seg] = attr
  deriveSeg(c, seg)
  if (seg === CS && !sameCode) c.dropFetchPage()
}

/** Recomputes segLo/segHi/segOk of one segment from its hidden part and the mode. */
export function deriveSeg(c: Cpu, seg: number): void {
  const attr = c.segAttr[seg]!
  const limit = c.segLimit[seg]! >>> 0
  if ((attr & ATTR_P) === 0 || (c.protectedMode && !c.v86 && (attr & ATTR_S) === 0 && seg < 6)) {
    c.segOk[seg] = 0
    c.segLo[seg] = 1
    c.segHi[seg] = 0
    deriveRanges(c, seg)
    return
  }
  if ((attr & (ATTR_CODE | ATTR_EXPAND_DOWN)) === ATTR_EXPAND_DOWN && (attr & ATTR_S) !== 0) {
    c.segLo[seg] = limit + 1
    c.segHi[seg] = (attr & ATTR_DB) !== 0 ? 0xffffffff : 0xffff
  } else {
    c.segLo[seg] = 0
    // A 4 GB expand-up segment wraps around instead of faulting (as real processors and Bochs do).
    c.segHi[seg] = limit === 0xffffffff ? limit + 3 : limit
  }
  let ok: number
  if (!c.protectedMode || c.v86) ok = 3
  else if ((attr & ATTR_CODE) !== 0) ok = (attr & ATTR_WRITABLE) !== 0 ? 1 : 0
  else ok = (attr & ATTR_WRITABLE) !== 0 ? 3 : 1
  c.segOk[seg] = ok
  deriveRanges(c, seg)
}

/** The read and write offset ranges the access fast paths check: empty (1..0) when the right is missing. */
function deriveRanges(c: Cpu, seg: number): void {
  const ok = c.segOk[seg]!
  c.segReadLo[seg] = (ok & 1) !== 0 ? c.segLo[seg]! : 1
  c.segReadHi[seg] = (ok & 1) !== 0 ? c.segHi[seg]! : 0
  c.segWriteLo[seg] = (ok & 2) !== 0 ? c.segLo[seg]! : 1
  c.segWriteHi[seg] = (ok & 2) !== 0 ? c.segHi[seg]! : 0
  // Every offset of an access of up to 4 bytes passes the bounds (a 4 GB segment's `segHi` reaches 2^32 + 2).
  const wide = (lo: number, hi: number) => lo === 0 && hi >= 0x100000002
  const bits = (1 << seg) | (1 << (seg + 8))
  c.wideSegs =
    (c.wideSegs & ~bits) |
    (wide(c.segReadLo[seg]!, c.segReadHi[seg]!) ? 1 << seg : 0) |
    (wide(c.segWriteLo[seg]!, c.segWriteHi[seg]!) ? 1 << (seg + 8) : 0)
}

/** Re-derives all segment checks (after a mode change). */
export function deriveAllSegs(c: Cpu): void {
  for (let s = 0; s < 8; s++) deriveSeg(c, s)
}

/** Loads a segment register in real or V86 mode (base = selector × 16). */
export function loadSegReal(c: Cpu, seg: number, sel: number): void {
  sel &= 0xffff
  c.segSel[seg] = sel
  c.segBase[seg] = sel << 4
  if (c.v86) {
    c.segLimit[seg] = 0xffff
    c.segAttr[seg] = seg === CS ? 0xfb : 0xf3
  } else if (seg === CS) {
    // Real mode keeps the cached limit (unreal mode) but CS becomes a 16-bit code segment.
    c.segAttr[seg] = (c.segAttr[seg]! & ~ATTR_DB) | ATTR_P | ATTR_S | ATTR_CODE | ATTR_WRITABLE
  } else {
    c.segAttr[seg] = c.segAttr[seg]! | ATTR_P | ATTR_S | ATTR_WRITABLE
  }
  deriveSeg(c, seg)
  if (seg === CS) {
    c.dropFetchPage()
    c.code32 = !c.v86 && (c.segAttr[CS]! & ATTR_DB) !== 0
  } else if (seg === SS) {
    c.stack32 = (c.segAttr[SS]! & ATTR_DB) !== 0
  }
}
