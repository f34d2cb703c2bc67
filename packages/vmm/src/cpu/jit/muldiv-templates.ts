// Templates for the one-operand MUL, IMUL and DIV of EAX by a 32-bit r/m (F7 /4, /5, /6; Intel SDM vol. 2 "MUL",
// "IMUL", "DIV"): the 64-bit product and the 64/32 division in exact double arithmetic (16-bit digits, every
// intermediate below 2^53), results and flags as alu.ts `mulAcc`/`divAcc`. IDIV and the 8/16-bit forms stay with
// the block interpreter.
import { type BlockCache, OP } from '../block-decoder'
import { DE } from '../constants'
import { resultFlags, rmOperand } from './template-parts'

/** High half of the product of `x` and `y` (int32 locals) into `hi`, unsigned (alu.ts `mulU32`). */
const MUL_HI =
  'const x0 = x & 0xffff; const x1 = x >>> 16; const y0 = y & 0xffff; const y1 = y >>> 16; ' +
  'const p00 = x0 * y0; const p01 = x0 * y1; const p10 = x1 * y0; ' +
  'const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff); ' +
  'let hi = (x1 * y1 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536)) | 0;'

/**
 * Unsigned division of EDX:EAX by `d` (unsigned, non-zero, above EDX) into `q` and `rem`: one double division when
 * EDX is 0, else two steps of 16 bits, each with a dividend below d·2^16 ≤ 2^48 so that every quotient is exact.
 */
const DIV_64_32 =
  'let q = 0; let rem = 0; ' +
  'if (n2 === 0) { q = Math.floor(n0 / d); rem = n0 - q * d; } ' +
  'else { const u = n2 * 65536 + (n0 >>> 16); const q1 = Math.floor(u / d); ' +
  'const w = (u - q1 * d) * 65536 + (n0 & 0xffff); const q0 = Math.floor(w / d); q = q1 * 65536 + q0; rem = w - q0 * d; }'

/** Template for an F7 /4../6 record `i` (block index `k`) with a 32-bit operand, or null. */
export function mulDivSnippet(b: BlockCache, i: number, k: number): string | null {
  if (b.op[i] !== OP.mulDiv || b.size[i] !== 4) return null
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read } = operand
  const kind = b.aux[i]!
  if (kind === 4 || kind === 5) {
    // The operand first (its fault comes before any change), then EDX:EAX and the flags.
    const signed = kind === 5 ? 'if (x < 0) hi = (hi - y) | 0; if (y < 0) hi = (hi - x) | 0; ' : ''
    const overflow = kind === 5 ? 'hi !== r >> 31' : 'hi !== 0'
    return (
      `{ ${at}const y = ${read}; const x = regs[0]; ${MUL_HI} ${signed}const r = Math.imul(x, y); ` +
      `${resultFlags('r')} c.flags = (c.flags & ${~0x801}) | (${overflow} ? 0x801 : 0); regs[0] = r; regs[2] = hi; }`
    )
  }
  if (kind !== 6) return null
  // #DE for a zero divisor or a quotient above 32 bits, before any register changes; flags are left alone.
  return (
    `{ ${at}const d = ${read} >>> 0; const n2 = regs[2] >>> 0; const n0 = regs[0] >>> 0; ` +
    `if (d === 0 || n2 >= d) c.fault(${DE}, -1); ${DIV_64_32} regs[0] = q | 0; regs[2] = rem | 0; }`
  )
}
