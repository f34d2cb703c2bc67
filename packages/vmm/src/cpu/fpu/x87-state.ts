// The x87 register file: eight data registers as a stack, the control/status/tag words, the last-instruction
// pointers and exception signalling (Intel SDM vol. 1 §8.1, §8.5; vol. 1 §8.1.3 condition codes, §8.1.7 tags).
//
// Representation (documented here as the issue asks; see also README.md): every register has an exact 80-bit
// image `[lo, hi, signExp]` and a binary64 value. When `rawValid` is 1 the 80-bit image is authoritative and the
// binary64 value is its round-to-nearest approximation; otherwise the binary64 value is exact and the image is
// derived on demand. FADD/FSUB/FMUL/FDIV/FSQRT compute exactly on the 80-bit images (x87-softfloat.ts) with
// precision control and the full exponent range; when both operands are plain binary64 values they use binary64
// arithmetic with exact error terms (x87-arith.ts at PC = double, x87-binary64.ts at PC = extended), which gives
// identical bits. setExtended keeps values that fit binary64 as plain binary64 values. FPREM/FPREM1, FSCALE,
// FXTRACT and FRNDINT are exact too; only the transcendentals work on the binary64 values (operands with more
// than 53 significant bits are rounded first).
import { EXT_CLASS, RC, classifyExtended, extendedToFloat64, float64ToExtended, pow2 } from './x87-extended'

/** Status word bits (Intel SDM vol. 1 figure 8-4). */
export const SW = {
  IE: 0x1,
  DE: 0x2,
  ZE: 0x4,
  OE: 0x8,
  UE: 0x10,
  PE: 0x20,
  SF: 0x40,
  ES: 0x80,
  C0: 0x100,
  C1: 0x200,
  C2: 0x400,
  TOP: 0x3800,
  C3: 0x4000,
  B: 0x8000,
} as const

/** The six exception flag/mask bits. */
export const EXCEPTION_MASK = 0x3f
/** Condition code bits C0–C3. */
export const CONDITION_MASK = SW.C0 | SW.C1 | SW.C2 | SW.C3

const TWO_POW_MINUS_63 = pow2(-63)

/** Scratch slots after the eight physical registers, for memory operands and intermediate values. */
export const TMP = 8
export const TMP2 = 9
const SLOTS = 10

/** Integer indefinite / QNaN indefinite (Intel SDM vol. 1 §4.8.3.7, table 8-10). */
export const INDEFINITE_HI = 0xc0000000
export const INDEFINITE_SE = 0xffff

/** All mutable FPU state, in typed arrays and small-integer fields (no allocation while executing). */
export class X87State {
  /** Binary64 value of each physical register R0–R7 and of the scratch slots. */
  readonly values = new Float64Array(SLOTS)
  /** 80-bit images: slot i at [3i] = significand low, [3i+1] = significand high, [3i+2] = sign/exponent. */
  readonly ext = new Uint32Array(SLOTS * 3)
  /** 1 when `ext` holds the exact value of the slot (always for NaNs). */
  readonly rawValid = new Uint8Array(SLOTS)
  /** 1 when the slot holds a denormal operand of its source format (signals #D when used). */
  readonly denormal = new Uint8Array(SLOTS)
  /** 1 when a physical register is empty (tag 11). */
  readonly empty = new Uint8Array(8)
  controlWord = 0x037f
  /** Status word without TOP (bits 11–13), which lives in `top`. */
  statusFlags = 0
  top = 0
  instructionPointer = 0
  dataPointer = 0
  lastOpcode = 0
  codeSelector = 0
  dataSelector = 0

  constructor() {
    this.reset()
  }

  /** FNINIT: control word 037Fh, everything else cleared, all registers empty (Intel SDM vol. 2 FINIT). */
  reset(): void {
    this.controlWord = 0x037f
    this.statusFlags = 0
    this.top = 0
    this.instructionPointer = 0
    this.dataPointer = 0
    this.lastOpcode = 0
    this.codeSelector = 0
    this.dataSelector = 0
    this.empty.fill(1)
  }

  /** Physical register number of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7
  }

  /** The full status word with TOP. */
  statusWord(): number {
    return (this.statusFlags & ~SW.TOP) | (this.top << 11)
  }

  /** Loads a full status word (FLDENV/FRSTOR/FXRSTOR). */
  setStatusWord(value: number): void {
    this.top = (value >>> 11) & 7
    this.statusFlags = value & 0xffff & ~SW.TOP
    this.updateErrorSummary()
  }

  /** ES and B follow the unmasked pending exceptions (after FLDCW/FLDENV/FRSTOR, as on the 80387 and later). */
  updateErrorSummary(): void {
    if ((this.statusFlags & ~this.controlWord & EXCEPTION_MASK) !== 0) this.statusFlags |= SW.ES | SW.B
    else this.statusFlags &= ~(SW.ES | SW.B)
  }

  /** Rounding-control field. */
  roundingControl(): number {
    return (this.controlWord >>> 10) & 3
  }

  /** Records exception flags; sets ES/B when one of them is unmasked. Returns true if any flag is unmasked. */
  signal(flags: number): boolean {
    this.statusFlags |= flags
    if ((flags & ~this.controlWord & EXCEPTION_MASK) !== 0) {
      this.statusFlags |= SW.ES | SW.B
      return true
    }
    return false
  }

  /** Sets or clears C1. */
  setC1(on: boolean): void {
    if (on) this.statusFlags |= SW.C1
    else this.statusFlags &= ~SW.C1
  }

