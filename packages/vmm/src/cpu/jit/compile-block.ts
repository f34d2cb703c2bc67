// Compiles a hot cached block into a JavaScript function (x86-notes §3.2 item 7): the record templates of
// block-compiler.ts in a loop, so branches back to the block's start (self-loops) stay inside the function, with
// Jcc conditions fused with their flag producer (conditions.ts) and dead flag writes left out (dead-flags.ts).
// Generated code refers to its records only relative to `first`, so identical code anywhere in memory — and the
// same code re-decoded after a write elsewhere in its page — shares one function (per CPU and TLB pair, whose
// arrays it holds: bindArrays) that V8 has already optimized (compiling a fresh function and letting V8 tier it up
// again costs far more than the block saves while the kernel rewrites its code pages at boot).
import type { Cpu } from '../cpu'
import { type BlockCache, OP } from '../block-decoder'
import { type CompiledBlock, HELPERS, snippet } from '../block-compiler'
import { conditionExpr } from './conditions'
import { deadFlagWriters, withoutLazyStores } from './dead-flags'
import { type BranchSwitch, branchSwitch } from './branch-switch'
import { type ForwardJumps, forwardJumps } from './forward-jumps'
import { type InnerLoops, innerLoops } from './inner-loops'
import { type PageRuns, pageRuns } from './page-runs'
import { mayFault } from './record-traits'
import { with32BitStack } from './template-parts'
import { onlyKnownCalls, stateInLocals } from './state-locals'

/**
 * Where compiled code is, for fault accounting: `done` retired before this pass of the block, its EIP, the first
 * record and the record that may fault next (`k`, a pool index). Blocks with registers in locals write them in
 * their `catch` when a fault leaves them; the others on entry and before each record that may fault.
 */
const progress = { done: 0, eip: 0, first: 0, k: 0 }
const H = { ...HELPERS, p: progress }

/**
 * After compiled code threw a guest fault: counts the instructions retired before the faulting one and sets
 * `startEip`/`startEsp` to it (fast records change ESP only after their last possible fault).
 */
export function accountCompiledFault(c: Cpu): void {
  c.instructionsRetired += progress.done + progress.k - progress.first
  c.startEip = (progress.eip + c.blocks.start[progress.k]!) | 0
  c.startEsp = c.regs[4]!
}

/** CS limit check of a branch target `t` (#GP(0) at the branch, SDM JMP/Jcc/LOOP). */
const GP_CHECK = 'if ((t >>> 0) > (c.segLimit[1] >>> 0)) c.gp(0);'

/** True when record `i` is a 32-bit branch back to the block's own start (imm = offset from the start). */
function branchesToStart(b: BlockCache, i: number): boolean {
  const op = b.op[i]!
  if (b.size[i] !== 4 || b.imm[i] !== 0) return false
  return op === OP.jcc || op === OP.jmp || (op === OP.loop && b.aux[i] === 2 && b.a16[i] === 0)
}

/**
 * What a LOOP back to the block's start does to ECX, standing for its record in the records' codes: blockSource
 * emits the branch itself, but the analyses of the codes (jit/page-runs.ts: which registers keep their value
 * through the block's loop) must see the write.
 */
const LOOP_ECX = 'regs[1] = (regs[1] - 1) | 0;'

/**
 * The code of each ordinary record of a block (null: the block interpreter runs it); '' for the records whose code
 * blockSource makes itself (internal forward jumps, branches back into the block, a state machine's branches;
 * LOOP_ECX for a LOOP back).
 */
function recordCodes(
  b: BlockCache,
  first: number,
  n: number,
  jumps: ForwardJumps,
  loops: InnerLoops,
  machine: BranchSwitch | null,
): (string | null)[] {
  const codes: (string | null)[] = []
  for (let j = 0; j < n; j++) {
    const i = first + j
    if (jumps.target.has(j) || loops.backTo.has(j) || machine?.target.has(j) === true || branchesToStart(b, i))
      codes.push(b.op[i] === OP.loop ? LOOP_ECX : '')
    else if (b.op[i] === OP.jcc && b.size[i] === 4)
      codes.push(
        `if (${conditionExpr(b, i, first)}) { const t = (blockEip + ${b.imm[i]!}) | 0; ${GP_CHECK} c.eip = t; return ${j + 1} }`,
      )
    else codes.push(snippet(b, i, j))
  }
  return codes
}

/** Index in the block of its last record that may branch back to its start, or the last record when none does. */
function lastBackEdge(b: BlockCache, first: number, n: number): number {
  for (let j = n - 1; j >= 0; j--) if (branchesToStart(b, first + j)) return j
  return n - 1
}

