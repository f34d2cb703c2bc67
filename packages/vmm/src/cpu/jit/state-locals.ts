// Flag state, fault progress and segments of a compiled block in JavaScript locals (x86-notes §3.2 item 4; QEMU keeps cc_op
// and its operands in TCG temporaries the same way): the lazy-flag fields and EFLAGS are read once on entry and
// written back by the block's `finally`, on every return and on every guest fault, so the exception handler and
// the next block see exactly what the records left. In between V8 keeps them in machine registers and drops the
// values no exit can observe, which leaves out dead flag stores that dead-flags.ts cannot prove dead (a flag
// producer followed by a record that may fault before the next full flag write). Likewise the fault-accounting
// progress (`p.done`, `p.k`, see compile-block.ts `accountCompiledFault`) becomes a local written out by a `catch`
// only when a fault leaves the block: a constant per record instead of a store before every record that may fault.

import { inlineMemory } from './inline-memory'

/** The Cpu fields of the flag state (flags.ts lazy flags and EFLAGS). */
const FLAG_FIELDS = ['lzOp', 'lzShift', 'lzA', 'lzB', 'lzRes', 'lzMask', 'flags'] as const

/** Flag producers (lazy-state stores) that make flag locals worth it in a block without a self-loop. */
const MIN_PRODUCERS = 3

/** Cpu methods that compiled code calls and that neither read nor write the arithmetic flags. */
const FLAG_BLIND_METHODS: ReadonlySet<string> = new Set([
  'read8',
  'read16',
  'read32',
  'write8',
  'write16',
  'write32',
  'push16',
  'push32',
  'peek16',
  'peek32',
  'adjustSp',
  'gp',
  'fault',
])
/** Helpers that only read the flag state (given `c` first): the locals are stored before they are called. */
const FLAG_READERS = ['jccTaken', 'condition', 'lazyCF', 'computeLazy'] as const
/**
 * A call of a Cpu method other than FLAG_BLIND_METHODS, or a helper other than the progress object `h.p` and
 * FLAG_READERS: one scan of the body (source generation checks every record's code and whole bodies with it).
 */
const UNKNOWN_CALL = new RegExp(
  `\\bc\\.(?!(?:${[...FLAG_BLIND_METHODS].join('|')})\\()\\w+\\(|\\bh\\.(?!(?:p|${FLAG_READERS.join('|')})\\b)\\w+`,
)
/** Per flag field: a use of it, and an assignment to it. */
const FIELD_USE = FLAG_FIELDS.map((f) => new RegExp(`\\bc\\.${f}\\b`))
const FIELD_WRITE = FLAG_FIELDS.map((f) => new RegExp(`\\bc\\.${f} (?:=|&=|\\|=) `))

/** Code that a block's `finally` gains, and the body rewritten to use the locals. */
export type StateLocals = {
  /** Declarations run on entry, before the `try`. */
  readonly declare: string
  /** The block body using the locals. */
  readonly body: string
  /** Statements for the `finally`. */
  readonly writeBack: string
  /** Statements for a `catch` (before rethrowing): the fault progress, which only fault accounting reads. */
  readonly onFault: string
  /** `Cpu.wideSegs` bits the body assumes (inline-memory.ts `guard`). */
  readonly guard: number
}

/**
 * Rewrites the body of a compiled block (one that keeps its registers in locals, inside `try`/`finally`) to keep
 * the flag state and fault progress in locals. The flag state stays in the Cpu when the body calls anything that
 * may read or write it other than the known readers (`h.step`, a helper that writes flags, an unknown method).
 * `wideSegs` is `Cpu.wideSegs` at compile time (see inline-memory.ts).
 */
export function stateInLocals(body: string, wideSegs: number): StateLocals {
  const declare: string[] = []
  const writeBack: string[] = []
  let onFault = ''
  let out = body
  let guard = 0
  const knownCalls = onlyKnownCalls(body)
  if (knownCalls) {
    const used = FLAG_FIELDS.filter((_, k) => FIELD_USE[k]!.test(body))
    const written = FLAG_FIELDS.filter((_, k) => FIELD_WRITE[k]!.test(body))
    if (written.length > 0 && worthLocals(body)) {
      out = out.replace(/\bc\.(lzOp|lzShift|lzA|lzB|lzRes|lzMask|flags)\b/g, '$$$1')
      declare.push(`let ${used.map((f) => `$${f} = c.${f}`).join(', ')};`)
      const store = written.map((f) => `c.${f} = $${f}`)
      writeBack.push(`${store.join('; ')};`)
      // Known readers see the Cpu fields brought up to date first.
      const sync = `(${store.join(', ')}, c)`
      out = out.replace(new RegExp(`\\bh\\.(${FLAG_READERS.join('|')})\\(c\\b`, 'g'), `h.$1(${sync}`)
    }
  }
  if (knownCalls) {
    // Nothing in the body can load a segment register: the RAM fast path of data accesses goes inline.
    const memory = inlineMemory(out, wideSegs)
    if (memory.declare !== '') declare.push(memory.declare)
    out = memory.body
    guard = memory.guard
  }
  if (out.includes('p.k = first + ')) {
    // Progress: the record that may fault next, and the instructions retired before this pass of the loop.
    out = out.replace(/p\.k = first \+ (\d+);/g, '$$k = $1;').replace(/p\.done = done;\n?/g, '')
    declare.push('let $k = 0;')
    onFault = 'p.eip = blockEip; p.first = first; p.done = done; p.k = first + $k;'
  }
  return { declare: declare.join(' '), body: out, writeBack: writeBack.join(' '), onFault, guard }
}

/**
 * Flag locals cost a load and a store per field on every call of the block; they pay off in loops and where
 * several producers follow one another (a short block with one CMP is cheaper storing its fields directly).
 */
function worthLocals(body: string): boolean {
  return /\bcontinue B\d+;/.test(body) || (body.match(/c\.lzOp = /g)?.length ?? 0) >= MIN_PRODUCERS
}

/** True when every call in `body` is known to leave the flag state and segments alone or only to read flags. */
export function onlyKnownCalls(body: string): boolean {
  return !UNKNOWN_CALL.test(body)
}
