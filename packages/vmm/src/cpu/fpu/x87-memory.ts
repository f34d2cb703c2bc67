// Memory operand formats of the x87: loads into a slot and stores from a slot for binary32, binary64, 80-bit
// extended, int16/int32/int64 and 18-digit packed BCD, with rounding control and the store exceptions (Intel
// SDM vol. 1 §4.2.1, §4.7, §8.2; vol. 2 FLD, FILD, FBLD, FST/FSTP, FIST/FISTP, FISTTP, FBSTP).
// Loads read every byte before they change any state, so a page fault leaves the FPU untouched.
import type { FpuHost } from './fpu-contract'
import {
  EXT_CLASS,
  classifyExtended,
  conversionOverflow,
  conversionTiny,
  extendedToFloat32,
  extendedToFloat64,
  float32Bits,
  float32BitsToExtended,
  float32FromBits,
  float64BitsToExtended,
  float64FromBits,
  float64HighBits,
  float64LowBits,
  roundIncremented,
  roundInexact,
  roundSignificand,
  rounded,
  uint64ToExtended,
} from './x87-extended'
import { SW, type X87State } from './x87-state'

const MIN_NORMAL32 = 2 ** -126

/** FLD m32fp / FADD m32fp… operand: exact; NaN payloads kept (in the 80-bit image); denormals marked. */
export function loadFloat32(s: X87State, slot: number, host: FpuHost, linear: number): void {
  loadFloat32Bits(s, slot, host.read32(linear) >>> 0)
}

/** A binary32 operand from its bit pattern, as {@link loadFloat32}. */
export function loadFloat32Bits(s: X87State, slot: number, bits: number): void {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    const at = slot * 3
    float32BitsToExtended(bits, s.ext, at)
    s.setExtended(slot, s.ext[at] as number, s.ext[at + 1] as number, s.ext[at + 2] as number)
    return
  }
  s.setValue(slot, float32FromBits(bits))
  s.denormal[slot] = (bits & 0x7f800000) === 0 && (bits & 0x7fffff) !== 0 ? 1 : 0
}

/** FLD m64fp / FADD m64fp… operand. */
export function loadFloat64(s: X87State, slot: number, host: FpuHost, linear: number): void {
  loadFloat64Bits(s, slot, host.read32(linear) >>> 0, host.read32(linear + 4) >>> 0)
}

/** A binary64 operand from its bit pattern (low and high words), as {@link loadFloat64}. */
export function loadFloat64Bits(s: X87State, slot: number, lo: number, hi: number): void {
  if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0)) {
    const at = slot * 3
    float64BitsToExtended(lo, hi, s.ext, at)
    s.setExtended(slot, s.ext[at] as number, s.ext[at + 1] as number, s.ext[at + 2] as number)
    return
  }
  s.setValue(slot, float64FromBits(lo, hi))
  s.denormal[slot] = (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) !== 0 || lo !== 0) ? 1 : 0
}

/** FLD m80fp: the exact bit pattern (unsupported encodings included). */
export function loadFloat80(s: X87State, slot: number, host: FpuHost, linear: number): void {
  const lo = host.read32(linear) >>> 0
  const hi = host.read32(linear + 4) >>> 0
  const se = host.read16(linear + 8) & 0xffff
  s.setExtended(slot, lo, hi, se)
}

/** FILD m16int / FIADD m16int… operand. */
export function loadInt16(s: X87State, slot: number, host: FpuHost, linear: number): void {
  s.setValue(slot, (host.read16(linear) << 16) >> 16)
}

/** FILD m32int / FIADD m32int… operand. */
export function loadInt32(s: X87State, slot: number, host: FpuHost, linear: number): void {
  s.setValue(slot, host.read32(linear) | 0)
}

/** FILD m64int: exact (64-bit significand). */
export function loadInt64(s: X87State, slot: number, host: FpuHost, linear: number): void {
  let lo = host.read32(linear) >>> 0
  let hi = host.read32(linear + 4) >>> 0
  const negative = hi >= 0x80000000
  if (negative) {
    lo = (~lo + 1) >>> 0
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0
  }
  const at = slot * 3
  uint64ToExtended(hi, lo, negative, s.ext, at)
  s.setExtended(slot, s.ext[at] as number, s.ext[at + 1] as number, s.ext[at + 2] as number)
}

