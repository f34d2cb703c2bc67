// Integer arithmetic with x86 flag semantics: the eight ALU operations, INC/DEC, shifts and rotates,
// double shifts, multiply/divide and BCD adjustments (Intel SDM vol. 2; flags per vol. 1 appendix A).
import * as constants from './constants'
import type { Cpu } from './cpu'
import * as flags from './flags'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { AF, ARITH_FLAGS, CF, DE, OF, PF, SF, ZF } = constants
const { LZ_ADD, LZ_LOGIC, LZ_SUB, PARITY, lazyCF, computeLazy } = flags

/** Mask of a 1/2/4-byte value. */
export function sizeMask(size: number): number {
  return size === 4 ? -1 : size === 2 ? 0xffff : 0xff
}

/** Performs ALU operation `op` (0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP); returns the result. */
export function alu(c: Cpu, op: number, a: number, b: number, size: number): number {
  const sh = size * 8 - 1
  const m = sizeMask(size)
  let r: number
  switch (op) {
    case 0:
      r = (a + b) & m
      c.setLazy(LZ_ADD, sh, a, b, r)
      return r
    case 1:
      r = (a | b) & m
      c.setLazy(LZ_LOGIC, sh, a, b, r)
      return r
    case 2:
      r = (a + b + lazyCF(c)) & m
      c.setLazy(LZ_ADD, sh, a, b, r)
      return r
    case 3:
      r = (a - b - lazyCF(c)) & m
      c.setLazy(LZ_SUB, sh, a, b, r)
      return r
    case 4:
      r = a & b & m
      c.setLazy(LZ_LOGIC, sh, a, b, r)
      return r
    case 6:
      r = (a ^ b) & m
      c.setLazy(LZ_LOGIC, sh, a, b, r)
      return r
    default:
      r = (a - b) & m
      c.setLazy(LZ_SUB, sh, a, b, r)
      return r
  }
}

/** INC (dec = false) or DEC: like ADD/SUB 1 but CF is preserved. */
export function incDec(c: Cpu, a: number, size: number, dec: boolean): number {
  const cf = lazyCF(c)
  const m = sizeMask(size)
  const r = (dec ? a - 1 : a + 1) & m
  c.flags = (c.flags & ~CF) | cf
  c.setLazy(dec ? LZ_SUB : LZ_ADD, size * 8 - 1, a, 1, r)
  c.lzMask = ARITH_FLAGS & ~CF
  return r
}

/** Sets CF/OF eagerly and SF/ZF/PF (and AF = 0) lazily from `r`. */
function setShiftFlags(c: Cpu, r: number, size: number, cf: number, of: number): void {
  c.materializeFlags()
  c.flags = (c.flags & ~(CF | OF)) | cf | (of << 11)
  c.setLazy(LZ_LOGIC, size * 8 - 1, 0, 0, r)
  c.lzMask = PF | ZF | SF | AF
}

/** Sets only CF and OF (rotates leave the other flags alone). */
function setCfOf(c: Cpu, cf: number, of: number): void {
  c.materializeFlags()
  c.flags = (c.flags & ~(CF | OF)) | cf | (of << 11)
}

