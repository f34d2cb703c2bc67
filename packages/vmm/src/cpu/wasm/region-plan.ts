// The shape of a wasm region (region-compiler.ts): the page's instructions, each once, in straight-line cases, and
// where the registers and flags live between cases.
import type { BlockCache } from '../block-decoder'
import { OP } from '../block-decoder'
import type { RegionBlock } from './region-compiler'
import { ENDS_FLOW, FLAG_BLIND, MAX_CHAIN, registersWritten } from './region-records'

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
  /** Per case: entered through the dispatch (it loads the state from the arena). */
  readonly loadsState: readonly boolean[]
  /** Per case: registers (bit mask) and whether the flags may have changed when it leaves. */
  readonly dirtyRegsOf: Int32Array
  readonly dirtyFlagsOf: readonly boolean[]
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
  for (const leader of [...leaders].sort((x, y) => x - y)) {
    caseAt.set(leader, cases.length)
    cases.push({ offset: leader, chain: chains.get(leader)! })
  }
  return { cases, caseAt, ...planState(b, cases, caseAt, new Set(blocks.map((x) => x.offset))) }
}

/**
 * Where the registers and flags are between cases. Forward branches and fall-through (cases are in page order)
 * keep them in the locals, as code after an if/else in one function does. Cases the dispatch enters — where the
 * run loop enters (block starts), and where branches back land — have a second entry that loads all of them
 * from the state block first. What a case may have changed (its own writes and what may arrive changed from
 * forward predecessors) is stored before it branches back or leaves the function, so no local is live across
 * the dispatch loop.
 */
function planState(
  b: BlockCache,
  cases: RegionPlan['cases'],
  caseAt: ReadonlyMap<number, number>,
  entries: ReadonlySet<number>,
): Pick<RegionPlan, 'loadsState' | 'dirtyRegsOf' | 'dirtyFlagsOf'> {
  const n = cases.length
  const targets: number[][] = cases.map(() => [])
  const forward = cases.map(() => false)
  const backward = cases.map(() => false)
  cases.forEach((c, k) => {
    const add = (offset: number) => {
      const t = caseAt.get(offset)
      if (t === undefined) return
      targets[k]!.push(t)
      if (t > k) forward[t] = true
      else if (t < k) backward[t] = true
    }
    for (const node of c.chain) {
      const op = b.op[node.i]!
      if (op === OP.jcc || op === OP.jmp || op === OP.call || op === OP.loop) add(node.block.offset + b.imm[node.i]!)
    }
    const last = c.chain[c.chain.length - 1]!
    if (!ENDS_FLOW.has(b.op[last.i]!)) add(last.next)
  })
  // Entered through the dispatch: where the run loop enters (block starts) and where branches back land. Forward
  // branches and fall-through reach a case after its loads, with the state in locals.
  const loadsState = cases.map((c, k) => backward[k]! || entries.has(c.offset))
  const dirtyRegsOf = new Int32Array(n)
  const dirtyFlagsOf = cases.map(() => false)
  const inRegs = new Int32Array(n)
  const inFlags = cases.map(() => false)
  for (let k = 0; k < n; k++) {
    let regs = inRegs[k]!
    let flags = inFlags[k]!
    for (const { i } of cases[k]!.chain) {
      regs |= registersWritten(b, i)
      const op = b.op[i]!
      flags ||= !FLAG_BLIND.has(op) && op !== OP.jcc && op !== OP.setcc && op !== OP.cmovcc
    }
    dirtyRegsOf[k] = regs
    dirtyFlagsOf[k] = flags
    for (const t of targets[k]!) {
      if (t <= k) continue
      inRegs[t] = inRegs[t]! | regs
      inFlags[t] = inFlags[t]! || flags
    }
  }
  return { loadsState, dirtyRegsOf, dirtyFlagsOf }
}