/** FBLD: 18 packed BCD digits and a sign byte. Invalid digits are used as they are (undefined in the SDM). */
export function loadBcd(s: X87State, slot: number, host: FpuHost, linear: number): void {
  let lo = 0
  let hi = 0
  const signByte = host.read8(linear + 9)
  for (let i = 8; i >= 0; i--) {
    const byte = host.read8(linear + i)
    for (let nibble = 1; nibble >= 0; nibble--) {
      const digit = (byte >>> (nibble * 4)) & 0xf
      const low = lo * 10 + digit
      const carry = Math.floor(low / 4294967296)
      lo = low >>> 0
      hi = (hi * 10 + carry) >>> 0
    }
  }
  const at = slot * 3
  uint64ToExtended(hi, lo, (signByte & 0x80) !== 0, s.ext, at)
  s.setExtended(slot, s.ext[at] as number, s.ext[at + 1] as number, s.ext[at + 2] as number)
}

/**
 * Converts slot `src` to binary32 for FST/FSTP m32fp. Returns the bit pattern, or -1 when an unmasked exception
 * cancels the store.
 */
export function toFloat32Bits(s: X87State, src: number): number {
  const value = s.values[src] as number
  if (s.rawValid[src] === 0) {
    // A binary64 value that binary32 holds exactly (normal, zero or infinite): no rounding, no flags.
    const single = Math.fround(value)
    if (single === value && (single >= MIN_NORMAL32 || single <= -MIN_NORMAL32 || single === 0)) {
      s.setC1(false)
      return float32Bits(single)
    }
  }
  const at = s.loadExtended(src)
  const cls = classifyExtended(s.ext, at)
  const sign = ((s.ext[at + 2] as number) & 0x8000) << 16
  if (cls === EXT_CLASS.QNAN || cls === EXT_CLASS.SNAN) {
    if (cls === EXT_CLASS.SNAN && s.signal(SW.IE)) return -1
    return (sign | 0x7fc00000 | (((s.ext[at + 1] as number) >>> 8) & 0x3fffff)) >>> 0
  }
  if (cls === EXT_CLASS.UNSUPPORTED) return s.signal(SW.IE) ? -1 : 0xffc00000
  const v = extendedToFloat32(s.ext, at, s.roundingControl())
  if (!storeFlags(s)) return -1
  return float32Bits(v)
}

