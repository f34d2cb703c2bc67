// Templates for records of every operand size that the 32-bit templates of block-compiler.ts leave out:
// 8- and 16-bit ALU/MOV/TEST/INC/DEC forms (66h prefix, e.g. the LZMA probabilities of the kernel's decompressor), NOT
// and NEG (F6/F7 /2 /3), XCHG, CBW/CWDE, CWD/CDQ, BSWAP, CLC/STC/CLD/STD, SAHF/LAHF and MOV r, imm at 8/16 bits. Results and
// flags follow block-exec.ts `step` (alu.ts `alu`, `incDec`; Intel SDM vol. 2).
import { type BlockCache, OP } from '../block-decoder'
import { AF, ARITH_FLAGS, CF, DF, PF, SF, ZF } from '../constants'
import { saveCarry } from './conditions'
import { ALU32, carryIn, lazy, regRead, regWrite, rmOperand } from './template-parts'

/** The flags SAHF loads from AH and LAHF stores there (bits 7, 6, 4, 2, 0). */
const SAHF_FLAGS = SF | ZF | AF | PF | CF

/** Expression `e` truncated to the operand size (parenthesized: it may be shifted into AH…BH). */
function masked(e: string, size: number): string {
  return size === 4 ? `((${e}) | 0)` : `((${e}) & ${size === 2 ? 0xffff : 0xff})`
}

/** ALU (ADD…CMP) and TEST records of any operand size, or null (lazy flags with sign bit 7, 15 or 31). */
export function aluSnippet(b: BlockCache, i: number, k: number): string | null {
  const op = b.op[i]!
  const reg = b.reg[i]!
  const size = b.size[i]!
  const sign = size * 8 - 1
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  const imm = size === 4 ? String(b.imm[i]!) : String(b.imm[i]! & (size === 2 ? 0xffff : 0xff))
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRmImm:
    case OP.aluRegRm: {
      const alu = ALU32[b.aux[i]!]
      if (alu === undefined) return null
      const store = b.aux[i] !== 7
      // The 32-bit expressions are already int32; narrower results are masked to the size.
      const r = `${carryIn(b, i, k)}const r = ${size === 4 ? alu[0] : masked(alu[0], size)};`
      if (op === OP.aluRegRm) {
        return `{ ${at}const a = ${regRead(size, reg)}; const v = ${read}; ${r} ${lazy(alu[1], sign)}${store ? ` ${regWrite(size, reg, 'r')}` : ''} }`
      }
      const src = op === OP.aluRmImm ? imm : regRead(size, reg)
      return `{ ${at}const a = ${read}; const v = ${src}; ${r} ${lazy(alu[1], sign)}${store ? ` ${write('r')}` : ''} }`
    }
    case OP.testRmReg:
    case OP.testRmImm: {
      const src = op === OP.testRmImm ? imm : regRead(size, reg)
      return `{ ${at}const a = ${read}; const v = ${src}; const r = a & v; ${lazy(2, sign)} }`
    }
    default:
      return null
  }
}

/** MOV with 8- or 16-bit operands, or null. */
function movNarrow(b: BlockCache, i: number, k: number): string | null {
  const reg = b.reg[i]!
  const size = b.size[i]!
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  switch (b.op[i]!) {
    case OP.movRmReg:
      return `{ ${at}${write(regRead(size, reg))} }`
    case OP.movRegRm:
      return `{ ${at}const v = ${read}; ${regWrite(size, reg, 'v')} }`
    case OP.movRmImm:
      return `{ ${at}${write(String(b.imm[i]! & (size === 2 ? 0xffff : 0xff)))} }`
    default:
      return null
  }
}

