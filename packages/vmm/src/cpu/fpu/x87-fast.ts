// Flat fast paths for the pre-decoded x87 kinds (x87-kinds.ts): the common register and memory forms run here
// without the general decoder's nested switches. Each case does exactly what the general path in x87-fpu.ts
// does for that encoding (same helpers, same order of memory accesses and state changes) or declines before it
// changes anything (stack underflow and overflow take the general path). Spec: Intel SDM vol. 2 FADD…FDIVR,
// FLD, FST/FSTP, FILD, FIST/FISTP/FISTTP, FXCH, FCHS, FABS, FSQRT, FCOM/FUCOM; vol. 1 §8.1.3.
import { squareRoot } from './x87-arith'
import { ORDER, compare } from './x87-compare'
import { RC, float32FromBits, float64FromBits } from './x87-extended'
import type { X87Host } from './x87-host'
import { exactSquareRoot } from './x87-hot'
import { KIND } from './x87-kinds'
import { integerResult, loadFloat32Bits, loadFloat64Bits, toFloat32Bits, toFloat64Bits, toInteger } from './x87-memory'
import { compareInto, memoryOperandArithmetic, pushLoaded, registerArithmetic } from './x87-stack'
import { CONSTANTS, constantLow } from './x87-opcodes'
import { TMP, X87State } from './x87-state'

const float64Out = new Uint32Array(2)
const float32Scratch = new Float32Array(1)
const float32Bits = new Uint32Array(float32Scratch.buffer)

/**
 * FLDL2T…FLDLN2 (D9 E9–ED) as pushed under each rounding control: [lo, hi, signExp, binary64 value, rawValid] at
 * ((modrm − E9h) · 4 + RC) · 5, made by the register file's own setExtended from the general path's images.
 */
const CONSTANT_SLOTS = (() => {
  const table = new Float64Array(5 * 4 * 5)
  const scratch = new X87State()
  for (let k = 0; k < 5; k++) {
    const c = CONSTANTS[k + 1]!
    for (let rc = 0; rc < 4; rc++) {
      scratch.setExtended(0, constantLow(k + 1, rc), c[1], c[0])
      table.set(
        [scratch.ext[0]!, scratch.ext[1]!, scratch.ext[2]!, scratch.values[0]!, scratch.rawValid[0]!],
        (k * 4 + rc) * 5,
      )
    }
  }
  return table
})()

/** Pushes constant D9 `modrm` (E9–ED); false (nothing changed) when ST(7) is in use. */
export function loadConstant(s: X87State, modrm: number): boolean {
  const target = (s.top - 1) & 7
  if (s.empty[target] === 0) return false
  const from = ((modrm - 0xe9) * 4 + ((s.controlWord >>> 10) & 3)) * 5
  const at = target * 3
  s.ext[at] = CONSTANT_SLOTS[from]!
  s.ext[at + 1] = CONSTANT_SLOTS[from + 1]!
  s.ext[at + 2] = CONSTANT_SLOTS[from + 2]!
  s.values[target] = CONSTANT_SLOTS[from + 3]!
  s.rawValid[target] = CONSTANT_SLOTS[from + 4]!
  s.denormal[target] = 0
  s.empty[target] = 0
  s.statusFlags &= ~0x200 /* SW.C1 */
  s.top = target
  return true
}

/** Pushes a binary64 value that needs no operand checks; false (nothing changed) when ST(7) is in use. */
export function pushValue(s: X87State, value: number): boolean {
  const target = (s.top - 1) & 7
  if (s.empty[target] === 0) return false
  s.statusFlags &= ~0x200 /* SW.C1 */
  s.top = target
  s.setValue(target, value)
  return true
}

// Each kind has its own small handler, so that V8 inlines the hot ones into the dispatchers and the dispatchers
// into their caller (the CPU's executeFpuRecord) by call frequency; one large function with every case inline is
// never inlined. The dispatchers' case labels are numeric literals (named in comments, values from KIND in
// x87-kinds.ts): only literal labels give V8 a jump table and a bytecode small enough to inline. For the same
// reason the hottest constants (SW.C1, TMP2) are literals here: each imported binding costs a check per use.

/** Register arithmetic: ARITH_ST0 (D8: ST(0) ← ST(0) op ST(i)), ARITH_STI (DC: ST(i) ← ST(i) op ST(0), with the
 * SUB/SUBR and DIV/DIVR encodings swapped relative to D8) and ARITH_STI_POP (DE: the same, then pop). */
export function arithRegister(s: X87State, modrm: number, kind: number): boolean {
  const st0 = s.top
  const reg = (modrm >>> 3) & 7
  const sti = (st0 + modrm) & 7
  if (kind === 1 /* ARITH_ST0 */) registerArithmetic(s, reg, st0, st0, sti, false)
  else registerArithmetic(s, reg >= 4 ? reg ^ 1 : reg, sti, sti, st0, kind === 3 /* ARITH_STI_POP */)
  return true
}

