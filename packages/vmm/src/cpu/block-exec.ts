// Executes cached blocks of decoded instructions (block-decoder.ts). Semantics are shared with the full
// interpreter through the same ALU and memory helpers; only decoding is skipped.
import { AF, ARITH_FLAGS, CF, CS, DF, DS, ES, PF, SF, SS, ZF } from './constants'
import type { Cpu } from './cpu'
import { alu, divAcc, imulTrunc, incDec, mulAcc, shift } from './alu'
import { type BlockCache, OP } from './block-decoder'
import { condition, lazyCF, LZ_ADD, LZ_LOGIC, LZ_SUB } from './flags'
import { getReg, readMem, setReg, writeMem } from './operands'
import { stringInstruction } from './string-io'
import { executeFpuRecord } from './block-fpu'

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

/** Effective-address offset of record `i`. */
export function ea(c: Cpu, b: BlockCache, i: number): number {
  let off = b.disp[i]!
  const base = b.base[i]!
  if (base >= 0) off += c.regs[base]!
  const index = b.index[i]!
  if (index >= 0) off += c.regs[index]! << b.scale[i]!
  return b.a16[i] !== 0 ? off & 0xffff : off | 0
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

/**
 * Runs block `slot` starting at EIP `blockEip`, at most `limit` instructions. Each retired instruction
 * increments `instructionsRetired`; a taken branch or a request to end the chunk stops the block.
 */
export function runBlock(c: Cpu, b: BlockCache, slot: number, blockEip: number, limit: number): void {
  const first = b.first[slot]!
  const last = first + Math.min(b.count[slot]!, limit)
  let i = first
  try {
    for (; i < last; i++) {
      if (step(c, b, i, blockEip)) {
        c.instructionsRetired += i - first + 1
        return
      }
      if (c.breakChunk) {
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
export function step(c: Cpu, b: BlockCache, i: number, blockEip: number): boolean {
  const regs = c.regs
  const size = b.size[i]!
  {
    // Case labels are the OP values as literals: V8 turns a switch whose labels are all small integer literals
    // into one jump table (SwitchOnSmi), while `case OP.x:` labels are compared one after another (the short-block
    // interpreter micro-benchmark ran 15.8 → 14.8 ns per instruction). block-decoder.ts OP names each value.
    switch (b.op[i]) {
      case 1 /* OP.aluRmReg */: {
        const kind = b.aux[i]!
        const rm = b.rm[i]!
        const src = size === 4 ? regs[b.reg[i]!]! : getReg(c, size, b.reg[i]!)
        if (rm >= 0) {
          if (size === 4) {
            const r = alu32(c, kind, regs[rm]!, src)
            if (kind !== 7) regs[rm] = r
          } else {
            const r = alu(c, kind, getReg(c, size, rm), src, size)
            if (kind !== 7) setReg(c, size, rm, r)
          }
        } else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          const r = alu(c, kind, readMem(c, size, seg, off), src, size)
          if (kind !== 7) writeMem(c, size, seg, off, r)
        }
        break
      }
      case 2 /* OP.aluRegRm */: {
        const kind = b.aux[i]!
        const rm = b.rm[i]!
        const reg = b.reg[i]!
        if (size === 4) {
          const src = rm >= 0 ? regs[rm]! : c.read32(b.seg[i]!, ea(c, b, i))
          const r = alu32(c, kind, regs[reg]!, src)
          if (kind !== 7) regs[reg] = r
          break
        }
        const src = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        const r = alu(c, kind, getReg(c, size, reg), src, size)
        if (kind !== 7) setReg(c, size, reg, r)
        break
      }
      case 3 /* OP.aluRmImm */: {
        const kind = b.aux[i]!
        const rm = b.rm[i]!
        if (rm >= 0 && size === 4) {
          const r = alu32(c, kind, regs[rm]!, b.imm[i]!)
          if (kind !== 7) regs[rm] = r
        } else if (rm >= 0) {
          const r = alu(c, kind, getReg(c, size, rm), b.imm[i]!, size)
          if (kind !== 7) setReg(c, size, rm, r)
        } else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          const r = alu(c, kind, readMem(c, size, seg, off), b.imm[i]!, size)
          if (kind !== 7) writeMem(c, size, seg, off, r)
        }
        break
      }
      case 4 /* OP.movRmReg */: {
        const rm = b.rm[i]!
        if (size === 4) {
          if (rm >= 0) regs[rm] = regs[b.reg[i]!]!
          else c.write32(b.seg[i]!, ea(c, b, i), regs[b.reg[i]!]!)
          break
        }
        const v = getReg(c, size, b.reg[i]!)
        if (rm >= 0) setReg(c, size, rm, v)
        else writeMem(c, size, b.seg[i]!, ea(c, b, i), v)
        break
      }
      case 5 /* OP.movRegRm */: {
        const rm = b.rm[i]!
        if (size === 4) {
          regs[b.reg[i]!] = rm >= 0 ? regs[rm]! : c.read32(b.seg[i]!, ea(c, b, i))
          break
        }
        const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        setReg(c, size, b.reg[i]!, v)
        break
      }
      case 6 /* OP.movRmImm */: {
        const rm = b.rm[i]!
        if (rm >= 0) setReg(c, size, rm, b.imm[i]!)
        else writeMem(c, size, b.seg[i]!, ea(c, b, i), b.imm[i]!)
        break
      }
      case 7 /* OP.movRegImm */:
        setReg(c, size, b.reg[i]!, b.imm[i]!)
        break
      case 8 /* OP.incRm */:
      case 9 /* OP.decRm */: {
        const dec = b.op[i] === OP.decRm
        const rm = b.rm[i]!
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
          break
        }
        if (rm >= 0) setReg(c, size, rm, incDec(c, getReg(c, size, rm), size, dec))
        else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          writeMem(c, size, seg, off, incDec(c, readMem(c, size, seg, off), size, dec))
        }
        break
      }
      case 10 /* OP.pushReg */:
        if (size === 4) c.push32(regs[b.reg[i]!]!)
        else c.push16(regs[b.reg[i]!]!)
        break
      case 11 /* OP.popReg */: {
        const v = size === 4 ? c.peek32(0) : c.peek16(0)
        c.adjustSp(size)
        setReg(c, size, b.reg[i]!, v)
        break
      }
      case 12 /* OP.pushImm */:
        if (size === 4) c.push32(b.imm[i]!)
        else c.push16(b.imm[i]!)
        break
      case 13 /* OP.jcc */:
        if (jccTaken(c, b.aux[i]!)) {
          branchTo(c, (blockEip + b.imm[i]!) | 0, size)
          return true
        }
        break
      case 14 /* OP.jmp */:
        branchTo(c, (blockEip + b.imm[i]!) | 0, size)
        return true
      case 15 /* OP.call */: {
        const ret = (blockEip + b.end[i]!) | 0
        const t = size === 4 ? (blockEip + b.imm[i]!) | 0 : (blockEip + b.imm[i]!) & 0xffff
        if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
        if (size === 4) c.push32(ret)
        else c.push16(ret)
        c.eip = t
        return true
      }
      case 16 /* OP.ret */: {
        const v = size === 4 ? c.peek32(0) : c.peek16(0)
        if (v >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
        c.adjustSp(size + b.imm[i]!)
        c.eip = v
        return true
      }
      case 17 /* OP.lea */:
        if (size === 4) regs[b.reg[i]!] = ea(c, b, i)
        else setReg(c, size, b.reg[i]!, ea(c, b, i))
        break
      case 18 /* OP.testRmReg */: {
        const rm = b.rm[i]!
        const a = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        alu(c, 4, a, getReg(c, size, b.reg[i]!), size)
        break
      }
      case 19 /* OP.testRmImm */: {
        const rm = b.rm[i]!
        const a = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        alu(c, 4, a, b.imm[i]!, size)
        break
      }
      case 20 /* OP.shiftImm */:
      case 21 /* OP.shiftCl */: {
        const count = b.op[i] === OP.shiftCl ? regs[1]! & 0xff : b.imm[i]!
        const rm = b.rm[i]!
        if (rm >= 0 && size === 4) {
          const r = shift(c, b.aux[i]!, regs[rm]!, count, 4)
          if ((count & 31) !== 0) regs[rm] = r
        } else if (rm >= 0) {
          const r = shift(c, b.aux[i]!, getReg(c, size, rm), count, size)
          if ((count & 31) !== 0) setReg(c, size, rm, r)
        } else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          const r = shift(c, b.aux[i]!, readMem(c, size, seg, off), count, size)
          if ((count & 31) !== 0) writeMem(c, size, seg, off, r)
        }
        break
      }
      case 22 /* OP.movzx8 */:
      case 24 /* OP.movsx8 */: {
        const rm = b.rm[i]!
        let v = rm >= 0 ? getReg(c, 1, rm) : c.read8(b.seg[i]!, ea(c, b, i))
        if (b.op[i] === OP.movsx8) v = (v << 24) >> 24
        setReg(c, size, b.reg[i]!, v)
        break
      }
      case 23 /* OP.movzx16 */:
      case 25 /* OP.movsx16 */: {
        const rm = b.rm[i]!
        let v = rm >= 0 ? regs[rm]! & 0xffff : c.read16(b.seg[i]!, ea(c, b, i))
        if (b.op[i] === OP.movsx16) v = (v << 16) >> 16
        setReg(c, size, b.reg[i]!, v)
        break
      }
      case 26 /* OP.setcc */: {
        const v = condition(c, b.aux[i]!) ? 1 : 0
        const rm = b.rm[i]!
        if (rm >= 0) setReg(c, 1, rm, v)
        else c.write8(b.seg[i]!, ea(c, b, i), v)
        break
      }
      case 27 /* OP.cmovcc */: {
        const rm = b.rm[i]!
        const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        if (condition(c, b.aux[i]!)) setReg(c, size, b.reg[i]!, v)
        break
      }
      case 28 /* OP.xchgRmReg */: {
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
        break
      }
      case 29 /* OP.nop */:
        break
      case 30 /* OP.loop */: {
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
        if (take) {
          branchTo(c, (blockEip + b.imm[i]!) | 0, size)
          return true
        }
        break
      }
      case 31 /* OP.cwd */:
        if (size === 4) regs[2] = regs[0]! >> 31
        else regs[2] = (regs[2]! & ~0xffff) | (((regs[0]! << 16) >> 31) & 0xffff)
        break
      case 32 /* OP.cbw */:
        if (size === 4) regs[0] = (regs[0]! << 16) >> 16
        else regs[0] = (regs[0]! & ~0xffff) | (((regs[0]! << 24) >> 24) & 0xffff)
        break
      case 33 /* OP.notRm */: {
        const rm = b.rm[i]!
        if (rm >= 0) setReg(c, size, rm, ~getReg(c, size, rm))
        else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          writeMem(c, size, seg, off, ~readMem(c, size, seg, off))
        }
        break
      }
      case 34 /* OP.negRm */: {
        const rm = b.rm[i]!
        if (rm >= 0) setReg(c, size, rm, alu(c, 5, 0, getReg(c, size, rm), size))
        else {
          const seg = b.seg[i]!
          const off = ea(c, b, i)
          writeMem(c, size, seg, off, alu(c, 5, 0, readMem(c, size, seg, off), size))
        }
        break
      }
      case 35 /* OP.imulRegRm */: {
        const rm = b.rm[i]!
        const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        setReg(c, size, b.reg[i]!, imulTrunc(c, getReg(c, size, b.reg[i]!), v, size))
        break
      }
      case 36 /* OP.imulRegRmImm */: {
        const rm = b.rm[i]!
        const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        setReg(c, size, b.reg[i]!, imulTrunc(c, v, b.imm[i]!, size))
        break
      }
      case 37 /* OP.clc */:
      case 38 /* OP.stc */:
        c.materializeFlags()
        c.flags = (c.flags & ~CF) | (b.op[i] === OP.stc ? CF : 0)
        break
      case 49 /* OP.sahf */: {
        // OF stays as it was: materialized first (execute.ts 9E).
        c.materializeFlags()
        const mask = SF | ZF | AF | PF | CF
        c.flags = (c.flags & ~mask) | ((regs[0]! >>> 8) & mask)
        break
      }
      case 50 /* OP.lahf */:
        regs[0] = (regs[0]! & ~0xff00) | (((c.getEflags() & 0xd7) | 2) << 8)
        break
      case 39 /* OP.cld */:
        c.flags &= ~DF
        break
      case 40 /* OP.std */:
        c.flags |= DF
        break
      case 41 /* OP.bswap */: {
        const r = b.reg[i]!
        const v = regs[r]!
        regs[r] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)
        break
      }
      case 44 /* OP.leave */: {
        // ESP = EBP, then POP EBP; the read comes first, so a fault leaves ESP alone.
        const bp = c.stack32 ? regs[5]! : regs[5]! & 0xffff
        const v = size === 4 ? c.read32(SS, bp) : c.read16(SS, bp)
        const nsp = bp + size
        regs[4] = c.stack32 ? nsp | 0 : (regs[4]! & ~0xffff) | (nsp & 0xffff)
        setReg(c, size, 5, v)
        break
      }
      case 45 /* OP.callInd */:
      case 46 /* OP.jmpInd */: {
        const rm = b.rm[i]!
        const t = rm >= 0 ? regs[rm]! : c.read32(b.seg[i]!, ea(c, b, i))
        if (t >>> 0 > c.segLimit[CS]! >>> 0) c.gp(0)
        if (b.op[i] === OP.callInd) c.push32((blockEip + b.end[i]!) | 0)
        c.eip = t
        return true
      }
      case 47 /* OP.pushRm */: {
        // The operand (even [ESP + n]) is read before ESP moves.
        const rm = b.rm[i]!
        c.push32(rm >= 0 ? regs[rm]! : c.read32(b.seg[i]!, ea(c, b, i)))
        break
      }
      case 43 /* OP.fpu */:
        executeFpuRecord(c, b, i, blockEip)
        break
      case 48 /* OP.mulDiv */: {
        const rm = b.rm[i]!
        const v = rm >= 0 ? getReg(c, size, rm) : readMem(c, size, b.seg[i]!, ea(c, b, i))
        const kind = b.aux[i]!
        if (kind < 6) mulAcc(c, v, size, kind === 5)
        else divAcc(c, v, size, kind === 7)
        break
      }
      case 42 /* OP.string */: {
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
      default:
        c.ud()
    }
  }
  return false
}
