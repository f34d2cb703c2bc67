// Exact conversions between IEEE binary64/binary32 values and the x87 80-bit double-extended format, and
// rounding of a 64-bit significand to fewer bits under the x87 rounding control (Intel SDM vol. 1 §4.2, §4.8.3,
// §8.2; vol. 2 FLD/FST/FIST). Every function works on 32-bit halves in typed arrays: no BigInt, no allocation.
//
// An extended value is kept as three uint32 words `[lo, hi, signExp]`: the 64-bit significand (bit 63 is the
// explicit integer bit) and the 16-bit sign/exponent word (bias 16383).

/** Rounding-control values of the x87 control word (bits 10–11). */
export const RC = { NEAREST: 0, DOWN: 1, UP: 2, ZERO: 3 } as const

const f64 = new Float64Array(1)
const f64Words = new Uint32Array(f64.buffer)
const f32 = new Float32Array(1)
const f32Word = new Uint32Array(f32.buffer)

/** Result of {@link roundSignificand}: the kept integer as [lo, hi], and flags. */
export const rounded = new Uint32Array(2)
/** Set by {@link roundSignificand}: any bit was dropped. */
export let roundInexact = false
/** Set by {@link roundSignificand}: the kept part was incremented (the magnitude was rounded up). */
export let roundIncremented = false

/** 2^n for n in [-1074, 1023], precomputed exactly from the bit patterns (index n + 1074). */
const POW2 = new Float64Array(1074 + 1024)
for (let n = -1074; n <= 1023; n++) {
  if (n >= -1022) {
    f64Words[0] = 0
    f64Words[1] = (n + 1023) << 20
  } else {
    const shift = n + 1074 // subnormal: bit position within the 52-bit fraction
    f64Words[0] = shift < 32 ? 1 << shift : 0
    f64Words[1] = shift >= 32 ? 1 << (shift - 32) : 0
  }
  POW2[n + 1074] = f64[0] as number
}

/** 2^n for any integer n in [-1074, 1023]. */
export function pow2(n: number): number {
  return POW2[n + 1074] as number
}

/** x · 2^n for the wide exponent range of extended values; exact when the true result is representable. */
export function scaleByPow2(x: number, n: number): number {
  while (n > 1023) {
    x *= pow2(1023)
    n -= 1023
    if (!isFinite(x)) return x
  }
  while (n < -1022) {
    // Stay normal while scaling down so only the final multiply can round.
    if (n >= -1022 - 52) {
      return x * pow2(-1022) * pow2(n + 1022)
    }
    x *= pow2(-1022)
    n += 1022
    if (x === 0) return x
  }
  return x * pow2(n)
}

/** The next binary64 value towards +∞ (x must not be NaN). */
export function nextUp(x: number): number {
  if (x === Infinity) return x
  if (x === 0) return pow2(-1074)
  f64[0] = x
  let lo = f64Words[0] as number
  let hi = f64Words[1] as number
  if (x > 0) {
    lo = (lo + 1) >>> 0
    if (lo === 0) hi = (hi + 1) >>> 0
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0
    lo = (lo - 1) >>> 0
  }
  f64Words[0] = lo
  f64Words[1] = hi
  return f64[0] as number
}

/** The next binary64 value towards −∞ (x must not be NaN). */
export function nextDown(x: number): number {
  return -nextUp(-x)
}

/** Number of leading zero bits of the 64-bit value hi:lo (64 when zero). */
export function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)
}

/**
 * Shifts the 64-bit value hi:lo right by `drop` bits and rounds the kept part under `rc` for a value of the
 * given sign. The result goes to {@link rounded}; {@link roundInexact} and {@link roundIncremented} describe it.
 * The kept part may carry into bit 64 - drop (the caller renormalises).
 */
export function roundSignificand(hi: number, lo: number, drop: number, rc: number, negative: boolean, below = 0): void {
  let keptHi = 0
  let keptLo = 0
  let top = 0 // the dropped bits, left-aligned: bit 31 is the rounding bit
  let sticky = 0 // any dropped bit below those in `top`
  // `below` is a further 32-bit word under lo: its top bit is the rounding bit when nothing else is dropped.
  if (drop <= 0) {
    keptHi = hi
    keptLo = lo
    top = below
    below = 0
  } else if (drop < 32) {
    keptLo = ((lo >>> drop) | (hi << (32 - drop))) >>> 0
    keptHi = hi >>> drop
    top = (lo << (32 - drop)) >>> 0
  } else if (drop === 32) {
    keptLo = hi
    top = lo
  } else if (drop < 64) {
    keptLo = hi >>> (drop - 32)
    top = ((hi << (64 - drop)) | (lo >>> (drop - 32))) >>> 0
    sticky = (lo << (64 - drop)) >>> 0
  } else if (drop === 64) {
    top = hi
    sticky = lo
  } else {
    sticky = (hi | lo) >>> 0
  }
  const half = top >= 0x80000000
  const lower = (top & 0x7fffffff) !== 0 || sticky !== 0 || below !== 0
  roundInexact = half || lower
  let up = false
  if (roundInexact) {
    if (rc === RC.NEAREST) up = half && (lower || (keptLo & 1) === 1)
    else if (rc === RC.DOWN) up = negative
    else if (rc === RC.UP) up = !negative
  }
  roundIncremented = up
  if (up) {
    keptLo = (keptLo + 1) >>> 0
    if (keptLo === 0) keptHi = (keptHi + 1) >>> 0
  }
  rounded[0] = keptLo
  rounded[1] = keptHi
}

