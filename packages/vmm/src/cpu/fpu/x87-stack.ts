// x87 stack operations shared by the general decoder (x87-fpu.ts) and the pre-decoded fast paths (x87-fast.ts):
// pushes with stack-overflow handling, FCOM-style comparisons with stack underflow, register arithmetic and the
// memory-operand arithmetic of D8/DA/DC/DE (Intel SDM vol. 1 §8.1.3, §8.5.1.1; vol. 2 FLD, FCOM, FADD…FDIVR).
import { arithmetic } from './x87-arith'
import { extendedArithmetic } from './x87-binary64'
import { ORDER, compare, setCompareConditions } from './x87-compare'
import { exactArithmetic } from './x87-hot'
import { SW, TMP, type X87State } from './x87-state'

/** Pushes TMP (a freshly loaded memory operand). `checkOperand`: binary32/64 sources signal #I (SNaN) / #D. */
export function pushLoaded(s: X87State, checkOperand: boolean): void {
  const target = (s.top - 1) & 7
  if (s.empty[target] === 0) {
    if (s.stackOverflow()) return
    s.top = target
    s.setIndefinite(target)
    return
  }
  if (checkOperand) {
    const cls = s.values[TMP] !== s.values[TMP] ? s.classify(TMP) : -1
    if (cls === 5 /* SNAN */) {
      if (s.signal(SW.IE)) return
      s.ext[TMP * 3 + 1] = ((s.ext[TMP * 3 + 1] as number) | 0x40000000) >>> 0
    }
    if ((s.denormal[TMP] as number) !== 0 && s.signal(SW.DE)) return
  }
  s.setC1(false)
  s.top = target
  s.copy(target, TMP)
  s.denormal[target] = 0
}

/** Pushes a copy of slot `src` (FLD ST(i), constants, FPTAN's 1.0, FSINCOS/FXTRACT second results). */
export function pushSlot(s: X87State, src: number): boolean {
  const target = (s.top - 1) & 7
  if (s.empty[target] === 0) {
    if (s.stackOverflow()) return false
    s.top = target
    s.setIndefinite(target)
    return false
  }
  s.setC1(false)
  s.top = target
  s.copy(target, src)
  return true
}

/** FCOM-style comparison of slots; with an empty operand: stack underflow and "unordered". */
export function compareInto(s: X87State, a: number, b: number, quiet: boolean): number {
  if (s.empty[a] === 1 || (b < 8 && s.empty[b] === 1)) {
    if (s.stackUnderflow()) return ORDER.FAULT
    setCompareConditions(s, ORDER.UNORDERED)
    return ORDER.UNORDERED
  }
  const order = compare(s, a, b, quiet)
  if (order !== ORDER.FAULT) setCompareConditions(s, order)
  return order
}

/** dst ← a op b over registers, with stack-underflow handling, then an optional pop. */
export function registerArithmetic(
  s: X87State,
  op: number,
  dst: number,
  a: number,
  b: number,
  popAfter: boolean,
): void {
  // Exact results at PC ≥ 53, then rounded ones at PC = 64 (both flat, no general dispatch).
  if (exactArithmetic(s, op, dst, a, b) || extendedArithmetic(s, op, dst, a, b)) {
    if (popAfter) s.pop()
    return
  }
  if (((s.empty[a] as number) | (s.empty[b] as number)) !== 0) {
    if (s.stackUnderflow()) return
    s.setIndefinite(dst)
  } else if (!arithmetic(s, op, dst, a, b)) {
    return
  }
  if (popAfter) s.pop()
}

/** D8/DA/DC/DE with a memory operand already in TMP: arithmetic on ST(0), or FCOM/FCOMP/FICOM/FICOMP. */
export function memoryOperandArithmetic(s: X87State, reg: number): void {
  const st0 = s.top
  if (reg === 2 || reg === 3) {
    if (compareInto(s, st0, TMP, false) !== ORDER.FAULT && reg === 3) s.pop()
    return
  }
  if (s.empty[st0] === 1) {
    if (!s.stackUnderflow()) s.setIndefinite(st0)
    return
  }
  if (exactArithmetic(s, reg, st0, st0, TMP) || extendedArithmetic(s, reg, st0, st0, TMP)) return
  arithmetic(s, reg, st0, st0, TMP)
}
