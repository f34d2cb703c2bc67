// JavaScript templates for cached instruction records (x86-notes §3.2 item 7, phase 1): the common 32-bit
// register and memory forms become straight-line code with constants folded in; a record without a template
// calls the block interpreter's `step`, so semantics stay shared. jit/compile-block.ts assembles them into
// functions.
import type { Cpu } from './cpu'
import { type BlockCache } from './block-decoder'
import * as decoder from './block-decoder'
import { jccTaken, step } from './block-exec'
import { FPU_HELPERS, fpuSnippet } from './block-fpu'
import * as constants from './constants'
import * as aluModule from './alu'
import * as flags from './flags'
import { bitSnippet } from './jit/bit-templates'
import { conditionExpr, saveCarry } from './jit/conditions'
import { mulDivSnippet } from './jit/muldiv-templates'
import { aluSnippet, narrowSnippet } from './jit/narrow-templates'
import { shiftSnippet } from './jit/shift-templates'
import {
  addOrSub,
  adjustSp,
  afterStore,
  eaExpr,
  push32,
  reg8,
  resultFlags,
  rmOperand,
  TOP32,
} from './jit/template-parts'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { imulTrunc, shift } = aluModule
const { computeLazy, condition, lazyCF } = flags
const { ARITH_FLAGS, CF } = constants
const { OP } = decoder

/**
 * Compiled code for a block: runs it from `blockEip` (its records start at pool index `first`), looping while it
 * branches back to its own start, until at most `limit` instructions retired; returns the instructions retired,
 * with EIP set (faults: see jit/compile-block.ts `accountCompiledFault`); without running anything, 0 when the
 * segments it was specialised for are no longer wide (jit/inline-memory.ts) and -1 when the block is longer than
 * `limit`.
 */
export type CompiledBlock = (c: Cpu, blockEip: number, limit: number, first: number) => number

/** Helpers the generated code calls (`h` in generated code); stateless, so compiled code can be shared. */
export const HELPERS = { step, jccTaken, lazyCF, computeLazy, shift, condition, imulTrunc, fpu: FPU_HELPERS } as const

/** Code that jumps to `target` (an expression) after the CS limit check and leaves the block. */
function leave(target: string, k: number): string {
  return `if ((${target} >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); c.eip = ${target}; return ${k + 1}`
}

