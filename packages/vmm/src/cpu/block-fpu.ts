// Runs decoded x87 records (OP.fpu) of cached blocks: the #NM check (CR0.EM/TS), the memory operand's linear
// address — checked over the operand's full size and direction against its segment — and data selector, then
// the x87 module: for the built-in X87Fpu, the pre-decoded fast paths (fpu/x87-fast.ts) run straight from here;
// everything else goes through `Fpu.execute`. The block interpreter calls `executeFpuRecord`; compiled blocks run
// the code `fpuSnippet` generates, which resolves the kind at compile time and calls its handler directly. Spec:
// Intel SDM vol. 1 ch. 8 (§8.1.8 last instruction pointers), vol. 3A 2.5 (CR0.EM/TS), 5.3–5.4 (limit and type
// checks).
import * as constants from './constants'
import type { Cpu } from './cpu'
import { type BlockCache } from './block-decoder'
import * as decoder from './block-decoder'
import { ea } from './block-exec'
import {
  arithmeticMemory,
  arithRegister,
  changeSign,
  compareRegister,
  compareToFlags,
  compareTwice,
  exchange,
  executeFastMemory,
  executeFastRegister,
  loadConstant,
  loadFloat64,
  loadInteger,
  loadRegister,
  noteFloat32Store,
  pushFloat32,
  pushInteger,
  pushValue,
  roundFloat32,
  squareRootST0,
  storeFloat64,
  storeInteger,
  storeRegister,
} from './fpu/x87-fast'
import { FAST_OPERAND, KIND, OPERAND_WRITE, X87_KINDS } from './fpu/x87-kinds'
import { fpuOperandLinear } from './fpu-host'
import type { Fpu } from './fpu/fpu-contract'
import type { X87State } from './fpu/x87-state'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { NM } = constants
const { OP } = decoder

/** Executes x87 record `i` of block cache `b`; `blockEip` is the EIP of the block's first instruction. */
export function executeFpuRecord(c: Cpu, b: BlockCache, i: number, blockEip: number): void {
  // Numeric literals on this path (names in comments): each imported constant costs a binding check per use.
  if ((c.cr0 & 0xc) /* CR0_EM | CR0_TS */ !== 0) c.fault(NM, -1)
  const fpu = c.fpu
  if (fpu === null) c.ud()
  const word = b.imm[i]!
  const host = c.fpuHost
  if (fpu !== host.boundFpu) host.bindFpu(fpu)
  const s = host.x87State
  if (s !== null) {
    const kind = host.x87Kinds![word & 0x7ff]!
    if (kind !== 0 /* KIND.GENERAL */ && (s.statusFlags & 0x80) /* SW.ES */ === 0) {
      // The built-in x87, a pre-decoded ordinary instruction and no exception pending: it records the pointers
      // (SDM vol. 1 §8.1.8) and runs its fast path. A fault on the operand leaves through the caller, which
      // restores EIP from the record.
      s.instructionPointer = (blockEip + b.start[i]!) | 0
      s.lastOpcode = word & 0x7ff
      s.codeSelector = c.segSel[1 /* CS */]! & 0xffff
      if (kind < 32 /* KIND.MEMORY */) {
        if (executeFastRegister(s, kind, word & 0xff)) return
      } else {
        const seg = b.seg[i]!
        const off = ea(c, b, i)
        s.dataPointer = off
        s.dataSelector = c.segSel[seg]! & 0xffff
        if (memoryKind(c, s, seg, off, kind, word & 0xff)) return
      }
    }
  }
  executeGeneral(c, b, i, blockEip, fpu, word)
}

/**
 * The memory kinds of the fast path after the pointers: the operand's segment checks, then the handler. FLD
 * m32fp, FILD m32int and FST(P) m32fp use the CPU's segmented 32-bit accesses (segment check and RAM fast path in
 * one); a store changes no x87 state before its write has succeeded.
 */
function memoryKind(c: Cpu, s: X87State, seg: number, off: number, kind: number, modrm: number): boolean {
  switch (kind) {
    case 32: // FLD_M32
      return loadFloat32(c, s, seg, off)
    case 38: // FILD_M32
      return loadInteger32(c, s, seg, off)
    case 33: // FST_M32
    case 34: {
      // FSTP_M32
      const stored = storeFloat32(c, s, seg, off, kind === 34)
      if (stored) return true
      break
    }
  }
  const access = FAST_OPERAND[kind]!
  const linear =
    (access & 0x1000) /* OPERAND_WRITE */ !== 0 ? c.segWrite(seg, off, access & 0xfff) : c.segRead(seg, off, access)
  // (The host's dataSelector is only read by Fpu.execute: executeGeneral sets it when a handler declines.)
  return executeFastMemory(s, kind, modrm, linear, c.fpuHost)
}

function loadFloat32(c: Cpu, s: X87State, seg: number, off: number): boolean {
  return pushFloat32(s, c.read32(seg, off) >>> 0)
}

function loadInteger32(c: Cpu, s: X87State, seg: number, off: number): boolean {
  return pushInteger(s, c.read32(seg, off) | 0)
}

