// Jumps forward to an instruction of the same block: a Jcc that skips a few instructions (the compiler's code for
// `if (x) { … }`, such as the range decoder's normalisation in the kernel's XZ decompressor — a block does not end
// at a Jcc, so its target often lies further on in the block) and the JMP at the end of an if/else's first branch
// over the second (block-decoder.ts decodes through the bytes a short JMP skips). Compiled code makes such a jump a
// `break` out of a labeled statement that ends right before the target, instead of leaving the function for
// runChunk to find the block that starts at the target. A label opens at its first jump, or earlier where the
// skipped ranges overlap: an if/else's JMP over the second branch lies inside the Jcc's range to that branch, so
// its label opens with the Jcc's and encloses it. Jumps that cannot be nested so stay exits. Flags at a target
// depend on the path taken, so conditions.ts fuses no Jcc with a producer before it.
import { type BlockCache, OP } from '../block-decoder'

/** The forward jumps a block's function takes internally: where each label opens and closes. */
export type ForwardJumps = {
  /** Record index (in the block) of each internal Jcc or JMP → index of its target. */
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

/** A 32-bit Jcc or JMP's target when it is one of the block's later records (not its start); or -1. */
function forwardTarget(b: BlockCache, first: number, n: number, j: number): number {
  const i = first + j
  if (!isForwardJump(b, i)) return -1
  return recordAt(b, first, n, j, b.imm[i]!)
}

/** True for a 32-bit Jcc or JMP (imm: its target's offset from the block's start). */
export function isNearJump(b: BlockCache, i: number): boolean {
  const op = b.op[i]
  return (op === OP.jcc || op === OP.jmp) && b.size[i] === 4
}

/** True for a 32-bit Jcc or JMP forward from the block's start. */
function isForwardJump(b: BlockCache, i: number): boolean {
  return isNearJump(b, i) && b.imm[i]! > 0
}

/** The internal forward jumps of the `n` records at `first`: skipped ranges nested by opening labels earlier. */
export function forwardJumps(b: BlockCache, first: number, n: number): ForwardJumps {
  const target = new Map<number, number>()
  /** Accepted ranges [open, target): a label opens at the first jump to its target, or earlier. */
  const ranges: [number, number][] = []
  for (let j = 0; j < n; j++) {
    const t = forwardTarget(b, first, n, j)
    if (t < 0) continue
    const same = ranges.find((r) => r[1] === t)
    // A later jump to an accepted target lies inside its range (it starts before the target): the label serves.
    if (same !== undefined) {
      target.set(j, t)
      continue
    }
    // A range that began earlier and ends inside this one: open this label where that one opens, around it.
    let open = j
    for (let moved = true; moved;) {
      moved = false
      for (const [a, z] of ranges) {
        if (a < open && open < z && z < t) {
          open = a
          moved = true
        }
      }
    }
    const nests = ranges.every(([a, z]) => z <= open || t <= a || (a <= open && t <= z) || (open <= a && z <= t))
    if (!nests) continue
    ranges.push([open, t])
    target.set(j, t)
  }
  const opens = new Map<number, number[]>()
  for (const [open, t] of ranges) opens.set(open, [...(opens.get(open) ?? []), t])
  for (const list of opens.values()) list.sort((x, y) => y - x)
  return { target, opens, closes: new Set(ranges.map((r) => r[1])) }
}

/**
 * True when record `m` of the block at `first` may be reached by a jump from another record of the block (so the
 * flags before it depend on the path): some 32-bit Jcc or JMP before it targets it, or one at or after it branches
 * back to it (jit/inner-loops.ts). A block's records lie together in the pool and only its first starts at offset
 * 0, so the scan for branches back stops at the next block's first record.
 */
export function isJumpTarget(b: BlockCache, first: number, m: number): boolean {
  const offset = b.start[m]!
  for (let q = first; q < m; q++) {
    if (isForwardJump(b, q) && b.imm[q] === offset) return true
  }
  for (let q = m; q < b.poolUsed && (q === m || b.start[q] !== 0); q++) {
    if (isNearJump(b, q) && b.imm[q] === offset) return true
  }
  return false
}
