// Hardware task switching through 16- and 32-bit TSSs for JMP, CALL, INT (task gates) and IRET with NT
// (Intel SDM vol. 3A 7.3–7.4), and the debug trap of a 32-bit TSS's T flag (vol. 3A 7.2.1, vol. 3B 17.2.3).
import * as constants from './constants'
import type { Cpu } from './cpu'
import { DR6_BT } from './debug-registers'
import { desc, descAttr, descBase, descLimit, loadSeg, readDescriptor, setAccessed, isCode } from './descriptors'
import { GUEST_FAULT } from './fault'
import { deliverInterrupt } from './interrupts'
import { loadCr3 } from './system'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { ATTR_P, CR0_PG, CR0_TS, CS, DB, DS, ES, FS, GP, GS, LDTR, NP, NT, SS, TF, TR, TS, VM } = constants

/** What caused the switch (decides busy bits, NT and the back link). */
export type TaskSwitchSource = 'jmp' | 'call' | 'iret'

const SEGS_32 = [ES, CS, SS, DS, FS, GS] as const

/**
 * Switches to the task whose TSS selector is `sel`; pushes `errorCode` (>= 0) on the new task's stack.
 * `byInstruction`: the switch is part of the executing instruction (JMP, CALL, IRET, INT n), whose own debug
 * traps the run loop delivers after it; false for exceptions and external interrupts through task gates.
 */
