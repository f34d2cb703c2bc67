// The CPU's run loop (VirtualBox EM/IEM execution): chunks of cached or compiled blocks between interrupt checks,
// single-stepping under TF/debug registers, interrupt and NMI delivery at instruction boundaries, and fault
// delivery with double- and triple-fault escalation (Intel SDM vol. 3A 6.9, table 6-5). Spec: SDM vol. 3A ch. 6.
import type { Cpu, CpuExit, CpuExitReason } from './cpu'
import * as constants from './constants'
import { GUEST_FAULT, TRIPLE_FAULT, faultSetsResumeFlag } from './fault'
import { executeInstruction } from './execute'
import { deliverInterrupt } from './interrupts'
import { codeBreakpointHits } from './debug-registers'
import { raiseVirtualInterruptFault } from './virtual-interrupts'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CS, IF, RF, TF } = constants

/**
 * Instructions run between interrupt checks when nothing forces an earlier check. Within `run` only port I/O
 * and writes outside RAM (MMIO) can change what the interrupt controller presents (timers fire between runs),
 * and both end the chunk, so this is only a bound; short chunks made every block that straddles a chunk end
 * fall back from compiled code to the block interpreter (65 536 instructions: the decompressor, kernel init and the RSA
 * code ran 2–8% slower in alternation, with the same end states).
 */
const CHUNK = 1 << 18

/** Executes up to `maxInstructions` instructions. */
export function runCpu(c: Cpu, maxInstructions: number): CpuExit {
  const start = c.instructionsRetired
  const end = start + Math.max(0, Math.floor(maxInstructions))
  c.stopRequested = false
  while (c.instructionsRetired < end) {
    if (c.stopRequested) {
      c.stopRequested = false
      return { reason: 'stopped', retired: c.instructionsRetired - start }
    }
    try {
      if (checkInterrupts(c)) continue
      raiseVirtualInterruptFault(c)
    } catch (e) {
      if (!handleThrow(c, e)) return { reason: 'triple-fault', retired: c.instructionsRetired - start }
      continue
    }
    if (c.halted) return { reason: 'halted', retired: c.instructionsRetired - start }
    const slow = c.shadow || (c.flags & TF) !== 0 || (c.dr[7]! & 0xff) !== 0
    const chunkEnd = slow ? c.instructionsRetired + 1 : Math.min(end, c.instructionsRetired + CHUNK)
    // RF (loaded by IRET, set by a REP instruction stopped between iterations) holds for one instruction: stepOne
    // clears it before executing; the chunk path, where no instruction breakpoint is armed, drops it before its
    // first instruction. Everything that sets RF again ends the chunk (IRET, task switches, a stopped REP).
    if (!slow) c.flags &= ~RF
    c.shadow = false
    c.breakChunk = false
    try {
      if (slow) stepOne(c)
      else {
        c.runChunk(chunkEnd)
      }
    } catch (e) {
      if (!handleThrow(c, e)) return { reason: 'triple-fault', retired: c.instructionsRetired - start }
    }
  }
  return { reason: c.halted ? 'halted' : 'budget', retired: c.instructionsRetired - start }
}

/** One instruction with TF / debug-register handling. */
function stepOne(c: Cpu): void {
  const tf = (c.flags & TF) !== 0
  c.startEip = c.eip
  c.startEsp = c.regs[4]!
  if ((c.dr[7]! & 0xff) !== 0 && (c.flags & RF) === 0) {
    const hits = codeBreakpointHits(c.dr, (c.segBase[CS]! + c.eip) | 0)
    if (hits !== 0) {
      c.dr[6] = (c.dr[6]! & ~0xf) | hits
      c.fault(1, -1)
    }
  }
  c.flags &= ~RF
  c.pendingDataBreak = 0
  executeInstruction(c)
  c.instructionsRetired++
  if (tf || c.pendingDataBreak !== 0) {
    // A trap: a fault while delivering it returns to the next instruction, not the one just retired.
    c.startEip = c.eip
    c.startEsp = c.regs[4]!
    c.dr[6] = (c.dr[6]! & ~0xf) | c.pendingDataBreak | (tf ? 0x4000 : 0)
    c.pendingDataBreak = 0
    deliverInterrupt(c, 1, 'exception', -1)
  }
}