/** Group-2 shift/rotate `op` (0 ROL 1 ROR 2 RCL 3 RCR 4 SHL 5 SHR 6 SAL 7 SAR) of `a` by `count`. */
export function shift(c: Cpu, op: number, a: number, count: number, size: number): number {
  count &= 31
  const bits = size * 8
  const m = sizeMask(size)
  a &= m
  if (count === 0) return a
  let r: number
  switch (op) {
    case 0: {
      const n = count & (bits - 1)
      r = n === 0 ? a : ((a << n) | (a >>> (bits - n))) & m
      const cf = r & 1
      setCfOf(c, cf, ((r >>> (bits - 1)) & 1) ^ cf)
      return r
    }
    case 1: {
      const n = count & (bits - 1)
      r = n === 0 ? a : ((a >>> n) | (a << (bits - n))) & m
      const msb = (r >>> (bits - 1)) & 1
      setCfOf(c, msb, msb ^ ((r >>> (bits - 2)) & 1))
      return r
    }
    case 2: {
      const n = bits === 32 ? count : count % (bits + 1)
      let cf = lazyCF(c)
      r = a
      for (let i = 0; i < n; i++) {
        const out = (r >>> (bits - 1)) & 1
        r = ((r << 1) | cf) & m
        cf = out
      }
      if (n !== 0) setCfOf(c, cf, ((r >>> (bits - 1)) & 1) ^ cf)
      return r
    }
    case 3: {
      const n = bits === 32 ? count : count % (bits + 1)
      let cf = lazyCF(c)
      r = a
      const of = ((r >>> (bits - 1)) & 1) ^ cf
      for (let i = 0; i < n; i++) {
        const out = r & 1
        r = ((r >>> 1) | (cf << (bits - 1))) & m
        cf = out
      }
      if (n !== 0) setCfOf(c, cf, of)
      return r
    }
    case 4:
    case 6: {
      r = count < 32 ? (a << count) & m : 0
      const cf = count <= bits ? (a >>> (bits - count)) & 1 : 0
      setShiftFlags(c, r, size, cf, ((r >>> (bits - 1)) & 1) ^ cf)
      return r
    }
    case 5: {
      r = a >>> count
      const cf = (a >>> (count - 1)) & 1
      setShiftFlags(c, r & m, size, count <= bits ? cf : 0, (a >>> (bits - 1)) & 1)
      return r & m
    }
    default: {
      const sa = (a << (32 - bits)) >> (32 - bits)
      const n = count > bits - 1 ? bits - 1 : count
      r = (sa >> n) & m
      const cf = (sa >> (count - 1 > 31 ? 31 : count - 1)) & 1
      setShiftFlags(c, r, size, cf, 0)
      return r
    }
  }
}

/** SHLD (left = true) / SHRD of `a` with bits from `b` by `count` (masked to 5 bits). */
export function doubleShift(c: Cpu, a: number, b: number, count: number, size: number, left: boolean): number {
  count &= 31
  const m = sizeMask(size)
  a &= m
  b &= m
  if (count === 0) return a
  const bits = size * 8
  let r: number
  let cf: number
  if (size === 4) {
    if (left) {
      r = (a << count) | (b >>> (32 - count))
      cf = (a >>> (32 - count)) & 1
    } else {
      r = (a >>> count) | (b << (32 - count))
      cf = (a >>> (count - 1)) & 1
    }
  } else {
    // 16-bit: operate on the 32-bit concatenation (counts above 16 are undefined; use the 32-bit pattern).
    if (left) {
      const cat = ((a << 16) | b) >>> 0
      const full = count < 32 ? ((cat << count) | (count > 16 ? a << (count - 16) : 0)) >>> 0 : 0
      r = (full >>> 16) & m
      cf = count <= 16 ? (a >>> (16 - count)) & 1 : (b >>> (32 - count)) & 1
    } else {
      const cat = ((b << 16) | a) >>> 0
      r = (count < 16 ? cat >>> count : ((cat >>> count) | (a << (32 - count))) >>> 0) & m
      cf = (cat >>> (count - 1)) & 1
    }
  }
  r &= m
  setShiftFlags(c, r, size, cf, ((r ^ a) >>> (bits - 1)) & 1)
  return r
}

/** Full unsigned 32×32 product: low half in `mulLo`, high half in `mulHi` (both int32). */
export const mulResult = { lo: 0, hi: 0 }
export function mulU32(a: number, b: number): void {
  const a0 = a & 0xffff
  const a1 = a >>> 16
  const b0 = b & 0xffff
  const b1 = b >>> 16
  const p00 = a0 * b0
  const p01 = a0 * b1
  const p10 = a1 * b0
  const p11 = a1 * b1
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  mulResult.lo = (p00 & 0xffff) | (mid << 16)
  mulResult.hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536)) | 0
}

/** Sets flags after MUL/IMUL: CF = OF = `overflow`, SF/ZF/PF from the low result (undefined per SDM). */
export function setMulFlags(c: Cpu, low: number, size: number, overflow: boolean): void {
  c.setLazy(LZ_LOGIC, size * 8 - 1, 0, 0, low)
  c.lzMask = PF | ZF | SF | AF
  c.flags = (c.flags & ~(CF | OF)) | (overflow ? CF | OF : 0)
}

