// The shape of a wasm region (region-compiler.ts): the page's instructions, each once, in straight-line cases; where
// the run loop enters; how far a pass from each case may go before the next instruction-budget check.
import type { BlockCache } from '../block-decoder'
import { OP } from '../block-decoder'
import type { RegionBlock } from './region-compiler'
import { ENDS_FLOW, MAX_CHAIN } from './region-records'

/** One instruction of the page (the first decoded record at its offset) and the offset execution goes on at. */
export type Node = {
  readonly block: RegionBlock
  readonly j: number
  readonly i: number
  readonly offset: number
  readonly next: number
}

/** A region's cases and state plan. */
export type RegionPlan = {
  /** The cases in page-offset order: each a straight-line chain of instructions. */
  readonly cases: readonly { readonly offset: number; readonly chain: readonly Node[] }[]
  /** Page offset → case. */
  readonly caseAt: ReadonlyMap<number, number>
  /** Per case: the run loop enters there (a block start); the case then loads the state from the arena first. */
  readonly entry: readonly boolean[]
  /** Per case: the last case of the wasm loop it heads, or -1; and the header of the loop it is inside, or -1. */
  readonly loopEnd: Int32Array
  readonly inLoop: Int32Array
  /**
   * Per case: the most instructions one pass from it retires until a branch back or out of the function; the
   * instruction budget is checked against it where the run loop enters and at branches back, so forward branches
   * need no check.
   */
  readonly maxPath: Int32Array
}

/**
 * Blocks decoded from different entry points overlap (each runs on up to 160 instructions), so the region is
 * built from the page's instructions, each once: cases start at the blocks' starts and at branch targets, and
 * run straight on (following the blocks' flow, through followed JMPs) until the next case or a transfer.
 */
export function planRegion(b: BlockCache, blocks: readonly RegionBlock[]): RegionPlan {
  const caseAt = new Map<number, number>()
  const cases: { offset: number; chain: Node[] }[] = []
  const nodes = new Map<number, Node>()
  const leaders = new Set<number>()
  // A block start inside another block's straight line (decoded where a chunk ended mid-block) is no leader unless
  // a branch lands there: it would cut the line into cases for nothing.
  const inner = new Set<number>()
  for (const block of blocks) for (let j = 1; j < block.count; j++) inner.add(block.offset + b.start[block.first + j]!)
  for (const block of blocks) {
    if (!inner.has(block.offset)) leaders.add(block.offset)
    for (let j = 0; j < block.count; j++) {
      const i = block.first + j
      const offset = block.offset + b.start[i]!
      if (!nodes.has(offset)) nodes.set(offset, { block, j, i, offset, next: block.offset + b.end[i]! })
      const op = b.op[i]!
      if (op === OP.jcc || op === OP.jmp || op === OP.call || op === OP.loop) {
        const target = block.offset + b.imm[i]!
        if (target >= 0 && target < 4096) leaders.add(target)
      }
    }
  }
  for (const l of [...leaders]) if (!nodes.has(l)) leaders.delete(l)
  // Chains from each leader; an instruction two chains reach becomes a leader itself (then chains again).
  let chains = new Map<number, Node[]>()
  for (let changed = true; changed;) {
    changed = false
    chains = new Map()
    const owner = new Map<number, number>()
    for (const leader of [...leaders].sort((x, y) => x - y)) {
      const chain: Node[] = []
      for (let n = nodes.get(leader); n !== undefined; n = nodes.get(n.next)) {
        if (n.offset !== leader && leaders.has(n.offset)) break
        if (owner.has(n.offset)) {
          leaders.add(n.offset)
          changed = true
          break
        }
        owner.set(n.offset, leader)
        chain.push(n)
        if (ENDS_FLOW.has(b.op[n.i]!) || chain.length >= MAX_CHAIN) break
      }
      chains.set(leader, chain)
    }
  }
  for (const leader of [...leaders].sort((x, y) => x - y)) {
    caseAt.set(leader, cases.length)
    cases.push({ offset: leader, chain: chains.get(leader)! })
  }
  return { cases, caseAt, ...planState(b, cases, caseAt, new Set(blocks.map((x) => x.offset))) }
}

/**
 * Where the run loop enters (the cases at block starts: a second label loads the registers and flags from the
 * state block; every other way into a case finds them in the locals), the most instructions a pass from each
 * case retires before it branches back or leaves — forward branches go to later cases, so this is a longest path
 * over a DAG, computed in reverse order — and the loops that become wasm `loop`s.
 */
function planState(
  b: BlockCache,
  cases: RegionPlan['cases'],
  caseAt: ReadonlyMap<number, number>,
  entries: ReadonlySet<number>,
): Pick<RegionPlan, 'entry' | 'maxPath' | 'loopEnd' | 'inLoop'> {
  const n = cases.length
  const targets: number[][] = cases.map((c) => {
    const out: number[] = []
    const add = (offset: number) => {
      const t = caseAt.get(offset)
      if (t !== undefined) out.push(t)
    }
    for (const node of c.chain) {
      const op = b.op[node.i]!
      if (op === OP.jcc || op === OP.jmp || op === OP.call || op === OP.loop) add(node.block.offset + b.imm[node.i]!)
    }
    const last = c.chain[c.chain.length - 1]!
    if (!ENDS_FLOW.has(b.op[last.i]!)) add(last.next)
    return out
  })
  const maxPath = new Int32Array(n)
  for (let k = n - 1; k >= 0; k--) {
    let tail = 0
    for (const t of targets[k]!) if (t > k) tail = Math.max(tail, maxPath[t]!)
    maxPath[k] = cases[k]!.chain.length + tail
  }
  const { loopEnd, inLoop } = planLoops(targets)
  const entry = cases.map((c, k) => inLoop[k] === -1 && entries.has(c.offset))
  return { entry, maxPath, loopEnd, inLoop }
}

/**
 * Loops whose back edges can be a wasm `loop` instead of the dispatch: a header t and the cases t..K up to the last
 * that branches back to it, when every branch back inside goes to t, to the case itself or before t (those use the
 * dispatch). Branches from outside to a case past t go through the loop's start (region-compiler.ts, L_ENTER): gcc
 * enters its rotated loops at the condition, after the body. Loops do not overlap or nest here; a case inside one
 * is not entered by the run loop.
 */
function planLoops(targets: readonly (readonly number[])[]): { loopEnd: Int32Array; inLoop: Int32Array } {
  const n = targets.length
  const loopEnd = new Int32Array(n).fill(-1)
  const inLoop = new Int32Array(n).fill(-1)
  const last = new Int32Array(n).fill(-1)
  targets.forEach((ts, s) => {
    for (const t of ts) if (t < s) last[t] = Math.max(last[t]!, s)
  })
  let covered = -1
  for (let t = 0; t < n; t++) {
    const end = last[t]!
    if (end < 0 || t <= covered) continue
    let ok = true
    for (let s = 0; s < n && ok; s++) {
      for (const u of targets[s]!) {
        const inside = s >= t && s <= end
        if (inside && u < s && u !== t && u >= t) ok = false
      }
    }
    if (!ok) continue
    loopEnd[t] = end
    for (let u = t + 1; u <= end; u++) inLoop[u] = t
    covered = end
  }
  return { loopEnd, inLoop }
}
