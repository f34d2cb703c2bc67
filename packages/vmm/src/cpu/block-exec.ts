// Executes cached blocks of decoded instructions (block-decoder.ts). Semantics are shared with the full
// interpreter through the same ALU and memory helpers; only decoding is skipped.
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as aluModule from './alu'
import { type BlockCache } from './block-decoder'
import * as decoder from './block-decoder'
import * as flags from './flags'
import * as operands from './operands'
import { stringInstruction } from './string-io'
import { executeFpuRecord } from './block-fpu'
import { executeInstruction } from './execute'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { getReg, getReg8, readMem, setReg, setReg8, writeMem } = operands
const { alu, divAcc, imulTrunc, incDec, mulAcc, shift } = aluModule
const { AF, ARITH_FLAGS, CF, CS, DF, DS, ES, PF, SF, SS, ZF } = constants
const { LZ_ADD, LZ_LOGIC, LZ_SUB, condition, lazyCF } = flags
const { OP, REC_A16_BIT, REC_WORDS, recAux, recOp, recReg, recRm, recSeg, recSize } = decoder

/** 32-bit ALU operation `kind` with lazy flags written directly (the hot case of `alu`). */
function alu32(c: Cpu, kind: number, a: number, b: number): number {
  let r: number
  let op: number
  switch (kind) {
    case 0:
      r = (a + b) | 0
      op = LZ_ADD
      break
    case 1:
      r = a | b
      op = LZ_LOGIC
      break
    case 4:
      r = a & b
      op = LZ_LOGIC
      break
    case 5:
    case 7:
      r = (a - b) | 0
      op = LZ_SUB
      break
    case 6:
      r = a ^ b
      op = LZ_LOGIC
      break
    default:
      return alu(c, kind, a, b, 4)
  }
  c.lzOp = op
  c.lzShift = 31
  c.lzA = a
  c.lzB = b
  c.lzRes = r
  c.lzMask = ARITH_FLAGS
  return r
}

/**
 * Effective-address offset of record `i`. Summed as int32s (the sum modulo 2^32, as the hardware's): a sum of
 * doubles made V8 convert each term to a double and back. The fields (`recBase`, `recIndex`, `recScale`,
 * `recA16`) are taken apart here, not through those functions: TurboFan does not inline a call whose site had no
 * feedback yet when it optimized `ea` (`recScale` stayed a call, ~26 machine instructions per indexed operand).
 */
export function ea(c: Cpu, b: BlockCache, i: number): number {
  const rec = b.rec
  const k = i * REC_WORDS
  const w0 = rec[k]!
  const w1 = rec[k + 1]!
  let off = rec[k + 2]!
  const base = (w1 << 16) >> 24
  if (base >= 0) off = (off + c.regs[base]!) | 0
  const index = (w1 << 8) >> 24
  if (index >= 0) off = (off + (c.regs[index]! << ((w0 >>> 12) & 3))) | 0
  return (w0 & REC_A16_BIT) !== 0 ? off & 0xffff : off
}

/** The immediate of packed record `i`. */
function immOf(b: BlockCache, i: number): number {
  return b.rec[i * REC_WORDS + 3]!
}

/** Condition test with a fast path for JZ/JNZ on a lazy result. */
export function jccTaken(c: Cpu, cc: number): boolean {
  if ((cc & 0xe) === 4 && (c.lzMask & ZF) !== 0) {
    const sh = c.lzShift
    const zero = (sh === 31 ? c.lzRes : c.lzRes & ((1 << (sh + 1)) - 1)) === 0
    return (cc & 1) === 0 ? zero : !zero
  }
  return condition(c, cc)
}

function branchTo(c: Cpu, target: number, size: number): void {
  const t = size === 4 ? target : target & 0xffff
  if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
  c.eip = t
}

/** The block interpreter of one CPU (`Cpu.runBlock`, `Cpu.stepRecord`). */
export interface BlockInterpreter {
  /**
   * Runs the block of `count` records from pool index `first`, starting at EIP `blockEip`, at most `limit`
   * instructions. Each retired instruction increments `instructionsRetired`; a taken branch or a request to end the
   * chunk stops the block.
   */
  readonly runBlock: (first: number, count: number, blockEip: number, limit: number) => void
  /** Executes record `i` of a block starting at `blockEip`; returns true when it transferred control. */
  readonly step: (i: number, blockEip: number) => boolean
}