/** Group-3 MUL/IMUL (one operand) of the accumulator by `src`. */
export function mulAcc(c: Cpu, src: number, size: number, signed: boolean): void {
  const r = c.regs
  if (size === 1) {
    const a = r[0]! & 0xff
    const p = signed ? ((a << 24) >> 24) * ((src << 24) >> 24) : a * (src & 0xff)
    r[0] = (r[0]! & ~0xffff) | (p & 0xffff)
    setMulFlags(c, p & 0xff, 1, signed ? p !== (p << 24) >> 24 : (p & 0xff00) !== 0)
  } else if (size === 2) {
    const a = r[0]! & 0xffff
    const p = signed ? ((a << 16) >> 16) * ((src << 16) >> 16) : a * (src & 0xffff)
    r[0] = (r[0]! & ~0xffff) | (p & 0xffff)
    r[2] = (r[2]! & ~0xffff) | ((p >>> 16) & 0xffff)
    setMulFlags(c, p & 0xffff, 2, signed ? p !== (p << 16) >> 16 : (p & 0xffff0000) !== 0)
  } else {
    const a = r[0]!
    mulU32(a, src)
    let hi = mulResult.hi
    const lo = mulResult.lo
    if (signed) {
      if (a < 0) hi = (hi - src) | 0
      if (src < 0) hi = (hi - a) | 0
    }
    r[0] = lo
    r[2] = hi
    setMulFlags(c, lo, 4, signed ? hi !== lo >> 31 : hi !== 0)
  }
}

/** Two/three-operand IMUL: returns the truncated product and sets CF/OF on signed overflow. */
export function imulTrunc(c: Cpu, a: number, b: number, size: number): number {
  if (size === 4) {
    const lo = Math.imul(a, b)
    setMulFlags(c, lo, 4, a * b !== lo)
    return lo
  }
  const p = ((a << 16) >> 16) * ((b << 16) >> 16)
  setMulFlags(c, p & 0xffff, 2, p !== (p << 16) >> 16)
  return p & 0xffff
}

/** Unsigned 64/32 division of hi:lo by d (d != 0, hi < d): quotient in `divQ`, remainder in `divR`. */
const divResult = { q: 0, r: 0 }
function divU64(hi: number, lo: number, d: number): void {
  if (hi === 0) {
    divResult.q = Math.floor(lo / d)
    divResult.r = lo - divResult.q * d
    return
  }
  let r = hi
  let q = 0
  for (let i = 31; i >= 0; i--) {
    r = r * 2 + ((lo >>> i) & 1)
    q = q * 2
    if (r >= d) {
      r -= d
      q += 1
    }
  }
  divResult.q = q
  divResult.r = r
}