/** Writes the exact extended form of a binary64 value into out[at..at+2] (NaN payloads are kept). */
export function float64ToExtended(x: number, out: Uint32Array, at: number): void {
  f64[0] = x
  float64BitsToExtended(f64Words[0] as number, f64Words[1] as number, out, at)
}

/** Extended form of the binary64 bit pattern hi:lo (exact; denormals become normal extended values). */
export function float64BitsToExtended(lo: number, hi: number, out: Uint32Array, at: number): void {
  const sign = (hi >>> 31) << 15
  const e = (hi >>> 20) & 0x7ff
  const fracHi = hi & 0xfffff
  if (e === 0x7ff) {
    out[at] = lo << 11
    out[at + 1] = 0x80000000 | (fracHi << 11) | (lo >>> 21)
    out[at + 2] = sign | 0x7fff
  } else if (e === 0) {
    if (fracHi === 0 && lo === 0) {
      out[at] = 0
      out[at + 1] = 0
      out[at + 2] = sign
      return
    }
    const lz = clz64(fracHi, lo)
    shiftLeftInto(fracHi, lo, lz, out, at)
    out[at + 2] = sign | (15372 - lz)
  } else {
    out[at] = lo << 11
    out[at + 1] = 0x80000000 | (fracHi << 11) | (lo >>> 21)
    out[at + 2] = sign | (e - 1023 + 16383)
  }
}

/** Extended form of the binary32 bit pattern (exact). */
export function float32BitsToExtended(bits: number, out: Uint32Array, at: number): void {
  const sign = (bits >>> 31) << 15
  const e = (bits >>> 23) & 0xff
  const frac = bits & 0x7fffff
  out[at] = 0
  if (e === 0xff) {
    out[at + 1] = 0x80000000 | (frac << 8)
    out[at + 2] = sign | 0x7fff
  } else if (e === 0) {
    if (frac === 0) {
      out[at + 1] = 0
      out[at + 2] = sign
      return
    }
    const lz = Math.clz32(frac)
    out[at + 1] = (frac << lz) >>> 0
    // value = frac · 2^-149 = ((frac << lz) · 2^32) · 2^(-181 - lz), and the significand weighs 2^(exp-16383-63).
    out[at + 2] = sign | (16265 - lz)
  } else {
    out[at + 1] = (0x80000000 | (frac << 8)) >>> 0
    out[at + 2] = sign | (e - 127 + 16383)
  }
}

function shiftLeftInto(hi: number, lo: number, n: number, out: Uint32Array, at: number): void {
  if (n === 0) {
    out[at] = lo
    out[at + 1] = hi
  } else if (n < 32) {
    out[at] = lo << n
    out[at + 1] = (hi << n) | (lo >>> (32 - n))
  } else {
    out[at] = 0
    out[at + 1] = lo << (n - 32)
  }
}

/** Encoding classes of an extended value (Intel SDM vol. 1 §8.2.2, table 8-3). */
export const EXT_CLASS = {
  ZERO: 0,
  NORMAL: 1,
  DENORMAL: 2,
  INFINITY: 3,
  QNAN: 4,
  SNAN: 5,
  /** Pseudo-NaN, pseudo-infinity, unnormal: invalid operands since the 80387. */
  UNSUPPORTED: 6,
  /** Exponent 0 with the integer bit set: accepted as an operand (treated as a denormal). */
  PSEUDO_DENORMAL: 7,
} as const

/** Classifies the extended value at ext[at..at+2]. */
export function classifyExtended(ext: Uint32Array, at: number): number {
  const lo = ext[at] as number
  const hi = ext[at + 1] as number
  const exp = (ext[at + 2] as number) & 0x7fff
  const integerBit = hi >>> 31
  if (exp === 0x7fff) {
    if (integerBit === 0) return EXT_CLASS.UNSUPPORTED
    if ((hi & 0x7fffffff) === 0 && lo === 0) return EXT_CLASS.INFINITY
    return (hi & 0x40000000) !== 0 ? EXT_CLASS.QNAN : EXT_CLASS.SNAN
  }
  if (exp === 0) {
    if (hi === 0 && lo === 0) return EXT_CLASS.ZERO
    return integerBit !== 0 ? EXT_CLASS.PSEUDO_DENORMAL : EXT_CLASS.DENORMAL
  }
  return integerBit !== 0 ? EXT_CLASS.NORMAL : EXT_CLASS.UNSUPPORTED
}