/** Delivers NMI or INTR if one is pending and allowed. Returns true if one was delivered. */
function checkInterrupts(c: Cpu): boolean {
  if (c.shadow) return false
  // A fault while delivering restarts nothing: the return address is the current instruction boundary.
  c.startEip = c.eip
  c.startEsp = c.regs[4]!
  const src = c.interrupts
  if (!c.nmiBlocked && src.hasNmi()) {
    src.acknowledgeNmi()
    c.halted = false
    c.nmiBlocked = true
    deliverInterrupt(c, 2, 'external', -1)
    return true
  }
  if ((c.flags & IF) !== 0 && src.hasInterrupt()) {
    const vector = src.acknowledge() & 0xff
    c.halted = false
    deliverInterrupt(c, vector, 'external', -1)
    return true
  }
  return false
}

/** Handles an exception thrown by an instruction; returns false on triple fault. */
function handleThrow(c: Cpu, e: unknown): boolean {
  if (e === TRIPLE_FAULT) {
    c.deliveryDepth = 0
    return false
  }
  if (e !== GUEST_FAULT) throw e
  c.eip = c.startEip
  c.regs[4] = c.startEsp
  return deliverFault(c, c.faultVector, c.faultError)
}

/**
 * Delivers a fault with double-fault and triple-fault escalation (SDM vol. 3A table 6-5); the EFLAGS image of a
 * fault carries RF (`faultSetsResumeFlag`).
 */
function deliverFault(c: Cpu, vector: number, errorCode: number): boolean {
  c.lastException = { vector, errorCode: errorCode < 0 ? null : errorCode }
  c.firstException ??= c.lastException
  let v = vector
  let err = errorCode
  for (;;) {
    try {
      c.deliveryDepth++
      if (faultSetsResumeFlag(v)) c.flags |= RF
      deliverInterrupt(c, v, 'exception', err)
      c.deliveryDepth = 0
      return true
    } catch (e) {
      if (e !== GUEST_FAULT) throw e
      const second = c.faultVector
      if (v === 8) {
        c.deliveryDepth = 0
        return false
      }
      const contributory = (x: number) => x === 0 || (x >= 10 && x <= 13)
      if ((contributory(v) && contributory(second)) || (v === 14 && (contributory(second) || second === 14))) {
        v = 8
        err = 0
      } else {
        v = second
        err = c.faultError
      }
      c.lastException = { vector: v, errorCode: err < 0 ? null : err }
    }
  }
}

/**
 * Executes exactly one instruction (or delivers one pending interrupt) and reports any exception it raised.
 * A halted CPU stays halted unless an interrupt is pending.
 */
export function stepCpu(c: Cpu): CpuExit {
  c.lastException = null
  c.firstException = null
  const before = c.instructionsRetired
  try {
    if (checkInterrupts(c)) return { reason: 'budget', retired: 0 }
    raiseVirtualInterruptFault(c)
  } catch (e) {
    return stepResult(c, before, !handleThrow(c, e))
  }
  if (c.halted) return { reason: 'halted', retired: 0 }
  c.shadow = false
  try {
    stepOne(c)
  } catch (e) {
    return stepResult(c, before, !handleThrow(c, e))
  }
  return stepResult(c, before, false)
}

/** Reports the first exception the instruction raised (escalations to #DF/shutdown follow from it). */
function stepResult(c: Cpu, before: number, triple: boolean): CpuExit {
  const retired = c.instructionsRetired - before
  const reason: CpuExitReason = triple ? 'triple-fault' : c.halted ? 'halted' : 'budget'
  const first = c.firstException
  if (first !== null) return { reason, retired, exception: first }
  return c.lastException !== null ? { reason, retired, exception: c.lastException } : { reason, retired }
}
