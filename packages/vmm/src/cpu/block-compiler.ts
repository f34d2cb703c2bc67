// Compiles hot cached blocks into JavaScript functions (x86-notes §3.2 item 7, phase 1): the common 32-bit
// register and memory forms become straight-line code with constants folded in; every other record calls the
// block interpreter's `step`, so semantics stay shared. Compiled code reports the index of a faulting
// instruction through `Cpu.blockFaultIndex` and returns the number of instructions retired.
import type { Cpu } from './cpu'
import { type BlockCache, OP } from './block-decoder'
import { jccTaken, step } from './block-exec'
import { executeFpuRecord } from './block-fpu'
import { ARITH_FLAGS, CF } from './constants'
import { imulTrunc, shift } from './alu'
import { condition, lazyCF } from './flags'

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
  readonly shift: typeof shift
  readonly imulTrunc: typeof imulTrunc
  readonly condition: typeof condition
  readonly fpu: typeof executeFpuRecord
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

/** Code that records lazy flags for a result `r` of operands `a`, `v` (`shift`: sign bit, 31 or 7). */
function lazy(op: number, shift = 31): string {
  return `c.lzOp = ${op}; c.lzShift = ${shift}; c.lzA = a; c.lzB = v; c.lzRes = r; c.lzMask = ${ARITH_FLAGS};`
}

/** Expression reading 8-bit register `r` (AL…BL, AH…BH). */
function reg8(r: number): string {
  return r < 4 ? `(regs[${r}] & 0xff)` : `((regs[${r - 4}] >> 8) & 0xff)`
}

/** Code that ends the block after a store that hit decoded code (the rest of the block may be stale). */
function afterStore(b: BlockCache, i: number, k: number): string {
  return ` if (c.breakChunk) { c.eip = (blockEip + ${b.end[i]!}) | 0; return ${k + 1} }`
}

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
      return `c.push32(regs[${reg}]);${afterStore(b, i, k)}`
    case OP.pushImm:
      return `c.push32(${b.imm[i]!});${afterStore(b, i, k)}`
    case OP.popReg:
      // POP ESP loads the value read before ESP moved.
      return `{ const v = c.peek32(0); c.adjustSp(4); regs[${reg}] = v; }`
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
    case OP.shiftImm: {
      const count = b.imm[i]!
      if (rm < 0 || (count & 31) === 0) return null
      return `regs[${rm}] = h.shift(c, ${b.aux[i]!}, regs[${rm}], ${count}, 4);`
    }
    case OP.testRmImm: {
      const a = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (a === null) return null
      return `{ const a = ${a}; const v = ${b.imm[i]!}; const r = a & v; ${lazy(2)} }`
    }
    case OP.imulRegRm:
    case OP.imulRegRmImm: {
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (v === null) return null
      const other = b.op[i] === OP.imulRegRm ? `regs[${reg}]` : String(b.imm[i]!)
      return `regs[${reg}] = h.imulTrunc(c, ${other}, ${v}, 4);`
    }
    case OP.cmovcc: {
      // CMOVcc reads its source whether or not the condition holds.
      const v = rm >= 0 ? `regs[${rm}]` : memOk ? mem32() : null
      if (v === null) return null
      return `{ const v = ${v}; if (h.condition(c, ${b.aux[i]!})) regs[${reg}] = v; }`
    }
    case OP.nop:
      return ''
    case OP.fpu:
      // x87 records call the FPU directly rather than through the interpreter's switch.
      return `h.fpu(c, h.b, ${i}, blockEip);${afterStore(b, i, k)}`
    case OP.jmp:
      return `{ const t = (blockEip + ${b.imm[i]!}) | 0; ${leave('t', k)} }`
    case OP.call:
      return `{ const t = (blockEip + ${b.imm[i]!}) | 0; if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); c.push32((blockEip + ${b.end[i]!}) | 0); c.eip = t; return ${k + 1} }`
    case OP.ret:
      return `{ const t = c.peek32(0); if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0); c.adjustSp(${4 + b.imm[i]!}); c.eip = t; return ${k + 1} }`
    default:
      return null
  }
}

/** Statement writing the 8-bit value expression `v` (already 0..255) to register `r` (AL…BL, AH…BH). */
function setReg8(r: number, v: string): string {
  return r < 4
    ? `regs[${r}] = (regs[${r}] & ~0xff) | ${v};`
    : `regs[${r - 4}] = (regs[${r - 4}] & ~0xff00) | (${v} << 8);`
}

/** Snippets for byte-sized ALU, MOV and TEST forms (lazy flags with sign bit 7). */
function snippet8(b: BlockCache, i: number, k: number): string | null {
  const rm = b.rm[i]!
  const reg = b.reg[i]!
  const op = b.op[i]!
  if (rm < 0 && b.a16[i] !== 0) return null
  const seg = b.seg[i]!
  // Memory operands compute their offset once into `o`.
  const at = rm < 0 ? `const o = ${eaExpr(b, i)}; ` : ''
  const rmRead = rm >= 0 ? reg8(rm) : `c.read8(${seg}, o)`
  const rmWrite = (v: string) => (rm >= 0 ? setReg8(rm, v) : `c.write8(${seg}, o, ${v});${afterStore(b, i, k)}`)
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRmImm:
    case OP.aluRegRm: {
      const alu = ALU32[b.aux[i]!]
      if (alu === undefined) return null
      const write = b.aux[i] !== 7
      const r = `const r = (${alu[0]}) & 0xff;`
      if (op === OP.aluRegRm) {
        return `{ ${at}const a = ${reg8(reg)}; const v = ${rmRead}; ${r} ${lazy(alu[1], 7)}${write ? ` ${setReg8(reg, 'r')}` : ''} }`
      }
      const src = op === OP.aluRmImm ? String(b.imm[i]! & 0xff) : reg8(reg)
      return `{ ${at}const a = ${rmRead}; const v = ${src}; ${r} ${lazy(alu[1], 7)}${write ? ` ${rmWrite('r')}` : ''} }`
    }
    case OP.testRmReg:
    case OP.testRmImm: {
      const src = op === OP.testRmImm ? String(b.imm[i]! & 0xff) : reg8(reg)
      return `{ ${at}const a = ${rmRead}; const v = ${src}; const r = a & v; ${lazy(2, 7)} }`
    }
    case OP.movRegRm:
      return `{ ${at}const v = ${rmRead}; ${setReg8(reg, 'v')} }`
    case OP.movRmReg:
      return `{ ${at}const v = ${reg8(reg)}; ${rmWrite('v')} }`
    case OP.movRmImm:
      return `{ ${at}${rmWrite(String(b.imm[i]! & 0xff))} }`
    default:
      return null
  }
}

/** Generated code for one record, or null to call `step`. `k` is its index in the block. */
function snippet(b: BlockCache, i: number, k: number): string | null {
  if (b.size[i] === 1) return snippet8(b, i, k)
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
      return `if (h.jccTaken(c, ${b.aux[i]!})) { const t = (blockEip + ${b.imm[i]!}) | 0; ${leave('t', k)} }`
    default:
      return snippetMore(b, i, k)
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
  const helpers: Helpers = { b, step, jccTaken, lazyCF, shift, condition, imulTrunc, fpu: executeFpuRecord }
  // The generated source is built only from decoded integers and fixed templates above.
  const factory = new Function('h', `return function compiledBlock(c, blockEip, limit) {\n${lines.join('\n')}\n}`)
  return factory(helpers) as CompiledBlock
}
