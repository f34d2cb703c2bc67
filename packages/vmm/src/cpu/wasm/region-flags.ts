// Lazy flags in the wasm tier: the module's `materialize` function (flags.ts `computeLazy` merged into EFLAGS) and
// condition codes, fused with the flag producer when the region compiler knows it (as jit/conditions.ts does for
// compiled JavaScript). Semantics: flags.ts; Intel SDM vol. 1 appendix B (EFLAGS condition codes).
import { AF, CF, OF, PF, SF, ZF } from '../constants'
import { LZ_ADD, LZ_SUB } from '../flags'
import { I32, Op, WasmCode } from './wasm-encoder'

/**
 * Body of `materialize(op, sh, a, b, r, mask, flags) -> i32`: EFLAGS with the lazy arithmetic flags selected by
 * `mask` computed (flags.ts `computeLazy`), the others from `flags`. Local 7 is the lazy result being built.
 */
export function materializeBody(): { locals: number[]; body: Uint8Array } {
  const w = new WasmCode()
  const [op, sh, a, b, r, mask, flags, out] = [0, 1, 2, 3, 4, 5, 6, 7]
  // ADD: CF = carry out of the sign bit, OF = both operands' sign differs from the result's.
  w.get(op).i32(LZ_ADD).op(Op.i32Eq)
  w.if()
  carry(w, a, b, r, false, sh)
  overflow(w, a, b, r, false, sh)
  w.op(Op.i32Or).set(out)
  w.else()
  w.get(op).i32(LZ_SUB).op(Op.i32Eq)
  w.if()
  carry(w, a, b, r, true, sh)
  overflow(w, a, b, r, true, sh)
  w.op(Op.i32Or).set(out)
  w.end()
  w.end()
  // AF from the operand and result bits 4 (both are 0 for logic results, whose lazy operands are 0 or masked).
  w.get(op).i32(2).op(Op.i32LtU)
  w.if()
  w.get(out).get(a).get(b).op(Op.i32Xor).get(r).op(Op.i32Xor).i32(AF).op(Op.i32And).op(Op.i32Or).set(out)
  w.end()
  // ZF: the result masked to the operand size ((2 << sh) - 1: all ones for sh = 31) is 0.
  w.get(out)
  w.get(r).i32(2).get(sh).op(Op.i32Shl).i32(1).op(Op.i32Sub).op(Op.i32And).op(Op.i32Eqz).i32(6).op(Op.i32Shl)
  w.op(Op.i32Or)
  // SF: the sign bit.
  w.get(r).get(sh).op(Op.i32ShrU).i32(1).op(Op.i32And).i32(7).op(Op.i32Shl).op(Op.i32Or)
  // PF: even parity of the low byte.
  w.get(r).i32(0xff).op(Op.i32And).op(0x69).i32(1).op(Op.i32And).i32(1).op(Op.i32Xor).i32(2).op(Op.i32Shl)
  w.op(Op.i32Or).set(out)
  w.get(flags).get(mask).i32(-1).op(Op.i32Xor).op(Op.i32And)
  w.get(out).get(mask).op(Op.i32And).op(Op.i32Or)
  return { locals: [I32], body: w.finish() }
}

/** Pushes CF (0/1) of an ADD or SUB from locals a, b, r (flags.ts `lazyCF`). */
function carry(w: WasmCode, a: number, b: number, r: number, sub: boolean, sh: number): void {
  if (sub) {
    // ((~a & b) | ((~a | b) & r)) >>> sh & 1
    w.get(a).i32(-1).op(Op.i32Xor).get(b).op(Op.i32And)
    w.get(a).i32(-1).op(Op.i32Xor).get(b).op(Op.i32Or).get(r).op(Op.i32And).op(Op.i32Or)
  } else {
    // ((a & b) | ((a | b) & ~r)) >>> sh & 1
    w.get(a).get(b).op(Op.i32And)
    w.get(a).get(b).op(Op.i32Or).get(r).i32(-1).op(Op.i32Xor).op(Op.i32And).op(Op.i32Or)
  }
  w.get(sh).op(Op.i32ShrU).i32(1).op(Op.i32And)
}