/** Group-3 DIV/IDIV of the accumulator by `src`; raises #DE on divide by zero or quotient overflow. */
export function divAcc(c: Cpu, src: number, size: number, signed: boolean): void {
  const r = c.regs
  if (size === 1) {
    const n = r[0]! & 0xffff
    const d = src & 0xff
    if (d === 0) c.fault(DE, -1)
    if (!signed) {
      const q = Math.floor(n / d)
      if (q > 0xff) c.fault(DE, -1)
      r[0] = (r[0]! & ~0xffff) | ((n % d) << 8) | q
    } else {
      const sn = (n << 16) >> 16
      const sd = (d << 24) >> 24
      const q = Math.trunc(sn / sd)
      if (q > 127 || q < -128) c.fault(DE, -1)
      r[0] = (r[0]! & ~0xffff) | (((sn % sd) & 0xff) << 8) | (q & 0xff)
    }
    return
  }
  if (size === 2) {
    const n = (((r[2]! & 0xffff) << 16) | (r[0]! & 0xffff)) >>> 0
    const d = src & 0xffff
    if (d === 0) c.fault(DE, -1)
    let q: number
    let rem: number
    if (!signed) {
      q = Math.floor(n / d)
      if (q > 0xffff) c.fault(DE, -1)
      rem = n % d
    } else {
      const sn = n | 0
      const sd = (d << 16) >> 16
      q = Math.trunc(sn / sd)
      if (q > 32767 || q < -32768) c.fault(DE, -1)
      rem = sn % sd
    }
    r[0] = (r[0]! & ~0xffff) | (q & 0xffff)
    r[2] = (r[2]! & ~0xffff) | (rem & 0xffff)
    return
  }
  const d = src
  if (d === 0) c.fault(DE, -1)
  const hi = r[2]!
  const lo = r[0]!
  if (!signed) {
    if (hi >>> 0 >= d >>> 0) c.fault(DE, -1)
    divU64(hi >>> 0, lo >>> 0, d >>> 0)
    r[0] = divResult.q | 0
    r[2] = divResult.r | 0
    return
  }
  const negN = hi < 0
  let ahi = hi
  let alo = lo
  if (negN) {
    alo = -lo | 0
    ahi = ~hi + (lo === 0 ? 1 : 0)
  }
  const negD = d < 0
  const ad = negD ? -d >>> 0 : d >>> 0
  if (ahi >>> 0 >= ad) c.fault(DE, -1)
  divU64(ahi >>> 0, alo >>> 0, ad)
  const q = negN !== negD ? -divResult.q : divResult.q
  if (q > 0x7fffffff || q < -0x80000000) c.fault(DE, -1)
  r[0] = q | 0
  r[2] = (negN ? -divResult.r : divResult.r) | 0
}

/** Sets SF/ZF/PF from an 8-bit result, keeping the other flags as given in `rest`. */
function setSzp8(c: Cpu, v: number, rest: number): void {
  c.flags = (c.flags & ~ARITH_FLAGS) | rest | (v & 0x80) | ((v & 0xff) === 0 ? ZF : 0) | (PARITY[v & 0xff]! << 2)
  c.lzMask = 0
}

/** DAA (das = false) / DAS. */
export function decimalAdjust(c: Cpu, das: boolean): void {
  const f = c.getEflags()
  const oldAl = c.regs[0]! & 0xff
  const oldCf = f & CF
  let al = oldAl
  let cf = 0
  let af = 0
  if ((al & 0xf) > 9 || (f & AF) !== 0) {
    al = das ? al - 6 : al + 6
    cf = oldCf | (das ? (oldAl < 6 ? 1 : 0) : al > 0xff ? 1 : 0)
    af = AF
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = das ? al - 0x60 : al + 0x60
    cf = 1
  }
  al &= 0xff
  c.regs[0] = (c.regs[0]! & ~0xff) | al
  c.materializeFlags()
  setSzp8(c, al, cf | af | (c.flags & OF))
}

/** AAA (aas = false) / AAS. */
export function asciiAdjust(c: Cpu, aas: boolean): void {
  const f = c.getEflags()
  let ax = c.regs[0]! & 0xffff
  let flags = 0
  if ((ax & 0xf) > 9 || (f & AF) !== 0) {
    if (aas) {
      ax = (ax - 6) & 0xffff
      ax = (ax - 0x100) & 0xffff
    } else ax = (ax + 0x106) & 0xffff
    flags = AF | CF
  }
  ax &= 0xff0f
  c.regs[0] = (c.regs[0]! & ~0xffff) | ax
  c.materializeFlags()
  setSzp8(c, ax & 0xff, flags)
}

/** AAM imm8 (#DE on 0). */
export function aam(c: Cpu, base: number): void {
  if (base === 0) c.fault(DE, -1)
  const al = c.regs[0]! & 0xff
  const ah = Math.floor(al / base)
  const nal = al % base
  c.regs[0] = (c.regs[0]! & ~0xffff) | (ah << 8) | nal
  c.materializeFlags()
  setSzp8(c, nal, 0)
}

/** AAD imm8. */
export function aad(c: Cpu, base: number): void {
  const ax = c.regs[0]!
  const al = ((ax & 0xff) + ((ax >>> 8) & 0xff) * base) & 0xff
  c.regs[0] = (ax & ~0xffff) | al
  c.materializeFlags()
  setSzp8(c, al, 0)
}

export { computeLazy }
