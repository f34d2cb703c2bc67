// The interrupt-flag instructions and INT n under the virtual-8086 mode extensions (CR4.VME) and protected-mode
// virtual interrupts (CR4.PVI): CLI/STI/PUSHF/POPF/IRET work on VIF with the VIP checks, and INT n in V86 mode is
// redirected through the TSS redirection bitmap to the V86 task's interrupt vector table. Spec: Intel SDM vol. 3A
// 20.3 (table 20-2), 20.4; vol. 2 CLI, STI, PUSHF, POPF, IRET, INT n. Bochs (cpu/vm8086.cc) behaves the same.
import * as constants from './constants'
import type { Cpu } from './cpu'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CR4_PVI, CR4_VME, CS, IF, IOPL, RF, TF, TR, VIF, VIP, VM } = constants

/** The lowest TSS limit that holds the I/O map base field (offset 102): a smaller TSS cannot redirect. */
const TSS_MIN_LIMIT = 103

/** True in V86 mode at IOPL < 3, where the interrupt-flag instructions are sensitive. */
function v86Sensitive(c: Cpu): boolean {
  return c.v86 && (c.flags & IOPL) !== IOPL
}

/** CLI (`set` false) and STI (`set` true) in every mode: IF, or VIF under VME (V86) and PVI (CPL 3). */
export function setInterruptFlag(c: Cpu, set: boolean): void {
  if (c.protectedMode) {
    const sensitive = c.v86 ? (c.flags & IOPL) !== IOPL : c.cpl > (c.flags & IOPL) >>> 12
    if (sensitive) {
      const virtual = c.v86 ? (c.cr4 & CR4_VME) !== 0 : c.cpl === 3 && (c.cr4 & CR4_PVI) !== 0
      if (!virtual) c.gp(0)
      if (!set) c.flags &= ~VIF
      else {
        // A virtual interrupt is pending (the monitor set VIP): trap so the monitor can deliver it.
        if ((c.flags & VIP) !== 0) c.gp(0)
        c.flags |= VIF
      }
      return
    }
  }
  if (!set) c.flags &= ~IF
  else if ((c.flags & IF) === 0) {
    c.flags |= IF
    c.shadow = true
    c.breakChunk = true
  }
}

/** PUSHF/PUSHFD. In V86 mode at IOPL < 3 with VME, the 16-bit image carries VIF as IF and IOPL 3. */
export function pushFlags(c: Cpu): void {
  if (v86Sensitive(c)) {
    if ((c.cr4 & CR4_VME) === 0 || c.opSize32) c.gp(0)
    const f = c.getEflags()
    c.push16((f & 0xffff & ~IF) | IOPL | ((f & VIF) !== 0 ? IF : 0))
    return
  }
  c.push(c.getEflags() & ~(VM | RF))
}

/** POPF/POPFD with the privilege rules for IOPL and IF; VM, RF, VIF and VIP are never changed by POPF. */
export function popFlags(c: Cpu): void {
  if (v86Sensitive(c)) {
    if ((c.cr4 & CR4_VME) === 0 || c.opSize32) c.gp(0)
    const v = c.peek16(0)
    checkVirtualImage(c, v)
    c.adjustSp(2)
    loadVirtualFlags(c, v)
    return
  }
  const v = c.pop()
  const old = c.getEflags()
  let keep = VM | RF | VIF | VIP
  if (c.protectedMode && !c.v86) {
    if (c.cpl > 0) keep |= IOPL
    if (c.cpl > (old & IOPL) >>> 12) keep |= IF
  } else if (c.v86) keep |= IOPL
  if (!c.opSize32) keep |= ~0xffff
  c.setEflags((old & keep) | (v & ~keep & ~RF))
}

/**
 * IRET in V86 mode at IOPL < 3: with VME a 16-bit IRET returns within the task and loads VIF from the image's
 * IF; otherwise (no VME, or IRETD) it is #GP(0) for the monitor.
 */
export function virtualIret(c: Cpu): void {
  if ((c.cr4 & CR4_VME) === 0 || c.opSize32) c.gp(0)
  const ip = c.peek16(0)
  const cs = c.peek16(2)
  const fl = c.peek16(4)
  checkVirtualImage(c, fl)
  c.adjustSp(6)
  c.loadSegReal(CS, cs)
  c.eip = ip
  loadVirtualFlags(c, fl)
}

/**
 * VIF and VIP both set at CPL 3 with IOPL < 3 while VME or PVI (V86 mode) or PVI (protected mode) is on: the state
 * in which the next instruction raises #GP(0) so the monitor can deliver the pending virtual interrupt (SDM vol.
 * 3A 20.3.2: only POPF, IRET or a task switch get there, and the VME forms of POPF and IRET fault first).
 */
