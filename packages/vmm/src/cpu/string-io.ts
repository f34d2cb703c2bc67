// String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE and segment overrides,
// and the I/O permission check (IOPL, TSS I/O bitmap) for IN/OUT/INS/OUTS (Intel SDM vol. 1 18.3, vol. 2); a REP
// instruction stops between iterations for data breakpoints, single-stepping and long runs (SDM vol. 3A 17.3.1.2).
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as aluModule from './alu'
import * as flags from './flags'
import * as operands from './operands'
import * as tlbEntry from './tlb-entry'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { readMem, writeMem, getReg, setReg } = operands
const { alu } = aluModule
const { lazyZF } = flags
const { DF, DS, ES, IOPL, RF, TF, TR } = constants
const { TLB_DATA_FAST } = tlbEntry

/** Iterations of a REP instruction before it yields (EIP stays on the instruction so it resumes). */
const REP_SLICE = 4096

/** #GP(0) unless CPL <= IOPL (protected mode) or the TSS I/O bitmap allows all `size` ports. */
export function checkIoPermission(c: Cpu, port: number, size: number): void {
  if (!c.protectedMode) return
  if (!c.v86 && c.cpl <= (c.flags & IOPL) >>> 12) return
  const type = c.segAttr[TR]! & 0xf
  if ((type & 8) === 0 || (c.segSel[TR]! & 0xfffc) === 0) c.gp(0)
  const limit = c.segLimit[TR]! >>> 0
  if (limit < 0x67) c.gp(0)
  const base = c.segBase[TR]!
  const mapBase = c.readSys16((base + 0x66) | 0)
  const byteOff = mapBase + (port >>> 3)
  if (byteOff + 1 > limit) c.gp(0)
  const bits = c.readSys16((base + byteOff) | 0)
  const mask = ((1 << size) - 1) << (port & 7)
  if ((bits & mask) !== 0) c.gp(0)
}

/** Executes one string instruction (with its REP prefix, if any). */
export function stringInstruction(c: Cpu, op: number): void {
  const size = (op & 1) === 0 ? 1 : c.opSize32 ? 4 : 2
  const rep = c.prefixRep
  const a32 = c.addrSize32
  const regs = c.regs
  const amask = a32 ? -1 : 0xffff
  const delta = (c.flags & DF) !== 0 ? -size : size
  const srcSeg = c.segOverride >= 0 ? c.segOverride : DS
  const isCompare = op === 0xa6 || op === 0xa7 || op === 0xae || op === 0xaf
  const kind = op & 0xfe
  if (kind === 0x6c || kind === 0x6e) {
    checkIoPermission(c, regs[2]! & 0xffff, size)
    c.noteIoAccess(regs[2]! & 0xffff, size)
  }
  let n = rep !== 0 ? (a32 ? regs[1]! >>> 0 : regs[1]! & 0xffff) : 1
  if (n === 0) return
  if (rep !== 0 && delta > 0 && (kind === 0xa4 || kind === 0xaa) && (c.flags & TF) === 0) {
    n = fastForward(c, kind === 0xa4, size, srcSeg, n)
    if (n === 0) return
  }
  let iterations = 0
  for (;;) {
    const si = regs[6]! & amask
    const di = regs[7]! & amask
    switch (kind) {
      case 0xa4:
        writeMem(c, size, ES, di, readMem(c, size, srcSeg, si))
        advance(regs, 6, delta, a32)
        advance(regs, 7, delta, a32)
        break
      case 0xa6: {
        const a = readMem(c, size, srcSeg, si)
        const b = readMem(c, size, ES, di)
        alu(c, 7, a, b, size)
        advance(regs, 6, delta, a32)
        advance(regs, 7, delta, a32)
        break
      }
      case 0xaa:
        writeMem(c, size, ES, di, getReg(c, size, 0))
        advance(regs, 7, delta, a32)
        break
      case 0xac:
        setReg(c, size, 0, readMem(c, size, srcSeg, si))
        advance(regs, 6, delta, a32)
        break
      case 0xae:
        alu(c, 7, getReg(c, size, 0), readMem(c, size, ES, di), size)
        advance(regs, 7, delta, a32)
        break
      case 0x6c: {
        // INS: check the destination before reading the port (the read may have side effects).
        c.segWrite(ES, di, size)
        const v = c.io.ioRead(regs[2]! & 0xffff, size as 1 | 2 | 4)
        c.breakChunk = true
        writeMem(c, size, ES, di, v)
        advance(regs, 7, delta, a32)
        break
      }
      default: {
        const v = readMem(c, size, srcSeg, si)
        c.io.ioWrite(regs[2]! & 0xffff, size === 4 ? v >>> 0 : v, size as 1 | 2 | 4)
        c.breakChunk = true
        advance(regs, 6, delta, a32)
      }
    }
    if (rep === 0) return
    n--
    if (a32) regs[1] = n
    else regs[1] = (regs[1]! & ~0xffff) | n
    if (n === 0) return
    if (isCompare) {
      const zf = lazyZF(c) !== 0
      if (rep === 0xf3 ? !zf : zf) return
    }
    // A data or I/O breakpoint hit by this iteration traps after it (SDM vol. 3A 17.3.1.2), so does TF (one
    // single-step trap per iteration, as in Bochs and QEMU), and a long run yields so interrupts and the budget are
    // honoured: in each case the instruction restarts where it stopped.
    if (c.pendingDataBreak !== 0 || (c.flags & TF) !== 0 || ++iterations >= REP_SLICE) {
      interruptRepeat(c)
      return
    }
  }
}

