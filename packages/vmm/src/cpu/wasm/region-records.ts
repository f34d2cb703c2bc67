// Facts about block records for the wasm tier (cpu/wasm/): which ones the region compiler translates, what they do
// to the flag state and, conservatively, to the general registers, and which memory operands go through r/m
// (the accesses page-run groups take).
import type { BlockCache } from '../block-decoder'
import { OP } from '../block-decoder'
import { FLAG_NEUTRAL as COMPILED_FLAG_NEUTRAL } from '../jit/conditions'
import { LZ_ADD, LZ_LOGIC, LZ_SUB } from '../flags'
import type { Producer } from './region-flags'

/** The data segments flat code uses with a base: FS and GS. */
export const FS = 4
export const GS = 5

/** True when record `i` has a translation here (the block interpreter's semantics, at CPL 0 in flat 32-bit code). */
export function recordSupported(b: BlockCache, i: number): boolean {
  const op = b.op[i]!
  const size = b.size[i]!
  const memory = b.rm[i]! < 0
  if (memory && (b.a16[i] !== 0 || b.seg[i]! > GS || b.seg[i] === 1)) {
    // LEA computes no access; everything else needs a flat or FS/GS data segment and 32-bit addressing.
    if (op !== OP.lea || b.a16[i] !== 0) return false
  }
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRegRm:
    case OP.aluRmImm:
    case OP.testRmReg:
    case OP.testRmImm:
    case OP.movRmReg:
    case OP.movRegRm:
    case OP.movRmImm:
    case OP.movRegImm:
    case OP.incRm:
    case OP.decRm:
    case OP.notRm:
    case OP.negRm:
      return true
    case OP.xchgRmReg:
      return true
    case OP.lea:
      return size === 4 && b.a16[i] === 0
    case OP.shiftImm:
      return b.aux[i] !== 2 && b.aux[i] !== 3
    case OP.shiftCl:
      return size === 4 && b.aux[i] !== 2 && b.aux[i] !== 3
    case OP.movzx8:
    case OP.movzx16:
    case OP.movsx8:
    case OP.movsx16:
    case OP.cmovcc:
    case OP.imulRegRm:
    case OP.imulRegRmImm:
    case OP.bswap:
    case OP.pushReg:
    case OP.popReg:
    case OP.pushImm:
    case OP.pushRm:
    case OP.leave:
    case OP.jmp:
    case OP.call:
    case OP.ret:
    case OP.jcc:
    case OP.jmpInd:
    case OP.callInd:
      return size === 4
    case OP.setcc:
      return true
    case OP.mulDiv:
      return size === 4 && (b.aux[i] === 4 || b.aux[i] === 5)
    case OP.loop:
      return b.aux[i] === 2 && b.a16[i] === 0 && size === 4
    case OP.cwd:
    case OP.cbw:
      return size === 4
    case OP.nop:
    case OP.clc:
    case OP.stc:
    case OP.cld:
    case OP.std:
      return true
    default:
      return false
  }
}

/** Records after which execution never goes on to the next instruction (it branches or leaves the region). */
export const ENDS_FLOW = new Set<number>([OP.jmp, OP.ret, OP.jmpInd, OP.callInd, OP.call])
/** Longest straight-line case (an instruction budget check comes at least this often). */
export const MAX_CHAIN = 400

/** Records that leave the flag state alone (a known producer before them stays known). */
export const FLAG_NEUTRAL: ReadonlySet<number> = new Set<number>([...COMPILED_FLAG_NEUTRAL, OP.cld, OP.std])

/** ALU kind → lazy operation (flags.ts), as jit/template-parts.ts ALU32. */
export const ALU_LAZY = [LZ_ADD, LZ_LOGIC, LZ_ADD, LZ_SUB, LZ_LOGIC, LZ_SUB, LZ_LOGIC, LZ_SUB]