/** Snippets for control transfers, stack and extension instructions (32-bit operand size). */
function snippetMore(b: BlockCache, i: number, k: number): string | null {
  const rm = b.rm[i]!
  const reg = b.reg[i]!
  const memOk = b.a16[i] === 0
  const mem32 = () => `c.read32(${b.seg[i]!}, ${eaExpr(b, i)})`
  switch (b.op[i]!) {
    case OP.pushReg:
      return push32(`regs[${reg}]`, (update) => afterStore(b, i, k, update))
    case OP.pushImm:
      return push32(String(b.imm[i]!), (update) => afterStore(b, i, k, update))
    case OP.popReg:
      // POP ESP loads the value read before ESP moved.
      return `{ const v = ${TOP32}; ${adjustSp(4)} regs[${reg}] = v; }`
    case OP.movRmImm:
      if (rm >= 0) return `regs[${rm}] = ${b.imm[i]!};`
      return memOk ? `c.write32(${b.seg[i]!}, ${eaExpr(b, i)}, ${b.imm[i]!});${afterStore(b, i, k)}` : null
    case OP.movzx8:
    case OP.movsx8: {
      const v = rm >= 0 ? reg8(rm) : memOk ? `c.read8(${b.seg[i]!}, ${eaExpr(b, i)})` : null
      if (v === null) return null
      return b.op[i] === OP.movzx8 ? `regs[${reg}] = ${v};` : `regs[${reg}] = (${v} << 24) >> 24;`
    }
    case OP.movzx16:
    case OP.movsx16: {
      const v = rm >= 0 ? `(regs[${rm}] & 0xffff)` : memOk ? `c.read16(${b.seg[i]!}, ${eaExpr(b, i)})` : null
      if (v === null) return null
      return b.op[i] === OP.movzx16 ? `regs[${reg}] = ${v};` : `regs[${reg}] = (${v} << 16) >> 16;`
    }
    case OP.imulRegRm:
    case OP.imulRegRmImm: {
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (v === null) return null
      const other = b.op[i] === OP.imulRegRm ? `regs[${reg}]` : String(b.imm[i]!)
      // CF = OF = the signed product does not fit in 32 bits; SF/ZF/PF from the low half (alu.ts setMulFlags).
      return `{ const x = ${other}; const y = ${v}; const r = Math.imul(x, y); ${resultFlags('r')} c.flags = (c.flags & ${~0x801}) | (x * y !== r ? 0x801 : 0); regs[${reg}] = r; }`
    }
    case OP.cmovcc: {
      // CMOVcc reads its source whether or not the condition holds.
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (v === null) return null
      return `{ const v = ${v}; if (${conditionExpr(b, i, i - k)}) regs[${reg}] = v; }`
    }
    case OP.leave:
      // ESP = EBP, then POP EBP (the read first: a fault leaves ESP alone).
      return `{ const s32 = c.stack32; const bp = s32 ? regs[5] : regs[5] & 0xffff; const v = c.read32(2, bp); regs[4] = s32 ? (bp + 4) | 0 : (regs[4] & ~0xffff) | ((bp + 4) & 0xffff); regs[5] = v; }`
    case OP.pushRm: {
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      return v === null ? null : push32(v, (update) => afterStore(b, i, k, update))
    }
    case OP.callInd:
    case OP.jmpInd: {
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (v === null) return null
      const push = b.op[i] === OP.callInd ? `${push32(`(blockEip + ${b.end[i]!}) | 0`)} ` : ''
      return `{ const t = ${v}; if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); ${push}c.eip = t; return ${k + 1} }`
    }
    case OP.fpu:
      // x87 records call their fast handler (resolved at compile time) or the FPU, not the interpreter's switch.
      return `${fpuSnippet(b, i, k, eaExpr(b, i))}${afterStore(b, i, k)}`
    case OP.jmp:
      return `{ const t = (blockEip + ${b.imm[i]!}) | 0; ${leave('t', k)} }`
    case OP.call:
      return `{ const t = (blockEip + ${b.imm[i]!}) | 0; if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); ${push32(`(blockEip + ${b.end[i]!}) | 0`)} c.eip = t; return ${k + 1} }`
    case OP.ret:
      return `{ const t = ${TOP32}; if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); ${adjustSp(4 + b.imm[i]!)} c.eip = t; return ${k + 1} }`
    default:
      return null
  }
}

/** SETcc r/m8 (its condition fused with the flag producer: jit/conditions.ts). */
function setccSnippet(b: BlockCache, i: number, k: number): string | null {
  const operand = b.op[i] === OP.setcc ? rmOperand(b, i, k) : null
  if (operand === null) return null
  return `{ ${operand.at}const v = ${conditionExpr(b, i, i - k)} ? 1 : 0; ${operand.write('v')} }`
}

/**
 * Generated code for one record, or null to call `step`. `k` is its index in the block; the code may
 * `return k + 1` (instructions retired in the block) after setting EIP, and reads the block's EIP from `blockEip`
 * and its first record's pool index from `first`.
 */
export function snippet(b: BlockCache, i: number, k: number): string | null {
  const size = b.size[i]!
  const fixed = size === 1 ? setccSnippet(b, i, k) : size === 4 ? snippet32(b, i, k) : null
  return fixed ?? shiftSnippet(b, i, k) ?? narrowSnippet(b, i, k) ?? mulDivSnippet(b, i, k) ?? bitSnippet(b, i, k)
}

/**
 * MOVS, STOS, LODS, SCAS or CMPS without REP, 32-bit addressing (byte or dword): ESI/EDI step by ±size per
 * EFLAGS.DF after the accesses, so a fault leaves them unchanged (string-io.ts). SCAS and CMPS set the flags as CMP
 * of the accumulator (SCAS) or DS:[ESI] (CMPS) with ES:[EDI]: the i386 kernel's strcmp and strncmp loop on LODSB;
 * SCASB. Other string forms (REP, INS/OUTS) null.
 */