/**
 * Stops a REP instruction between iterations: EIP stays on it, and RF is set so that the EFLAGS image of the
 * interrupt or #DB trap taken here carries it (the handler's IRET resumes the instruction without re-triggering an
 * instruction breakpoint on it; SDM vol. 3A 17.3.1.1, as Bochs 2.8 does in cpu/cpu.cc `repeat`). The chunk ends so
 * the run loop looks for interrupts; RF then holds for the resumed instruction only (the run loop clears it).
 */
function interruptRepeat(c: Cpu): void {
  c.eip = c.startEip
  c.flags |= RF
  c.breakChunk = true
}

function advance(regs: Int32Array, r: number, delta: number, a32: boolean): void {
  if (a32) regs[r] = (regs[r]! + delta) | 0
  else regs[r] = (regs[r]! & ~0xffff) | ((regs[r]! + delta) & 0xffff)
}

/**
 * Bulk forward REP MOVS/STOS within RAM pages already in the TLB: copies or fills whole runs and updates
 * ESI/EDI/ECX. Returns the remaining count (the caller finishes element by element: page ends, MMIO, faults).
 */
function fastForward(c: Cpu, movs: boolean, size: number, srcSeg: number, count: number): number {
  const regs = c.regs
  const a32 = c.addrSize32
  const ram = c.ram
  let n = count
  for (let guard = 0; n > 0 && guard < 64; guard++) {
    const di = a32 ? regs[7]! >>> 0 : regs[7]! & 0xffff
    const si = a32 ? regs[6]! >>> 0 : regs[6]! & 0xffff
    let chunk = Math.min(n, 1 << 16)
    if (!a32)
      chunk = Math.min(chunk, Math.floor((0x10000 - di) / size), movs ? Math.floor((0x10000 - si) / size) : chunk)
    const dLin = (c.segBase[ES]! + di) | 0
    chunk = Math.min(chunk, Math.floor((0x1000 - (dLin & 0xfff)) / size))
    let sLin = 0
    if (movs) {
      sLin = (c.segBase[srcSeg]! + si) | 0
      chunk = Math.min(chunk, Math.floor((0x1000 - (sLin & 0xfff)) / size))
    }
    if (chunk < 1) return n
    // Misaligned elements under alignment checking raise #AC: leave them to the element-wise path.
    if (size > 1 && ((dLin | sLin) & (size - 1)) !== 0 && c.alignCheckActive()) return n
    const de = c.tlbW[dLin >>> 12]!
    if ((de & TLB_DATA_FAST) !== TLB_DATA_FAST) return n
    const bytes = chunk * size
    // Segment checks for the first and last element (expand-up or expand-down alike).
    c.segWrite(ES, di, size)
    c.segWrite(ES, di + bytes - size, size)
    const dPhys = ((de & ~0xfff) | (dLin & 0xfff)) >>> 0
    if (movs) {
      const se = c.tlbR[sLin >>> 12]!
      if ((se & TLB_DATA_FAST) !== TLB_DATA_FAST) return n
      c.segRead(srcSeg, si, size)
      c.segRead(srcSeg, si + bytes - size, size)
      const sPhys = ((se & ~0xfff) | (sLin & 0xfff)) >>> 0
      // Element-wise forward copying replicates a pattern when the destination overlaps just above the source.
      if (dPhys > sPhys && dPhys < sPhys + bytes) return n
      ram.copyWithin(dPhys, sPhys, sPhys + bytes)
      regs[6] = a32 ? (regs[6]! + bytes) | 0 : (regs[6]! & ~0xffff) | ((si + bytes) & 0xffff)
    } else if (size === 1) {
      ram.fill(regs[0]! & 0xff, dPhys, dPhys + bytes)
    } else if (size === 4 && (dPhys & 3) === 0) {
      c.ram32.fill(regs[0]!, dPhys >>> 2, (dPhys + bytes) >>> 2)
    } else {
      const v = size === 4 ? regs[0]! : regs[0]! & 0xffff
      for (let o = 0; o < bytes; o += size) {
        if (size === 4) c.ramView.setInt32(dPhys + o, v, true)
        else c.ramView.setUint16(dPhys + o, v, true)
      }
    }
    regs[7] = a32 ? (regs[7]! + bytes) | 0 : (regs[7]! & ~0xffff) | ((di + bytes) & 0xffff)
    n -= chunk
    regs[1] = a32 ? n : (regs[1]! & ~0xffff) | n
    c.notePhysWrite(dPhys, bytes)
  }
  return n
}
