// Pre-decoded x87 instruction kinds: one table lookup on the 11-bit opcode (escape byte & 7, ModRM) replaces the
// nested switches of the general decoder for the instructions compilers emit most (Intel SDM vol. 2 appendix A.5,
// tables ), and the size and direction of each memory operand for the CPU's segment checks.

/**
 * Kinds of x87 instructions with a flat fast path (x87-fast.ts). All of them are "ordinary" waiting instructions
 * that record the last-instruction pointers (SDM vol. 1 §8.1.8); kinds from MEMORY on have a memory operand.
 * GENERAL (0) means: use the general decoder.
 */
export const KIND = {
  GENERAL: 0,
  /** D8 C0–FF but not D0–DF: ST(0) ← ST(0) op ST(i). */
  ARITH_ST0: 1,
  /** DC C0–FF but not D0–DF: ST(i) ← ST(i) op ST(0) (SUB/SUBR and DIV/DIVR swapped). */
  ARITH_STI: 2,
  /** DE C0–FF but not D0–DF: the same, then pop. */
  ARITH_STI_POP: 3,
  FLD_STI: 4,
  FXCH: 5,
  FST_STI: 6,
  FSTP_STI: 7,
  FSQRT: 8,
  FCHS: 9,
  FABS: 10,
  FLD1: 11,
  FLDZ: 12,
  /** D8 D0+i. */
  FCOM: 13,
  /** D8 D8+i. */
  FCOMP: 14,
  /** DD E0+i. */
  FUCOM: 15,
  /** DD E8+i. */
  FUCOMP: 16,
  /** DE D9. */
  FCOMPP: 17,
  /** DA E9. */
  FUCOMPP: 18,
  /** D9 E9–ED: FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2 (rounded per RC). */
  FLD_CONST: 19,
  /** First kind with a memory operand. */
  MEMORY: 32,
  FLD_M32: 32,
  FST_M32: 33,
  FSTP_M32: 34,
  FLD_M64: 35,
  FST_M64: 36,
  FSTP_M64: 37,
  FILD_M32: 38,
  FILD_M16: 39,
  /** D8 /r: ST(0) op m32fp, FCOM(P) m32fp. */
  ARITH_M32: 40,
  /** DC /r. */
  ARITH_M64: 41,
  /** DA /r. */
  ARITH_I32: 42,
  /** DE /r. */
  ARITH_I16: 43,
  FIST_M32: 44,
  FISTP_M32: 45,
  FISTTP_M32: 46,
  FISTP_M64: 47,
  FIST_M16: 48,
  FISTP_M16: 49,
} as const

function buildKinds(): Uint8Array {
  const t = new Uint8Array(2048)
  for (let modrm = 0xc0; modrm <= 0xff; modrm++) {
    const reg = (modrm >>> 3) & 7
    const compare = reg === 2 || reg === 3
    if (!compare) {
      t[0x000 | modrm] = KIND.ARITH_ST0
      t[0x400 | modrm] = KIND.ARITH_STI
      t[0x600 | modrm] = KIND.ARITH_STI_POP
    }
    if (reg === 0) t[0x100 | modrm] = KIND.FLD_STI
    if (reg === 1) t[0x100 | modrm] = KIND.FXCH
    if (reg === 2) {
      t[0x000 | modrm] = KIND.FCOM
      t[0x500 | modrm] = KIND.FST_STI
    }
    if (reg === 3) {
      t[0x000 | modrm] = KIND.FCOMP
      t[0x500 | modrm] = KIND.FSTP_STI
    }
    if (reg === 4) t[0x500 | modrm] = KIND.FUCOM
    if (reg === 5) t[0x500 | modrm] = KIND.FUCOMP
  }
  t[0x1fa] = KIND.FSQRT
  t[0x1e0] = KIND.FCHS
  t[0x1e1] = KIND.FABS
  t[0x1e8] = KIND.FLD1
  t[0x1ee] = KIND.FLDZ
  for (let modrm = 0xe9; modrm <= 0xed; modrm++) t[0x100 | modrm] = KIND.FLD_CONST
  t[0x6d9] = KIND.FCOMPP
  t[0x2e9] = KIND.FUCOMPP
  const memory: [number, number, number][] = [
    [1, 0, KIND.FLD_M32],
    [1, 2, KIND.FST_M32],
    [1, 3, KIND.FSTP_M32],
    [5, 0, KIND.FLD_M64],
    [5, 2, KIND.FST_M64],
    [5, 3, KIND.FSTP_M64],
    [3, 0, KIND.FILD_M32],
    [3, 1, KIND.FISTTP_M32],
    [3, 2, KIND.FIST_M32],
    [3, 3, KIND.FISTP_M32],
    [7, 0, KIND.FILD_M16],
    [7, 2, KIND.FIST_M16],
    [7, 3, KIND.FISTP_M16],
    [7, 7, KIND.FISTP_M64],
  ]
  for (let modrm = 0; modrm < 0xc0; modrm++) {
    const reg = (modrm >>> 3) & 7
    t[0x000 | modrm] = KIND.ARITH_M32
    t[0x200 | modrm] = KIND.ARITH_I32
    t[0x400 | modrm] = KIND.ARITH_M64
    t[0x600 | modrm] = KIND.ARITH_I16
    for (const [op, r, kind] of memory) if (r === reg) t[(op << 8) | modrm] = kind
  }
  return t
}