/**
 * Records control reaches other than from the record before (jit/page-runs.ts): each internal forward jump's target
 * → the record before which its label opens (at or before its first jump); each inner loop's head → -1 (a lookup
 * made before the loop does not hold for a later pass, which may have moved the register).
 */
function joinsOf(jumps: ForwardJumps, loops: InnerLoops, machine: BranchSwitch | null): Map<number, number> {
  const joins = new Map<number, number>()
  for (const [source, targets] of jumps.opens) for (const t of targets) joins.set(t, source)
  for (const head of loops.ends.keys()) joins.set(head, -1)
  // A state machine's case is reached from anywhere.
  for (const t of machine?.cases ?? []) joins.set(t, -1)
  return joins
}

/**
 * Generated source of the block in `slot`, made while `Cpu.wideSegs` is `wideSegs`: a function that relies on wide
 * segments starts by returning 0 when they are no longer so (runChunk then runs the block interpreter).
 */
function blockSource(b: BlockCache, slot: number, wideSegs: number, stack32: boolean): string {
  const first = b.first[slot]!
  const n = b.count[slot]!
  const dead = deadFlagWriters(b, first, n)
  let faults = false
  for (let i = first; i < first + n; i++) faults ||= mayFault(b, i)
  const lines: string[] = []
  const structured = forwardJumps(b, first, n)
  const inner = innerLoops(b, first, n, structured)
  // A branch those cannot take makes the block a state machine (`$at`: the case to continue at), keeping the labels
  // and loops that enclose no case.
  const machine = branchSwitch(b, first, n, structured, inner)
  const jumps = machine?.jumps ?? structured
  const loops = machine?.loops ?? inner
  // The function's own loop (branches back to the block's start) is B0; inner loops are B<head>.
  lines.push('B0: for (;;) {')
  if (faults) lines.push('p.done = done;')
  if (machine !== null) lines.push('switch ($at) {', 'case 0:')
  const codes = recordCodes(b, first, n, jumps, loops, machine)
  const helpers = codes.some((code, j) => code === null || b.op[first + j] === OP.fpu)
  const steadyTo = Math.max(lastBackEdge(b, first, n), loops.lastEnd, machine?.lastBack ?? -1)
  const runs =
    helpers || !codes.every((code) => onlyKnownCalls(code!))
      ? null
      : pageRuns(codes as string[], joinsOf(jumps, loops, machine), wideSegs, steadyTo, loops.ends)
  if (runs !== null && runs.declare !== '') lines.unshift(runs.declare, runs.entry)
  const loopEnds = new Map([...loops.ends].map(([head, end]) => [end, head]))
  for (let j = 0; j < n; j++) {
    const i = first + j
    // Labeled statements of the forward jumps: the one that ends here, then the loop and labels that begin here.
    if (jumps.closes.has(j)) lines.push('}')
    // A case stands outside the loop and labels opening at its record (branchSwitch keeps none around it).
    if (j > 0 && machine?.cases.has(j) === true) lines.push(`case ${j}:`)
    const outside = runs?.beforeLoop.get(j)
    if (outside !== undefined) lines.push(outside)
    if (loops.ends.has(j)) lines.push(`B${j}: for (;;) {`)
    for (const t of jumps.opens.get(j) ?? []) lines.push(`J${t}: {`)
    const hoist = runs?.before.get(j)
    if (hoist !== undefined) lines.push(hoist)
    if (mayFault(b, i)) lines.push(`p.k = first + ${j};`)
    recordLines(lines, { b, first, n, jumps, loops, machine, runs, codes, dead, faults }, j)
    const head = loopEnds.get(j)
    if (head !== undefined) lines.push(`break B${head}; }`)
  }
  if (machine !== null) lines.push('}')
  lines.push(exitTo(b.bytes[slot]!, n), '}')
  const locals = inLocals(sharedExits(lines.join('\n')), helpers, wideSegs, stack32)
  const { body, progressOnFault } = locals
  const guard = locals.guard | (runs?.guard ?? 0)
  // A block longer than what is left of the chunk is the block interpreter's (run-chunk.ts): checked here, on an
  // argument, so a dispatch reads no per-slot count.
  const head = [`if (limit < ${n}) return -1;`]
  if (guard !== 0) head.push(`if ((c.wideSegs & ${guard}) !== ${guard}) return 0;`)
  if (locals.tlbGuard !== '') head.push(locals.tlbGuard)
  if (locals.stackGuard !== '') head.push(locals.stackGuard)
  head.push('const regs = REGS;', machine === null ? 'let done = 0;' : 'let done = 0, $at = 0;')
  if (faults) head.push('const p = h.p;')
  if (faults && !progressOnFault) head.push('p.eip = blockEip; p.first = first;')
  return [...head, ...body].join('\n')
}