/** Converts slot `src` to binary64 for FST/FSTP m64fp into `out64` ([lo, hi]); returns false if cancelled. */
export function toFloat64Bits(s: X87State, src: number, out64: Uint32Array): boolean {
  const value = s.values[src] as number
  if (s.rawValid[src] === 0 && value === value) {
    // A binary64 value without an extended image is exactly representable: no rounding, no flags.
    s.setC1(false)
    out64[0] = float64LowBits(value)
    out64[1] = float64HighBits(value)
    return true
  }
  const at = s.loadExtended(src)
  const cls = classifyExtended(s.ext, at)
  const sign = ((s.ext[at + 2] as number) & 0x8000) << 16
  if (cls === EXT_CLASS.QNAN || cls === EXT_CLASS.SNAN || cls === EXT_CLASS.UNSUPPORTED) {
    if ((cls === EXT_CLASS.SNAN || cls === EXT_CLASS.UNSUPPORTED) && s.signal(SW.IE)) return false
    const hi = s.ext[at + 1] as number
    const lo = s.ext[at] as number
    if (cls === EXT_CLASS.UNSUPPORTED) {
      out64[0] = 0
      out64[1] = 0xfff80000
    } else {
      out64[0] = ((lo >>> 11) | (hi << 21)) >>> 0
      out64[1] = (sign | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0
    }
    return true
  }
  const v = extendedToFloat64(s.ext, at, s.roundingControl())
  if (!storeFlags(s)) return false
  out64[0] = float64LowBits(v)
  out64[1] = float64HighBits(v)
  return true
}

/** Raises #O/#U/#P after a narrowing conversion; returns false when an unmasked one cancels the store. */
function storeFlags(s: X87State): boolean {
  let flags = 0
  if (conversionOverflow) flags |= SW.OE | SW.PE
  else if (roundInexact) flags |= SW.PE
  if (conversionTiny) flags |= SW.UE
  if (flags === 0) {
    s.setC1(false)
    return true
  }
  // Unmasked #O/#U on a memory destination stores nothing (SDM vol. 1 §4.9.1.4, §4.9.1.5).
  if ((flags & (SW.OE | SW.UE) & ~s.controlWord) !== 0) {
    s.signal(flags & (SW.OE | SW.UE))
    return false
  }
  s.signal(flags)
  s.setC1(roundIncremented)
  return true
}

/** Integer result of {@link toInteger}: [lo, hi] of the two's-complement value. */
export const integerResult = new Uint32Array(2)

/**
 * Rounds slot `src` to an integer of `bits` (16, 32 or 64) under `rc` (FIST/FISTP/FISTTP). Out of range, NaN
 * and ∞ give #I with the integer indefinite (the most negative value). Result in {@link integerResult}; returns
 * false when an unmasked exception cancels the store.
 */
export function toInteger(s: X87State, src: number, bits: number, rc: number): boolean {
  const at = s.loadExtended(src)
  const cls = classifyExtended(s.ext, at)
  const negative = (s.ext[at + 2] as number) >= 0x8000
  let ok = cls !== EXT_CLASS.QNAN && cls !== EXT_CLASS.SNAN && cls !== EXT_CLASS.UNSUPPORTED
  ok = ok && cls !== EXT_CLASS.INFINITY && roundToInteger(s.ext, at, rc)
  if (ok) {
    const hi = rounded[1] as number
    const lo = rounded[0] as number
    // Largest magnitude: 2^(bits-1) - 1, or 2^(bits-1) for negative values.
    if (bits === 64) ok = hi < 0x80000000 || (negative && hi === 0x80000000 && lo === 0)
    else {
      const limit = bits === 16 ? 0x8000 : 0x80000000
      ok = hi === 0 && (lo < limit || (negative && lo === limit))
    }
  }
  if (!ok) {
    if (s.signal(SW.IE)) return false
    integerResult[0] = bits === 16 ? 0x8000 : 0
    integerResult[1] = bits === 64 ? 0x80000000 : 0
    if (bits === 32) integerResult[0] = 0x80000000
    return true
  }
  let lo = rounded[0] as number
  let hi = rounded[1] as number
  if (roundInexact) {
    s.signal(SW.PE)
    s.setC1(roundIncremented)
  } else {
    s.setC1(false)
  }
  if (negative) {
    lo = (~lo + 1) >>> 0
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0
  }
  integerResult[0] = bits === 16 ? lo & 0xffff : lo
  integerResult[1] = hi
  return true
}

/**
 * Rounds the (non-NaN, finite) extended value at ext[at] to an unsigned integer magnitude in
 * {@link rounded}; false when it needs more than 64 bits.
 */
export function roundToInteger(ext: Uint32Array, at: number, rc: number): boolean {
  const hi = ext[at + 1] as number
  const lo = ext[at] as number
  const exp = (ext[at + 2] as number) & 0x7fff
  const negative = (ext[at + 2] as number) >= 0x8000
  const unbiased = (exp === 0 ? 1 : exp) - 16383
  const drop = 63 - unbiased
  if (drop < 0) return false
  roundSignificand(hi, lo, drop, rc, negative)
  return true
}

/**
 * Converts slot `src` for FBSTP into 10 bytes at `out`: 18 BCD digits and the sign. Out of range or NaN → #I
 * with the packed-BCD indefinite. Returns false when an unmasked exception cancels the store.
 */
export function toBcd(s: X87State, src: number, out: Uint8Array): boolean {
  const at = s.loadExtended(src)
  const cls = classifyExtended(s.ext, at)
  const negative = (s.ext[at + 2] as number) >= 0x8000
  let ok = cls !== EXT_CLASS.QNAN && cls !== EXT_CLASS.SNAN && cls !== EXT_CLASS.UNSUPPORTED
  ok = ok && cls !== EXT_CLASS.INFINITY && roundToInteger(s.ext, at, s.roundingControl())
  // 10^18 - 1 = 0x0DE0B6B3_A763FFFF
  const hi0 = rounded[1] as number
  const lo0 = rounded[0] as number
  if (ok) ok = hi0 < 0x0de0b6b3 || (hi0 === 0x0de0b6b3 && lo0 <= 0xa763ffff)
  if (!ok) {
    if (s.signal(SW.IE)) return false
    out.fill(0)
    out[7] = 0xc0
    out[8] = 0xff
    out[9] = 0xff
    return true
  }
  if (roundInexact) {
    s.signal(SW.PE)
    s.setC1(roundIncremented)
  } else {
    s.setC1(false)
  }
  let hi = hi0
  let lo = lo0
  for (let i = 0; i < 9; i++) {
    let byte = 0
    for (let nibble = 0; nibble < 2; nibble++) {
      // Long division of hi:lo by 10 with 32-bit limbs (the partial dividends stay below 2^36: exact).
      const qHi = Math.floor(hi / 10)
      const remHi = hi - qHi * 10
      const partial = remHi * 4294967296 + lo
      const qLo = Math.floor(partial / 10)
      const digit = partial - qLo * 10
      hi = qHi
      lo = qLo >>> 0
      byte |= digit << (nibble * 4)
    }
    out[i] = byte
  }
  out[9] = negative ? 0x80 : 0
  return true
}
