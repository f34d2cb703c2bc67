// Dead flag writes within a compiled block (x86-notes §3.2 item 4, v86 PR #466, QEMU's cc_op liveness): an ALU
// or TEST record need not record its lazy flags when a later record of the same block overwrites all six
// arithmetic flags and nothing in between reads flags, branches, or can fault (a fault would expose the flags to
// the exception handler). Everything is decided at compile time from the decoded records.
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

/** True when record `i` sets all six arithmetic flags without reading any (ADC/SBB and INC/DEC read CF). */
function overwritesAll(b: BlockCache, i: number): boolean {
  switch (b.op[i]!) {
    case OP.aluRmReg:
    case OP.aluRegRm:
    case OP.aluRmImm: {
      const kind = b.aux[i]!
      return kind !== 2 && kind !== 3
    }
    case OP.testRmReg:
    case OP.testRmImm:
    case OP.imulRegRm:
    case OP.imulRegRmImm:
      return true
    case OP.shiftImm:
      // SHL/SHR/SAL/SAR by a non-zero count; rotates keep SF/ZF/PF/AF.
      return b.aux[i]! >= 4 && (b.imm[i]! & 31) !== 0
    default:
      return false
  }
}

/** True when record `i` is an ALU or TEST form whose only flag effect is recording the full lazy state. */
function lazyWriter(b: BlockCache, i: number): boolean {
  const op = b.op[i]!
  if (op === OP.testRmReg || op === OP.testRmImm) return true
  if (op !== OP.aluRmReg && op !== OP.aluRegRm && op !== OP.aluRmImm) return false
  const kind = b.aux[i]!
  return kind !== 2 && kind !== 3
}

/** Per record of the block at `first` (`n` records): true when its lazy-flag stores can be left out. */
export function deadFlagWriters(b: BlockCache, first: number, n: number): boolean[] {
  const dead = new Array<boolean>(n).fill(false)
  for (let j = 0; j < n; j++) {
    if (!lazyWriter(b, first + j)) continue
    for (let q = j + 1; q < n; q++) {
      const i = first + q
      if (mayFault(b, i)) break
      if (overwritesAll(b, i)) {
        dead[j] = true
        break
      }
      if (!NEUTRAL.has(b.op[i]!)) break
    }
  }
  return dead
}

/** Removes the lazy-flag stores of an ALU/TEST template (block-compiler.ts `lazy`); other code is unchanged. */
export function withoutLazyStores(code: string): string {
  return code.replace(/c\.lzOp = \d+; c\.lzShift = \d+; c\.lzA = a; c\.lzB = v; c\.lzRes = r; c\.lzMask = \d+;/, '')
}
