// Loops inside a block: a Jcc or JMP back to one of the block's own instructions other than its first. Compiled C
// enters a loop somewhere before its head — the kernel's XZ decompressor runs its inner loops that way, and a third
// of its block exits were such branches back into the block that had just run, each a return to runChunk and a call
// of the block starting at the head. Compiled code makes the loop a labeled `for (;;)` around the records from the
// head to the last branch back to it, and the branch a `continue` (the branch back to the block's first instruction
// stays the function's own loop). Loops must nest with each other and with the labeled statements of internal
// forward jumps (jit/forward-jumps.ts); a branch whose loop would not nest (among the decompressor's, loops that a
// forward jump from before the head enters in the middle, and loops overlapping another) makes the block a state
// machine (jit/branch-switch.ts). Flags at a loop head depend on the path
// taken, so conditions.ts fuses no condition with a producer before it (forward-jumps.ts isJumpTarget).
import type { BlockCache } from '../block-decoder'
import { type ForwardJumps, isNearJump } from './forward-jumps'

/** The branches back into a block that its function takes internally. */
export type InnerLoops = {
  /** Record index (in the block) of each such Jcc or JMP → index of its loop's head. */
  readonly backTo: ReadonlyMap<number, number>
  /** Loop head → the last record of its loop (its last branch back). */
  readonly ends: ReadonlyMap<number, number>
  /** The last record of any loop, or -1. */
  readonly lastEnd: number
}

/**
 * Index of the loop head a 32-bit Jcc or JMP in record `j` branches back to (a record after the block's first, at
 * or before `j`), or -1.
 */
function backEdgeHead(b: BlockCache, first: number, j: number): number {
  const i = first + j
  if (!isNearJump(b, i)) return -1
  const to = b.imm[i]!
  if (to <= 0 || to > b.start[i]!) return -1
  for (let m = j; m >= 1; m--) if (b.start[first + m] === to) return m
  return -1
}

/** The inner loops of the `n` records at `first` whose structure nests with each other and with `jumps`. */
export function innerLoops(b: BlockCache, first: number, n: number, jumps: ForwardJumps): InnerLoops {
  const sources = new Map<number, number[]>()
  for (let j = 1; j < n; j++) {
    const m = backEdgeHead(b, first, j)
    if (m >= 1) sources.set(m, [...(sources.get(m) ?? []), j])
  }
  const labels: [number, number][] = []
  for (const [open, targets] of jumps.opens) for (const t of targets) labels.push([open, t])
  const accepted: [number, number][] = []
  const backTo = new Map<number, number>()
  const ends = new Map<number, number>()
  let lastEnd = -1
  for (const [m, from] of [...sources].sort((x, y) => x[0] - y[0])) {
    const e = Math.max(...from)
    const nests = accepted.every(([m2, e2]) => e2 < m || e < m2 || (m < m2 && e2 < e) || (m2 < m && e < e2))
    if (!nests || !labels.every(([a, t]) => sitsWith(a, t, m, e))) continue
    accepted.push([m, e])
    ends.set(m, e)
    for (const j of from) backTo.set(j, m)
    lastEnd = Math.max(lastEnd, e)
  }
  return { backTo, ends, lastEnd }
}

/**
 * True when a label [a, t) — closing before record t — and the loop of records m..e nest as they are: the label
 * before the loop, after it, inside it, or around it (opening earlier: the loop opens before the labels that open
 * with it).
 */
function sitsWith(a: number, t: number, m: number, e: number): boolean {
  return t <= m || a > e || (a >= m && t <= e) || (a < m && t > e)
}