/** INC/DEC at 8 or 16 bits (CF kept: see conditions.ts `saveCarry`; the block interpreter's order). */
function incDecSnippet(b: BlockCache, i: number, k: number): string | null {
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  const size = b.size[i]!
  const dec = b.op[i] === OP.decRm
  const lz = `c.lzOp = ${dec ? 1 : 0}; c.lzShift = ${size * 8 - 1}; c.lzA = a; c.lzB = 1; c.lzRes = r; c.lzMask = ${ARITH_FLAGS & ~CF};`
  return `{ ${at}const a = ${read}; ${saveCarry(b, i, i - k)} const r = ${masked(`a ${dec ? '-' : '+'} 1`, size)}; ${lz} ${write('r')} }`
}

/**
 * Template for record `i` (block index `k`) of any operand size among the forms this file covers, or null. The
 * 32-bit forms of ALU/MOV/TEST/INC/DEC stay with block-compiler.ts.
 */
export function narrowSnippet(b: BlockCache, i: number, k: number): string | null {
  const op = b.op[i]!
  const size = b.size[i]!
  const reg = b.reg[i]!
  switch (op) {
    case OP.nop:
      return ''
    case OP.movRegImm:
      return regWrite(size, reg, String(size === 4 ? b.imm[i]! : b.imm[i]! & (size === 2 ? 0xffff : 0xff)))
    case OP.notRm:
    case OP.negRm: {
      const operand = rmOperand(b, i, k)
      if (operand === null) return null
      const { at, read, write } = operand
      if (op === OP.notRm) return `{ ${at}const v = ${read}; ${write(size === 4 ? '~v' : masked('~v', size))} }`
      // NEG is SUB from 0 (alu.ts kind 5 with a = 0).
      return `{ ${at}const a = 0; const v = ${read}; const r = ${masked('a - v', size)}; ${lazy(1, size * 8 - 1)} ${write('r')} }`
    }
    case OP.xchgRmReg: {
      const operand = rmOperand(b, i, k)
      if (operand === null) return null
      const { at, read, write } = operand
      // Memory: the read, the write, then the register (a write fault leaves it unchanged; a store into decoded
      // code ends the block only after it).
      return `{ ${at}const a = ${read}; const v = ${regRead(size, reg)}; ${write('v', regWrite(size, reg, 'a'))} }`
    }
    case OP.cwd:
      return size === 4
        ? 'regs[2] = regs[0] >> 31;'
        : 'regs[2] = (regs[2] & ~0xffff) | (((regs[0] << 16) >> 31) & 0xffff);'
    case OP.cbw:
      return size === 4
        ? 'regs[0] = (regs[0] << 16) >> 16;'
        : 'regs[0] = (regs[0] & ~0xffff) | (((regs[0] << 24) >> 24) & 0xffff);'
    case OP.bswap:
      return `{ const v = regs[${reg}]; regs[${reg}] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24); }`
    case OP.clc:
    case OP.stc:
      // CF leaves the lazy set; the other lazy flags stay lazy.
      return `c.flags = ${op === OP.stc ? `c.flags | ${CF}` : `c.flags & ${~CF}`}; c.lzMask &= ${~CF};`
    case OP.sahf:
      // SF/ZF/AF/PF/CF leave the lazy set, loaded from AH; a lazy OF stays lazy (the interpreter materializes it
      // first, to the same value).
      return `c.flags = (c.flags & ${~SAHF_FLAGS}) | ((regs[0] >> 8) & ${SAHF_FLAGS}); c.lzMask &= ${~SAHF_FLAGS};`
    case OP.lahf:
      // EFLAGS bits 7..0 with the lazy ones computed (flags.ts `computeLazy`), bit 1 set, bits 3 and 5 clear.
      return `regs[0] = (regs[0] & ${~0xff00}) | (((((c.flags & ~c.lzMask) | h.computeLazy(c)) & ${SAHF_FLAGS}) | 2) << 8);`
    case OP.cld:
      return `c.flags &= ${~DF};`
    case OP.std:
      return `c.flags |= ${DF};`
    case OP.incRm:
    case OP.decRm:
      return size === 4 ? null : incDecSnippet(b, i, k)
    default:
      return size !== 4 ? (aluSnippet(b, i, k) ?? movNarrow(b, i, k)) : null
  }
}
