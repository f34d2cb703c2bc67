// Pieces of generated code shared by the record templates (block-compiler.ts and the templates under jit/):
// effective addresses, registers of every width, lazy-flag records and the store epilogue. Lazy flags follow
// flags.ts (operands and result masked to the operand size, `lzShift` = sign-bit position).
import type { BlockCache } from '../block-decoder'
import { AF, ARITH_FLAGS, PF, SF, ZF } from '../constants'
import { LZ_ADD, LZ_LOGIC, LZ_SUB } from '../flags'
import { carryExpr } from './conditions'

/** Inline effective-address expression of record `i`. */
export function eaExpr(b: BlockCache, i: number): string {
  const parts: string[] = [String(b.disp[i]!)]
  if (b.base[i]! >= 0) parts.push(`regs[${b.base[i]!}]`)
  if (b.index[i]! >= 0) parts.push(`(regs[${b.index[i]!}] << ${b.scale[i]!})`)
  const sum = parts.join(' + ')
  return b.a16[i] !== 0 ? `((${sum}) & 0xffff)` : `((${sum}) | 0)`
}

/** Code that records lazy flags for a result `r` of operands `a`, `v` (`shift`: sign bit, 31, 15 or 7). */
export function lazy(op: number, shift = 31): string {
  return `c.lzOp = ${op}; c.lzShift = ${shift}; c.lzA = a; c.lzB = v; c.lzRes = r; c.lzMask = ${ARITH_FLAGS};`
}

/**
 * Code computing `r` as `a` + `v` (`add`) or `a` - `v` (CMP, SUB) of operands zero-extended to `bits` (8 or 32) and
 * recording its lazy flags, as the ALU templates do.
 */
export function addOrSub(add: boolean, bits: 8 | 32): string {
  const r = bits === 8 ? `(a ${add ? '+' : '-'} v) & 0xff` : `(a ${add ? '+' : '-'} v) | 0`
  return `const r = ${r}; ${lazy(add ? LZ_ADD : LZ_SUB, bits - 1)}`
}

/**
 * Code that makes SF/ZF/PF (and AF = 0) lazy from the result `r` (masked to the operand size, sign bit `shift`);
 * the caller sets CF and OF eagerly. Every arithmetic flag is overwritten, so the previous lazy state need not be
 * materialized first.
 */
export function resultFlags(r: string, shift = 31): string {
  return `c.lzOp = ${LZ_LOGIC}; c.lzShift = ${shift}; c.lzA = 0; c.lzB = 0; c.lzRes = ${r}; c.lzMask = ${PF | ZF | SF | AF};`
}

/** Expression reading 8-bit register `r` (AL…BL, AH…BH). */
export function reg8(r: number): string {
  return r < 4 ? `(regs[${r}] & 0xff)` : `((regs[${r - 4}] >> 8) & 0xff)`
}

/** Statement writing the 8-bit value expression `v` (already 0..255) to register `r` (AL…BL, AH…BH). */
export function setReg8(r: number, v: string): string {
  return r < 4
    ? `regs[${r}] = (regs[${r}] & ~0xff) | ${v};`
    : `regs[${r - 4}] = (regs[${r - 4}] & ~0xff00) | (${v} << 8);`
}

/** Expression reading register `r` at operand size `size` (1, 2 or 4), zero-extended. */
export function regRead(size: number, r: number): string {
  return size === 4 ? `regs[${r}]` : size === 2 ? `(regs[${r}] & 0xffff)` : reg8(r)
}

/** Statement writing the value expression `v` (already masked to the operand size) to register `r`. */
export function regWrite(size: number, r: number, v: string): string {
  return size === 4 ? `regs[${r}] = ${v};` : size === 2 ? `regs[${r}] = (regs[${r}] & ~0xffff) | ${v};` : setReg8(r, v)
}

/**
 * Code that ends the block after a store that hit decoded code (the rest of the block may be stale); `also`: what
 * the instruction still does before it leaves (a PUSH moving ESP).
 */
export function afterStore(b: BlockCache, i: number, k: number, also = ''): string {
  return ` if (c.breakChunk === true) { ${also}c.eip = (blockEip + ${b.end[i]!}) | 0; return ${k + 1} }`
}

