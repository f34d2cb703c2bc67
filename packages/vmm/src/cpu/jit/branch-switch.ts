// Branches inside a block that its labeled statements and loops cannot take (jit/forward-jumps.ts, inner-loops.ts):
// loops entered in the middle by a jump from before their head, and loops that overlap instead of nesting — the
// shape of the kernel's XZ decompressor, whose range-decoder macros leave such loops all over its main function.
// Each stayed an exit of the block, a return to runChunk and the call of another block starting at the target: a
// third of the decompressor's block calls. A block with such a branch is compiled as a small state machine instead:
// its records in one `switch` inside the function's loop, a case at each branch target, and every internal branch an
// assignment of the target's case and a `continue` (what the wasm tier's page functions do with `br_table`).

import { type BlockCache } from '../block-decoder'
import { type ForwardJumps, isNearJump } from './forward-jumps'
import { type InnerLoops } from './inner-loops'

/**
 * A block compiled as a state machine: the branches the structured forms could not take, and the forward-jump labels
 * and inner loops that stay (those that would enclose a case are dropped, their branches going through the switch).
 */
export type BranchSwitch = {
  /** Source record → target record of each branch through the switch. */
  readonly target: ReadonlyMap<number, number>
  /** Records a branch through the switch targets: each opens a case (as the block's first record always does). */
  readonly cases: ReadonlySet<number>
  /** The last record that branches backwards through the switch, or -1. */
  readonly lastBack: number
  readonly jumps: ForwardJumps
  readonly loops: InnerLoops
}

/**
 * The 32-bit Jcc and JMP records of the `n` records at `first` that branch to the start of one of the block's own
 * records other than the first, each with its target's index.
 */
function internalBranches(b: BlockCache, first: number, n: number): Map<number, number> {
  const byOffset = new Map<number, number>()
  for (let j = 1; j < n; j++) byOffset.set(b.start[first + j]!, j)
  const out = new Map<number, number>()
  for (let j = 0; j < n; j++) {
    const i = first + j
    if (!isNearJump(b, i)) continue
    const t = byOffset.get(b.imm[i]!)
    if (t !== undefined) out.set(j, t)
  }
  return out
}

/**
 * The state machine for the block at `first`, or null when the structured forms take every internal branch it has
 * (`jumps`, `loops`, and branches back to the block's start): those alone compile to plainer code. A case label
 * must stand outside every labeled statement and loop, so a label [a, t) around a case (a < case < t) or a loop
 * with a case inside after its head is dropped, and its branches join the switch, until none encloses a case.
 */
export function branchSwitch(
  b: BlockCache,
  first: number,
  n: number,
  jumps: ForwardJumps,
  loops: InnerLoops,
): BranchSwitch | null {
  const all = internalBranches(b, first, n)
  const target = new Map<number, number>()
  for (const [j, t] of all) if (!jumps.target.has(j) && !loops.backTo.has(j)) target.set(j, t)
  if (target.size === 0) return null
  const labels = new Map<number, number>() // target → where its label opens
  for (const [open, ts] of jumps.opens) for (const t of ts) labels.set(t, open)
  const heads = new Map(loops.ends)
  const cases = new Set(target.values())
  for (let changed = true; changed;) {
    changed = false
    for (const [t, open] of labels) {
      if (![...cases].some((c) => open < c && c < t)) continue
      labels.delete(t)
      for (const [j, to] of jumps.target) if (to === t) target.set(j, t)
      cases.add(t)
      changed = true
    }
    for (const [head, end] of heads) {
      if (![...cases].some((c) => head < c && c <= end)) continue
      heads.delete(head)
      for (const [j, to] of loops.backTo) if (to === head) target.set(j, head)
      cases.add(head)
      changed = true
    }
  }
  const keptJumps = new Map([...jumps.target].filter(([, t]) => labels.has(t)))
  const opens = new Map<number, number[]>()
  for (const [t, open] of labels) opens.set(open, [...(opens.get(open) ?? []), t])
  for (const list of opens.values()) list.sort((x, y) => y - x)
  const keptLoops = new Map([...loops.backTo].filter(([, head]) => heads.has(head)))
  let lastBack = -1
  for (const [j, t] of target) if (t <= j) lastBack = Math.max(lastBack, j)
  return {
    target,
    cases,
    lastBack,
    jumps: { target: keptJumps, opens, closes: new Set(labels.keys()) },
    loops: { backTo: keptLoops, ends: heads, lastEnd: Math.max(-1, ...heads.values()) },
  }
}
