// One TLB lookup for a run of data accesses through the same base register (x86-notes §3.2: compiled code's memory
// accesses were 60–77% of its time in the boot, each one a TLB lookup). Compiled C keeps its locals and structures
// at small offsets from a base register that stays put for many instructions — EBP in the kernel's MPI loop (8 of
// its 12 accesses per pass), a structure pointer in the XZ decompressor. Over a run of records with no way in but
// from its start and the register not written, `[R + disp]` through segment S lies at a fixed distance from
// `S.base + R`: when the run's whole displacement range falls in one page whose TLB entries allow the RAM fast path
// (and, for stores, no decoded code and the dirty bit already set), one lookup before the run gives every access
// its physical address. Otherwise (the range crosses a page, a miss, unaligned 32-bit accesses) each access of the
// run calls the Cpu's access method. A TLB entry does not change while a block runs (only CPL switches, CR3 and
// INVLPG change translations, and those end blocks), as a real TLB needs no coherence with the page tables.
import { AFTER_STORE, callArgs } from './inline-memory'
import { onlyKnownCalls } from './state-locals'
import { TLB_DATA_FAST, TLB_STORE_FAST } from '../tlb-entry'

/** A data access of a record's code: `c.readN(S, X)` (expression) or `c.writeN(S, X, V);` (statement). */
type Access = {
  readonly write: boolean
  readonly bytes: number
  readonly seg: number
  readonly reg: number
  readonly disp: number
  /** Where the access's text starts and ends in the record's code (a store: with its after-store check). */
  readonly start: number
  readonly end: number
  /** The value stored (stores). */
  readonly value: string
}

/** What a record's code does that runs care about. */
type RecordUse = {
  /** The record calls something that may change registers or translations: every run ends before it. */
  readonly barrier: boolean
  /** Registers the record writes. */
  readonly written: ReadonlySet<number>
  readonly accesses: readonly Access[]
}

/** `((D + regs[R]) | 0)`: a 32-bit base + displacement address (eaExpr). */
const BASE_DISP = /^\(\((-?\d+) \+ regs\[([0-7])\]\) \| 0\)$/

