// Templates for bit tests (BT/BTS/BTR/BTC, Intel SDM vol. 2A), double shifts (SHLD/SHRD, vol. 2B) and CMPXCHG/XADD
// (the kernel's spinlocks and atomics; LOCK changes nothing on one CPU) at operand size 32: records the block
// interpreter hands to the full interpreter (OP.interp), which the Linux kernel runs in bitmap and timekeeping code.
// One such record kept its whole block out of register locals and cost ~150 ns of decoding per run. Results and
// flags follow execute-0f.ts `bitOp` and alu.ts `doubleShift`: a bit test sets CF and leaves the other flags as they
// were (here: still lazy, as the SAHF template leaves them), and it sets CF before a BTS/BTR/BTC store that may
// fault; a double shift by a non-zero count sets CF and OF, SF/ZF/PF from the result, AF = 0; a zero count changes
// nothing but still reads the operand.
import { type BlockCache, OP } from '../block-decoder'
import { addOrSub, afterStore, eaExpr, resultFlags, rmOperand } from './template-parts'

/** BT, BTS, BTR, BTC: the new value of `v` with bit `n` (the names of two locals) tested, set, reset or flipped. */
const BIT_RESULT = ['', 'v | (1 << n)', 'v & ~(1 << n)', 'v ^ (1 << n)'] as const

/**
 * The second opcode byte of record `i` when it is a 0F instruction of operand size 32 that the full interpreter runs
 * (OP.interp, not crossing a page; block-decoder.ts keeps it in `imm`), else 0.
 */
export function interpOpcode32(b: BlockCache, i: number): number {
  return b.op[i] === OP.interp && b.aux[i] === 0 && b.size[i] === 4 ? (b.imm[i]! >>> 8) & 0xff : 0
}

/** Template for OP.interp record `i` (block index `k`) when it is one of the forms above, or null. */
export function bitSnippet(b: BlockCache, i: number, k: number): string | null {
  const op2 = interpOpcode32(b, i)
  const imm8 = b.imm[i]! & 0xff
  switch (op2) {
    case 0xa3:
    case 0xab:
    case 0xb3:
    case 0xbb:
      return bitTest(b, i, k, (op2 >>> 3) & 3, false)
    case 0xba:
      return bitTest(b, i, k, b.reg[i]! - 4, true)
    case 0xa4:
    case 0xac:
    case 0xa5:
    case 0xad:
      return doubleShift(b, i, k, op2 < 0xa8, (op2 & 1) === 0 ? imm8 & 31 : null)
    case 0xb1:
      return compareExchange(b, i, k)
    case 0xc1:
      return exchangeAdd(b, i, k)
    default:
      return null
  }
}

/**
 * BT (kind 0), BTS, BTR, BTC with the bit offset in imm8 (`immediate`) or in register `reg`. A register offset of a
 * memory operand is signed and selects the dword too: the operand is at EA + (offset >> 5) × 4.
 */
function bitTest(b: BlockCache, i: number, k: number, kind: number, immediate: boolean): string | null {
  const reg = b.reg[i]!
  const n = immediate ? String(b.imm[i]! & 31) : `regs[${reg}] & 31`
  const test = 'c.flags = (c.flags & -2) | ((v >>> n) & 1); c.lzMask &= -2;'
  const rm = b.rm[i]!
  if (rm >= 0 || immediate) {
    const operand = rmOperand(b, i, k)
    if (operand === null) return null
    const { at, read, write } = operand
    const store = kind === 0 ? '' : ` ${write(`(${BIT_RESULT[kind]!}) | 0`)}`
    return `{ ${at}const v = ${read}; const n = ${n}; ${test}${store} }`
  }
  if (b.a16[i] !== 0) return null
  const seg = b.seg[i]!
  const at = `const o = (${eaExpr(b, i)} + ((regs[${reg}] >> 5) << 2)) | 0;`
  const store = kind === 0 ? '' : ` c.write32(${seg}, o, (${BIT_RESULT[kind]!}) | 0);${afterStore(b, i, k)}`
  return `{ ${at} const v = c.read32(${seg}, o); const n = ${n}; ${test}${store} }`
}

/** SHLD (`left`) or SHRD by the constant `count` (0..31) or, when null, by CL. */
function doubleShift(b: BlockCache, i: number, k: number, left: boolean, count: number | null): string | null {
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  const fill = `regs[${b.reg[i]!}]`
  const r = left ? `(a << n) | (${fill} >>> (32 - n))` : `(a >>> n) | (${fill} << (32 - n))`
  const cf = left ? '(a >>> (32 - n)) & 1' : '(a >>> (n - 1)) & 1'
  const shifted =
    `const r = (${r}) | 0; const cf = ${cf}; ` +
    `c.flags = (c.flags & ${~0x801}) | cf | ((((r ^ a) >>> 31) & 1) << 11); ${resultFlags('r', 31)} ${write('r')}`
  if (count === 0) return at === '' ? '' : `{ ${at}${read}; }`
  if (count !== null) return `{ ${at}const a = ${read}; const n = ${count}; ${shifted} }`
  return `{ ${at}const a = ${read}; const n = regs[1] & 31; if (n !== 0) { ${shifted} } }`
}

/**
 * CMPXCHG r/m32, r32: flags of CMP EAX, dest; dest := the register when equal, else dest is written back unchanged
 * (the locked cycle always writes) and EAX := dest.
 */
function compareExchange(b: BlockCache, i: number, k: number): string | null {
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  return (
    `{ ${at}const v = ${read}; const a = regs[0]; ${addOrSub(false, 32)} ` +
    `if (a === v) { ${write(`regs[${b.reg[i]!}]`)} } else { ${write('v', 'regs[0] = v;')} } }`
  )
}

/** XADD r/m32, r32: dest := dest + reg with the flags of ADD, reg := the old dest (after a memory store). */
function exchangeAdd(b: BlockCache, i: number, k: number): string | null {
  const operand = rmOperand(b, i, k)
  if (operand === null) return null
  const { at, read, write } = operand
  const reg = b.reg[i]!
  const sum = `const a = ${read}; const v = regs[${reg}]; ${addOrSub(true, 32)}`
  if (b.rm[i]! >= 0) return `{ ${sum} regs[${reg}] = a; ${write('r')} }`
  return `{ ${at}${sum} ${write('r', `regs[${reg}] = a;`)} }`
}