/** Pushes OF as bit 11 of an ADD or SUB from locals a, b, r. */
function overflow(w: WasmCode, a: number, b: number, r: number, sub: boolean, sh: number): void {
  if (sub) w.get(a).get(b).op(Op.i32Xor).get(a).get(r).op(Op.i32Xor).op(Op.i32And)
  else w.get(a).get(r).op(Op.i32Xor).get(b).get(r).op(Op.i32Xor).op(Op.i32And)
  w.get(sh).op(Op.i32ShrU).i32(1).op(Op.i32And).i32(11).op(Op.i32Shl)
}

/** The last flag writer of the straight-line code before a condition, when the compiler knows it. */
export type Producer = { readonly kind: 'add' | 'sub' | 'logic' | 'incdec'; readonly bits: 8 | 32 }

/** Locals holding the lazy state (lzA, lzB, lzRes) for fused conditions. */
export type LazyLocals = { readonly a: number; readonly b: number; readonly r: number }

/**
 * Pushes the condition `cc >> 1` (not negated) computed from the producer's lazy operands, and returns true;
 * false (nothing pushed) when only the generic path knows it. Mirrors jit/conditions.ts `baseCondition`.
 */
export function fusedCondition(w: WasmCode, p: Producer, cc2: number, l: LazyLocals): boolean {
  const { a, b, r } = l
  if (p.bits === 8) {
    if (cc2 === 2) w.get(r).op(Op.i32Eqz)
    else if (cc2 === 4) w.get(r).i32(0x80).op(Op.i32And).i32(0).op(Op.i32Ne)
    else if (p.kind === 'sub' && cc2 === 1) w.get(a).get(b).op(Op.i32LtU)
    else if (p.kind === 'sub' && cc2 === 3) w.get(a).get(b).op(Op.i32LeU)
    else if (p.kind === 'logic' && (cc2 === 1 || cc2 === 0)) w.i32(0)
    else return false
    return true
  }
  switch (cc2) {
    case 2:
      w.get(r).op(Op.i32Eqz)
      return true
    case 4:
      w.get(r).i32(0).op(Op.i32LtS)
      return true
    case 0:
      if (p.kind === 'logic') w.i32(0)
      else if (p.kind === 'sub')
        w.get(a).get(b).op(Op.i32Xor).get(a).get(r).op(Op.i32Xor).op(Op.i32And).i32(0).op(Op.i32LtS)
      else if (p.kind === 'add')
        w.get(a).get(r).op(Op.i32Xor).get(b).get(r).op(Op.i32Xor).op(Op.i32And).i32(0).op(Op.i32LtS)
      else return false
      return true
    case 1:
      if (p.kind === 'logic') w.i32(0)
      else if (p.kind === 'sub') w.get(a).get(b).op(Op.i32LtU)
      else if (p.kind === 'add') w.get(r).get(a).op(Op.i32LtU)
      else return false
      return true
    case 3:
      if (p.kind === 'logic') w.get(r).op(Op.i32Eqz)
      else if (p.kind === 'sub') w.get(a).get(b).op(Op.i32LeU)
      else return false
      return true
    case 6:
      if (p.kind === 'logic') w.get(r).i32(0).op(Op.i32LtS)
      else if (p.kind === 'sub') w.get(a).get(b).op(Op.i32LtS)
      else return false
      return true
    case 7:
      if (p.kind === 'logic') w.get(r).i32(0).op(Op.i32LeS)
      else if (p.kind === 'sub') w.get(a).get(b).op(Op.i32LeS)
      else return false
      return true
    default:
      return false
  }
}

/** Pushes condition `cc >> 1` (not negated) from materialized EFLAGS in local `f`. */
export function flagsCondition(w: WasmCode, cc2: number, f: number): void {
  const test = (bits: number) => w.get(f).i32(bits).op(Op.i32And).i32(0).op(Op.i32Ne)
  // SF != OF as 0/1: bit 7 xor bit 11.
  const less = () => w.get(f).i32(7).op(Op.i32ShrU).get(f).i32(11).op(Op.i32ShrU).op(Op.i32Xor).i32(1).op(Op.i32And)
  switch (cc2) {
    case 0:
      test(OF)
      break
    case 1:
      test(CF)
      break
    case 2:
      test(ZF)
      break
    case 3:
      test(CF | ZF)
      break
    case 4:
      test(SF)
      break
    case 5:
      test(PF)
      break
    case 6:
      less()
      break
    default:
      test(ZF)
      less()
      w.op(Op.i32Or)
  }
}
