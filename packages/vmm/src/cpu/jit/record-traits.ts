// What the block compiler needs to know about cached records (block-decoder.ts OP): which ones can raise an
// exception. A record that cannot fault needs no fault-accounting store, and flags it leaves dead cannot be seen.
import { type BlockCache, OP } from '../block-decoder'

/** Register and immediate forms that cannot fault (so need no fault-accounting store before them). */
const REGISTER_ONLY: ReadonlySet<number> = new Set<number>([
  OP.aluRmReg,
  OP.aluRegRm,
  OP.aluRmImm,
  OP.movRmReg,
  OP.movRegRm,
  OP.movRmImm,
  OP.incRm,
  OP.decRm,
  OP.testRmReg,
  OP.testRmImm,
  OP.shiftImm,
  OP.shiftCl,
  OP.movzx8,
  OP.movzx16,
  OP.movsx8,
  OP.movsx16,
  OP.setcc,
  OP.cmovcc,
  OP.xchgRmReg,
  OP.notRm,
  OP.negRm,
  OP.imulRegRm,
  OP.imulRegRmImm,
])
const NEVER_FAULT: ReadonlySet<number> = new Set<number>([
  OP.movRegImm,
  OP.nop,
  OP.cwd,
  OP.cbw,
  OP.bswap,
  OP.lea,
  OP.clc,
  OP.stc,
  OP.cld,
  OP.std,
  OP.sahf,
  OP.lahf,
])

/** False when record `i` certainly raises no exception (no memory operand, no branch, no checked helper). */
export function mayFault(b: BlockCache, i: number): boolean {
  const op = b.op[i]!
  return !(NEVER_FAULT.has(op) || (REGISTER_ONLY.has(op) && b.rm[i]! >= 0))
}
