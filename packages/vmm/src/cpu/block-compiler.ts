// Compiles hot cached blocks into JavaScript functions (x86-notes §3.2 item 7, phase 1): the common 32-bit
// register and memory forms become straight-line code with constants folded in; every other record calls the
// block interpreter's `step`, so semantics stay shared. Compiled code reports the index of a faulting
// instruction through `Cpu.blockFaultIndex` and returns the number of instructions retired.
import type { Cpu } from './cpu'
import { type BlockCache, OP } from './block-decoder'
import { jccTaken, step } from './block-exec'
import { ARITH_FLAGS, CF } from './constants'
import { lazyCF } from './flags'

/**
 * A compiled block: runs the block from `blockEip` (looping while it branches back to itself and at most
 * `limit` instructions retire), returns the instructions retired, with EIP set.
 */
export type CompiledBlock = (c: Cpu, blockEip: number, limit: number) => number

/** Helpers the generated code calls. */
interface Helpers {
  readonly b: BlockCache
  readonly step: typeof step
  readonly jccTaken: typeof jccTaken
  readonly lazyCF: typeof lazyCF
}

const ALU32: Record<number, [string, number]> = {
  0: ['(a + v) | 0', 0],
  1: ['a | v', 2],
  4: ['a & v', 2],
  5: ['(a - v) | 0', 1],
  6: ['a ^ v', 2],
  7: ['(a - v) | 0', 1],
}

/** Inline effective-address expression of record `i`. */
function eaExpr(b: BlockCache, i: number): string {
  const parts: string[] = [String(b.disp[i]!)]
  if (b.base[i]! >= 0) parts.push(`regs[${b.base[i]!}]`)
  if (b.index[i]! >= 0) parts.push(`(regs[${b.index[i]!}] << ${b.scale[i]!})`)
  const sum = parts.join(' + ')
  return b.a16[i] !== 0 ? `((${sum}) & 0xffff)` : `((${sum}) | 0)`
}

/** Code that records lazy flags for a 32-bit result `r` of operands `a`, `v`. */
function lazy(op: number): string {
  return `c.lzOp = ${op}; c.lzShift = 31; c.lzA = a; c.lzB = v; c.lzRes = r; c.lzMask = ${ARITH_FLAGS};`
}

/** Generated code for one record, or null to call `step`. `k` is its index in the block. */
function snippet(b: BlockCache, i: number, k: number): string | null {
  if (b.size[i] !== 4) return null
  const rm = b.rm[i]!
  const reg = b.reg[i]!
  const op = b.op[i]!
  const memOk = b.a16[i] === 0
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRmImm:
    case OP.aluRegRm: {
      const alu = ALU32[b.aux[i]!]
      if (alu === undefined) return null
      const write = b.aux[i] !== 7
      const src = op === OP.aluRmImm ? String(b.imm[i]!) : op === OP.aluRmReg ? `regs[${reg}]` : null
      if (op === OP.aluRegRm) {
        const v = rm >= 0 ? `regs[${rm}]` : memOk ? `c.read32(${b.seg[i]!}, ${eaExpr(b, i)})` : null
        if (v === null) return null
        return `{ const a = regs[${reg}]; const v = ${v}; const r = ${alu[0]}; ${lazy(alu[1])}${write ? ` regs[${reg}] = r;` : ''} }`
      }
      if (rm >= 0) {
        return `{ const a = regs[${rm}]; const v = ${src}; const r = ${alu[0]}; ${lazy(alu[1])}${write ? ` regs[${rm}] = r;` : ''} }`
      }
      if (!memOk) return null
      return `{ const o = ${eaExpr(b, i)}; const a = c.read32(${b.seg[i]!}, o); const v = ${src}; const r = ${alu[0]}; ${lazy(alu[1])}${
        write
          ? ` c.write32(${b.seg[i]!}, o, r); if (c.breakChunk) { c.eip = (blockEip + ${b.end[i]!}) | 0; return ${k + 1} }`
          : ''
      } }`
    }
    case OP.movRegRm:
      if (rm >= 0) return `regs[${reg}] = regs[${rm}];`
      return memOk ? `regs[${reg}] = c.read32(${b.seg[i]!}, ${eaExpr(b, i)});` : null
    case OP.movRmReg:
      if (rm >= 0) return `regs[${rm}] = regs[${reg}];`
      return memOk
        ? `c.write32(${b.seg[i]!}, ${eaExpr(b, i)}, regs[${reg}]); if (c.breakChunk) { c.eip = (blockEip + ${b.end[i]!}) | 0; return ${k + 1} }`
        : null
    case OP.movRegImm:
      return `regs[${reg}] = ${b.imm[i]!};`
    case OP.lea:
      return memOk ? `regs[${reg}] = ${eaExpr(b, i)};` : null
    case OP.incRm:
    case OP.decRm: {
      if (rm < 0) return null
      const dec = op === OP.decRm
      return `{ if ((c.lzMask & ${CF}) !== 0) c.flags = (c.flags & ${~CF}) | h.lazyCF(c); const a = regs[${rm}]; const v = 1; const r = (a ${
        dec ? '-' : '+'
      } 1) | 0; c.lzOp = ${dec ? 1 : 0}; c.lzShift = 31; c.lzA = a; c.lzB = 1; c.lzRes = r; c.lzMask = ${ARITH_FLAGS & ~CF}; regs[${rm}] = r; }`
    }
    case OP.testRmReg:
      if (rm < 0) return null
      return `{ const a = regs[${rm}]; const v = regs[${reg}]; const r = a & v; ${lazy(2)} }`
    case OP.string: {
      // LODS without REP and with 32-bit addressing: load and step ESI by ±size per EFLAGS.DF.
      const opc = b.imm[i]!
      if (b.aux[i] !== 0 || (opc & 0xfe) !== 0xac || !memOk) return null
      const seg = b.seg[i] === 255 ? 3 : b.seg[i]!
      if (opc === 0xac) {
        return `{ const si = regs[6]; const v = c.read8(${seg}, si); regs[0] = (regs[0] & ~0xff) | v; regs[6] = (si + ((c.flags & 0x400) !== 0 ? -1 : 1)) | 0; }`
      }
      return `{ const si = regs[6]; regs[0] = c.read32(${seg}, si); regs[6] = (si + ((c.flags & 0x400) !== 0 ? -4 : 4)) | 0; }`
    }
    case OP.jcc:
      return `if (h.jccTaken(c, ${b.aux[i]!})) { const t = (blockEip + ${b.imm[i]!}) | 0; if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); c.eip = t; return ${k + 1} }`
    default:
      return null
  }
}

