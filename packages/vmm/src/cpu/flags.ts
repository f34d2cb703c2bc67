// Lazy arithmetic flags (QEMU/Bochs style): ALU instructions record operands and result; CF/PF/AF/ZF/SF/OF are
// computed only when read. `lzMask` says which of the six are lazy; the others live in `flags`.
import * as constants from './constants'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { AF, CF, OF, PF, SF, ZF } = constants

/** Lazy operation kinds. */
export const LZ_ADD = 0
export const LZ_SUB = 1
export const LZ_LOGIC = 2

/** PF for each byte value (1 = even parity). */
export const PARITY = new Uint8Array(256)
for (let i = 0; i < 256; i++) {
  let bits = 0
  for (let b = i; b !== 0; b >>= 1) bits += b & 1
  PARITY[i] = (bits & 1) === 0 ? 1 : 0
}

/** The lazy-flag record kept by the CPU. `lzShift` is the sign-bit position (7, 15 or 31). */
export interface LazyFlags {
  flags: number
  lzMask: number
  lzOp: number
  lzShift: number
  lzA: number
  lzB: number
  lzRes: number
}

/** Materializes the lazy flags selected by `lzMask` and returns them (other bits 0). */
export function computeLazy(s: LazyFlags): number {
  const m = s.lzMask
  if (m === 0) return 0
  const a = s.lzA
  const b = s.lzB
  const r = s.lzRes
  const sh = s.lzShift
  let out = 0
  const op = s.lzOp
  if (op === LZ_ADD) {
    out |= (((a & b) | ((a | b) & ~r)) >>> sh) & 1
    out |= ((((a ^ r) & (b ^ r)) >>> sh) & 1) << 11
    out |= (a ^ b ^ r) & AF
  } else if (op === LZ_SUB) {
    out |= (((~a & b) | ((~a | b) & r)) >>> sh) & 1
    out |= ((((a ^ b) & (a ^ r)) >>> sh) & 1) << 11
    out |= (a ^ b ^ r) & AF
  }
  const mask = sh === 31 ? -1 : (1 << (sh + 1)) - 1
  if ((r & mask) === 0) out |= ZF
  out |= ((r >>> sh) & 1) << 7
  out |= PARITY[r & 0xff]! << 2
  return out & m
}

/** Reads CF without materializing the others (hot for ADC/SBB/Jcc). */
export function lazyCF(s: LazyFlags): number {
  if ((s.lzMask & CF) === 0) return s.flags & CF
  const a = s.lzA
  const b = s.lzB
  const r = s.lzRes
  if (s.lzOp === LZ_ADD) return (((a & b) | ((a | b) & ~r)) >>> s.lzShift) & 1
  if (s.lzOp === LZ_SUB) return (((~a & b) | ((~a | b) & r)) >>> s.lzShift) & 1
  return 0
}

/** Reads ZF (as 0 or ZF). */
export function lazyZF(s: LazyFlags): number {
  if ((s.lzMask & ZF) === 0) return s.flags & ZF
  const sh = s.lzShift
  const mask = sh === 31 ? -1 : (1 << (sh + 1)) - 1
  return (s.lzRes & mask) === 0 ? ZF : 0
}

/** Reads SF (as 0 or 1). */
export function lazySF(s: LazyFlags): number {
  if ((s.lzMask & SF) === 0) return (s.flags >>> 7) & 1
  return (s.lzRes >>> s.lzShift) & 1
}

/** Reads OF (as 0 or 1). */
export function lazyOF(s: LazyFlags): number {
  if ((s.lzMask & OF) === 0) return (s.flags >>> 11) & 1
  return (computeLazy(s) >>> 11) & 1
}

/** Reads PF (as 0 or 1). */
export function lazyPF(s: LazyFlags): number {
  if ((s.lzMask & PF) === 0) return (s.flags >>> 2) & 1
  return PARITY[s.lzRes & 0xff]!
}

/** Evaluates condition code `cc` (0–15: O NO B AE E NE BE A S NS P NP L GE LE G). */
export function condition(s: LazyFlags, cc: number): boolean {
  let r: boolean
  switch (cc >> 1) {
    case 0:
      r = lazyOF(s) !== 0
      break
    case 1:
      r = lazyCF(s) !== 0
      break
    case 2:
      r = lazyZF(s) !== 0
      break
    case 3:
      r = lazyCF(s) !== 0 || lazyZF(s) !== 0
      break
    case 4:
      r = lazySF(s) !== 0
      break
    case 5:
      r = lazyPF(s) !== 0
      break
    case 6:
      r = lazySF(s) !== lazyOF(s)
      break
    default:
      r = lazyZF(s) !== 0 || lazySF(s) !== lazyOF(s)
  }
  return (cc & 1) === 0 ? r : !r
}