export function loadRegister(s: X87State, modrm: number): boolean {
  const st0 = s.top
  const sti = (st0 + modrm) & 7
  const target = (st0 - 1) & 7
  if (s.empty[sti] === 1 || s.empty[target] === 0) return false
  s.statusFlags &= ~0x200 /* SW.C1 */
  s.top = target
  s.copy(target, sti)
  return true
}

export function exchange(s: X87State, modrm: number): boolean {
  const st0 = s.top
  const sti = (st0 + modrm) & 7
  if (s.empty[st0] === 1 || s.empty[sti] === 1) return false
  s.copy(9 /* TMP2 */, st0)
  s.copy(st0, sti)
  s.copy(sti, 9 /* TMP2 */)
  s.statusFlags &= ~0x200 /* SW.C1 */
  return true
}

/** FST_STI / FSTP_STI. */
export function storeRegister(s: X87State, modrm: number, kind: number): boolean {
  const st0 = s.top
  if (s.empty[st0] === 1) return false
  const sti = (st0 + modrm) & 7
  if (sti !== st0) s.copy(sti, st0)
  s.statusFlags &= ~0x200 /* SW.C1 */
  if (kind === 7 /* FSTP_STI */) s.pop()
  return true
}

export function squareRootST0(s: X87State): boolean {
  const st0 = s.top
  if (exactSquareRoot(s, st0)) return true
  if (s.empty[st0] === 1) return false
  squareRoot(s, st0, st0)
  return true
}

/** FCHS / FABS of a binary64 value of the normal range (or a zero), which stays a binary64 value. */
export function changeSign(s: X87State, kind: number): boolean {
  const st0 = s.top
  if (((s.empty[st0] as number) | (s.rawValid[st0] as number)) !== 0) return false
  const v = s.values[st0] as number
  const a = Math.abs(v) // FABS(−0) is +0
  if (!((a >= 2 ** -1022 && a !== Infinity) || a === 0)) return false
  s.values[st0] = kind === 9 /* FCHS */ ? -v : a
  s.statusFlags &= ~0x200 /* SW.C1 */
  return true
}

/** FCOM/FCOMP/FUCOM/FUCOMP ST(i) (kinds 13–16). */
export function compareRegister(s: X87State, modrm: number, kind: number): boolean {
  const st0 = s.top
  const sti = (st0 + modrm) & 7
  if (s.empty[st0] === 1 || s.empty[sti] === 1) return false
  const popAfter = kind === 14 /* FCOMP */ || kind === 16 /* FUCOMP */
  if (compareInto(s, st0, sti, kind >= 15 /* FUCOM */) !== ORDER.FAULT && popAfter) s.pop()
  return true
}

/** FCOMPP / FUCOMPP. */
export function compareTwice(s: X87State, kind: number): boolean {
  const st0 = s.top
  const st1 = (st0 + 1) & 7
  if (s.empty[st0] === 1 || s.empty[st1] === 1) return false
  if (compareInto(s, st0, st1, kind === 18 /* FUCOMPP */) === ORDER.FAULT) return true
  s.pop()
  s.pop()
  return true
}

/**
 * FCOMI/FUCOMI(P) ST(i) (DB/DF E8–F7) into ZF/PF/CF, exactly as x87-fpu.ts `compareToFlags`; false (nothing
 * changed) when an operand is empty, whose stack underflow the general path handles. Only compiled blocks call it
 * (cpu/block-fpu.ts): it is not a pre-decoded kind, since it needs the host's EFLAGS.
 */
export function compareToFlags(s: X87State, modrm: number, quiet: boolean, popAfter: boolean, host: X87Host): boolean {
  const st0 = s.top
  const sti = (st0 + modrm) & 7
  if (s.empty[st0] === 1 || s.empty[sti] === 1) return false
  const order = compare(s, st0, sti, quiet)
  if (order === ORDER.FAULT) return true
  s.statusFlags &= ~0x200 /* SW.C1 */
  const unordered = order === ORDER.UNORDERED
  host.setArithmeticFlags(unordered || order === ORDER.EQUAL, unordered, unordered || order === ORDER.LESS)
  if (popAfter) s.pop()
  return true
}

/** FLD m32fp: a normal or zero operand (no #I, no #D) goes straight onto an empty slot. */
function loadFloat32(s: X87State, linear: number, host: X87Host): boolean {
  return pushFloat32(s, host.read32(linear) >>> 0)
}