/** Compiles block `slot` of the cache. */
export function compileBlock(b: BlockCache, slot: number): CompiledBlock {
  const first = b.first[slot]!
  const n = b.count[slot]!
  const lastIndex = first + n - 1
  const lastOp = b.op[lastIndex]!
  // A block ending in a conditional branch or LOOP back to its own start becomes a loop (x86-notes §3.2.7).
  const selfLoop = (lastOp === OP.jcc || lastOp === OP.loop || lastOp === OP.jmp) && b.imm[lastIndex] === 0
  const body = selfLoop ? n - 1 : n
  const lines: string[] = ['const regs = c.regs;', 'let k = 0;', 'let done = 0;', 'try {']
  if (selfLoop) lines.push('for (;;) {')
  for (let k = 0; k < body; k++) {
    const i = first + k
    lines.push(`k = ${k};`)
    const code = snippet(b, i, k)
    if (code !== null) lines.push(code.replace(/return (\d+)/g, 'return done + $1'))
    else {
      lines.push(`if (h.step(c, h.b, ${i}, blockEip)) return done + ${k + 1};`)
      lines.push(`if (c.breakChunk) { c.eip = (blockEip + ${b.end[i]!}) | 0; return done + ${k + 1} }`)
    }
  }
  if (selfLoop) {
    lines.push(`k = ${n - 1};`)
    const exit = `{ c.eip = (blockEip + ${b.end[lastIndex]!}) | 0; return done + ${n} }`
    // The branch goes back to the block's own start, which already passed the CS limit check.
    if (lastOp === OP.jmp) lines.push('c.eip = blockEip;')
    else if (lastOp === OP.jcc) lines.push(`if (!h.jccTaken(c, ${b.aux[lastIndex]!})) ${exit}`, 'c.eip = blockEip;')
    else if (b.aux[lastIndex] === 2 && b.a16[lastIndex] === 0) {
      lines.push(`if ((regs[1] = (regs[1] - 1) | 0) === 0) ${exit}`, 'c.eip = blockEip;')
    } else lines.push(`if (!h.step(c, h.b, ${lastIndex}, blockEip)) ${exit}`)
    lines.push(`done += ${n};`)
    lines.push(`if (done + ${n} > limit || c.breakChunk) return done;`)
    lines.push('}')
  } else {
    lines.push(`c.eip = (blockEip + ${b.end[lastIndex]!}) | 0;`, `return ${n};`)
  }
  lines.push('} catch (e) { c.instructionsRetired += done; c.blockFaultIndex = k; throw e }')
  const helpers: Helpers = { b, step, jccTaken, lazyCF }
  // The generated source is built only from decoded integers and fixed templates above.
  const factory = new Function('h', `return function compiledBlock(c, blockEip, limit) {\n${lines.join('\n')}\n}`)
  return factory(helpers) as CompiledBlock
}