/**
 * Converts an extended value to binary64 under rounding control `rc`. NaNs and unsupported encodings become NaN
 * (callers keep their bits elsewhere). Sets {@link roundInexact}; overflow gives ±∞ or the largest finite value
 * as `rc` demands, with {@link conversionOverflow} set; {@link conversionTiny} reports a tiny inexact result.
 */
export function extendedToFloat64(ext: Uint32Array, at: number, rc: number): number {
  return extendedToBinary(ext, at, rc, 53, -1022, 1023)
}

/** Converts an extended value to the nearest binary32 under `rc` (returned as a number); see extendedToFloat64. */
export function extendedToFloat32(ext: Uint32Array, at: number, rc: number): number {
  return extendedToBinary(ext, at, rc, 24, -126, 127)
}

/** Set by the extendedTo* conversions: the result overflowed the destination format. */
export let conversionOverflow = false
/** Set by the extendedTo* conversions: the result is tiny (below the smallest normal) and inexact. */
export let conversionTiny = false

function extendedToBinary(ext: Uint32Array, at: number, rc: number, bits: number, minExp: number, maxExp: number) {
  const lo = ext[at] as number
  const hi = ext[at + 1] as number
  const se = ext[at + 2] as number
  const negative = se >= 0x8000
  const exp = se & 0x7fff
  conversionOverflow = false
  conversionTiny = false
  roundInexact = false
  roundIncremented = false
  if (exp === 0x7fff) {
    if (hi === 0x80000000 && lo === 0) return negative ? -Infinity : Infinity
    return NaN
  }
  if (hi === 0 && lo === 0) {
    return exp === 0 ? (negative ? -0 : 0) : NaN
  }
  if (exp !== 0 && hi < 0x80000000) return NaN
  const unbiased = (exp === 0 ? 1 : exp) - 16383
  // Fast path: a normal result and round-to-nearest. hi·2^32 + lo rounds once (correctly) to 53 bits; the
  // power-of-two scaling is then exact.
  if (rc === RC.NEAREST && bits === 53 && unbiased >= -1011 && unbiased < 1023 && exp !== 0) {
    const magnitude = hi * 4294967296 + lo
    roundInexact = (lo & 0x7ff) !== 0
    roundIncremented = magnitude > hi * 4294967296 + (lo - (lo & 0x7ff))
    const result = magnitude * (POW2[unbiased - 63 + 1074] as number)
    return negative ? -result : result
  }
  const lz = clz64(hi, lo)
  const msbExp = unbiased - lz // exponent of the most significant set bit
  let keep = bits
  if (msbExp < minExp) keep = bits - (minExp - msbExp)
  const drop = 64 - lz - keep
  roundSignificand(hi, lo, drop, rc, negative)
  const magnitude = (rounded[1] as number) * 4294967296 + (rounded[0] as number)
  let result = scaleByPow2(magnitude, unbiased - 63 + (drop > 0 ? drop : 0))
  if (msbExp < minExp && roundInexact) conversionTiny = true
  if (result > pow2(maxExp) * (2 - pow2(1 - bits)) || result === Infinity) {
    conversionOverflow = true
    roundInexact = true
    const towardInfinity = rc === RC.NEAREST || (rc === RC.UP && !negative) || (rc === RC.DOWN && negative)
    result = towardInfinity ? Infinity : pow2(maxExp) * (2 - pow2(1 - bits))
  }
  return negative ? -result : result
}

/** Bit pattern of a binary32 value that `Math.fround` already produced. */
export function float32Bits(x: number): number {
  f32[0] = x
  return f32Word[0] as number
}

/** Low word of a binary64 value's bit pattern. */
export function float64LowBits(x: number): number {
  f64[0] = x
  return f64Words[0] as number
}

/** High word of a binary64 value's bit pattern. */
export function float64HighBits(x: number): number {
  f64[0] = x
  return f64Words[1] as number
}

/** Binary64 value of the bit pattern hi:lo. */
export function float64FromBits(lo: number, hi: number): number {
  f64Words[0] = lo
  f64Words[1] = hi
  return f64[0] as number
}

/** Binary32 value of a bit pattern. */
export function float32FromBits(bits: number): number {
  f32Word[0] = bits
  return f32[0] as number
}

/**
 * Writes the normalised extended form of the unsigned 64-bit integer hi:lo (with a sign) into out[at..]. Used by
 * FILD m64 and FBLD, whose values need all 64 significand bits.
 */
export function uint64ToExtended(hi: number, lo: number, negative: boolean, out: Uint32Array, at: number): void {
  const sign = negative ? 0x8000 : 0
  if (hi === 0 && lo === 0) {
    out[at] = 0
    out[at + 1] = 0
    out[at + 2] = sign
    return
  }
  const lz = clz64(hi, lo)
  shiftLeftInto(hi, lo, lz, out, at)
  out[at + 2] = sign | (16383 + 63 - lz)
}