/** FLD m32fp of the operand's bits (read once: the operand may be MMIO). */
export function pushFloat32(s: X87State, bits: number): boolean {
  const target = (s.top - 1) & 7
  const exp = bits & 0x7f800000
  if (s.empty[target] === 1 && ((exp !== 0 && exp !== 0x7f800000) || (bits & 0x7fffff) === 0)) {
    s.statusFlags &= ~0x200 /* SW.C1 */
    s.top = target
    s.setValue(target, float32FromBits(bits))
    return true
  }
  loadFloat32Bits(s, TMP, bits)
  pushLoaded(s, true)
  return true
}

/** FLD m64fp, as {@link loadFloat32}. */
export function loadFloat64(s: X87State, linear: number, host: X87Host): boolean {
  const target = (s.top - 1) & 7
  const lo = host.read32(linear) >>> 0
  const hi = host.read32(linear + 4) >>> 0
  const exp = hi & 0x7ff00000
  if (s.empty[target] === 1 && ((exp !== 0 && exp !== 0x7ff00000) || ((hi & 0xfffff) | lo) === 0)) {
    s.statusFlags &= ~0x200 /* SW.C1 */
    s.top = target
    s.setValue(target, float64FromBits(lo, hi))
    return true
  }
  loadFloat64Bits(s, TMP, lo, hi)
  pushLoaded(s, true)
  return true
}

/** FILD m32int / m16int: every such integer is a binary64 value. */
export function loadInteger(s: X87State, linear: number, host: X87Host, kind: number): boolean {
  return pushInteger(s, kind === 38 /* FILD_M32 */ ? host.read32(linear) | 0 : (host.read16(linear) << 16) >> 16)
}

/** FILD of the operand's value `v`. */
export function pushInteger(s: X87State, v: number): boolean {
  if (pushValue(s, v)) return true
  s.setValue(TMP, v)
  pushLoaded(s, false)
  return true
}

/** How the last {@link roundFloat32} rounded: 0 exactly, 1 inexact and not rounded up, 2 rounded up. */
let float32Rounding = 0

/**
 * The bits FST m32fp stores from ST(0) (not empty), or -1 (nothing changed: the general path decides): a value
 * binary32 holds exactly (normal, zero or infinite: no flags besides C1 = 0), or — under RC = nearest — a binary64
 * value whose rounded binary32 result is normal (no #O, no #U: only #P, and C1 = "rounded up"). Math.fround rounds
 * the exact binary64 value once, to nearest-even, as the FPU rounds its 80-bit image. Changes nothing: the caller
 * writes the bits, then applies the flags with {@link noteFloat32Store}.
 */
export function roundFloat32(s: X87State): number {
  const st0 = s.top
  const v = s.values[st0] as number
  const single = Math.fround(v)
  if (s.rawValid[st0] !== 0) return -1
  if (single === v) {
    if (!(single >= 2 ** -126 || single <= -(2 ** -126) || single === 0)) return -1
    float32Rounding = 0
  } else {
    const a = v < 0 ? -v : v
    const r = single < 0 ? -single : single
    // Both bounds fail for NaN; 3.4028234663852886e38 is binary32's largest finite value.
    if ((s.controlWord & 0xc00) !== 0 || !(a >= 2 ** -126 && r <= 3.4028234663852886e38)) return -1
    float32Rounding = r > a ? 2 : 1
  }
  float32Scratch[0] = single
  return float32Bits[0] as number
}

/** After the store of {@link roundFloat32}'s bits: C1 (rounded up) and #P as the general path sets them. */
export function noteFloat32Store(s: X87State): void {
  if (float32Rounding === 0) {
    s.statusFlags &= ~0x200 /* SW.C1 */
    return
  }
  // An unmasked #P still stores (SDM vol. 1 §4.9.1.6): only ES/B are set for the next waiting instruction.
  s.signal(0x20 /* SW.PE */)
  s.setC1(float32Rounding === 2)
}

/** FST_M32 / FSTP_M32. */
function storeFloat32(s: X87State, linear: number, host: X87Host, kind: number): boolean {
  const st0 = s.top
  if (s.empty[st0] === 1) return false
  const bits = roundFloat32(s)
  if (bits >= 0) {
    host.write32(linear, bits)
    noteFloat32Store(s)
  } else {
    const rounded = toFloat32Bits(s, st0)
    if (rounded < 0) return true
    host.write32(linear, rounded)
  }
  if (kind === 34 /* FSTP_M32 */) s.pop()
  return true
}

/** FST_M64 / FSTP_M64. */
export function storeFloat64(s: X87State, linear: number, host: X87Host, kind: number): boolean {
  if (s.empty[s.top] === 1) return false
  if (!toFloat64Bits(s, s.top, float64Out)) return true
  host.write32(linear, float64Out[0] as number)
  host.write32(linear + 4, float64Out[1] as number)
  if (kind === 37 /* FSTP_M64 */) s.pop()
  return true
}