/** What blockSource worked out about a block's `n` records at `first`, for the code of each. */
type BlockPlan = {
  readonly b: BlockCache
  readonly first: number
  readonly n: number
  readonly jumps: ForwardJumps
  readonly loops: InnerLoops
  /** branchSwitch: the block is a state machine, whose branches set `$at` and continue its loop. */
  readonly machine: BranchSwitch | null
  readonly runs: PageRuns | null
  /** recordCodes. */
  readonly codes: readonly (string | null)[]
  /** deadFlagWriters. */
  readonly dead: readonly boolean[]
  /** Some record may fault (progress is kept for fault accounting). */
  readonly faults: boolean
}

/**
 * The count and budget check of a branch from record `j` back to record `target` that the function takes: this pass
 * ran records `target`..j once more than a straight run counts, and the function leaves at `target` when another
 * pass might not fit the budget.
 */
function passBack(plan: BlockPlan, j: number, target: number): string {
  const { b, first, n, faults } = plan
  const leave = `if (done + ${n} > limit || c.breakChunk === true) { ${exitTo(b.start[first + target]!, target)} }`
  return `done += ${j + 1 - target};${faults ? ' p.done = done;' : ''} ${leave}`
}

/** Appends the code of record `j` of the block (its branch made internal where jumps or loops take it). */
function recordLines(lines: string[], plan: BlockPlan, j: number): void {
  const { b, first, n, jumps, loops, machine, runs, codes, dead, faults } = plan
  const i = first + j
  const op = b.op[i]!
  const state = machine?.target.get(j)
  if (state !== undefined) {
    // Instructions retired count as if the block ran straight to the branch and on from its target.
    const count = state <= j ? passBack(plan, j, state) : `done += ${j + 1 - state};${faults ? ' p.done = done;' : ''}`
    const go = `${count} $at = ${state}; continue B0;`
    lines.push(op === OP.jcc ? `if (${conditionExpr(b, i, first)}) { ${go} }` : `{ ${go} }`)
    return
  }
  const to = jumps.target.get(j)
  const back = loops.backTo.get(j)
  if (back !== undefined) {
    const again = `${passBack(plan, j, back)} continue B${back};`
    lines.push(op === OP.jcc ? `if (${conditionExpr(b, i, first)}) { ${again} }` : again)
    return
  }
  if (to !== undefined) {
    // Instructions retired count as if the block ran straight through: the skipped ones come off `done`.
    const skip = `done -= ${to - j - 1};${faults ? ' p.done = done;' : ''}`
    if (op === OP.jmp) lines.push(`{ ${skip} break J${to}; }`)
    else lines.push(`if (${conditionExpr(b, i, first)}) { ${skip} break J${to}; }`)
    return
  }
  if (branchesToStart(b, i)) {
    // Back to the start: the target passed the CS limit check when the block was entered.
    const restart = machine === null ? '' : '$at = 0; '
    const again = `done += ${j + 1}; if (done + ${n} > limit || c.breakChunk === true) { ${exitTo(0, 0)} } ${restart}continue B0;`
    if (op === OP.jcc) lines.push(`if (${conditionExpr(b, i, first)}) { ${again} }`)
    else if (op === OP.jmp) lines.push(again)
    else lines.push(`if ((regs[1] = (regs[1] - 1) | 0) !== 0) { ${again} }`)
    return
  }
  const code = runs?.codes[j] ?? codes[j]
  if (code !== null && code !== undefined)
    lines.push((dead[j] ? withoutLazyStores(code) : code).replace(/return (\d+)/g, 'return done + $1'))
  else {
    lines.push(`if (h.step(c, c.blocks, first + ${j}, blockEip)) return done + ${j + 1};`)
    lines.push(`if (c.breakChunk === true) { c.eip = (blockEip + ${b.end[i]!}) | 0; return done + ${j + 1} }`)
  }
}

/** Per general register: an assignment to it in a block body. */
const REG_WRITE = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => new RegExp(`regs\\[${r}\\] (?:[-+|&^]|<<|>>>?)?= `))

/**
 * Keeps the general registers in JavaScript locals for the block (V8 can then hold them in machine registers across
 * calls), stored back on every exit — return or exception — by a `finally`. ESP joins them when espInLocal says so.
 * Blocks that hand records to the block interpreter or the FPU (which read and write `c.regs`) keep every register
 * in `c.regs`.
 */