export function taskSwitch(
  c: Cpu,
  sel: number,
  source: TaskSwitchSource,
  errorCode: number,
  byInstruction = true,
): void {
  sel &= 0xffff
  if ((sel & 4) !== 0) c.fault(source === 'iret' ? TS : GP, sel & 0xfffc)
  readDescriptor(c, sel, source === 'iret' ? TS : GP)
  const newLo = desc.lo
  const newHi = desc.hi
  const newAddr = desc.addr
  const attr = descAttr(newHi)
  const type = attr & 0x1f
  const busyExpected = source === 'iret'
  const okTypes = busyExpected ? [0x03, 0x0b] : [0x01, 0x09]
  if (!okTypes.includes(type)) c.fault(source === 'iret' ? TS : GP, sel & 0xfffc)
  if ((attr & ATTR_P) === 0) c.fault(NP, sel & 0xfffc)
  const new32 = (type & 8) !== 0
  const newBase = descBase(newLo, newHi)
  const newLimit = descLimit(newLo, newHi) >>> 0
  if (newLimit < (new32 ? 0x67 : 0x2b)) c.fault(TS, sel & 0xfffc)

  // Save the outgoing task.
  const oldBase = c.segBase[TR]!
  const old32 = (c.segAttr[TR]! & 8) !== 0
  let eflags = c.getEflags()
  if (source !== 'call') eflags &= ~NT
  if (old32) {
    c.writeSys32((oldBase + 0x20) | 0, c.eip)
    c.writeSys32((oldBase + 0x24) | 0, eflags)
    for (let r = 0; r < 8; r++) c.writeSys32((oldBase + 0x28 + r * 4) | 0, c.regs[r]!)
    for (let s = 0; s < 6; s++) c.writeSys16((oldBase + 0x48 + s * 4) | 0, c.segSel[SEGS_32[s]!]!)
  } else {
    c.writeSys16((oldBase + 0x0e) | 0, c.eip)
    c.writeSys16((oldBase + 0x10) | 0, eflags)
    for (let r = 0; r < 8; r++) c.writeSys16((oldBase + 0x12 + r * 2) | 0, c.regs[r]!)
    for (let s = 0; s < 4; s++) c.writeSys16((oldBase + 0x22 + s * 2) | 0, c.segSel[SEGS_32[s]!]!)
  }
  if (source !== 'call') setBusy(c, c.segSel[TR]!, false)

  // Read the incoming task.
  const rd32 = (o: number) => c.readSys32((newBase + o) | 0)
  const rd16 = (o: number) => c.readSys16((newBase + o) | 0)
  let neip: number,
    nflags: number,
    ncr3 = 0,
    nldt: number,
    debugTrap = false
  const nregs: number[] = []
  const nsegs: number[] = []
  if (new32) {
    ncr3 = rd32(0x1c)
    neip = rd32(0x20)
    nflags = rd32(0x24)
    for (let r = 0; r < 8; r++) nregs.push(rd32(0x28 + r * 4))
    for (let s = 0; s < 6; s++) nsegs.push(rd16(0x48 + s * 4))
    nldt = rd16(0x60)
    // The T flag, read with the rest of the new task's state (before its CR3 is loaded).
    debugTrap = (rd16(0x64) & 1) !== 0
  } else {
    neip = rd16(0x0e)
    nflags = rd16(0x10) | (c.getEflags() & 0xffff0000 & ~VM)
    for (let r = 0; r < 8; r++) nregs.push(rd16(0x12 + r * 2) | (c.regs[r]! & 0xffff0000))
    for (let s = 0; s < 4; s++) nsegs.push(rd16(0x22 + s * 2))
    nsegs.push(0, 0)
    nldt = rd16(0x2a)
  }
  if (source === 'call') {
    c.writeSys16(newBase, c.segSel[TR]!)
    nflags |= NT
  }
  if (source !== 'iret') {
    desc.lo = newLo
    desc.hi = newHi
    desc.addr = newAddr
    setBusy(c, sel, true)
  }
  c.setSegRaw(TR, sel, newBase, newLimit, (attr | 2) & 0xf0ff)
  c.cr0 |= CR0_TS
  // The new task's CR3 (and, under PAE paging, its PDPTEs) is always loaded, as QEMU and hardware do.
  if (new32 && (c.cr0 & CR0_PG) !== 0) loadCr3(c, ncr3)
  c.eip = neip
  for (let r = 0; r < 8; r++) c.regs[r] = nregs[r]!
  c.setEflags(nflags)
  // From here on faults belong to the new task (SDM 7.3 step 12).
  c.startEip = neip
  c.startEsp = c.regs[4]!
  // Segment registers: load selectors first so a fault reports in the new task's context.
  for (let s = 0; s < 6; s++) c.segSel[SEGS_32[s]!] = nsegs[s]!
  c.setSegRaw(LDTR, nldt, 0, 0, 0)
  c.updateMode()
  try {
    if ((nldt & 0xfffc) !== 0) {
      if ((nldt & 4) !== 0) c.fault(TS, nldt & 0xfffc)
      readDescriptor(c, nldt, TS)
      if ((descAttr(desc.hi) & 0x1f) !== 2) c.fault(TS, nldt & 0xfffc)
      if ((desc.hi & 0x8000) === 0) c.fault(TS, nldt & 0xfffc)
      c.setSegRaw(LDTR, nldt, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAttr(desc.hi))
    }
    if ((nflags & VM) !== 0) {
      for (let s = 0; s < 6; s++) c.loadSegReal(SEGS_32[s]!, nsegs[s]!)
      c.setCpl(3)
    } else {
      const cs = nsegs[1]!
      if ((cs & 0xfffc) === 0) c.fault(TS, 0)
      readDescriptor(c, cs, TS)
      const cattr = descAttr(desc.hi)
      if (!isCode(cattr)) c.fault(TS, cs & 0xfffc)
      if ((cattr & ATTR_P) === 0) c.fault(NP, cs & 0xfffc)
      setAccessed(c)
      c.setSegRaw(CS, cs, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), cattr)
      c.setCpl(cs & 3)
      c.updateMode()
      for (const s of [SS, ES, DS, FS, GS]) {
        const v = nsegs[(SEGS_32 as readonly number[]).indexOf(s)]!
        loadSeg(c, s, v)
      }
    }
  } catch (e) {
    if (e === GUEST_FAULT && c.faultVector === GP) c.faultVector = TS
    throw e
  }
  c.shadow = false
  if (errorCode >= 0) {
    const savedOp = c.opSize32
    c.opSize32 = new32
    c.push(errorCode)
    c.opSize32 = savedOp
  }
  if (c.eip >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
  if (debugTrap) taskSwitchTrap(c, byInstruction && ((eflags & TF) !== 0 || c.pendingDataBreak !== 0))
}

/**
 * The T flag's #DB: a trap once the switch has completed, before the new task's first instruction, with DR6.BT
 * set (SDM vol. 3B 17.2.3, 17.3.1.5). When the switching instruction also ends in a single-step or data/I/O
 * breakpoint trap (`merge`: old TF set, or breakpoint hits recorded), the run loop's single-step path delivers one
 * #DB for all of them, BT included through `pendingDataBreak`, as one #DB reports every debug trap of an
 * instruction.
 */
function taskSwitchTrap(c: Cpu, merge: boolean): void {
  if (merge) {
    c.pendingDataBreak |= DR6_BT
    return
  }
  c.startEip = c.eip
  c.startEsp = c.regs[4]!
  c.dr[6] = (c.dr[6]! & ~0xf) | DR6_BT
  deliverInterrupt(c, DB, 'exception', -1)
}

/** Sets or clears the busy bit of a TSS descriptor in the GDT. */
function setBusy(c: Cpu, sel: number, busy: boolean): void {
  const addr = (c.gdtBase + (sel & 0xfff8) + 5) | 0
  const b = c.readSys8(addr)
  c.writeSys8(addr, busy ? b | 2 : b & ~2)
}