/** Reads what record code `code` does to registers and memory. */
function recordUse(code: string): RecordUse {
  const written = new Set<number>()
  for (const m of code.matchAll(/regs\[([0-7])\] (?:[-+|&^*]|<<|>>>?)?= /g)) written.add(Number(m[1]))
  // The stack helpers move ESP.
  if (/\bc\.(?:push16|push32|adjustSp)\(/.test(code)) written.add(4)
  // Calls other than the memory, stack and flag-reading helpers (state-locals.ts), an index that is not a literal
  // or an increment could write any register or change translations.
  const barrier = !onlyKnownCalls(code) || /regs\[[^0-7]|regs\[\d\](?:\+\+|--)|(?:\+\+|--)regs/.test(code)
  const accesses: Access[] = []
  if (barrier) return { barrier, written, accesses }
  // `const o = ((D + regs[R]) | 0);` names the address of ALU read-modify-write templates.
  const named = /const o = (\(\(-?\d+ \+ regs\[[0-7]\]\) \| 0\));/.exec(code)
  const re = /\bc\.(read|write)(8|32)\((\d), /g
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    const call = callArgs(code, m.index + m[0].length - 3)
    if (call === null) continue
    const [, off, value] = call.args
    const address = off === 'o' && named !== null ? named[1]! : off
    const base = address === undefined ? null : BASE_DISP.exec(address)
    const write = m[1] === 'write'
    if (base === null || (write && (value === undefined || code[call.end] !== ';'))) continue
    const after = write ? AFTER_STORE.exec(code.slice(call.end + 1)) : null
    accesses.push({
      write,
      bytes: Number(m[2]) / 8,
      seg: Number(m[3]),
      reg: Number(base[2]),
      disp: Number(base[1]),
      start: m.index,
      end: write ? call.end + 1 + (after?.[0].length ?? 0) : call.end,
      value: value ?? '',
    })
  }
  return { barrier, written, accesses }
}

/** An access's text to replace: `wrap` gets the original. */
type Rewrite = {
  j: number
  start: number
  end: number
  write: boolean
  seg: number
  wrap: (original: string) => string
}

/**
 * A run's accesses: record index in the block and the access. Its lookup goes on the function's entry (`entry`),
 * before the inner loop whose head is `loop` (the register holds through the loop's passes), or before its first
 * access; `at` is where that is for the joins' rule (-1 on entry).
 */
type Run = { reg: number; seg: number; items: { j: number; a: Access }[]; entry: boolean; loop: number; at: number }

/** Records' code with the runs' accesses rewritten, a hoisted lookup to put before some records, and the locals. */
export type PageRuns = {
  readonly codes: readonly string[]
  readonly before: ReadonlyMap<number, string>
  /** Lookups to put before an inner loop (by its head), outside it: runs through a register the loop never writes. */
  readonly beforeLoop: ReadonlyMap<number, string>
  /** Lookups for the function's entry, before its loop: runs through a register no record writes. */
  readonly entry: string
  readonly declare: string
  /** `Cpu.wideSegs` bits the rewritten accesses assume. */
  readonly guard: number
}

/**
 * Finds the runs in the code of a block's records (`codes[j]`, every record's code present) and rewrites them.
 * `joins` maps each record that control may reach other than from the record before — the target of internal
 * forward jumps (jit/forward-jumps.ts) — to the first jump there (where its labeled statement opens); the block's
 * start is reached from outside. A lookup made at or before that jump is made on every path to the join, so its
 * run goes on past it; a run begun between the jump and the join ends there.
 * `wideSegs` is `Cpu.wideSegs` at compile time: only accesses through segments that take every offset join runs.
 * `loops` maps each inner loop's head to its last record (jit/inner-loops.ts): a run that begins inside a loop
 * through a register no record of the loop writes has its lookup made once before the loop, not on every pass
 * (the kernel's MPI loops reach their EBP locals through a register their function's prologue set just before).
 * The caller makes sure the block calls nothing that may load a segment register (segment bases are read once,
 * into `$sS`) and adds `guard` to the block's guard: the function returns 0 unless those segments are still wide.
 */
export function pageRuns(
  codes: readonly string[],
  joins: ReadonlyMap<number, number>,
  wideSegs: number,
  lastBackEdge = codes.length - 1,
  loops: ReadonlyMap<number, number> = new Map(),
): PageRuns {
  const out = [...codes]
  const before = new Map<number, string>()
  const beforeLoop = new Map<number, string>()
  const locals = new Set<string>()
  const rewrites: Rewrite[] = []
  const open = new Map<number, Run>()
  let entry = ''
  const close = (run: Run) => {
    const emitted = emitRun(run, rewrites)
    if (emitted === null) return
    const j = emitted.at
    if (j < 0) entry += emitted.hoist
    else if (run.loop >= 0) beforeLoop.set(run.loop, (beforeLoop.get(run.loop) ?? '') + emitted.hoist)
    else before.set(j, (before.get(j) ?? '') + emitted.hoist)
    for (const local of emitted.locals) locals.add(local)
  }
  // A register no record up to the last branch back to the block's start writes, in a block that calls nothing
  // unknown, holds one value through every pass of the block's loop and on after it until a record writes it (the
  // kernel's MPI loops restore EBP after theirs): its accesses up to that write form one run whose lookup is made
  // once, on entry.
  const uses = codes.map(recordUse)
  const steady = uses.some((u) => u.barrier) ? new Set<number>() : new Set([0, 1, 2, 3, 4, 5, 6, 7])
  for (const u of uses.slice(0, lastBackEdge + 1)) for (const r of u.written) steady.delete(r)
  const steadyIn = loopSteadiness(uses, loops)
  const closeAll = () => {
    for (const run of open.values()) close(run)
    open.clear()
  }
  for (let j = 0; j < codes.length; j++) {
    const from = joins.get(j)
    if (from !== undefined) {
      for (const [key, run] of open) {
        if (run.entry || run.at <= from) continue
        close(run)
        open.delete(key)
      }
    }
    const use = uses[j]!
    if (use.barrier) {
      closeAll()
      continue
    }
    for (const a of use.accesses) {
      const bit = a.write ? 1 << (a.seg + 8) : 1 << a.seg
      if (use.written.has(a.reg) || (wideSegs & bit) === 0) continue
      const key = a.reg * 8 + a.seg
      let run = open.get(key)
      if (run === undefined) {
        const entry = steady.has(a.reg)
        const loop = entry ? -1 : (steadyIn(j, a.reg) ?? -1)
        run = { reg: a.reg, seg: a.seg, items: [], entry, loop, at: entry ? -1 : loop >= 0 ? loop : j }
        open.set(key, run)
      }
      run.items.push({ j, a })
    }
    for (const [key, run] of open) {
      if (!use.written.has(run.reg)) continue
      close(run)
      open.delete(key)
    }
    // Past its write, a register's accesses need lookups of their own.
    for (const r of use.written) steady.delete(r)
  }
  closeAll()
  rewrites.sort((x, y) => y.start - x.start)
  for (const r of rewrites) {
    const code = out[r.j]!
    out[r.j] = code.slice(0, r.start) + r.wrap(code.slice(r.start, r.end)) + code.slice(r.end)
  }
  if (locals.size === 0) return { codes: out, before, beforeLoop, entry: '', declare: '', guard: 0 }
  let guard = 0
  const segs = new Set<number>()
  for (const r of rewrites) {
    guard |= r.write ? 1 << (r.seg + 8) : 1 << r.seg
    segs.add(r.seg)
  }
  const bases = [...segs].map((seg) => `$s${seg} = c.segBase[${seg}]`)
  return {
    codes: out,
    before,
    beforeLoop,
    entry,
    declare: `const ${bases.join(', ')}; let ${[...locals].join(', ')};`,
    guard,
  }
}

/**
 * The head of the innermost inner loop around record `j` when no record of that loop writes register `reg` or is a
 * barrier (its lookup then holds for every pass), else undefined — for `uses` of a block's records and its `loops`.
 */
function loopSteadiness(
  uses: readonly RecordUse[],
  loops: ReadonlyMap<number, number>,
): (j: number, reg: number) => number | undefined {
  const spans = [...loops].map(([head, end]) => {
    const inside = uses.slice(head, end + 1)
    const written = new Set(inside.flatMap((u) => [...u.written]))
    return { head, end, written, barrier: inside.some((u) => u.barrier) }
  })
  return (j, reg) => {
    // Loops nest: the one around `j` with the latest head is the innermost.
    let best: (typeof spans)[number] | undefined
    for (const l of spans) if (l.head <= j && j <= l.end && (best === undefined || l.head > best.head)) best = l
    return best === undefined || best.barrier || best.written.has(reg) ? undefined : best.head
  }
}

/**
 * Runs shorter than this are left to the per-access path (the lookup before the run costs about one access); a run
 * looked up before its loop is worth it for one access, which it then serves on every pass.
 */
const MIN_RUN = 2

/**
 * The lookup before `run` (to go before record `at`, or on entry for -1) and the rewrites of its accesses (pushed
 * on `rewrites`); null when the run is too short. 32-bit accesses join only with the alignment of the first one
 * (the RAM fast path reads whole aligned words).
 */
function emitRun(run: Run, rewrites: Rewrite[]): { at: number; hoist: string; locals: string[] } | null {
  const word = run.items.find((x) => x.a.bytes === 4)
  const residue = word === undefined ? 0 : word.a.disp & 3
  const items = run.items.filter((x) => x.a.bytes === 1 || (x.a.disp & 3) === residue)
  if (items.length < (run.loop >= 0 ? 1 : MIN_RUN)) return null
  const name = `${run.reg}_${run.seg}`
  const reads = items.some((x) => !x.a.write)
  const writes = items.some((x) => x.a.write)
  const lo = Math.min(...items.map((x) => x.a.disp))
  const hi = Math.max(...items.map((x) => x.a.disp + x.a.bytes - 1))
  const locals: string[] = []
  const tests: string[] = []
  if (reads) {
    locals.push(`$g${name} = false`, `$p${name} = 0`)
    tests.push(
      `const $e = c.tlbR[$lo >>> 12]; $g${name} = ($e & ${TLB_DATA_FAST}) === ${TLB_DATA_FAST}; ` +
        `$p${name} = (($e & ~0xfff) + ($lo & 0xfff) - ${lo}) | 0;`,
    )
  }
  if (writes) {
    locals.push(`$w${name} = false`, `$q${name} = 0`)
    tests.push(
      `const $t = c.tlbW[$lo >>> 12]; $w${name} = ($t & ${TLB_STORE_FAST}) === ${TLB_STORE_FAST} && c.codePage[($t >>> 12) & 0xfffff] === 0; ` +
        `$q${name} = (($t & ~0xfff) + ($lo & 0xfff) - ${lo}) | 0;`,
    )
  }
  const resets = [...(reads ? [`$g${name} = false;`] : []), ...(writes ? [`$w${name} = false;`] : [])].join(' ')
  const aligned = word === undefined ? '' : ` && (($r + ${residue}) & 3) === 0`
  const hoist =
    `{ const $r = ($s${run.seg} + regs[${run.reg}]) | 0; const $lo = ($r + ${lo}) | 0; ${resets} ` +
    `if (((($r + ${hi}) ^ $lo) & -4096) === 0${aligned}) { ${tests.join(' ')} } }\n`
  for (const { j, a } of items) {
    const at = (base: string) =>
      a.bytes === 4 ? `c.ram32[(${base} + ${a.disp}) >>> 2]` : `c.ram[(${base} + ${a.disp}) >>> 0]`
    // The other path is the plain call, kept out of inline-memory.ts (no second inline TLB check per access: the
    // lookup failed for the whole run, and the function stays small for V8 to optimize).
    const plain = (original: string) => original.replace(/^c\.(read|write)(8|32)\((\d), /, 'c.$1$2($3 , ')
    const wrap = a.write
      ? (original: string) => `if ($w${name}) { ${at(`$q${name}`)} = ${a.value}; } else { ${plain(original)} }`
      : (original: string) => `($g${name} ? ${at(`$p${name}`)} : ${plain(original)})`
    rewrites.push({ j, start: a.start, end: a.end, write: a.write, seg: a.seg, wrap })
  }
  // Before the run's first access (or its loop), even one left out: only there does the lookup come before every join
  // it spans.
  return { at: run.at, hoist, locals }
}