  /** Sets C3, C2, C1, C0 from a 4-bit value (bit 3 = C3, bit 2 = C2, bit 1 = C1, bit 0 = C0). */
  setConditions(c3: number, c2: number, c1: number, c0: number): void {
    this.statusFlags =
      (this.statusFlags & ~CONDITION_MASK) | (c3 ? SW.C3 : 0) | (c2 ? SW.C2 : 0) | (c1 ? SW.C1 : 0) | (c0 ? SW.C0 : 0)
  }

  /**
   * Stack underflow (reading an empty register): IE + SF, C1 = 0. Returns true when IE is unmasked (the
   * instruction must not write anything).
   */
  stackUnderflow(): boolean {
    this.statusFlags &= ~SW.C1
    return this.signal(SW.IE | SW.SF)
  }

  /** Stack overflow (pushing onto a full register): IE + SF, C1 = 1. Returns true when IE is unmasked. */
  stackOverflow(): boolean {
    this.statusFlags |= SW.C1
    return this.signal(SW.IE | SW.SF)
  }

  /** Stores a binary64 result into a slot (marks a physical register as valid). */
  setValue(slot: number, value: number): void {
    this.values[slot] = value
    this.rawValid[slot] = 0
    this.denormal[slot] = 0
    if (slot < 8) this.empty[slot] = 0
  }

  /**
   * Stores an exact 80-bit value into a slot. A normal value whose significand fits in 53 bits and whose exponent
   * is in binary64's normal range (and ±0) is exactly a binary64 value: it is kept with `rawValid` = 0, so the
   * binary64 fast paths (x87-arith.ts, x87-binary64.ts) see it as a plain binary64 operand.
   */
  setExtended(slot: number, lo: number, hi: number, signExp: number): void {
    const at = slot * 3
    this.ext[at] = lo
    this.ext[at + 1] = hi
    this.ext[at + 2] = signExp & 0xffff
    const exp = signExp & 0x7fff
    const sigHi = this.ext[at + 1] as number
    const sigLo = this.ext[at] as number
    if (
      (sigLo & 0x7ff) === 0 &&
      ((sigHi >= 0x80000000 && exp >= 15361 && exp <= 17406) || (exp | sigHi | sigLo) === 0)
    ) {
      // (hi · 2^32 + lo) has at most 53 significant bits here, so both multiplications are exact.
      const magnitude = (sigHi * 4294967296 + sigLo) * TWO_POW_MINUS_63 * pow2(exp === 0 ? 0 : exp - 16383)
      this.values[slot] = (signExp & 0x8000) !== 0 ? -magnitude : magnitude
      this.rawValid[slot] = 0
      this.denormal[slot] = 0
      if (slot < 8) this.empty[slot] = 0
      return
    }
    this.values[slot] = extendedToFloat64(this.ext, at, RC.NEAREST)
    this.rawValid[slot] = 1
    const cls = classifyExtended(this.ext, at)
    this.denormal[slot] = cls === EXT_CLASS.DENORMAL || cls === EXT_CLASS.PSEUDO_DENORMAL ? 1 : 0
    if (slot < 8) this.empty[slot] = 0
  }

  /** Stores the x87 QNaN indefinite (the masked response to an invalid operation). */
  setIndefinite(slot: number): void {
    this.setExtended(slot, 0, INDEFINITE_HI, INDEFINITE_SE)
  }

  /** Copies slot `src` into `dst` keeping the exact 80-bit image. */
  copy(dst: number, src: number): void {
    this.values[dst] = this.values[src] as number
    const raw = this.rawValid[src] as number
    this.rawValid[dst] = raw
    this.denormal[dst] = this.denormal[src] as number
    if (dst < 8) this.empty[dst] = 0
    if (raw === 0) return // the image of a binary64 value is derived on demand
    const d = dst * 3
    const s = src * 3
    this.ext[d] = this.ext[s] as number
    this.ext[d + 1] = this.ext[s + 1] as number
    this.ext[d + 2] = this.ext[s + 2] as number
    if (dst < 8) this.empty[dst] = 0
  }

  /**
   * Makes `ext` hold the exact 80-bit image of a slot; returns its offset in `ext`. A binary64 value stays marked
   * as one (`rawValid` 0), so the binary64 fast paths still take it.
   */
  loadExtended(slot: number): number {
    const at = slot * 3
    if (this.rawValid[slot] === 0) float64ToExtended(this.values[slot] as number, this.ext, at)
    return at
  }

  /** Encoding class of a slot's value (see EXT_CLASS). */
  classify(slot: number): number {
    return classifyExtended(this.ext, this.loadExtended(slot))
  }

  /** Tag of a physical register: 0 valid, 1 zero, 2 special (NaN, ∞, denormal, unsupported), 3 empty. */
  tag(reg: number): number {
    if (this.empty[reg] === 1) return 3
    const cls = this.classify(reg)
    if (cls === EXT_CLASS.ZERO) return 1
    return cls === EXT_CLASS.NORMAL ? 0 : 2
  }

  /** The full tag word (computed from the register contents, as FSTENV/FSAVE store it). */
  tagWord(): number {
    let word = 0
    for (let reg = 0; reg < 8; reg++) word |= this.tag(reg) << (reg * 2)
    return word
  }

  /** Loads a tag word: only "empty" (11) is kept; the other tags are recomputed from the contents later. */
  setTagWord(word: number): void {
    for (let reg = 0; reg < 8; reg++) this.empty[reg] = ((word >>> (reg * 2)) & 3) === 3 ? 1 : 0
  }

  /** Pops the stack: marks ST(0) empty and increments TOP. */
  pop(): void {
    this.empty[this.top] = 1
    this.top = (this.top + 1) & 7
  }
}