function inLocals(body: string, helpers: boolean, wideSegs: number, stack32: boolean): InLocals {
  const none = { guard: 0, tlbGuard: '', stackGuard: '', body: [body], progressOnFault: false }
  if (helpers) return none
  const esp = espInLocal(body, stack32)
  if (esp) body = with32BitStack(body)
  const used = [0, 1, 2, 3, 4, 5, 6, 7].filter((r) => (r !== 4 || esp) && body.includes(`regs[${r}]`))
  if (used.length === 0) return none
  // Only registers the block assigns need storing back.
  const written = used.filter((r) => REG_WRITE[r]!.test(body))
  const state = stateInLocals(body, wideSegs)
  const arrays = bindArrays(state.body)
  return {
    guard: state.guard,
    tlbGuard: arrays.guard,
    stackGuard: esp ? 'if (!c.stack32) return 0;' : '',
    progressOnFault: state.onFault !== '',
    body: [
      `let ${used.map((r) => `r${r} = regs[${r}]`).join(', ')}; ${state.declare}`,
      'try {',
      arrays.body.replace(esp ? /regs\[([0-7])\]/g : /regs\[([0-35-7])\]/g, 'r$1'),
      state.onFault === '' ? '' : `} catch (e) { ${state.onFault} throw e;`,
      `} finally { ${written.map((r) => `regs[${r}] = r${r};`).join(' ')} ${state.writeBack} }`,
    ],
  }
}

/** An exit to a branch target: `{ const t = (blockEip + offset) | 0; <CS limit check> c.eip = t; return done + n }`. */
const JUMP_EXIT =
  /\{ const t = \(blockEip \+ (-?\d+)\) \| 0; if \(\(t >>> 0\) > \(c\.segLimit\[1\] >>> 0\)\) c\.gp\(0\); c\.eip = t; return done \+ (\d+) \}/g
/** An exit to a target computed and checked before (RET, CALL, indirect branches): `c.eip = t; return done + n }`. */
const TARGET_EXIT = /c\.eip = t; return done \+ (\d+) \}/g
/** An exit to the next instruction (a store ended the chunk): `c.eip = (blockEip + offset) | 0; return done + n }`. */
const NEXT_EXIT = /c\.eip = \(blockEip \+ (\d+)\) \| 0; return done \+ (\d+) \}/g

/**
 * The block body with every exit that sets EIP — taken branches, calls and returns, chunk ends after stores, the
 * block's end — sharing one epilogue: each exit sets two locals (EIP as an offset from the block's, the
 * instructions retired in this pass) and leaves the labeled body. V8's optimizing compiler has no type feedback for
 * code that never ran, and deoptimizes the function when it first does: each exit of a block other than the ones
 * taken while V8 gathered feedback — a branch not taken before, a store that finally hit decoded code — cost a
 * deoptimization and another optimizing compile. An exit now mostly stores constants, which need no feedback, and
 * the epilogue runs on every exit. A branch's CS limit check moves there (it throws before anything else of the exit
 * happens; `$xb` marks a branch): the other exits must not fault there — the EIP after a block's last instruction
 * may lie past the limit, which faults only when the next instruction is fetched (V86 code at offset 0xFFFF).
 */
function sharedExits(body: string): string {
  const out = body
    .replace(JUMP_EXIT, (_, offset: string, n: string) => `{ ${exitTo(offset, n, true)} }`)
    .replace(TARGET_EXIT, (_, n: string) => `${exitTo('(t - blockEip) | 0', n)} }`)
    .replace(NEXT_EXIT, (_, offset: string, n: string) => `${exitTo(offset, n)} }`)
  return [
    'let $xo = 0, $xn = 0, $xb = false;',
    'EXIT: {',
    out,
    '}',
    // The limit compare runs on every exit (so it has feedback); only a branch faults on it.
    '{ const t = (blockEip + $xo) | 0; if ((t >>> 0) > (c.segLimit[1] >>> 0) && $xb) c.gp(0); c.eip = t; return done + $xn; }',
  ].join('\n')
}

/**
 * An exit through sharedExits' epilogue: EIP `blockEip + offset`, `done + n` instructions retired; `branch`: the
 * epilogue checks the CS limit. blockSource writes its own exits (the block's end, a loop pass that would not fit)
 * this way; the templates' exits are rewritten to it.
 */
function exitTo(offset: number | string, n: number | string, branch = false): string {
  return `$xo = ${offset}; $xn = ${n};${branch ? ' $xb = true;' : ''} break EXIT;`
}

