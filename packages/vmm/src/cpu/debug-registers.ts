// Debug-register breakpoints (Intel SDM vol. 3B 17.2–17.3): which DR0–DR3 entries DR7 arms, and matching of
// instruction fetches, data accesses and (with CR4.DE) I/O port accesses against them. The CPU raises #DB from
// the results. Also the DR6/DR7 bits of the general-detect (17.2.4) and task-switch (17.2.3) conditions.
import * as constants from './constants'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CR4_DE } = constants

/** DR7.GD: any MOV to or from a debug register raises #DB (a fault) first; cleared on entry to the #DB handler. */
export const DR7_GD = 0x2000
/** DR6.BD: the #DB was raised by a debug-register access under DR7.GD. */
export const DR6_BD = 0x2000
/** DR6.BT: the #DB was raised by a task switch into a TSS whose T flag is set. */
export const DR6_BT = 0x8000

/** Bytes covered by a DR7 LEN field (00 → 1, 01 → 2, 10 → 8, 11 → 4). */
const LENGTHS = [1, 2, 8, 4] as const

function enabled(dr7: number, i: number): boolean {
  return ((dr7 >>> (i * 2)) & 3) !== 0
}

function rwField(dr7: number, i: number): number {
  return (dr7 >>> (16 + i * 4)) & 3
}

/** True when some enabled breakpoint watches data writes (R/W 01) or reads and writes (R/W 11). */
export function dataBreakpointsArmed(dr: Int32Array): boolean {
  const dr7 = dr[7]!
  for (let i = 0; i < 4; i++) {
    const rw = rwField(dr7, i)
    if (enabled(dr7, i) && (rw === 1 || rw === 3)) return true
  }
  return false
}

/** True when CR4.DE is set and some enabled breakpoint watches I/O ports (R/W 10). */
export function ioBreakpointsArmed(dr: Int32Array, cr4: number): boolean {
  if ((cr4 & CR4_DE) === 0) return false
  const dr7 = dr[7]!
  for (let i = 0; i < 4; i++) if (enabled(dr7, i) && rwField(dr7, i) === 2) return true
  return false
}

/**
 * B0–B3 bits for an access to `port` of `size` bytes by the I/O breakpoints (R/W 10, only meaningful with CR4.DE):
 * when an enabled one matches, every matching one, enabled or not (see `reportedHits`).
 */
export function ioBreakpointHits(dr: Int32Array, port: number, size: number): number {
  const dr7 = dr[7]!
  let matched = 0
  for (let i = 0; i < 4; i++) {
    if (rwField(dr7, i) !== 2) continue
    const len = LENGTHS[(dr7 >>> (18 + i * 4)) & 3]!
    const start = dr[i]! & 0xffff & ~(len - 1)
    if (port < start + len && start < port + size) matched |= 1 << i
  }
  return reportedHits(dr7, matched)
}

/**
 * DR6 B0–B3 for a set of matching breakpoints: nothing unless one of them is enabled (L or G in DR7); then all of
 * them, since the processor may set B bits of breakpoints that are not enabled (SDM vol. 3B 17.2.3), and Bochs
 * (cpu/crregs.cc `hwdebug_compare`) reports every match.
 */
function reportedHits(dr7: number, matched: number): number {
  for (let i = 0; i < 4; i++) if ((matched & (1 << i)) !== 0 && enabled(dr7, i)) return matched
  return 0
}

/** True if a breakpoint address lies on linear page `page` (its accesses must leave the TLB fast path). */
export function pageWatched(dr: Int32Array, page: number): boolean {
  for (let i = 0; i < 4; i++) if (dr[i]! >>> 12 === page) return true
  return false
}

/**
 * B0–B3 bits for a data access of `size` bytes at `linear` by the data breakpoints (R/W 01 for writes, 11 for
 * reads and writes): when an enabled one matches, every matching one (see `reportedHits`).
 */
export function dataBreakpointHits(dr: Int32Array, linear: number, size: number, write: boolean): number {
  const dr7 = dr[7]!
  let matched = 0
  for (let i = 0; i < 4; i++) {
    const rw = rwField(dr7, i)
    if (rw === 0 || rw === 2 || (rw === 1 && !write)) continue
    const len = LENGTHS[(dr7 >>> (18 + i * 4)) & 3]!
    const start = (dr[i]! & ~(len - 1)) >>> 0
    const a = linear >>> 0
    if (a < start + len && start < a + Math.max(size, 1)) matched |= 1 << i
  }
  return reportedHits(dr7, matched)
}

/**
 * B0–B3 bits of the instruction breakpoints (R/W 00) at linear address `linear`: when an enabled one matches,
 * every matching one (see `reportedHits`); 0 when none fires.
 */
export function codeBreakpointHits(dr: Int32Array, linear: number): number {
  const dr7 = dr[7]!
  let matched = 0
  for (let i = 0; i < 4; i++) if (rwField(dr7, i) === 0 && dr[i] === linear) matched |= 1 << i
  return reportedHits(dr7, matched)
}
