// Dead flag writes within a compiled block (x86-notes §3.2 item 4, v86 PR #466, QEMU's cc_op liveness): a flag
// producer (ALU, TEST, IMUL, shift/rotate by a constant, INC/DEC) need not record its flags — neither the lazy state
// nor the eager CF/OF bits — when every flag it writes is overwritten later in the block before anything can observe
// it. Observers are readers (Jcc/SETcc/CMOVcc/ADC/SBB/PUSHF…), every record the interpreter runs (`h.step`), every
// exit of the block and every record that may fault (the exception handler sees EFLAGS). Decided at compile time
// from the decoded records by a backward liveness pass over two flag groups: CF and the other five.
import { type BlockCache, OP } from '../block-decoder'
import { mayFault } from './record-traits'

/** Records that neither read nor write the arithmetic flags and never leave the block early. */
const NEUTRAL: ReadonlySet<number> = new Set<number>([
  OP.movRmReg,
  OP.movRegRm,
  OP.movRmImm,
  OP.movRegImm,
  OP.lea,
  OP.movzx8,
  OP.movzx16,
  OP.movsx8,
  OP.movsx16,
  OP.nop,
  OP.bswap,
  OP.xchgRmReg,
  OP.cwd,
  OP.cbw,
  OP.notRm,
])

/** Flag groups tracked by the liveness pass: CF (kept apart because INC/DEC and ADC/SBB treat it specially). */
const CF_LIVE = 1
/** OF, SF, ZF, AF, PF. */
const REST_LIVE = 2
const ALL_LIVE = CF_LIVE | REST_LIVE

/** What a flag producer does to the flag groups: `defs` it writes, `uses` it reads when kept or when dead. */
type Producer = { readonly defs: number; readonly keptUses: number; readonly deadUses: number }

/** ALU, TEST, IMUL, SHL/SHR/SAR: all six written, none read. */
const FULL: Producer = { defs: ALL_LIVE, keptUses: 0, deadUses: 0 }
/** ADC/SBB: all six written; CF read for the result even when the flags are dead. */
const WITH_CARRY: Producer = { defs: ALL_LIVE, keptUses: CF_LIVE, deadUses: CF_LIVE }
/** INC/DEC keep CF: the template moves a lazy CF into EFLAGS (reads it) unless the record is dead. */
const KEEPS_CF: Producer = { defs: REST_LIVE, keptUses: CF_LIVE, deadUses: 0 }
/** ROL/ROR write CF and OF; SF/ZF/AF/PF stay in the previous lazy state, which a kept rotate thus reads. */
const ROTATE: Producer = { defs: CF_LIVE, keptUses: REST_LIVE, deadUses: 0 }

/**
 * Record `i` as a flag producer, or null. Memory forms qualify only when every possible fault comes before the
 * flags are written (reads only): a record whose write can fault after its flags must keep them.
 */
function producer(b: BlockCache, i: number): Producer | null {
  const op = b.op[i]!
  const reads = !mayFault(b, i)
  switch (op) {
    case OP.aluRmReg:
    case OP.aluRmImm:
    case OP.aluRegRm: {
      const kind = b.aux[i]!
      // Memory destinations are written after the flags (except CMP, which writes nothing).
      if (op !== OP.aluRegRm && !reads && kind !== 7) return null
      return kind === 2 || kind === 3 ? WITH_CARRY : FULL
    }
    case OP.testRmReg:
    case OP.testRmImm:
    case OP.imulRegRm:
    case OP.imulRegRmImm:
      return FULL
    case OP.shiftImm: {
      if (!reads || (b.imm[i]! & 31) === 0) return null
      const kind = b.aux[i]!
      // SHL/SHR/SAL/SAR by a non-zero count write all six; RCL/RCR read CF (not producers here).
      return kind >= 4 ? FULL : kind <= 1 ? ROTATE : null
    }
    case OP.incRm:
    case OP.decRm:
      return reads ? KEEPS_CF : null
    default:
      return null
  }
}

/** Per record of the block at `first` (`n` records): true when its flag stores can be left out. */
export function deadFlagWriters(b: BlockCache, first: number, n: number): boolean[] {
  const dead = new Array<boolean>(n).fill(false)
  // Flag groups observable after record j, scanning backwards; after the last record the block exits: all.
  let live = ALL_LIVE
  for (let j = n - 1; j >= 0; j--) {
    const i = first + j
    const p = producer(b, i)
    if (p === null) {
      // A reader, an exit, the interpreter, or anything unknown observes every flag.
      if (!NEUTRAL.has(b.op[i]!)) live = ALL_LIVE
    } else if (live === 0) {
      // Nothing is observed before every flag is written again. (Only then: a partial producer left out would
      // leave the lazy state of an earlier record, which conditions.ts `saveCarry` does not expect.)
      dead[j] = true
      live = p.deadUses
    } else {
      live = (live & ~p.defs) | p.keptUses
    }
    // A record that may fault exposes the flags as they stand before it.
    if (mayFault(b, i)) live = ALL_LIVE
  }
  return dead
}

/** Statements of the flag-producing templates (block-compiler.ts `lazy`, `resultFlags`, eager CF/OF, `saveCarry`). */
const FLAG_STORES = [
  /if \(\(c\.lzMask & -?\d+\) !== 0\) c\.flags = \(c\.flags & -?\d+\) \| [^;]+;/g,
  /c\.lzOp = \d+; c\.lzShift = \d+; c\.lzA = [^;]+; c\.lzB = [^;]+; c\.lzRes = [^;]+; c\.lzMask = \d+;/g,
  /c\.flags = \(c\.flags & -?\d+\) \| [^;]+;/g,
  /c\.lzMask &= -?\d+;/g,
]
/** Any flag write left over, or a helper that may write flags: the record is then kept as it is. */
const FLAG_WRITE = /c\.(?:lz\w+|flags) (?:=|&=|\|=) |h\.(?:step|shift|fpu)\b/

/**
 * Removes the flag stores of a producer template (lazy state and eager CF/OF). Returns the code unchanged when
 * anything that writes flags would remain, so an unexpected template costs speed, never correctness.
 */
export function withoutLazyStores(code: string): string {
  let out = code
  for (const re of FLAG_STORES) out = out.replace(re, '')
  return out === code || FLAG_WRITE.test(out) ? code : out
}