function stringSnippet(b: BlockCache, i: number, k: number): string | null {
  const opc = b.imm[i]!
  if (b.aux[i] !== 0) return null
  const bits = (opc & 1) === 0 ? 8 : 32
  const step = (r: number) => `regs[${r}] = (regs[${r}] + ((c.flags & 0x400) !== 0 ? ${-bits / 8} : ${bits / 8})) | 0;`
  const src = b.seg[i] === 255 ? 3 : b.seg[i]!
  const acc = bits === 8 ? '(regs[0] & 0xff)' : 'regs[0]'
  switch (opc & 0xfe) {
    case 0xac:
      return `{ const v = c.read${bits}(${src}, regs[6]); ${bits === 8 ? 'regs[0] = (regs[0] & ~0xff) | v;' : 'regs[0] = v;'} ${step(6)} }`
    case 0xaa:
      // STOS always writes ES:EDI.
      return `{ c.write${bits}(0, regs[7], ${acc}); ${step(7)}${afterStore(b, i, k)} }`
    case 0xa4:
      return `{ const v = c.read${bits}(${src}, regs[6]); c.write${bits}(0, regs[7], v); ${step(6)} ${step(7)}${afterStore(b, i, k)} }`
    case 0xae:
      return `{ const a = ${acc}; const v = c.read${bits}(0, regs[7]); ${addOrSub(false, bits)} ${step(7)} }`
    case 0xa6:
      return `{ const a = c.read${bits}(${src}, regs[6]); const v = c.read${bits}(0, regs[7]); ${addOrSub(false, bits)} ${step(6)} ${step(7)} }`
    default:
      return null
  }
}

/** Templates of the 32-bit ALU, MOV, LEA, INC/DEC, TEST, string and Jcc forms (then `snippetMore`), or null. */
function snippet32(b: BlockCache, i: number, k: number): string | null {
  const rm = b.rm[i]!
  const reg = b.reg[i]!
  const op = b.op[i]!
  const memOk = b.a16[i] === 0
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRmImm:
    case OP.aluRegRm:
    case OP.testRmReg:
    case OP.testRmImm:
      return aluSnippet(b, i, k)
    case OP.movRegRm:
      if (rm >= 0) return `regs[${reg}] = regs[${rm}];`
      return memOk ? `regs[${reg}] = c.read32(${b.seg[i]!}, ${eaExpr(b, i)});` : null
    case OP.movRmReg:
      if (rm >= 0) return `regs[${rm}] = regs[${reg}];`
      return memOk
        ? `c.write32(${b.seg[i]!}, ${eaExpr(b, i)}, regs[${reg}]); if (c.breakChunk === true) { c.eip = (blockEip + ${b.end[i]!}) | 0; return ${k + 1} }`
        : null
    case OP.movRegImm:
      return `regs[${reg}] = ${b.imm[i]!};`
    case OP.lea:
      return memOk ? `regs[${reg}] = ${eaExpr(b, i)};` : null
    case OP.incRm:
    case OP.decRm: {
      if (rm < 0 && b.a16[i] !== 0) return null
      const dec = op === OP.decRm
      // Memory forms: read, flags, write — the order of the block interpreter (a write fault follows the flags).
      const read = rm >= 0 ? `regs[${rm}]` : `c.read32(${b.seg[i]!}, o)`
      const write = rm >= 0 ? `regs[${rm}] = r;` : `c.write32(${b.seg[i]!}, o, r);${afterStore(b, i, k)}`
      return `{ ${rm >= 0 ? '' : `const o = ${eaExpr(b, i)}; `}const a = ${read}; ${saveCarry(b, i, i - k)} const r = (a ${
        dec ? '-' : '+'
      } 1) | 0; c.lzOp = ${dec ? 1 : 0}; c.lzShift = 31; c.lzA = a; c.lzB = 1; c.lzRes = r; c.lzMask = ${ARITH_FLAGS & ~CF}; ${write} }`
    }
    case OP.string:
      return memOk ? stringSnippet(b, i, k) : null
    case OP.jcc:
      return `if (h.jccTaken(c, ${b.aux[i]!})) { const t = (blockEip + ${b.imm[i]!}) | 0; ${leave('t', k)} }`
    default:
      return snippetMore(b, i, k)
  }
}
