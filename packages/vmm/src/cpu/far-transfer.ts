// Far JMP/CALL/RETF and IRET in every mode: direct code segments, call gates with parameter copying and stack
// switches, task gates and TSS targets, returns to outer levels and to virtual-8086 mode (Intel SDM vol. 2
// JMP/CALL/RET/IRET, vol. 3A 5.8, 20.3).
import * as constants from './constants'
import type { Cpu } from './cpu'
import {
  desc,
  descAttr,
  descBase,
  descLimit,
  invalidateDataSegs,
  isCode,
  isConforming,
  readDescriptor,
  setAccessed,
} from './descriptors'
import { checkNewSs, tssStack } from './interrupts'
import { taskSwitch } from './task-switch'
import { checkVirtualInterruptPending, virtualIret } from './virtual-interrupts'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { ATTR_DB, ATTR_P, CS, DS, ES, FS, GP, GS, IOPL, NP, NT, SS, TR, VIF, VIP, VM, IF } = constants

/** Loads CS from `desc` with RPL = `cpl` and jumps to `eip` after the limit check. */
function loadCsAndJump(c: Cpu, sel: number, cpl: number, eip: number): void {
  const limit = descLimit(desc.lo, desc.hi)
  if (eip >>> 0 > limit >>> 0) c.gp(0)
  setAccessed(c)
  c.setSegRaw(CS, (sel & 0xfffc) | cpl, descBase(desc.lo, desc.hi), limit, descAttr(desc.hi))
  c.setCpl(cpl)
  c.updateMode()
  c.eip = eip
}

/** Checks a code-segment target of JMP/CALL (non-gate); leaves its descriptor in `desc`. */
function checkDirectCode(c: Cpu, sel: number, attr: number): void {
  const dpl = (attr >>> 5) & 3
  if (isConforming(attr)) {
    if (dpl > c.cpl) c.gp(sel & 0xfffc)
  } else if ((sel & 3) > c.cpl || dpl !== c.cpl) c.gp(sel & 0xfffc)
  if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
}

