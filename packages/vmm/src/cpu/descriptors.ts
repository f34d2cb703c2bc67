// Segment descriptors and protected-mode segment register loads with their checks (Intel SDM vol. 3A 3.4–3.5,
// 5.5–5.8; MOV/POP/LDS to a segment register in vol. 2).
import * as constants from './constants'
import type { Cpu } from './cpu'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const {
  ATTR_CODE,
  ATTR_DB,
  ATTR_EXPAND_DOWN,
  ATTR_P,
  ATTR_S,
  ATTR_WRITABLE,
  CS,
  DS,
  ES,
  FS,
  GP,
  GS,
  LDTR,
  NP,
  SS,
  SS_VECTOR,
} = constants

/** The two dwords of the last descriptor read (module-level scratch: no allocation per load). */
export const desc = { lo: 0, hi: 0, addr: 0 }

/** Linear base of a descriptor. */
export function descBase(lo: number, hi: number): number {
  return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000) | 0
}

/** Byte-granular limit of a descriptor (G scales by 4 KB). */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000)
  return (hi & 0x800000) !== 0 ? (raw << 12) | 0xfff | 0 : raw
}

/** Hidden-part attribute word of a descriptor: byte 5 and the flags nibble. */
export function descAttr(hi: number): number {
  return (hi >>> 8) & 0xf0ff
}

/**
 * Reads the descriptor of `sel` from the GDT or LDT into `desc`. Beyond the table limit it raises `vector`
 * with error code `sel & 0xFFFC` (plus `ext`). Returns false never; throws on failure.
 */
export function readDescriptor(c: Cpu, sel: number, vector: number, ext = 0): void {
  const index = sel & 0xfff8
  let base: number
  let limit: number
  if ((sel & 4) !== 0) {
    if ((c.segAttr[LDTR]! & ATTR_P) === 0 || c.segSel[LDTR] === 0) c.fault(vector, (sel & 0xfffc) | ext)
    base = c.segBase[LDTR]!
    limit = c.segLimit[LDTR]! >>> 0
  } else {
    base = c.gdtBase
    limit = c.gdtLimit
  }
  if (index + 7 > limit) c.fault(vector, (sel & 0xfffc) | ext)
  desc.addr = (base + index) | 0
  desc.lo = c.readSys32(desc.addr)
  desc.hi = c.readSys32((desc.addr + 4) | 0)
}

/** Sets the accessed bit of the descriptor last read (if not yet set). */
export function setAccessed(c: Cpu): void {
  if ((desc.hi & 0x100) === 0) {
    desc.hi |= 0x100
    c.writeSys8((desc.addr + 5) | 0, (desc.hi >>> 8) & 0xff)
  }
}

/** Loads a segment register from the descriptor in `desc` (no checks). */
export function loadSegFromDesc(c: Cpu, seg: number, sel: number): void {
  c.setSegRaw(seg, sel, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
  if (seg === SS) c.stack32 = (c.segAttr[SS]! & ATTR_DB) !== 0
}

/** MOV/POP/LDS…: loads ES/SS/DS/FS/GS in any mode with the protected-mode checks. */
export function loadSeg(c: Cpu, seg: number, sel: number): void {
  sel &= 0xffff
  if (!c.protectedMode || c.v86) {
    c.loadSegReal(seg, sel)
    return
  }
  if (seg === CS) c.ud()
  if ((sel & 0xfffc) === 0) {
    if (seg === SS) c.gp(0)
    c.setSegRaw(seg, sel, 0, 0, 0)
    return
  }
  readDescriptor(c, sel, GP)
  const attr = descAttr(desc.hi)
  const dpl = (attr >>> 5) & 3
  const rpl = sel & 3
  if (seg === SS) {
    if (rpl !== c.cpl || dpl !== c.cpl) c.gp(sel & 0xfffc)
    if ((attr & (ATTR_S | ATTR_CODE | ATTR_WRITABLE)) !== (ATTR_S | ATTR_WRITABLE)) c.gp(sel & 0xfffc)
    if ((attr & ATTR_P) === 0) c.fault(SS_VECTOR, sel & 0xfffc)
  } else {
    if ((attr & ATTR_S) === 0) c.gp(sel & 0xfffc)
    if ((attr & ATTR_CODE) !== 0 && (attr & ATTR_WRITABLE) === 0) c.gp(sel & 0xfffc)
    const conformingCode = (attr & (ATTR_CODE | ATTR_EXPAND_DOWN)) === (ATTR_CODE | ATTR_EXPAND_DOWN)
    if (!conformingCode && (rpl > dpl || c.cpl > dpl)) c.gp(sel & 0xfffc)
    if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
  }
  setAccessed(c)
  loadSegFromDesc(c, seg, sel)
  if (seg === SS) c.shadow = true
}

/** After a privilege drop (RETF/IRET to an outer level): null data segments the new CPL may not use. */
export function invalidateDataSegs(c: Cpu): void {
  for (const seg of [ES, DS, FS, GS]) {
    const attr = c.segAttr[seg]!
    const dpl = (attr >>> 5) & 3
    const conformingCode = (attr & (ATTR_CODE | ATTR_EXPAND_DOWN)) === (ATTR_CODE | ATTR_EXPAND_DOWN)
    if ((c.segSel[seg]! & 0xfffc) === 0 || (!conformingCode && dpl < c.cpl)) c.setSegRaw(seg, 0, 0, 0, 0)
  }
}

/** True if the attribute word describes a code segment. */
export function isCode(attr: number): boolean {
  return (attr & (ATTR_S | ATTR_CODE)) === (ATTR_S | ATTR_CODE)
}

/** True for a conforming code segment. */
export function isConforming(attr: number): boolean {
  return (attr & ATTR_EXPAND_DOWN) !== 0
}
