// Interrupt and exception delivery in real, protected and virtual-8086 mode: IVT, IDT interrupt/trap/task
// gates, privilege-level stack switches from the TSS (Intel SDM vol. 3A 6.12–6.15, 20.3).
import * as constants from './constants'
import type { Cpu } from './cpu'
import { DR7_GD } from './debug-registers'
import { desc, descAttr, descBase, descLimit, isCode, isConforming, readDescriptor, setAccessed } from './descriptors'
import { taskSwitch } from './task-switch'
import { checkVirtualInterruptPending } from './virtual-interrupts'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { AC, ATTR_DB, ATTR_P, CS, DS, ES, FS, GP, GS, IF, NP, NT, RF, SS, SS_VECTOR, TF, TR, TS, VM } = constants

/** How the event arose: an exception, an external interrupt (INTR/NMI), or INT n/INT3/INTO (DPL-checked). */
export type InterruptKind = 'exception' | 'external' | 'software'

/** Delivers `vector`; `errorCode` < 0 means none. EIP must already be the return address. */
export function deliverInterrupt(c: Cpu, vector: number, kind: InterruptKind, errorCode: number): void {
  c.halted = false
  // Entering the #DB (vector 1) handler clears DR7.GD so the handler can use the debug registers (SDM 3B 17.2.4).
  if (vector === 1 && kind === 'exception') c.dr[7] = c.dr[7]! & ~DR7_GD
  if (!c.protectedMode) {
    deliverReal(c, vector)
    return
  }
  deliverProtected(c, vector, kind, errorCode)
}

function deliverReal(c: Cpu, vector: number): void {
  if (vector * 4 + 3 > c.idtLimit) c.gp(0)
  const entry = (c.idtBase + vector * 4) | 0
  const ip = c.readSys16(entry)
  const cs = c.readSys16((entry + 2) | 0)
  const savedOp = c.opSize32
  c.opSize32 = false
  c.push16(c.getEflags())
  c.push16(c.segSel[CS]!)
  c.push16(c.eip)
  c.opSize32 = savedOp
  c.flags &= ~(IF | TF | AC | RF)
  c.loadSegReal(CS, cs)
  c.eip = ip
}

/** Reads the new stack for privilege level `dpl` from the current TSS into [ss, esp]. */
export function tssStack(c: Cpu, dpl: number, ext: number): [number, number] {
  const type = c.segAttr[TR]! & 0xf
  const base = c.segBase[TR]!
  const limit = c.segLimit[TR]! >>> 0
  if ((type & 8) !== 0) {
    const off = 4 + dpl * 8
    if (off + 5 > limit) c.fault(TS, (c.segSel[TR]! & 0xfffc) | ext)
    return [c.readSys16((base + off + 4) | 0), c.readSys32((base + off) | 0)]
  }
  const off = 2 + dpl * 4
  if (off + 3 > limit) c.fault(TS, (c.segSel[TR]! & 0xfffc) | ext)
  return [c.readSys16((base + off + 2) | 0), c.readSys16((base + off) | 0)]
}

/** Validates a new stack segment for privilege `dpl` (#TS on failure, #SS if not present); leaves it in desc. */
export function checkNewSs(c: Cpu, ss: number, dpl: number, ext: number): void {
  if ((ss & 0xfffc) === 0) c.fault(TS, ext)
  readDescriptor(c, ss, TS, ext)
  const attr = descAttr(desc.hi)
  if ((ss & 3) !== dpl || ((attr >>> 5) & 3) !== dpl || (attr & 0x1a) !== 0x12) c.fault(TS, (ss & 0xfffc) | ext)
  if ((attr & ATTR_P) === 0) c.fault(SS_VECTOR, (ss & 0xfffc) | ext)
}

function deliverProtected(c: Cpu, vector: number, kind: InterruptKind, errorCode: number): void {
  const ext = kind === 'external' ? 1 : 0
  const idtErr = vector * 8 + 2 + ext
  if (vector * 8 + 7 > c.idtLimit) c.gp(idtErr)
  const gateAddr = (c.idtBase + vector * 8) | 0
  const lo = c.readSys32(gateAddr)
  const hi = c.readSys32((gateAddr + 4) | 0)
  const type = (hi >>> 8) & 0x1f
  const gdpl = (hi >>> 13) & 3
  if (type !== 5 && type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) c.gp(idtErr)
  if (kind === 'software' && gdpl < c.cpl) c.gp(idtErr)
  if ((hi & 0x8000) === 0) c.fault(NP, idtErr)
  if (type === 5) {
    taskSwitch(c, lo >>> 16, 'call', errorCode, kind === 'software')
    checkVirtualInterruptPending(c)
    return
  }
  const gate32 = (type & 8) !== 0
  const trap = (type & 1) !== 0
  const sel = lo >>> 16
  const offset = gate32 ? (hi & 0xffff0000) | (lo & 0xffff) : lo & 0xffff
  if ((sel & 0xfffc) === 0) c.gp(ext)
  readDescriptor(c, sel, GP, ext)
  const attr = descAttr(desc.hi)
  const dpl = (attr >>> 5) & 3
  if (!isCode(attr) || dpl > c.cpl) c.gp((sel & 0xfffc) | ext)
  if ((attr & ATTR_P) === 0) c.fault(NP, (sel & 0xfffc) | ext)
  const csLo = desc.lo
  const csHi = desc.hi
  const csAddr = desc.addr
  const oldFlags = c.getEflags()
  const oldCs = c.segSel[CS]!
  const oldEip = c.eip
  const savedOp = c.opSize32
  c.opSize32 = gate32
  if (!isConforming(attr) && dpl < c.cpl) {
    // Inter-privilege: switch to the inner stack from the TSS.
    const [ss, esp] = tssStack(c, dpl, ext)
    checkNewSs(c, ss, dpl, ext)
    const oldSs = c.segSel[SS]!
    const oldEsp = c.regs[4]!
    const wasV86 = c.v86
    setAccessed(c)
    c.setSegRaw(SS, ss, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
    c.stack32 = (c.segAttr[SS]! & ATTR_DB) !== 0
    c.regs[4] = esp
    c.setCpl(dpl)
    if (wasV86) {
      c.flags &= ~VM
      c.push(c.segSel[GS]!)
      c.push(c.segSel[FS]!)
      c.push(c.segSel[DS]!)
      c.push(c.segSel[ES]!)
      for (const s of [ES, DS, FS, GS]) c.setSegRaw(s, 0, 0, 0, 0)
    }
    c.push(oldSs)
    c.push(oldEsp)
  } else {
    if (c.v86) c.gp((sel & 0xfffc) | ext)
  }
  c.push(oldFlags)
  c.push(oldCs)
  c.push(oldEip)
  if (errorCode >= 0) c.push(errorCode)
  c.opSize32 = savedOp
  desc.lo = csLo
  desc.hi = csHi
  desc.addr = csAddr
  setAccessed(c)
  const newCpl = isConforming(attr) ? c.cpl : dpl
  c.setSegRaw(CS, (sel & 0xfffc) | newCpl, descBase(csLo, csHi), descLimit(csLo, csHi), descAttr(csHi))
  c.flags &= ~(TF | VM | RF | NT | (trap ? 0 : IF))
  c.updateMode()
  c.setCpl(newCpl)
  c.eip = offset
}
