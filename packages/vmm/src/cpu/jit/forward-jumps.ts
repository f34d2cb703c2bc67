// Conditional jumps forward to an instruction of the same block (an `if` that skips a few instructions — the
// compiler's code for `if (x) { … }`, such as the range decoder's normalisation in the kernel's XZ decompressor):
// a block does not end at a Jcc, so its target often lies further on in the block. Compiled code makes such a
// jump a `break` out of a labeled statement that ends right before the target, instead of leaving the function
// for runChunk to find the block that starts at the target. Jumps whose skipped ranges overlap without nesting
// stay exits. Flags at a target depend on the path taken, so conditions.ts fuses no Jcc with a producer before it.
import { type BlockCache, OP } from '../block-decoder'

/** The forward jumps a block's function takes internally: where each label opens and closes. */
export type ForwardJumps = {
  /** Record index (in the block) of each internal Jcc → index of its target. */
  readonly target: ReadonlyMap<number, number>
  /** Labels to open before a record, outermost (farthest target) first. */
  readonly opens: ReadonlyMap<number, readonly number[]>
  /** Records before which a label closes (the targets). */
  readonly closes: ReadonlySet<number>
}

/** Index in the block of the record starting `offset` bytes after the block's start, after record `from`; or -1. */
function recordAt(b: BlockCache, first: number, n: number, from: number, offset: number): number {
  for (let k = from + 1; k < n; k++) if (b.start[first + k] === offset) return k
  return -1
}

/** True for a 32-bit Jcc of the block whose target is one of its later records (not its start). */
function forwardTarget(b: BlockCache, first: number, n: number, j: number): number {
  const i = first + j
  if (b.op[i] !== OP.jcc || b.size[i] !== 4 || b.imm[i]! <= 0) return -1
  return recordAt(b, first, n, j, b.imm[i]!)
}

/** The internal forward jumps of the `n` records at `first`: each skipped range nests in or avoids the others. */
export function forwardJumps(b: BlockCache, first: number, n: number): ForwardJumps {
  const target = new Map<number, number>()
  /** Accepted ranges [open, target): the first Jcc to each target opens its label. */
  const ranges: [number, number][] = []
  for (let j = 0; j < n; j++) {
    const t = forwardTarget(b, first, n, j)
    if (t < 0) continue
    const same = ranges.find((r) => r[1] === t)
    // A later Jcc to an accepted target lies inside its range (it starts before the target): the label serves.
    if (same !== undefined) {
      target.set(j, t)
      continue
    }
    const nests = ranges.every(([a, z]) => z <= j || t <= a || (a <= j && t <= z) || (j <= a && z <= t))
    if (!nests) continue
    ranges.push([j, t])
    target.set(j, t)
  }
  const opens = new Map<number, number[]>()
  for (const [open, t] of ranges) opens.set(open, [...(opens.get(open) ?? []), t])
  for (const list of opens.values()) list.sort((x, y) => y - x)
  return { target, opens, closes: new Set(ranges.map((r) => r[1])) }
}

/**
 * True when record `m` of the block at `first` may be reached by a jump from an earlier record of the block (so the
 * flags before it depend on the path): some 32-bit Jcc before it targets it.
 */
export function isJumpTarget(b: BlockCache, first: number, m: number): boolean {
  const offset = b.start[m]!
  for (let q = first; q < m; q++) {
    if (b.op[q] === OP.jcc && b.size[q] === 4 && b.imm[q] === offset) return true
  }
  return false
}
