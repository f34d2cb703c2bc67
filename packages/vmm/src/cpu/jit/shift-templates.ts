// Templates for the group-2 shifts and rotates (C0/C1/D0/D1/D2/D3, Intel SDM vol. 2B "SAL/SAR/SHL/SHR" and
// "RCL/RCR/ROL/ROR") at every operand size, by a constant or by CL, register or memory operand. The flag results
// are those of alu.ts `shift`: CF and OF eager, SF/ZF/PF lazy from the masked result, AF = 0; rotates change only
// CF and OF; a count of 0 (after masking to 5 bits) changes nothing, not even the flags.
import { type BlockCache, OP } from '../block-decoder'
import { resultFlags, rmOperand } from './template-parts'

/**
 * Code computing `r` (masked to `bits`) from `a` (masked) shifted by `count` and setting the flags, for ROL, ROR,
 * SHL/SAL, SHR and SAR; null for RCL/RCR. `count` is a constant 1..31, or for 32-bit operands also the name of a
 * variable holding 1..31.
 */
function shiftCode(kind: number, bits: number, count: number | string): string | null {
  const m = bits === 32 ? -1 : (1 << bits) - 1
  const mask = (e: string) => (bits === 32 ? `(${e}) | 0` : `(${e}) & ${m}`)
  const top = bits - 1
  let r: string
  let cf: string
  let of: string
  if (kind === 0 || kind === 1) {
    // The rotate amount is the count modulo the width; a multiple of it leaves the value but still sets CF/OF.
    const n = typeof count === 'number' ? count & top : count
    if (n === 0) r = 'a'
    else if (kind === 0) r = mask(`(a << ${n}) | (a >>> ${typeof n === 'number' ? bits - n : `(32 - ${n})`})`)
    else r = mask(`(a >>> ${n}) | (a << ${typeof n === 'number' ? bits - n : `(32 - ${n})`})`)
    cf = kind === 0 ? 'r & 1' : `(r >>> ${top}) & 1`
    of = kind === 0 ? `((r >>> ${top}) & 1) ^ cf` : `cf ^ ((r >>> ${top - 1}) & 1)`
    return `const r = ${r}; const cf = ${cf}; c.flags = (c.flags & ${~0x801}) | cf | ((${of}) << 11); c.lzMask &= ${~0x801};`
  }
  const wide = typeof count === 'string' || count <= bits
  if (kind === 4 || kind === 6) {
    r = mask(`a << ${count}`)
    cf = !wide ? '0' : typeof count === 'number' ? `(a >>> ${bits - count}) & 1` : `(a >>> (32 - ${count})) & 1`
    of = `((r >>> ${top}) & 1) ^ cf`
  } else if (kind === 5) {
    r = bits === 32 ? `(a >>> ${count}) | 0` : `a >>> ${count}`
    cf = wide ? `(a >>> (${count} - 1)) & 1` : '0'
    of = `(a >>> ${top}) & 1`
  } else if (kind === 7) {
    // SAR fills with the sign: shift the sign-extended value, at most width - 1 places.
    const sa = bits === 32 ? 'a' : `((a << ${32 - bits}) >> ${32 - bits})`
    const n = typeof count === 'number' ? Math.min(count, top) : count
    r = bits === 32 ? `a >> ${n}` : `(${sa} >> ${n}) & ${m}`
    cf = `(${sa} >> (${count} - 1)) & 1`
    of = '0'
  } else return null
  return `const r = ${r}; const cf = ${cf}; c.flags = (c.flags & ${~0x801}) | cf | ((${of}) << 11); ${resultFlags('r', top)}`
}

/** Template for a shiftImm or shiftCl record `i` (block index `k`), or null for the block interpreter. */
export function shiftSnippet(b: BlockCache, i: number, k: number): string | null {
  const op = b.op[i]!
  if (op !== OP.shiftImm && op !== OP.shiftCl) return null
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  const kind = b.aux[i]!
  const size = b.size[i]!
  const bits = size * 8
  if (op === OP.shiftImm) {
    const count = b.imm[i]! & 31
    // A zero count still reads a memory operand (its faults), as the block interpreter does.
    if (count === 0) return at === '' ? '' : `{ ${at}${read}; }`
    const code = shiftCode(kind, bits, count)
    if (code === null) return `{ ${at}const r = h.shift(c, ${kind}, ${read}, ${count}, ${size}); ${write('r')} }`
    return `{ ${at}const a = ${read}; ${code} ${write('r')} }`
  }
  // By CL: nothing happens for a count of 0 (mod 32) beyond the operand read.
  const code = bits === 32 ? shiftCode(kind, 32, 'n') : null
  const body = code ?? `const r = h.shift(c, ${kind}, a, n, ${size});`
  return `{ ${at}const a = ${read}; const n = regs[1] & 31; if (n !== 0) { ${body} ${write('r')} } }`
}