/**
 * The r/m operand of record `i` (block index `k`) at its operand size: `at` computes a memory operand's offset
 * once into `o` (empty for a register), `read` is its zero-extended value, `write(v, then)` stores `v` (masked to
 * the size), runs the statements `then` (the rest of the instruction, after the store's possible fault) and, for
 * memory, ends the block when the store hit decoded code. Null for 16-bit addressing of memory, which the
 * templates leave to the block interpreter.
 */
export function rmOperand(
  b: BlockCache,
  i: number,
  k: number,
): { at: string; read: string; write: (v: string, then?: string) => string } | null {
  const size = b.size[i]!
  const rm = b.rm[i]!
  if (rm >= 0) return { at: '', read: regRead(size, rm), write: (v, then = '') => `${regWrite(size, rm, v)} ${then}` }
  if (b.a16[i] !== 0) return null
  const seg = b.seg[i]!
  const bits = size * 8
  return {
    at: `const o = ${eaExpr(b, i)}; `,
    read: `c.read${bits}(${seg}, o)`,
    write: (v, then = '') => `c.write${bits}(${seg}, o, ${v}); ${then}${afterStore(b, i, k)}`,
  }
}

/** ALU kind → result expression (before masking to the operand size) and lazy-flag kind; ADC/SBB read `cf`. */
export const ALU32: Readonly<Record<number, readonly [string, number]>> = {
  0: ['(a + v) | 0', 0],
  1: ['a | v', 2],
  2: ['(a + v + cf) | 0', 0],
  3: ['(a - v - cf) | 0', 1],
  4: ['a & v', 2],
  5: ['(a - v) | 0', 1],
  6: ['a ^ v', 2],
  7: ['(a - v) | 0', 1],
}

/** Declaration of CF (0/1) before ADC/SBB in record `i` (block index `k`), or nothing for other kinds. */
export function carryIn(b: BlockCache, i: number, k: number): string {
  const kind = b.aux[i]!
  return kind === 2 || kind === 3 ? `const cf = ${carryExpr(b, i, i - k)}; ` : ''
}

/**
 * Statement pushing the 32-bit value expression `v` (evaluated before ESP moves) on the stack, as cpu.ts `push32`:
 * the store through `c.write32` (which compiled code inlines for plain RAM), then ESP or SP by the stack size.
 * `exit(update)` is the check after the store (afterStore, given the ESP update to make before leaving): it follows
 * the store directly, so that inline-memory.ts moves it into the store's slow path.
 */
export function push32(v: string, exit?: (update: string) => string): string {
  const update = `regs[4] = ${PUSHED_SP};`
  return `{ const pv = ${v}; const ps = regs[4]; const pn = ${PUSH_OFFSET}; c.write32(2, pn, pv);${exit?.(`${update} `) ?? ''} ${update} }`
}

/** push32's offset of the new top of the stack (`ps`: ESP before), and the new ESP (`pn`: that offset). */
const PUSH_OFFSET = 'c.stack32 ? (ps - 4) | 0 : (ps - 4) & 0xffff'
const PUSHED_SP = 'c.stack32 ? pn : (ps & ~0xffff) | pn'

/** The stack top's offset. */
const TOP_OFFSET = 'c.stack32 ? regs[4] : regs[4] & 0xffff'

/** Expression reading the 32-bit value on top of the stack (cpu.ts `peek32(0)`). */
export const TOP32 = `c.read32(2, ${TOP_OFFSET})`

/** Statement adding `n` to ESP, or to SP for a 16-bit stack (cpu.ts `adjustSp`). */
export function adjustSp(n: number): string {
  return `regs[4] = c.stack32 ? (regs[4] + ${n}) | 0 : (regs[4] & ~0xffff) | ((regs[4] + ${n}) & 0xffff);`
}

/**
 * Code of these templates for a 32-bit stack: each choice by `c.stack32` made (the function checks on entry that
 * the stack is still so).
 */
export function with32BitStack(body: string): string {
  return body
    .split(PUSH_OFFSET)
    .join('(ps - 4) | 0')
    .split(PUSHED_SP)
    .join('pn')
    .split(TOP_OFFSET)
    .join('regs[4]')
    .replace(
      /c\.stack32 \? (\(regs\[4\] \+ -?\d+\) \| 0) : \(regs\[4\] & ~0xffff\) \| \(\(regs\[4\] \+ -?\d+\) & 0xffff\)/g,
      '$1',
    )
    .replace(/\bc\.stack32\b/g, 'true')
}