/** Far JMP to sel:offset. */
export function farJump(c: Cpu, sel: number, offset: number): void {
  sel &= 0xffff
  if (!c.protectedMode || c.v86) {
    c.loadSegReal(CS, sel)
    c.eip = c.opSize32 ? offset : offset & 0xffff
    return
  }
  if ((sel & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, sel, GP)
  const attr = descAttr(desc.hi)
  if (isCode(attr)) {
    checkDirectCode(c, sel, attr)
    loadCsAndJump(c, sel, c.cpl, c.opSize32 ? offset : offset & 0xffff)
    return
  }
  if ((attr & 0x10) !== 0) c.gp(sel & 0xfffc)
  const type = attr & 0xf
  const dpl = (attr >>> 5) & 3
  if (type === 1 || type === 9 || type === 5) {
    if (dpl < c.cpl || dpl < (sel & 3)) c.gp(sel & 0xfffc)
    if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
    taskSwitch(c, type === 5 ? desc.lo >>> 16 : sel, 'jmp', -1)
    checkVirtualInterruptPending(c)
    return
  }
  if (type !== 4 && type !== 0xc) c.gp(sel & 0xfffc)
  if (dpl < c.cpl || dpl < (sel & 3)) c.gp(sel & 0xfffc)
  if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
  const target = desc.lo >>> 16
  const gateOffset = type === 0xc ? (desc.hi & 0xffff0000) | (desc.lo & 0xffff) : desc.lo & 0xffff
  if ((target & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, target, GP)
  const tattr = descAttr(desc.hi)
  const tdpl = (tattr >>> 5) & 3
  if (!isCode(tattr)) c.gp(target & 0xfffc)
  if (isConforming(tattr) ? tdpl > c.cpl : tdpl !== c.cpl) c.gp(target & 0xfffc)
  if ((tattr & ATTR_P) === 0) c.fault(NP, target & 0xfffc)
  loadCsAndJump(c, target, c.cpl, gateOffset)
}

/** Far CALL to sel:offset; the return address is the current EIP. */
export function farCall(c: Cpu, sel: number, offset: number): void {
  sel &= 0xffff
  const retCs = c.segSel[CS]!
  const retEip = c.eip
  if (!c.protectedMode || c.v86) {
    c.push(retCs)
    c.push(retEip)
    c.loadSegReal(CS, sel)
    c.eip = c.opSize32 ? offset : offset & 0xffff
    return
  }
  if ((sel & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, sel, GP)
  const attr = descAttr(desc.hi)
  if (isCode(attr)) {
    checkDirectCode(c, sel, attr)
    const lo = desc.lo
    const hi = desc.hi
    const addr = desc.addr
    const eip = c.opSize32 ? offset : offset & 0xffff
    if (eip >>> 0 > descLimit(lo, hi) >>> 0) c.gp(0)
    c.push(retCs)
    c.push(retEip)
    desc.lo = lo
    desc.hi = hi
    desc.addr = addr
    loadCsAndJump(c, sel, c.cpl, eip)
    return
  }
  if ((attr & 0x10) !== 0) c.gp(sel & 0xfffc)
  const type = attr & 0xf
  const dpl = (attr >>> 5) & 3
  if (type === 1 || type === 9 || type === 5) {
    if (dpl < c.cpl || dpl < (sel & 3)) c.gp(sel & 0xfffc)
    if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
    taskSwitch(c, type === 5 ? desc.lo >>> 16 : sel, 'call', -1)
    checkVirtualInterruptPending(c)
    return
  }
  if (type !== 4 && type !== 0xc) c.gp(sel & 0xfffc)
  if (dpl < c.cpl || dpl < (sel & 3)) c.gp(sel & 0xfffc)
  if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
  const gate32 = type === 0xc
  const params = desc.hi & 0x1f
  const target = desc.lo >>> 16
  const gateOffset = gate32 ? (desc.hi & 0xffff0000) | (desc.lo & 0xffff) : desc.lo & 0xffff
  if ((target & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, target, GP)
  const tattr = descAttr(desc.hi)
  const tdpl = (tattr >>> 5) & 3
  if (!isCode(tattr) || tdpl > c.cpl) c.gp(target & 0xfffc)
  if ((tattr & ATTR_P) === 0) c.fault(NP, target & 0xfffc)
  const tlo = desc.lo
  const thi = desc.hi
  const taddr = desc.addr
  if (gateOffset >>> 0 > descLimit(tlo, thi) >>> 0) c.gp(0)
  const savedOp = c.opSize32
  c.opSize32 = gate32
  if (!isConforming(tattr) && tdpl < c.cpl) {
    const [ss, esp] = tssStack(c, tdpl, 0)
    checkNewSs(c, ss, tdpl, 0)
    const oldSs = c.segSel[SS]!
    const oldEsp = c.regs[4]!
    const size = gate32 ? 4 : 2
    const copied: number[] = []
    for (let i = 0; i < params; i++) copied.push(gate32 ? c.peek32(i * size) : c.peek16(i * size))
    setAccessed(c)
    c.setSegRaw(SS, ss, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
    c.stack32 = (c.segAttr[SS]! & ATTR_DB) !== 0
    c.regs[4] = esp
    c.setCpl(tdpl)
    c.push(oldSs)
    c.push(oldEsp)
    for (let i = params - 1; i >= 0; i--) c.push(copied[i]!)
    c.push(retCs)
    c.push(retEip)
    desc.lo = tlo
    desc.hi = thi
    desc.addr = taddr
    c.opSize32 = savedOp
    loadCsAndJump(c, target, tdpl, gateOffset)
    return
  }
  c.push(retCs)
  c.push(retEip)
  c.opSize32 = savedOp
  desc.lo = tlo
  desc.hi = thi
  desc.addr = taddr
  loadCsAndJump(c, target, c.cpl, gateOffset)
}

/** RETF [imm16]. */
export function farReturn(c: Cpu, imm: number): void {
  const size = c.opSize32 ? 4 : 2
  if (!c.protectedMode || c.v86) {
    const eip = c.opSize32 ? c.peek32(0) : c.peek16(0)
    const cs = c.opSize32 ? c.peek32(4) & 0xffff : c.peek16(2)
    c.adjustSp(size * 2 + imm)
    c.loadSegReal(CS, cs)
    c.eip = eip
    return
  }
  const eip = c.opSize32 ? c.peek32(0) : c.peek16(0)
  const sel = (c.opSize32 ? c.peek32(4) : c.peek16(2)) & 0xffff
  returnToSelector(c, sel, eip, size, imm, false)
}

/** Shared tail of RETF and IRET in protected mode: checks and loads CS (and SS:ESP for an outer level). */
function returnToSelector(c: Cpu, sel: number, eip: number, size: number, imm: number, iret: boolean): void {
  if ((sel & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, sel, GP)
  const attr = descAttr(desc.hi)
  const rpl = sel & 3
  const dpl = (attr >>> 5) & 3
  if (rpl < c.cpl || !isCode(attr)) c.gp(sel & 0xfffc)
  if (isConforming(attr) ? dpl > rpl : dpl !== rpl) c.gp(sel & 0xfffc)
  if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
  const frame = size * (iret ? 3 : 2)
  if (rpl === c.cpl) {
    if (eip >>> 0 > descLimit(desc.lo, desc.hi) >>> 0) c.gp(0)
    c.adjustSp(frame + imm)
    loadCsAndJump(c, sel, rpl, eip)
    return
  }
  const lo = desc.lo
  const hi = desc.hi
  const addr = desc.addr
  const newEsp = size === 4 ? c.peek32(frame + imm) : c.peek16(frame + imm)
  const newSs = (size === 4 ? c.peek32(frame + imm + 4) : c.peek16(frame + imm + 2)) & 0xffff
  if ((newSs & 0xfffc) === 0) c.gp(0)
  readDescriptor(c, newSs, GP)
  const sattr = descAttr(desc.hi)
  if ((newSs & 3) !== rpl || ((sattr >>> 5) & 3) !== rpl || (sattr & 0x1a) !== 0x12) c.gp(newSs & 0xfffc)
  if ((sattr & ATTR_P) === 0) c.fault(12, newSs & 0xfffc)
  if (eip >>> 0 > descLimit(lo, hi) >>> 0) c.gp(0)
  setAccessed(c)
  c.setSegRaw(SS, newSs, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), sattr)
  c.stack32 = (sattr & ATTR_DB) !== 0
  c.regs[4] = c.stack32 ? (newEsp + imm) | 0 : (c.regs[4]! & ~0xffff) | ((newEsp + imm) & 0xffff)
  desc.lo = lo
  desc.hi = hi
  desc.addr = addr
  loadCsAndJump(c, sel, rpl, eip)
  invalidateDataSegs(c)
}

/** IRET/IRETD. */
export function interruptReturn(c: Cpu): void {
  const size = c.opSize32 ? 4 : 2
  if (!c.protectedMode) {
    const eip = c.opSize32 ? c.peek32(0) : c.peek16(0)
    const cs = c.opSize32 ? c.peek32(4) : c.peek16(2)
    const fl = c.opSize32 ? c.peek32(8) : c.peek16(4)
    c.adjustSp(size * 3)
    c.loadSegReal(CS, cs)
    c.eip = eip
    const keep = c.opSize32 ? VM | VIF | VIP : ~0xffff
    c.setEflags((c.getEflags() & keep) | (fl & ~keep))
    return
  }
  if (c.v86) {
    if ((c.flags & IOPL) !== IOPL) {
      virtualIret(c)
      return
    }
    const eip = c.opSize32 ? c.peek32(0) : c.peek16(0)
    const cs = c.opSize32 ? c.peek32(4) : c.peek16(2)
    const fl = c.opSize32 ? c.peek32(8) : c.peek16(4)
    c.adjustSp(size * 3)
    c.loadSegReal(CS, cs)
    c.eip = eip
    const keep = IOPL | VM | VIF | VIP | (c.opSize32 ? 0 : ~0xffff)
    c.setEflags((c.getEflags() & keep) | (fl & ~keep))
    return
  }
  if ((c.flags & NT) !== 0) {
    const link = c.readSys16(c.segBase[TR]!)
    taskSwitch(c, link, 'iret', -1)
    checkVirtualInterruptPending(c)
    return
  }
  const eip = c.opSize32 ? c.peek32(0) : c.peek16(0)
  const sel = (c.opSize32 ? c.peek32(4) : c.peek16(2)) & 0xffff
  const fl = c.opSize32 ? c.peek32(8) : c.peek16(4)
  if ((fl & VM) !== 0 && c.cpl === 0 && c.opSize32) {
    returnToV86(c, eip, sel, fl)
    checkVirtualInterruptPending(c)
    return
  }
  const oldCpl = c.cpl
  const iopl = (c.flags & IOPL) >>> 12
  returnToSelector(c, sel, eip, size, 0, true)
  // VIF and VIP are loaded only by IRETD from CPL 0 (how a kernel sets them up for CR4.PVI code at CPL 3).
  let keep = VM
  if (oldCpl > 0) keep |= IOPL | VIF | VIP
  if (oldCpl > iopl) keep |= IF
  if (!c.opSize32) keep |= ~0xffff
  c.setEflags((c.getEflags() & keep) | (fl & ~keep))
  c.updateMode()
  checkVirtualInterruptPending(c)
}

function returnToV86(c: Cpu, eip: number, cs: number, fl: number): void {
  const esp = c.peek32(12)
  const ss = c.peek32(16)
  const es = c.peek32(20)
  const ds = c.peek32(24)
  const fs = c.peek32(28)
  const gs = c.peek32(32)
  c.setEflags(fl)
  c.updateMode()
  for (const [seg, v] of [
    [ES, es],
    [DS, ds],
    [FS, fs],
    [GS, gs],
    [SS, ss],
    [CS, cs],
  ] as const)
    c.loadSegReal(seg, v)
  c.stack32 = false
  c.regs[4] = esp
  c.eip = eip & 0xffff
  c.setCpl(3)
}