/** Cpu methods that compiled code could call and that read or move ESP in `c.regs`. */
const STACK_METHODS = /\bc\.(?:push16|push32|peek16|peek32|adjustSp)\(/

/**
 * True when ESP can live in a local too: the stack is 32-bit (the function then checks on entry that it still is,
 * and its stack arithmetic drops the 16-bit case), and nothing the body calls reads ESP in `c.regs` — only the
 * memory accesses and flag readers that state-locals.ts knows, which do not. Faults are accounted after the
 * `finally` has stored it back, and PUSH/CALL move ESP only after their store, so it is the faulting instruction's
 * start value there as before. A block of PUSHes (a function's prologue) then keeps ESP in a machine register
 * instead of loading and storing `c.regs[4]` and testing `c.stack32` twice per PUSH — each an inline-cache call
 * while V8 runs the function in its baseline tier.
 */
function espInLocal(body: string, stack32: boolean): boolean {
  return stack32 && body.includes('regs[4]') && onlyKnownCalls(body) && !STACK_METHODS.test(body)
}

/**
 * Typed arrays of the Cpu that compiled code indexes, bound into each function as constants of its closure (the
 * factory's parameters, upper-case): V8 then knows their base and length and needs not reload them after every
 * call on a slow path — the decompressor and the MPI loop ran ~9% faster than with the arrays read into locals
 * per call. RAM, its 32-bit view and the decoded-code page map never change for a CPU; the TLB pair does, with
 * CPL (supervisor and user TLBs), so a function that indexes it starts by checking it still has the current pair.
 * The general registers (`c.regs`, eight words, never replaced) are bound the same way (`REGS`): loading them into
 * locals on entry and storing them on exit then needs no length check per register.
 */
const BOUND = ['tlbR', 'tlbW', 'ram32', 'ram16', 'ram', 'codePage'] as const

/** `body` indexing the bound arrays instead of the Cpu's fields, and the check it then needs on entry. */
function bindArrays(body: string): { guard: string; body: string } {
  let out = body
  for (const name of BOUND) out = out.split(`c.${name}[`).join(`${name.toUpperCase()}[`)
  const tlb = out.includes('TLBR[') || out.includes('TLBW[')
  return { guard: tlb ? 'if (c.tlbR !== TLBR) return 0;' : '', body: out }
}

/** A block body with registers (and flag state, progress, segments) in locals: inLocals. */
type InLocals = {
  /** `Cpu.wideSegs` bits the body relies on (inline-memory.ts). */
  readonly guard: number
  /** The check on entry that the bound TLB pair is the current one (bindArrays), or ''. */
  readonly tlbGuard: string
  /** The check on entry that the stack is still 32-bit (espInLocal), or ''. */
  readonly stackGuard: string
  readonly body: string[]
  /** True when the `catch` stores the fault progress, so nothing needs storing on entry. */
  readonly progressOnFault: boolean
}

/** Compiled functions by generated source and TLB pair, per CPU (they hold its arrays; bounded, dropped when full). */
const perCpu = new WeakMap<Cpu, Map<string, CompiledBlock>>()
const MAX_SHARED = 4096

/** Compiles block `slot` of `c`'s cache (or reuses the function of identical code). */
export function compileBlock(c: Cpu, slot: number): CompiledBlock {
  const source = blockSource(c.blocks, slot, c.wideSegs, c.stack32)
  let cache = perCpu.get(c)
  if (cache === undefined) perCpu.set(c, (cache = new Map()))
  const key = (c.tlbR === c.tlbRS ? 'S' : 'U') + source
  let fn = cache.get(key)
  if (fn === undefined) {
    // The generated source is built only from decoded integers and fixed templates. The inner function is
    // parenthesized so that V8 compiles it with the factory (its heuristic for functions called at once) instead of
    // pre-parsing it there and parsing it again on its first call: kernel init, 194 compiles, ~0.3 ms less each.
    // The CPU is bound too (`c`; the function's own first argument `_c` is the same CPU, functions are per CPU):
    // V8 then needs no map check of it and reads the fields it never reassigns as constants.
    const factory = new Function(
      'c',
      'h',
      'TLBR',
      'TLBW',
      'RAM32',
      'RAM16',
      'RAM',
      'CODEPAGE',
      'REGS',
      `'use strict'; return (function compiledBlock(_c, blockEip, limit, first) {\n${source}\n})`,
    )
    fn = factory(c, H, c.tlbR, c.tlbW, c.ram32, c.ram16, c.ram, c.codePage, c.regs) as CompiledBlock
    if (cache.size >= MAX_SHARED) cache.clear()
    cache.set(key, fn)
  }
  return fn
}