function virtualInterruptPending(c: Cpu): boolean {
  if ((c.flags & (VIF | VIP)) !== (VIF | VIP) || c.cpl !== 3 || (c.flags & IOPL) === IOPL) return false
  return (c.cr4 & (c.v86 ? CR4_VME | CR4_PVI : CR4_PVI)) !== 0
}

/**
 * After IRET or a task switch by JMP/CALL/INT n (the instruction has retired): when VIF and VIP are both set, arms
 * the #GP and ends the chunk, so that the run loop raises it (`raiseVirtualInterruptFault`) before the next
 * instruction — after taking a pending NMI or external interrupt.
 */
export function checkVirtualInterruptPending(c: Cpu): void {
  if (!virtualInterruptPending(c)) return
  c.virtualInterruptCheck = true
  c.breakChunk = true
}

/**
 * At an instruction boundary, after the run loop has looked for a pending NMI or external interrupt: the #GP(0)
 * armed by `checkVirtualInterruptPending`, at the current CS:EIP, if VIF and VIP are still both set. A pending
 * external interrupt goes first, as in Bochs, whose check sits in the instruction fetch after its event handling
 * (cpu/cpu.cc `prefetch`); the monitor's IRET from that interrupt arms the check again.
 */
export function raiseVirtualInterruptFault(c: Cpu): void {
  if (!c.virtualInterruptCheck) return
  c.virtualInterruptCheck = false
  if (!virtualInterruptPending(c)) return
  c.startEip = c.eip
  c.startEsp = c.regs[4]!
  c.gp(0)
}

/** A FLAGS image that would set IF while VIP is pending, or set TF, is #GP(0) (POPF and IRET under VME). */
function checkVirtualImage(c: Cpu, image: number): void {
  if (((image & IF) !== 0 && (c.flags & VIP) !== 0) || (image & TF) !== 0) c.gp(0)
}

/** Loads FLAGS[15:0] except IF and IOPL, and VIF from the image's IF. */
function loadVirtualFlags(c: Cpu, image: number): void {
  const keep = ~0xffff | IF | IOPL
  const f = (c.getEflags() & keep) | (image & ~keep)
  c.setEflags((f & ~VIF) | ((image & IF) !== 0 ? VIF : 0))
}

/**
 * INT n (not INT3/INTO) in V86 mode, the six methods of table 20-2. Returns true when the interrupt was
 * redirected to the V86 task's own handler (methods 5 and 6); false when it goes through the IDT (methods 1
 * and 4); raises #GP(0) for methods 2 and 3.
 */
export function v86SoftwareInterrupt(c: Cpu, vector: number): boolean {
  const iopl3 = (c.flags & IOPL) === IOPL
  if ((c.cr4 & CR4_VME) !== 0 && !redirectionBitSet(c, vector)) {
    redirectToVectorTable(c, vector, iopl3)
    return true
  }
  if (!iopl3) c.gp(0)
  return false
}

/** Reads bit `vector` of the software interrupt redirection bitmap: the 32 bytes below the I/O map base. */
function redirectionBitSet(c: Cpu, vector: number): boolean {
  const limit = c.segLimit[TR]! >>> 0
  if (limit < TSS_MIN_LIMIT) c.gp(0)
  const base = c.segBase[TR]!
  const offset = c.readSys16((base + 102) | 0) - 32 + (vector >>> 3)
  if (offset < 0 || offset > limit) c.gp(0)
  return (c.readSys8((base + offset) | 0) & (1 << (vector & 7))) !== 0
}

/**
 * Delivers INT n as real mode would, through the IVT at linear address 0 of the V86 task: pushes FLAGS, CS and
 * IP on the V86 stack, clears TF and IF (IOPL 3) or VIF (IOPL < 3, where the image carries VIF as IF and IOPL 3).
 */
function redirectToVectorTable(c: Cpu, vector: number, iopl3: boolean): void {
  const ip = c.readSys16(vector * 4)
  const cs = c.readSys16(vector * 4 + 2)
  let image = c.getEflags() & 0xffff
  if (!iopl3) image = (image & ~IF) | IOPL | ((c.flags & VIF) !== 0 ? IF : 0)
  c.push16(image)
  c.push16(c.segSel[CS]!)
  c.push16(c.eip)
  c.flags &= ~(TF | (iopl3 ? IF : VIF))
  c.loadSegReal(CS, cs)
  c.eip = ip
}
