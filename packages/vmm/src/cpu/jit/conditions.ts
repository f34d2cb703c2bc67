// Condition codes of compiled Jcc records fused with the instruction that set the flags (x86-notes §1.2 item 8,
// QEMU's cc_op at translation time): when the last flag writer before the Jcc in the same block is a known
// CMP/SUB/ADD/AND/OR/XOR/TEST/INC/DEC, the condition is read straight from its lazy operands instead of through
// the generic `condition` switch. Semantics follow flags.ts (SDM vol. 1 appendix B, EFLAGS condition codes).
import { type BlockCache, OP } from '../block-decoder'
import { CF } from '../constants'
import { LZ_ADD, LZ_SUB } from '../flags'
import { interpOpcode32 } from './bit-templates'
import { isJumpTarget } from './forward-jumps'

/**
 * CF from a lazy state recorded by any producer (flags.ts `lazyCF` written out, so compiled code that keeps the
 * flag state in locals, jit/state-locals.ts, reads it without storing the locals back for a helper call).
 */
const LAZY_CF_OPS =
  `(c.lzOp === ${LZ_ADD} ? (((c.lzA & c.lzB) | ((c.lzA | c.lzB) & ~c.lzRes)) >>> c.lzShift) & 1 : ` +
  `c.lzOp === ${LZ_SUB} ? (((~c.lzA & c.lzB) | ((~c.lzA | c.lzB) & c.lzRes)) >>> c.lzShift) & 1 : 0)`

/** Records that neither read-modify nor write the arithmetic flags (safe to look past). */
export const FLAG_NEUTRAL: ReadonlySet<number> = new Set<number>([
  OP.movRmReg,
  OP.movRegRm,
  OP.movRmImm,
  OP.movRegImm,
  OP.lea,
  OP.pushReg,
  OP.popReg,
  OP.pushImm,
  OP.movzx8,
  OP.movzx16,
  OP.movsx8,
  OP.movsx16,
  OP.nop,
  OP.cmovcc,
  OP.setcc,
  OP.jcc,
  OP.bswap,
  OP.xchgRmReg,
  OP.cwd,
  OP.cbw,
  OP.notRm,
  OP.leave,
  OP.pushRm,
])

/** How the last flag writer left the lazy state: kind of operation and operand width. */
type Producer = { readonly kind: 'add' | 'sub' | 'logic' | 'incdec'; readonly bits: 8 | 32 }

/**
 * The flag writer that the Jcc in record `i` reads, when it is in the same block, known, and on every path to `i`
 * (no jump target of the block — forward-jumps.ts — lies between them).
 */
function producerOf(b: BlockCache, i: number, first: number): Producer | null {
  for (let p = i - 1; p >= first; p--) {
    if (isJumpTarget(b, first, p + 1)) return null
    const op = b.op[p]!
    if (FLAG_NEUTRAL.has(op)) continue
    if (op === OP.string) return stringCompare(b, p)
    if (op === OP.interp) return exchangeProducer(b, p)
    const size = b.size[p]!
    if (size !== 4 && size !== 1) return null
    const bits = size === 4 ? 32 : 8
    switch (op) {
      case OP.aluRmReg:
      case OP.aluRegRm:
      case OP.aluRmImm: {
        const kind = b.aux[p]!
        if (kind === 0) return { kind: 'add', bits }
        if (kind === 5 || kind === 7) return { kind: 'sub', bits }
        if (kind === 1 || kind === 4 || kind === 6) return { kind: 'logic', bits }
        return null
      }
      case OP.testRmReg:
      case OP.testRmImm:
        return { kind: 'logic', bits }
      case OP.incRm:
      case OP.decRm:
        return { kind: 'incdec', bits }
      default:
        return null
    }
  }
  return null
}

/**
 * SCAS or CMPS without REP as a flag producer (a CMP whose width is the opcode's: byte or, at operand size 32,
 * dword); null for the other string forms, which leave the flags alone but are not looked past.
 */
function stringCompare(b: BlockCache, p: number): Producer | null {
  const opcode = b.imm[p]!
  if (b.aux[p] !== 0 || ((opcode & 0xfe) !== 0xae && (opcode & 0xfe) !== 0xa6)) return null
  if ((opcode & 1) === 0) return { kind: 'sub', bits: 8 }
  return b.size[p] === 4 ? { kind: 'sub', bits: 32 } : null
}