/** Records whose ModRM memory operand goes through rmRead/rmWrite (the accesses page-run groups take). */
export const MODRM_ACCESS = new Set<number>([
  OP.aluRmReg,
  OP.aluRegRm,
  OP.aluRmImm,
  OP.testRmReg,
  OP.testRmImm,
  OP.movRmReg,
  OP.movRegRm,
  OP.movRmImm,
  OP.incRm,
  OP.decRm,
  OP.notRm,
  OP.negRm,
  OP.xchgRmReg,
  OP.shiftImm,
  OP.shiftCl,
  OP.movzx8,
  OP.movzx16,
  OP.movsx8,
  OP.movsx16,
  OP.setcc,
  OP.cmovcc,
  OP.imulRegRm,
  OP.imulRegRmImm,
  OP.mulDiv,
  OP.pushRm,
  OP.jmpInd,
  OP.callInd,
])

/** Whether record i's memory operand is read and written. */
export function accessKinds(b: BlockCache, i: number): { read: boolean; write: boolean } {
  switch (b.op[i]!) {
    case OP.movRmReg:
    case OP.movRmImm:
    case OP.setcc:
      return { read: false, write: true }
    case OP.aluRmReg:
    case OP.aluRmImm:
      return { read: true, write: b.aux[i] !== 7 }
    case OP.incRm:
    case OP.decRm:
    case OP.notRm:
    case OP.negRm:
    case OP.xchgRmReg:
    case OP.shiftImm:
    case OP.shiftCl:
      return { read: true, write: true }
    default:
      return { read: true, write: false }
  }
}

/** Conservatively: record i may write general register r (32-bit index; 8-bit forms name AH…BH as 4–7). */
export function writesRegister(b: BlockCache, i: number, r: number): boolean {
  const op = b.op[i]!
  const full = (x: number) => (b.size[i] === 1 && x >= 4 ? x - 4 : x) === r
  switch (op) {
    case OP.nop:
    case OP.jcc:
    case OP.jmp:
    case OP.clc:
    case OP.stc:
    case OP.cld:
    case OP.std:
    case OP.testRmReg:
    case OP.testRmImm:
      return false
    case OP.movRmReg:
    case OP.movRmImm:
    case OP.incRm:
    case OP.decRm:
    case OP.notRm:
    case OP.negRm:
    case OP.shiftImm:
    case OP.shiftCl:
    case OP.setcc:
      return b.rm[i]! >= 0 && full(b.rm[i]!)
    case OP.aluRmReg:
    case OP.aluRmImm:
      return b.aux[i] !== 7 && b.rm[i]! >= 0 && full(b.rm[i]!)
    case OP.aluRegRm:
      return b.aux[i] !== 7 && full(b.reg[i]!)
    case OP.movRegRm:
    case OP.movRegImm:
    case OP.lea:
    case OP.cmovcc:
    case OP.imulRegRm:
    case OP.imulRegRmImm:
    case OP.bswap:
      return full(b.reg[i]!)
    case OP.movzx8:
    case OP.movzx16:
    case OP.movsx8:
    case OP.movsx16:
      return b.reg[i] === r
    case OP.xchgRmReg:
      return full(b.reg[i]!) || (b.rm[i]! >= 0 && full(b.rm[i]!))
    case OP.popReg:
      return r === 4 || b.reg[i] === r
    case OP.pushReg:
    case OP.pushImm:
    case OP.pushRm:
    case OP.call:
    case OP.callInd:
    case OP.ret:
      return r === 4
    case OP.leave:
      return r === 4 || r === 5
    case OP.mulDiv:
    case OP.cwd:
    case OP.cbw:
      return r === 0 || r === 2
    case OP.loop:
      return r === 1
    default:
      return true
  }
}

export function kindOf(alu: number): Producer['kind'] {
  return alu === 0 ? 'add' : alu === 5 || alu === 7 ? 'sub' : 'logic'
}
