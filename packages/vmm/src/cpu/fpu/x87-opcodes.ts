// Static tables of the x87 decoder: the FLDxx constants and which D8–DF encodings wait for pending exceptions
// and update the last-instruction pointers (Intel SDM vol. 1 §8.1.8, §8.3.12, §8.3.9; vol. 2 FLD1/FLDL2T/…).

/**
 * Constants of FLD1…FLDZ (D9 E8–EE) as 80-bit images: [signExp, hi, lo truncated, round-to-nearest increments
 * (1 when the bits beyond 64 are above one half)]. Rounded per the rounding control, as on the 80387 and later.
 */
export const CONSTANTS = [
  [0x3fff, 0x80000000, 0x00000000, 0, 0], // FLD1: exact
  [0x4000, 0xd49a784b, 0xcd1b8afe, 0, 1], // FLDL2T = log2(10), next bits 0x49…
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 1, 1], // FLDL2E = log2(e), next bits 0xBE…
  [0x4000, 0xc90fdaa2, 0x2168c234, 1, 1], // FLDPI, next bits 0xC4…
  [0x3ffd, 0x9a209a84, 0xfbcff798, 1, 1], // FLDLG2 = log10(2), next bits 0x8F…
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 1, 1], // FLDLN2 = ln(2), next bits 0xC9…
  [0x0000, 0x00000000, 0x00000000, 0, 0], // FLDZ: exact
] as const

/**
 * Low significand word of constant `index` (0 FLD1 … 6 FLDZ) under rounding control `rc`: inexact constants take
 * the incremented value when rounding to nearest says so, and when rounding up (all are positive).
 */
export function constantLow(index: number, rc: number): number {
  const c = CONSTANTS[index]
  if (c === undefined) return 0
  return c[4] === 1 && ((rc === 0 /* RC.NEAREST */ && c[3] === 1) || rc === 2) /* RC.UP */ ? (c[2] + 1) >>> 0 : c[2]
}

/** Instruction kinds for classifyInstruction. */
export const ORDINARY = 0
export const CONTROL = 1
export const NO_WAIT = 2

/** Waiting behaviour and pointer update of one instruction (SDM vol. 1 §8.1.8, §8.3.12). */
export function classifyInstruction(op: number, reg: number, modrm: number, isRegister: boolean): number {
  if (isRegister) {
    if (op === 3 && reg === 4) return modrm <= 0xe4 ? NO_WAIT : ORDINARY // FNENI, FNDISI, FNCLEX, FNINIT, FNSETPM
    if (op === 7 && modrm === 0xe0) return NO_WAIT // FNSTSW AX
    return ORDINARY
  }
  if (op === 1) {
    if (reg === 6 || reg === 7) return NO_WAIT // FNSTENV, FNSTCW
    if (reg === 4 || reg === 5) return CONTROL // FLDENV, FLDCW
  }
  if (op === 5) {
    if (reg === 6 || reg === 7) return NO_WAIT // FNSAVE, FNSTSW m16
    if (reg === 4) return CONTROL // FRSTOR
  }
  return ORDINARY
}