/** FST(P) m32fp of a value x87-fast.ts `roundFloat32` converts; false (nothing done) for the others. */
function storeFloat32(c: Cpu, s: X87State, seg: number, off: number, popAfter: boolean): boolean {
  if (s.empty[s.top] === 1) return false
  const bits = roundFloat32(s)
  if (bits < 0) return false
  c.write32(seg, off, bits)
  noteFloat32Store(s)
  if (popAfter) s.pop()
  return true
}

/** Any x87 record through `Fpu.execute`, which reads the operand size (FSAVE/FSTENV layouts) and the pointers. */
function executeGeneral(c: Cpu, b: BlockCache, i: number, blockEip: number, fpu: Fpu, word: number): void {
  c.opSize32 = b.size[i] === 4
  const eip = (blockEip + b.start[i]!) | 0
  c.startEip = eip
  let linear = 0
  let off = 0
  if ((word & 0xff) < 0xc0) {
    const seg = b.seg[i]!
    off = ea(c, b, i)
    linear = fpuOperandLinear(c, seg, off, word >>> 8, word & 0xff)
    c.fpuHost.dataSelector = c.segSel[seg]!
  }
  fpu.execute(word >>> 8, word & 0xff, linear, c.fpuHost, eip, off)
}

/** Entry points of compiled x87 code (`h.fpu` in generated code, see {@link fpuSnippet}); stateless. */
export const FPU_HELPERS = {
  run: executeFpuRecord,
  arith: arithRegister,
  load: loadRegister,
  exchange,
  store: storeRegister,
  sqrt: squareRootST0,
  sign: changeSign,
  push: pushValue,
  compare: compareRegister,
  compareTwice,
  compareToFlags,
  constant: loadConstant,
  loadFloat32,
  loadInteger32,
  storeFloat32,
  loadFloat64,
  storeFloat64,
  loadInteger,
  storeInteger,
  arithmeticMemory,
} as const

/** Call of the register-form handler of `kind` with ModRM `modrm` (constants folded), returning its boolean. */
function registerCall(kind: number, modrm: number): string | null {
  switch (kind) {
    case KIND.ARITH_ST0:
    case KIND.ARITH_STI:
    case KIND.ARITH_STI_POP:
      return `h.fpu.arith(s, ${modrm}, ${kind})`
    case KIND.FLD_STI:
      return `h.fpu.load(s, ${modrm})`
    case KIND.FXCH:
      return `h.fpu.exchange(s, ${modrm})`
    case KIND.FST_STI:
    case KIND.FSTP_STI:
      return `h.fpu.store(s, ${modrm}, ${kind})`
    case KIND.FSQRT:
      return 'h.fpu.sqrt(s)'
    case KIND.FCHS:
    case KIND.FABS:
      return `h.fpu.sign(s, ${kind})`
    case KIND.FLD1:
    case KIND.FLDZ:
      return `h.fpu.push(s, ${kind === KIND.FLD1 ? 1 : 0})`
    case KIND.FCOM:
    case KIND.FCOMP:
    case KIND.FUCOM:
    case KIND.FUCOMP:
      return `h.fpu.compare(s, ${modrm}, ${kind})`
    case KIND.FCOMPP:
    case KIND.FUCOMPP:
      return `h.fpu.compareTwice(s, ${kind})`
    case KIND.FLD_CONST:
      return `h.fpu.constant(s, ${modrm})`
    default:
      return null
  }
}

/**
 * Call of the memory-form handler of `kind` on offset `o` of segment `seg`, returning its boolean, or null (no
 * handler). The binary32 and int32 loads and stores use the CPU's segmented accesses; the other kinds check the
 * whole operand against the segment first (`FAST_OPERAND`: size and direction) and give their handler its linear
 * address.
 */
function memoryCall(kind: number, modrm: number, seg: number): string | null {
  const access = FAST_OPERAND[kind]!
  const linear = `c.${(access & OPERAND_WRITE) !== 0 ? 'segWrite' : 'segRead'}(${seg}, o, ${access & 0xfff})`
  switch (kind) {
    case KIND.FLD_M32:
      return `h.fpu.loadFloat32(c, s, ${seg}, o)`
    case KIND.FILD_M32:
      return `h.fpu.loadInteger32(c, s, ${seg}, o)`
    case KIND.FST_M32:
    case KIND.FSTP_M32:
      return `h.fpu.storeFloat32(c, s, ${seg}, o, ${kind === KIND.FSTP_M32})`
    case KIND.FLD_M64:
      return `h.fpu.loadFloat64(s, ${linear}, c.fpuHost)`
    case KIND.FST_M64:
    case KIND.FSTP_M64:
      return `h.fpu.storeFloat64(s, ${linear}, c.fpuHost, ${kind})`
    case KIND.FILD_M16:
      return `h.fpu.loadInteger(s, ${linear}, c.fpuHost, ${kind})`
    case KIND.ARITH_M32:
    case KIND.ARITH_M64:
    case KIND.ARITH_I32:
    case KIND.ARITH_I16:
      return `h.fpu.arithmeticMemory(s, ${modrm}, ${linear}, c.fpuHost, ${kind})`
    case KIND.FIST_M32:
    case KIND.FISTP_M32:
    case KIND.FISTTP_M32:
    case KIND.FISTP_M64:
    case KIND.FIST_M16:
    case KIND.FISTP_M16:
      return `h.fpu.storeInteger(s, ${linear}, c.fpuHost, ${kind})`
    default:
      return null
  }
}