/**
 * CMPXCHG (a CMP of EAX with the destination) or XADD (an ADD) at operand size 32 as a flag producer: the full
 * interpreter and jit/bit-templates.ts record the same lazy state. Null for the other records the interpreter runs.
 */
function exchangeProducer(b: BlockCache, p: number): Producer | null {
  const op2 = interpOpcode32(b, p)
  return op2 === 0xb1 ? { kind: 'sub', bits: 32 } : op2 === 0xc1 ? { kind: 'add', bits: 32 } : null
}

/** The condition (without negation) for cc >> 1, or null when the generic path must evaluate it. */
function baseCondition(p: Producer, cc2: number): string | null {
  const a = 'c.lzA'
  const v = 'c.lzB'
  const r = 'c.lzRes'
  if (p.bits === 8) {
    // Byte operands and result are 0..255.
    if (cc2 === 2) return `${r} === 0`
    if (cc2 === 4) return `(${r} & 0x80) !== 0`
    if (p.kind === 'sub' && cc2 === 1) return `${a} < ${v}`
    if (p.kind === 'sub' && cc2 === 3) return `${a} <= ${v}`
    if (p.kind === 'logic' && (cc2 === 1 || cc2 === 0)) return 'false'
    return null
  }
  switch (cc2) {
    case 2:
      return `${r} === 0`
    case 4:
      return `${r} < 0`
    case 0:
      if (p.kind === 'logic') return 'false'
      if (p.kind === 'sub') return `((${a} ^ ${v}) & (${a} ^ ${r})) < 0`
      if (p.kind === 'add') return `((${a} ^ ${r}) & (${v} ^ ${r})) < 0`
      return null
    case 1:
      if (p.kind === 'logic') return 'false'
      if (p.kind === 'sub') return `(${a} >>> 0) < (${v} >>> 0)`
      if (p.kind === 'add') return `(${r} >>> 0) < (${a} >>> 0)`
      return null
    case 3:
      if (p.kind === 'logic') return `${r} === 0`
      if (p.kind === 'sub') return `(${a} >>> 0) <= (${v} >>> 0)`
      return null
    case 6:
      if (p.kind === 'logic') return `${r} < 0`
      if (p.kind === 'sub') return `${a} < ${v}`
      return null
    case 7:
      if (p.kind === 'logic') return `${r} <= 0`
      if (p.kind === 'sub') return `${a} <= ${v}`
      return null
    default:
      return null
  }
}

/** JavaScript boolean expression for condition code `cc` as the flags stand before record `i`. */
export function ccExpr(b: BlockCache, i: number, first: number, cc: number): string {
  const p = producerOf(b, i, first)
  const base = p === null ? null : baseCondition(p, cc >> 1)
  if (base === null) return `h.condition(c, ${cc})`
  return (cc & 1) === 0 ? `(${base})` : `!(${base})`
}

/** JavaScript boolean expression for the condition of the Jcc (or SETcc/CMOVcc) in record `i`. */
export function conditionExpr(b: BlockCache, i: number, first: number): string {
  const cc = b.aux[i]!
  const expr = ccExpr(b, i, first, cc)
  // The generic path of a Jcc keeps the JZ/JNZ shortcut of jccTaken.
  return b.op[i] === OP.jcc && expr.startsWith('h.condition') ? `h.jccTaken(c, ${cc})` : expr
}

/** JavaScript expression (0 or 1) for CF as the flags stand before record `i`. */
export function carryExpr(b: BlockCache, i: number, first: number): string {
  const expr = ccExpr(b, i, first, 2)
  return expr.startsWith('h.condition')
    ? `((c.lzMask & ${CF}) === 0 ? c.flags & ${CF} : ${LAZY_CF_OPS})`
    : `(${expr} ? 1 : 0)`
}

/**
 * Code that moves a lazy CF into `c.flags` before INC/DEC in record `i` replace the lazy state (they keep CF).
 * Nothing when the last producer was itself INC/DEC (CF is already in `c.flags`).
 */
export function saveCarry(b: BlockCache, i: number, first: number): string {
  const p = producerOf(b, i, first)
  if (p !== null && p.kind === 'incdec') return ''
  if (p === null) return `if ((c.lzMask & ${CF}) !== 0) c.flags = (c.flags & ${~CF}) | ${LAZY_CF_OPS};`
  return `c.flags = (c.flags & ${~CF}) | ${carryExpr(b, i, first)};`
}