/**
 * The block interpreter of `c`: its handlers are closures over the CPU and its block cache rather than functions
 * taking them as arguments. V8 compiles a function of which one closure exists for that closure's context, so
 * for a machine's one CPU the CPU and every array it holds are constants in the handlers' code: no map checks of
 * `c` and `b`, no loads of their array fields, typed arrays outside V8's heap addressed by immediates (warm
 * interpreted code: -13% host instructions; cold kernel init: -4%). With several CPUs in one process (tests) each
 * handler has several closures and V8 compiles it for any CPU, as before.
 */
export function createBlockInterpreter(c: Cpu): BlockInterpreter {
  const b = c.blocks
  /** BlockInterpreter.runBlock. */
  function runBlock(first: number, count: number, blockEip: number, limit: number): void {
    // Int32 compare: Math.min of the two arguments compiled to double conversions and a double compare.
    const last = first + (count < limit ? count : limit)
    const rec = b.rec
    let i = first
    try {
      for (; i < last; i++) {
        const o = recOp(rec[i * REC_WORDS]!)
        let jumped: boolean
        // The commonest kinds by direct call (see RecordHandler); the rest through the table.
        switch (o) {
          case OP.movRegRm:
            jumped = movRegRm(i)
            break
          case OP.movRmReg:
            jumped = movRmReg(i)
            break
          case OP.aluRmReg:
            jumped = aluRmReg(i)
            break
          case OP.aluRmImm:
            jumped = aluRmImm(i)
            break
          case OP.jcc:
            jumped = jcc(i, blockEip)
            break
          case OP.lea:
            jumped = lea(i)
            break
          case OP.pushReg:
            jumped = pushReg(i)
            break
          case OP.popReg:
            jumped = popReg(i)
            break
          case OP.testRmReg:
            jumped = testRmReg(i)
            break
          case OP.movRegImm:
            jumped = movRegImm(i)
            break
          case OP.call:
            jumped = call(i, blockEip)
            break
          case OP.ret:
            jumped = ret(i)
            break
          default:
            jumped = RECORD_HANDLERS[o]!(i, blockEip)
        }
        if (jumped === true) {
          c.instructionsRetired += i - first + 1
          return
        }
        if (c.breakChunk === true) {
          c.instructionsRetired += i - first + 1
          c.eip = (blockEip + b.end[i]!) | 0
          return
        }
      }
      c.instructionsRetired += last - first
      c.eip = (blockEip + b.end[last - 1]!) | 0
    } catch (e) {
      // Fast instructions change ESP only after their last possible fault, so ESP is still the start value.
      c.instructionsRetired += i - first
      c.startEip = (blockEip + b.start[i]!) | 0
      c.startEsp = c.regs[4]!
      throw e
    }
  }

  /** Executes record `i`; returns true when it transferred control (EIP already set). */
  function step(i: number, blockEip: number): boolean {
    return RECORD_HANDLERS[recOp(b.rec[i * REC_WORDS]!)]!(i, blockEip)
  }

  /**
   * One record kind's semantics: executes record `i` of a block starting at `blockEip`; returns true when it
   * transferred control (EIP already set).
   *
   * Each kind is its own small function reached through a table, not a case of one big switch: V8 optimizes each
   * on its own feedback, so the first run of a rarely used form (a 16-bit operand, a new ALU kind) deoptimizes only
   * that small handler. One switch over every kind was deoptimized and re-optimized by TurboFan a dozen times per
   * Linux boot (~40 ms of compile time each, plus the time spent unoptimized in between), and was too large for
   * V8 to inline `ea` and the ALU/register helpers into it. runBlock calls the dozen commonest kinds directly
   * (a switch of calls, not of their bodies): an indirect call through the table per record cost the boot's cold
   * kernel-init phase — nearly all block interpreter — about a tenth of its time (boot to the prompt 15.9–16.2 →
   * 15.4–15.9 CPU-s), and runBlock was deoptimized no more often.
   */
  type RecordHandler = (i: number, blockEip: number) => boolean

  function aluRmReg(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    return aluRm(i, size === 4 ? c.regs[recReg(w0)]! : getReg(c, size, recReg(w0)))
  }

  function aluRmImm(i: number): boolean {
    return aluRm(i, immOf(b, i))
  }

  /** ALU operation `aux` of record `i` on its r/m destination with source `src` (ALU r/m, reg and r/m, imm). */
  function aluRm(i: number, src: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const kind = recAux(w0)
    const rm = recRm(w1)
    if (size === 4) {
      if (rm >= 0) {
        const r = alu32(c, kind, regs[rm]!, src)
        if (kind !== 7) regs[rm] = r
        return false
      }
      const seg = recSeg(w1)
      const off = ea(c, b, i)
      const r = alu32(c, kind, c.read32(seg, off), src)
      if (kind !== 7) c.write32(seg, off, r)
      return false
    }
    if (rm >= 0) {
      const r = alu(c, kind, getReg(c, size, rm), src, size)
      if (kind !== 7) setReg(c, size, rm, r)
    } else {
      const seg = recSeg(w1)
      const off = ea(c, b, i)
      const r = alu(c, kind, readMem(c, size, seg, off), src, size)
      if (kind !== 7) writeMem(c, size, seg, off, r)
    }
    return false
  }

  function aluRegRm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const kind = recAux(w0)
    const rm = recRm(w1)
    const reg = recReg(w0)
    if (size === 4) {
      const src = rm >= 0 ? regs[rm]! : c.read32(recSeg(w1), ea(c, b, i))
      const r = alu32(c, kind, regs[reg]!, src)
      if (kind !== 7) regs[reg] = r
      return false
    }
    const src = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    const r = alu(c, kind, getReg(c, size, reg), src, size)
    if (kind !== 7) setReg(c, size, reg, r)
    return false
  }

  function movRmReg(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const rm = recRm(w1)
    if (size === 4) {
      if (rm >= 0) regs[rm] = regs[recReg(w0)]!
      else c.write32(recSeg(w1), ea(c, b, i), regs[recReg(w0)]!)
      return false
    }
    const v = getReg(c, size, recReg(w0))
    if (rm >= 0) setReg(c, size, rm, v)
    else writeMem(c, size, recSeg(w1), ea(c, b, i), v)
    return false
  }

  function movRegRm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const rm = recRm(w1)
    if (size === 4) {
      regs[recReg(w0)] = rm >= 0 ? regs[rm]! : c.read32(recSeg(w1), ea(c, b, i))
      return false
    }
    const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    setReg(c, size, recReg(w0), v)
    return false
  }

  function movRmImm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const size = recSize(w0)
    const rm = recRm(w1)
    if (size === 4) {
      if (rm >= 0) c.regs[rm] = immOf(b, i)
      else c.write32(recSeg(w1), ea(c, b, i), immOf(b, i))
      return false
    }
    if (rm >= 0) setReg(c, size, rm, immOf(b, i))
    else writeMem(c, size, recSeg(w1), ea(c, b, i), immOf(b, i))
    return false
  }

  function movRegImm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    if (size === 4) c.regs[recReg(w0)] = immOf(b, i)
    else setReg(c, size, recReg(w0), immOf(b, i))
    return false
  }

  function incDecRm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const dec = recOp(w0) === OP.decRm
    const rm = recRm(w1)
    if (rm >= 0 && size === 4) {
      // INC/DEC keep CF: materialize it from the previous lazy state first.
      if ((c.lzMask & CF) !== 0) c.flags = (c.flags & ~CF) | lazyCF(c)
      const a = regs[rm]!
      const r = dec ? (a - 1) | 0 : (a + 1) | 0
      c.lzOp = dec ? LZ_SUB : LZ_ADD
      c.lzShift = 31
      c.lzA = a
      c.lzB = 1
      c.lzRes = r
      c.lzMask = ARITH_FLAGS & ~CF
      regs[rm] = r
      return false
    }
    if (rm >= 0) setReg(c, size, rm, incDec(c, getReg(c, size, rm), size, dec))
    else {
      const seg = recSeg(w1)
      const off = ea(c, b, i)
      writeMem(c, size, seg, off, incDec(c, readMem(c, size, seg, off), size, dec))
    }
    return false
  }

  function pushReg(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    if (recSize(w0) === 4) c.push32(c.regs[recReg(w0)]!)
    else c.push16(c.regs[recReg(w0)]!)
    return false
  }

  function popReg(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    if (size === 4) {
      const v = c.peek32(0)
      c.adjustSp(4)
      c.regs[recReg(w0)] = v
      return false
    }
    const v = c.peek16(0)
    c.adjustSp(size)
    setReg(c, size, recReg(w0), v)
    return false
  }

  function pushImm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    if (recSize(w0) === 4) c.push32(immOf(b, i))
    else c.push16(immOf(b, i))
    return false
  }

  function jcc(i: number, blockEip: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    if (!jccTaken(c, recAux(w0))) return false
    branchTo(c, (blockEip + immOf(b, i)) | 0, recSize(w0))
    return true
  }

  function jmp(i: number, blockEip: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    branchTo(c, (blockEip + immOf(b, i)) | 0, recSize(w0))
    return true
  }

  function call(i: number, blockEip: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    const ret = (blockEip + b.end[i]!) | 0
    const t = size === 4 ? (blockEip + immOf(b, i)) | 0 : (blockEip + immOf(b, i)) & 0xffff
    if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
    if (size === 4) c.push32(ret)
    else c.push16(ret)
    c.eip = t
    return true
  }

  function ret(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    const v = size === 4 ? c.peek32(0) : c.peek16(0)
    if (v >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
    c.adjustSp(size + immOf(b, i))
    c.eip = v
    return true
  }

  function lea(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const size = recSize(w0)
    if (size === 4) c.regs[recReg(w0)] = ea(c, b, i)
    else setReg(c, size, recReg(w0), ea(c, b, i))
    return false
  }

  function testRmReg(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const size = recSize(w0)
    const rm = recRm(w1)
    if (size === 4) {
      const a = rm >= 0 ? c.regs[rm]! : c.read32(recSeg(w1), ea(c, b, i))
      alu32(c, 4, a, c.regs[recReg(w0)]!)
      return false
    }
    const a = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    alu(c, 4, a, getReg(c, size, recReg(w0)), size)
    return false
  }

  function testRmImm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const size = recSize(w0)
    const rm = recRm(w1)
    if (size === 4) {
      const a = rm >= 0 ? c.regs[rm]! : c.read32(recSeg(w1), ea(c, b, i))
      alu32(c, 4, a, immOf(b, i))
      return false
    }
    const a = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    alu(c, 4, a, immOf(b, i), size)
    return false
  }

  function shiftRm(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const regs = c.regs
    const size = recSize(w0)
    const count = recOp(w0) === OP.shiftCl ? regs[1]! & 0xff : immOf(b, i)
    const rm = recRm(w1)
    if (rm >= 0 && size === 4) {
      const r = shift(c, recAux(w0), regs[rm]!, count, 4)
      if ((count & 31) !== 0) regs[rm] = r
    } else if (rm >= 0) {
      const r = shift(c, recAux(w0), getReg(c, size, rm), count, size)
      if ((count & 31) !== 0) setReg(c, size, rm, r)
    } else {
      const seg = recSeg(w1)
      const off = ea(c, b, i)
      const r = shift(c, recAux(w0), readMem(c, size, seg, off), count, size)
      if ((count & 31) !== 0) writeMem(c, size, seg, off, r)
    }
    return false
  }

  function movx8(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const rm = recRm(w1)
    let v = rm >= 0 ? getReg8(c, rm) : c.read8(recSeg(w1), ea(c, b, i))
    if (recOp(w0) === OP.movsx8) v = (v << 24) >> 24
    setReg(c, recSize(w0), recReg(w0), v)
    return false
  }

  function movx16(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const rm = recRm(w1)
    let v = rm >= 0 ? c.regs[rm]! & 0xffff : c.read16(recSeg(w1), ea(c, b, i))
    if (recOp(w0) === OP.movsx16) v = (v << 16) >> 16
    setReg(c, recSize(w0), recReg(w0), v)
    return false
  }

  function setcc(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const v = condition(c, recAux(w0)) ? 1 : 0
    const rm = recRm(w1)
    if (rm >= 0) setReg8(c, rm, v)
    else c.write8(recSeg(w1), ea(c, b, i), v)
    return false
  }

  function cmovcc(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const size = recSize(w0)
    const rm = recRm(w1)
    const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    if (condition(c, recAux(w0))) setReg(c, size, recReg(w0), v)
    return false
  }

  function xchgRmReg(i: number): boolean {
    const size = b.size[i]!
    const rm = b.rm[i]!
    const reg = b.reg[i]!
    if (rm >= 0) {
      const a = getReg(c, size, rm)
      setReg(c, size, rm, getReg(c, size, reg))
      setReg(c, size, reg, a)
    } else {
      const seg = b.seg[i]!
      const off = ea(c, b, i)
      const a = readMem(c, size, seg, off)
      writeMem(c, size, seg, off, getReg(c, size, reg))
      setReg(c, size, reg, a)
    }
    return false
  }

  function nop(): boolean {
    return false
  }

  function loop(i: number, blockEip: number): boolean {
    const regs = c.regs
    const kind = b.aux[i]!
    const a32 = b.a16[i] === 0
    let take: boolean
    if (kind === 3) take = (a32 ? regs[1]! : regs[1]! & 0xffff) === 0
    else {
      let n2: number
      if (a32) n2 = regs[1] = (regs[1]! - 1) | 0
      else {
        n2 = (regs[1]! - 1) & 0xffff
        regs[1] = (regs[1]! & ~0xffff) | n2
      }
      take = n2 !== 0
      if (kind === 0) take = take && !condition(c, 4)
      else if (kind === 1) take = take && condition(c, 4)
    }
    if (!take) return false
    branchTo(c, (blockEip + b.imm[i]!) | 0, b.size[i]!)
    return true
  }

  function cwd(i: number): boolean {
    const regs = c.regs
    if (b.size[i] === 4) regs[2] = regs[0]! >> 31
    else regs[2] = (regs[2]! & ~0xffff) | (((regs[0]! << 16) >> 31) & 0xffff)
    return false
  }

  function cbw(i: number): boolean {
    const regs = c.regs
    if (b.size[i] === 4) regs[0] = (regs[0]! << 16) >> 16
    else regs[0] = (regs[0]! & ~0xffff) | (((regs[0]! << 24) >> 24) & 0xffff)
    return false
  }

  function notRm(i: number): boolean {
    const size = b.size[i]!
    const rm = b.rm[i]!
    if (rm >= 0) setReg(c, size, rm, ~getReg(c, size, rm))
    else {
      const seg = b.seg[i]!
      const off = ea(c, b, i)
      writeMem(c, size, seg, off, ~readMem(c, size, seg, off))
    }
    return false
  }

  function negRm(i: number): boolean {
    const size = b.size[i]!
    const rm = b.rm[i]!
    if (rm >= 0) setReg(c, size, rm, alu(c, 5, 0, getReg(c, size, rm), size))
    else {
      const seg = b.seg[i]!
      const off = ea(c, b, i)
      writeMem(c, size, seg, off, alu(c, 5, 0, readMem(c, size, seg, off), size))
    }
    return false
  }

  function imulRegRm(i: number): boolean {
    const size = b.size[i]!
    const rm = b.rm[i]!
    const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
    setReg(c, size, b.reg[i]!, imulTrunc(c, getReg(c, size, b.reg[i]!), v, size))
    return false
  }

  function imulRegRmImm(i: number): boolean {
    const size = b.size[i]!
    const rm = b.rm[i]!
    const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
    setReg(c, size, b.reg[i]!, imulTrunc(c, v, b.imm[i]!, size))
    return false
  }

  function clcStc(i: number): boolean {
    c.materializeFlags()
    c.flags = (c.flags & ~CF) | (b.op[i] === OP.stc ? CF : 0)
    return false
  }

  function sahf(): boolean {
    // OF stays as it was: materialized first (execute.ts 9E).
    c.materializeFlags()
    const mask = SF | ZF | AF | PF | CF
    c.flags = (c.flags & ~mask) | ((c.regs[0]! >>> 8) & mask)
    return false
  }

  function lahf(): boolean {
    c.regs[0] = (c.regs[0]! & ~0xff00) | (((c.getEflags() & 0xd7) | 2) << 8)
    return false
  }

  function cld(): boolean {
    c.flags &= ~DF
    return false
  }

  function std(): boolean {
    c.flags |= DF
    return false
  }

  function bswap(i: number): boolean {
    const r = b.reg[i]!
    const v = c.regs[r]!
    c.regs[r] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)
    return false
  }

  function leave(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    // ESP = EBP, then POP EBP; the read comes first, so a fault leaves ESP alone.
    const regs = c.regs
    const size = recSize(w0)
    const bp = c.stack32 === true ? regs[5]! : regs[5]! & 0xffff
    const v = size === 4 ? c.read32(SS, bp) : c.read16(SS, bp)
    const nsp = bp + size
    regs[4] = c.stack32 === true ? nsp | 0 : (regs[4]! & ~0xffff) | (nsp & 0xffff)
    setReg(c, size, 5, v)
    return false
  }

  function callJmpInd(i: number, blockEip: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const rm = recRm(w1)
    const t = rm >= 0 ? c.regs[rm]! : c.read32(recSeg(w1), ea(c, b, i))
    if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
    if (recOp(w0) === OP.callInd) c.push32((blockEip + b.end[i]!) | 0)
    c.eip = t
    return true
  }

  function pushRm(i: number): boolean {
    const w1 = b.rec[i * REC_WORDS + 1]!
    // The operand (even [ESP + n]) is read before ESP moves.
    const rm = recRm(w1)
    c.push32(rm >= 0 ? c.regs[rm]! : c.read32(recSeg(w1), ea(c, b, i)))
    return false
  }

  function fpu(i: number, blockEip: number): boolean {
    executeFpuRecord(c, b, i, blockEip)
    return false
  }

  function mulDiv(i: number): boolean {
    const w0 = b.rec[i * REC_WORDS]!
    const w1 = b.rec[i * REC_WORDS + 1]!
    const size = recSize(w0)
    const rm = recRm(w1)
    const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, recSeg(w1), ea(c, b, i))
    const kind = recAux(w0)
    if (kind < 6) mulAcc(c, v, size, kind === 5)
    else divAcc(c, v, size, kind === 7)
    return false
  }

  function string(i: number, blockEip: number): boolean {
    const regs = c.regs
    const size = b.size[i]!
    const opc = b.imm[i]!
    if (b.aux[i] === 0 && (opc & 0xfe) === 0xac) {
      // Fast forms of LODS (AC/AD) and STOS (AA/AB) without REP.
      const sz = (opc & 1) === 0 ? 1 : size
      const a32 = b.a16[i] === 0
      const d = (c.flags & DF) !== 0 ? -sz : sz
      const si = a32 ? regs[6]! : regs[6]! & 0xffff
      const seg = b.seg[i] === 255 ? DS : b.seg[i]!
      setReg(c, sz, 0, readMem(c, sz, seg, si))
      regs[6] = a32 ? (si + d) | 0 : (regs[6]! & ~0xffff) | ((si + d) & 0xffff)
      return false
    }
    if (b.aux[i] === 0 && (opc & 0xfe) === 0xaa) {
      const sz = (opc & 1) === 0 ? 1 : size
      const a32 = b.a16[i] === 0
      const d = (c.flags & DF) !== 0 ? -sz : sz
      const di = a32 ? regs[7]! : regs[7]! & 0xffff
      writeMem(c, sz, ES, di, getReg(c, sz, 0))
      regs[7] = a32 ? (di + d) | 0 : (regs[7]! & ~0xffff) | ((di + d) & 0xffff)
      return false
    }
    const next = (blockEip + b.end[i]!) | 0
    c.opSize32 = size === 4
    c.addrSize32 = b.a16[i] === 0
    const seg = b.seg[i]!
    c.segOverride = seg === 255 ? -1 : seg
    const rep = b.aux[i]!
    c.prefixRep = rep === 0 ? 0 : rep === 1 ? 0xf2 : 0xf3
    c.prefixLock = false
    c.startEip = (blockEip + b.start[i]!) | 0
    c.eip = next
    stringInstruction(c, b.imm[i]!)
    // A long REP yields by leaving EIP on itself: treat that as a control transfer.
    return c.eip !== next
  }

  /** A record kind no handler knows (cannot come from the decoder): #UD, as the old switch's default did. */
  function unknownRecord(): boolean {
    c.ud()
  }

  /** Handler of each OP value (block-decoder.ts); every slot is filled, so the table holds only functions. */
  const RECORD_HANDLERS: RecordHandler[] = Array.from({ length: 64 }, () => unknownRecord)
  RECORD_HANDLERS[OP.aluRmReg] = aluRmReg
  RECORD_HANDLERS[OP.aluRegRm] = aluRegRm
  RECORD_HANDLERS[OP.aluRmImm] = aluRmImm
  RECORD_HANDLERS[OP.movRmReg] = movRmReg
  RECORD_HANDLERS[OP.movRegRm] = movRegRm
  RECORD_HANDLERS[OP.movRmImm] = movRmImm
  RECORD_HANDLERS[OP.movRegImm] = movRegImm
  RECORD_HANDLERS[OP.incRm] = incDecRm
  RECORD_HANDLERS[OP.decRm] = incDecRm
  RECORD_HANDLERS[OP.pushReg] = pushReg
  RECORD_HANDLERS[OP.popReg] = popReg
  RECORD_HANDLERS[OP.pushImm] = pushImm
  RECORD_HANDLERS[OP.jcc] = jcc
  RECORD_HANDLERS[OP.jmp] = jmp
  RECORD_HANDLERS[OP.call] = call
  RECORD_HANDLERS[OP.ret] = ret
  RECORD_HANDLERS[OP.lea] = lea
  RECORD_HANDLERS[OP.testRmReg] = testRmReg
  RECORD_HANDLERS[OP.testRmImm] = testRmImm
  RECORD_HANDLERS[OP.shiftImm] = shiftRm
  RECORD_HANDLERS[OP.shiftCl] = shiftRm
  RECORD_HANDLERS[OP.movzx8] = movx8
  RECORD_HANDLERS[OP.movsx8] = movx8
  RECORD_HANDLERS[OP.movzx16] = movx16
  RECORD_HANDLERS[OP.movsx16] = movx16
  RECORD_HANDLERS[OP.setcc] = setcc
  RECORD_HANDLERS[OP.cmovcc] = cmovcc
  RECORD_HANDLERS[OP.xchgRmReg] = xchgRmReg
  RECORD_HANDLERS[OP.nop] = nop
  RECORD_HANDLERS[OP.loop] = loop
  RECORD_HANDLERS[OP.cwd] = cwd
  RECORD_HANDLERS[OP.cbw] = cbw
  RECORD_HANDLERS[OP.notRm] = notRm
  RECORD_HANDLERS[OP.negRm] = negRm
  RECORD_HANDLERS[OP.imulRegRm] = imulRegRm
  RECORD_HANDLERS[OP.imulRegRmImm] = imulRegRmImm
  RECORD_HANDLERS[OP.clc] = clcStc
  RECORD_HANDLERS[OP.stc] = clcStc
  RECORD_HANDLERS[OP.sahf] = sahf
  RECORD_HANDLERS[OP.lahf] = lahf
  RECORD_HANDLERS[OP.cld] = cld
  RECORD_HANDLERS[OP.std] = std
  RECORD_HANDLERS[OP.bswap] = bswap
  RECORD_HANDLERS[OP.string] = string
  RECORD_HANDLERS[OP.fpu] = fpu
  RECORD_HANDLERS[OP.leave] = leave
  RECORD_HANDLERS[OP.callInd] = callJmpInd
  RECORD_HANDLERS[OP.jmpInd] = callJmpInd
  RECORD_HANDLERS[OP.pushRm] = pushRm
  RECORD_HANDLERS[OP.mulDiv] = mulDiv
  RECORD_HANDLERS[OP.interp] = interp

  /**
   * An instruction the full interpreter runs in the block (OP.interp), as it would between blocks: from its EIP,
   * with the fault-restart state set. The interpreter's instructions change ESP only after their last possible
   * fault, as the block's fault paths (which take ESP as it stands) require. When the instruction changed what EIPs
   * map to (`codeMapGen`), the chunk ends so that the jump cache starts a new epoch before its next lookup.
   */
  function interp(i: number, blockEip: number): boolean {
    const eip = (blockEip + b.start[i]!) | 0
    c.eip = c.startEip = eip
    c.startEsp = c.regs[4]!
    executeInstruction(c)
    if (c.codeMapGen !== c.jumpCacheGen) c.breakChunk = true
    return b.aux[i] !== 0 || c.eip !== ((blockEip + b.end[i]!) | 0)
  }

  return { runBlock, step }
}

/**
 * Executes record `i` of `c`'s block at `blockEip` (compiled code's call for a record without a template); `b` is
 * `c.blocks`, which the CPU's interpreter closes over.
 */
export function step(c: Cpu, b: BlockCache, i: number, blockEip: number): boolean {
  return c.stepRecord(i, blockEip)
}
