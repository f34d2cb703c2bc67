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
  if (rep !== 0 && (kind === 0xa4 || kind === 0xaa) && (c.flags & TF) === 0 && (c.dr[7]! & 0xff) === 0) {
    const before = n
    n = fastRepeat(c, kind === 0xa4, size, srcSeg, n, delta < 0)
    if (n === 0) return
    // Progress in bulk: come back for the rest (interrupts get their turn) instead of going on element by element.
    // At most one element (an overlap, MMIO, a limit in the way): the elements below, which always advance or fault.
    if (before - n > 1) {
      interruptRepeat(c)
      return
    }
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
    setCount(regs, n, a32)
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

/**
 * How many elements of `size` bytes a run starting at linear address `lin` (offset `offset`) can take in its
 * direction without leaving the page or wrapping a 16-bit offset: going backward (EDI, EDI - size, …) down to the
 * page's start, the first element itself not crossing the page's end; 0 when not even that one fits.
 */
function elementsInPage(lin: number, offset: number, size: number, backward: boolean, a32: boolean): number {
  const inPage = lin & 0xfff
  if (!backward) {
    const left = Math.floor((0x1000 - inPage) / size)
    return a32 ? left : Math.min(left, Math.floor((0x10000 - offset) / size))
  }
  if (inPage + size > 0x1000 || (!a32 && offset + size > 0x10000)) return 0
  return Math.min(Math.floor(inPage / size), Math.floor(offset / size)) + 1
}

/** True when offsets [low, low + bytes) lie within a segment's limits `lo`..`hi` (Cpu.segReadLo/segWriteHi…). */
function inSegment(lo: number, hi: number, low: number, bytes: number): boolean {
  return low >= lo && low + bytes - 1 <= hi
}

/** ECX (CX at 16-bit address size) = `n`, the elements left. */
function setCount(regs: Int32Array, n: number, a32: boolean): void {
  regs[1] = a32 ? n : (regs[1]! & ~0xffff) | n
}

function advance(regs: Int32Array, r: number, delta: number, a32: boolean): void {
  if (a32) regs[r] = (regs[r]! + delta) | 0
  else regs[r] = (regs[r]! & ~0xffff) | ((regs[r]! + delta) & 0xffff)
}

/**
 * Bulk REP MOVS/STOS within RAM pages already in the TLB, in either direction: copies or fills whole runs of elements
 * that stay within one page of the destination (and of the source) and updates ESI/EDI/ECX. Returns the remaining
 * count (the caller finishes element by element: page ends, MMIO, faults, overlaps that copy differently).
 * Backward runs (DF=1) come at every Linux boot: the bzImage decompressor moves the compressed kernel (megabytes)
 * to the end of its buffer with `std; rep movsl`.
 */
function fastRepeat(c: Cpu, movs: boolean, size: number, srcSeg: number, count: number, backward: boolean): number {
  const regs = c.regs
  const a32 = c.addrSize32
  const ram = c.ram
  let n = count
  let stepped = false
  for (let guard = 0; n > 0 && guard < 64; guard++) {
    const di = a32 ? regs[7]! >>> 0 : regs[7]! & 0xffff
    const si = a32 ? regs[6]! >>> 0 : regs[6]! & 0xffff
    const dLin = (c.segBase[ES]! + di) | 0
    const sLin = movs ? (c.segBase[srcSeg]! + si) | 0 : 0
    let chunk = Math.min(n, 1 << 16, elementsInPage(dLin, di, size, backward, a32))
    if (movs) chunk = Math.min(chunk, elementsInPage(sLin, si, size, backward, a32))
    if (chunk < 1) return n
    // Misaligned elements under alignment checking raise #AC: leave them to the element-wise path.
    if (size > 1 && ((dLin | sLin) & (size - 1)) !== 0 && c.alignCheckActive()) return n
    const de = c.tlbW[dLin >>> 12]!
    const se = movs ? c.tlbR[sLin >>> 12]! : TLB_DATA_FAST
    if ((de & se & TLB_DATA_FAST) !== TLB_DATA_FAST) {
      // A page not in the TLB yet (fresh memory: a copy's destination): one element the ordinary way walks the
      // page tables for it — or faults, in the state and order the element-wise path would — then runs resume.
      if (stepped) return n
      stepped = true
      const step = backward ? -size : size
      if (movs) {
        writeMem(c, size, ES, di, readMem(c, size, srcSeg, si))
        advance(regs, 6, step, a32)
      } else writeMem(c, size, ES, di, getReg(c, size, 0))
      advance(regs, 7, step, a32)
      setCount(regs, --n, a32)
      continue
    }
    stepped = false
    const bytes = chunk * size
    // The run's lowest offsets (a backward run ends below where it starts).
    const span = backward ? bytes - size : 0
    const dLow = di - span
    // The segment limits for the lowest and highest element (expand-up or expand-down alike); past them the
    // element-wise path faults at the exact element, with the elements before it done.
    if (!inSegment(c.segWriteLo[ES]!, c.segWriteHi[ES]!, dLow, bytes)) return n
    const dPhys = ((de & ~0xfff) | ((dLin - span) & 0xfff)) >>> 0
    if (movs) {
      const sLow = si - span
      if (!inSegment(c.segReadLo[srcSeg]!, c.segReadHi[srcSeg]!, sLow, bytes)) return n
      const sPhys = ((se & ~0xfff) | ((sLin - span) & 0xfff)) >>> 0
      // Element by element, a destination overlapping the source ahead of the copy replicates a pattern (just above
      // it going forward, just below it going backward); copyWithin moves as if through a buffer.
      const ahead = backward ? dPhys < sPhys && dPhys + bytes > sPhys : dPhys > sPhys && dPhys < sPhys + bytes
      if (ahead) return n
      ram.copyWithin(dPhys, sPhys, sPhys + bytes)
      advance(regs, 6, backward ? -bytes : bytes, a32)
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
    advance(regs, 7, backward ? -bytes : bytes, a32)
    n -= chunk
    setCount(regs, n, a32)
    c.notePhysWrite(dPhys, bytes)
  }
  return n
}