/** Kind of each 11-bit x87 opcode ((escape byte & 7) << 8 | ModRM). */
export const X87_KINDS = buildKinds()

/** Flag in {@link x87OperandAccess}: the instruction writes its memory operand. */
export const OPERAND_WRITE = 0x1000

/** Operand bytes per (escape & 7, reg) for 16-bit operand size, then for 32-bit; see {@link x87OperandAccess}. */
function buildOperandAccess(): Uint16Array {
  const w = OPERAND_WRITE
  const t = new Uint16Array(128)
  for (let big = 0; big < 2; big++) {
    const env = big === 1 ? 28 : 14
    const state = big === 1 ? 108 : 94
    const rows = [
      [4, 4, 4, 4, 4, 4, 4, 4], // D8: m32fp operand
      [4, 0, 4 | w, 4 | w, env, 2, env | w, 2 | w], // D9: FLD, —, FST, FSTP m32fp; FLDENV, FLDCW, FNSTENV, FNSTCW
      [4, 4, 4, 4, 4, 4, 4, 4], // DA: m32int operand
      [4, 4 | w, 4 | w, 4 | w, 0, 10, 0, 10 | w], // DB: FILD, FISTTP, FIST, FISTP m32int; —; FLD m80; —; FSTP m80
      [8, 8, 8, 8, 8, 8, 8, 8], // DC: m64fp operand
      [8, 8 | w, 8 | w, 8 | w, state, 0, state | w, 2 | w], // DD: FLD, FISTTP m64, FST(P) m64fp; FRSTOR; —; FNSAVE; FNSTSW
      [2, 2, 2, 2, 2, 2, 2, 2], // DE: m16int operand
      [2, 2 | w, 2 | w, 2 | w, 10, 8, 10 | w, 8 | w], // DF: FILD…FISTP m16int; FBLD; FILD m64int; FBSTP; FISTP m64int
    ]
    for (let op = 0; op < 8; op++) for (let reg = 0; reg < 8; reg++) t[(big << 6) | (op << 3) | reg] = rows[op]![reg]!
  }
  return t
}

const OPERAND_ACCESS = buildOperandAccess()

/**
 * Bytes of the memory operand of a D8–DF instruction with ModRM `modrm` (mod ≠ 3), ORed with OPERAND_WRITE
 * when the instruction stores to it, so that the CPU can check the whole operand against the segment limit and
 * its type (SDM vol. 3A §5.3, §5.4) before the FPU runs. `opSize32` selects the 14/28-byte environment and the
 * 94/108-byte state images. Undefined encodings (which raise #UD) report 0.
 */
export function x87OperandAccess(opcode: number, modrm: number, opSize32: boolean): number {
  return OPERAND_ACCESS[(opSize32 ? 64 : 0) | ((opcode & 7) << 3) | ((modrm >>> 3) & 7)]!
}

/** Operand bytes (| OPERAND_WRITE) of each memory kind, as {@link x87OperandAccess} gives them; 0 for others. */
export const FAST_OPERAND = (() => {
  const t = new Uint16Array(64)
  for (let code = 0; code < 2048; code++) {
    const kind = X87_KINDS[code]!
    if (kind >= KIND.MEMORY) t[kind] = x87OperandAccess(code >>> 8, code & 0xff, true)
  }
  return t
})()
