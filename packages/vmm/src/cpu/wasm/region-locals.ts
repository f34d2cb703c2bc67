// The layout of a wasm region function (region-compiler.ts): its imports, parameters and locals.
import { STATE } from '../../memory/wasm-arena'

/** Imported functions, in index order: reads (seg, offset) → value, writes (seg, offset, value) → stop flag. */
export const REGION_IMPORTS = ['read8', 'read16', 'read32', 'write8', 'write16', 'write32'] as const
export const FN_READ = [0, 0, 1, 1, 2] as const // by size in bytes: 1 → 0, 2 → 1, 4 → 2
export const FN_MATERIALIZE = REGION_IMPORTS.length
export const FN_REGION = FN_MATERIALIZE + 1

/** The function's parameters: the case to start at, the EIP there, and the most instructions to retire. */
export const P_CASE = 0
export const P_EIP = 1
export const P_LIMIT = 2
/** Locals: EAX…EDI, the lazy-flag state (flags.ts order), counters and scratch. */
export const L_REG = 3
export const L_OP = 11
export const L_SHIFT = 12
export const L_A = 13
export const L_B = 14
export const L_RES = 15
export const L_MASK = 16
export const L_FLAGS = 17
export const L_DONE = 18
export const L_BASE = 19
export const L_EIP_OUT = 20
export const L_FS = 21
export const L_GS = 22
export const L_OFF = 23 // memory operand offset
export const L_LIN = 24 // linear address
export const L_ENTRY = 25 // TLB entry
export const L_VAL = 26 // value to store
export const L_T0 = 27
export const L_T1 = 28
export const L_T2 = 29
export const L_F = 30 // materialized flags
export const L_W0 = 31 // i64 scratch
/** First local of the page-run groups (4 each: allowed to read, host base for reads, allowed to write, for writes). */
/** Which case inside a wasm loop to enter at, + 1, when a branch from outside lands past its header (0: the header). */
export const L_ENTER = 32
export const L_GROUPS = 33
export const I32_LOCALS = L_W0 - L_REG

/** Segments flat code may use without a base: ES, CS, SS, DS. FS and GS add their base (`L_FS`, `L_GS`). */

/** The flag state's slots in the state block, in the order of the locals L_OP…L_FLAGS. */
export const FLAG_SLOTS = [STATE.lzOp, STATE.lzShift, STATE.lzA, STATE.lzB, STATE.lzRes, STATE.lzMask, STATE.flags]