/** Call of the FCOMI/FUCOMI(P) handler when `code` is one of them (DB/DF E8–F7), else null. */
function compareToFlagsCall(code: number): string | null {
  const op = code >>> 8
  if ((op !== 3 && op !== 7) || (code & 0xff) < 0xe8 || (code & 0xff) > 0xf7) return null
  // reg 5: FUCOMI(P), quiet; reg 6: FCOMI(P); DF pops.
  return `h.fpu.compareToFlags(s, ${code & 7}, ${((code >>> 3) & 7) === 5}, ${op === 7}, c.fpuHost)`
}

/**
 * The guard of compiled x87 code, inline (a helper call per record would use up V8's inlining budget of the
 * compiled function, which the handlers need): `s` is the register file the fast handlers may run on, or null —
 * no FPU, one not yet bound, not the built-in X87Fpu with its fast paths on — and the record must go through
 * `executeFpuRecord`, as it must with CR0.EM/TS set (#NM) or an unmasked exception pending (the next waiting
 * instruction delivers it). Only the block's first x87 record checks CR0 and the binding: no record of a block
 * changes them, and a fault ends the block.
 */
function guard(firstInBlock: boolean, waiting: boolean): string {
  const once = firstInBlock ? ' || (c.cr0 & 12) !== 0 || c.fpu !== c.fpuHost.boundFpu' : ''
  return `const s = c.fpuHost.fastState; if (s === null${once}${waiting ? ' || (s.statusFlags & 0x80) !== 0' : ''})`
}

/**
 * Compiled code for x87 record `i` (index `k` in its block; `eaExpr`: the inline offset expression of its memory
 * operand): the guard, the pointers and a direct call of the record's fast handler, with the kind, register
 * numbers, EIP offset and operand expression folded in; when the guard or the handler declines — nothing
 * changed — the record runs through `executeFpuRecord`, which decides exactly as the interpreter does. FNSTSW AX
 * (of compare-and-branch code) and FNSTCW/FLDCW m16 (of float-to-integer casts) are inline: they leave the
 * pointers alone (SDM vol. 1 §8.1.8), and the no-wait forms run with an exception pending. FCOMI/FUCOMI(P), the
 * P6 compare-and-branch, call x87-fast.ts `compareToFlags`.
 */
export function fpuSnippet(b: BlockCache, i: number, k: number, eaExpr: string): string {
  const word = b.imm[i]!
  const code = word & 0x7ff
  const modrm = word & 0xff
  const kind = X87_KINDS[code]!
  const run = `h.fpu.run(c, c.blocks, first + ${k}, blockEip);`
  let firstInBlock = true
  for (let j = i - k; j < i; j++) if (b.op[j] === OP.fpu) firstInBlock = false
  if (code === 0x7e0) {
    return `{ ${guard(firstInBlock, false)} ${run} else regs[0] = (regs[0] & ~0xffff) | s.statusWord(); }`
  }
  const controlWordForm = code >>> 8 === 1 && modrm < 0xc0 ? (modrm >>> 3) & 7 : -1
  if (controlWordForm === 5) {
    // FLDCW m16 (D9 /5): waits, leaves the pointers alone; masks set or cleared recompute ES/B (x87-fpu.ts).
    const seg = b.seg[i]!
    return `{ ${guard(firstInBlock, true)} ${run} else { s.controlWord = (c.read16(${seg}, ${eaExpr}) & 0x1f3f) | 0x40; s.updateErrorSummary(); } }`
  }
  if (controlWordForm === 7) {
    // FNSTCW m16 (D9 /7): does not wait, leaves the pointers alone.
    return `{ ${guard(firstInBlock, false)} ${run} else c.write16(${b.seg[i]!}, ${eaExpr}, s.controlWord); }`
  }
  const call =
    kind !== KIND.GENERAL
      ? kind < KIND.MEMORY
        ? registerCall(kind, modrm)
        : memoryCall(kind, modrm, b.seg[i]!)
      : compareToFlagsCall(code)
  if (call === null) return run
  let pointers = `s.instructionPointer = (blockEip + ${b.start[i]!}) | 0; s.lastOpcode = ${code}; s.codeSelector = c.segSel[1] & 0xffff;`
  if (kind >= KIND.MEMORY) {
    pointers += ` const o = ${eaExpr}; s.dataPointer = o; s.dataSelector = c.segSel[${b.seg[i]!}] & 0xffff;`
  }
  return `{ ${guard(firstInBlock, true)} ${run} else { ${pointers} if (!${call}) ${run} } }`
}