/** FIST/FISTP/FISTTP m16int/m32int/m64int (`kind` FIST_M32…FISTP_M16). */
export function storeInteger(s: X87State, linear: number, host: X87Host, kind: number): boolean {
  if (s.empty[s.top] === 1) return false
  const bits = kind === KIND.FISTP_M64 ? 64 : kind === KIND.FIST_M16 || kind === KIND.FISTP_M16 ? 16 : 32
  const truncate = kind === KIND.FISTTP_M32
  const popAfter = kind !== KIND.FIST_M32 && kind !== KIND.FIST_M16
  if (!toInteger(s, s.top, bits, truncate ? RC.ZERO : s.roundingControl())) return true
  if (bits === 16) host.write16(linear, integerResult[0] as number)
  else {
    host.write32(linear, integerResult[0] as number)
    if (bits === 64) host.write32(linear + 4, integerResult[1] as number)
  }
  if (popAfter) s.pop()
  return true
}

/** D8/DA/DC/DE with a memory operand (`kind` ARITH_M32…ARITH_I16): arithmetic on ST(0), FCOM(P), FICOM(P). */
export function arithmeticMemory(s: X87State, modrm: number, linear: number, host: X87Host, kind: number): boolean {
  if (kind === KIND.ARITH_M32) loadFloat32Bits(s, TMP, host.read32(linear) >>> 0)
  else if (kind === KIND.ARITH_M64) loadFloat64Bits(s, TMP, host.read32(linear) >>> 0, host.read32(linear + 4) >>> 0)
  else if (kind === KIND.ARITH_I32) s.setValue(TMP, host.read32(linear) | 0)
  else s.setValue(TMP, (host.read16(linear) << 16) >> 16)
  memoryOperandArithmetic(s, (modrm >>> 3) & 7)
  return true
}

/**
 * Runs register-form instruction `kind` (GENERAL < kind < MEMORY) with ModRM `modrm`. Returns false, having
 * changed nothing, when the general path must run the instruction.
 */
export function executeFastRegister(s: X87State, kind: number, modrm: number): boolean {
  switch (kind) {
    case 1: // ARITH_ST0
    case 2: // ARITH_STI
    case 3: // ARITH_STI_POP
      return arithRegister(s, modrm, kind)
    case 4: // FLD_STI
      return loadRegister(s, modrm)
    case 5: // FXCH
      return exchange(s, modrm)
    case 6: // FST_STI
    case 7: // FSTP_STI
      return storeRegister(s, modrm, kind)
    case 8: // FSQRT
      return squareRootST0(s)
    case 9: // FCHS
    case 10: // FABS
      return changeSign(s, kind)
    case 11: // FLD1
    case 12: // FLDZ
      return pushValue(s, kind === 11 ? 1 : 0)
    case 13: // FCOM
    case 14: // FCOMP
    case 15: // FUCOM
    case 16: // FUCOMP
      return compareRegister(s, modrm, kind)
    case 17: // FCOMPP
    case 18: // FUCOMPP
      return compareTwice(s, kind)
    case 19: // FLD_CONST
      return loadConstant(s, modrm)
    default:
      return false
  }
}

/**
 * Runs memory-form instruction `kind` (≥ MEMORY) with ModRM `modrm`; `linear` is the operand's address, already
 * checked for its size and direction by the CPU. Returns false, having changed nothing (and accessed no memory),
 * when the general path must run the instruction.
 */
export function executeFastMemory(s: X87State, kind: number, modrm: number, linear: number, host: X87Host): boolean {
  switch (kind) {
    case 32: // FLD_M32
      return loadFloat32(s, linear, host)
    case 33: // FST_M32
    case 34: // FSTP_M32
      return storeFloat32(s, linear, host, kind)
    case 35: // FLD_M64
      return loadFloat64(s, linear, host)
    case 36: // FST_M64
    case 37: // FSTP_M64
      return storeFloat64(s, linear, host, kind)
    case 38: // FILD_M32
    case 39: // FILD_M16
      return loadInteger(s, linear, host, kind)
    case 40: // ARITH_M32
    case 41: // ARITH_M64
    case 42: // ARITH_I32
    case 43: // ARITH_I16
      return arithmeticMemory(s, modrm, linear, host, kind)
    case 44: // FIST_M32
    case 45: // FISTP_M32
    case 46: // FISTTP_M32
    case 47: // FISTP_M64
    case 48: // FIST_M16
    case 49: // FISTP_M16
      return storeInteger(s, linear, host, kind)
    default:
      return false
  }
}

/** Either dispatcher by `kind` (not GENERAL); see {@link executeFastRegister} and {@link executeFastMemory}. */
export function executeFast(s: X87State, kind: number, modrm: number, linear: number, host: X87Host): boolean {
  return kind < KIND.MEMORY ? executeFastRegister(s, kind, modrm) : executeFastMemory(s, kind, modrm, linear, host)
}
