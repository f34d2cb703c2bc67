// The wasm tier's bookkeeping: which code pages have a compiled region, which block slots enter one at which case,
// when a region must be rebuilt (more of its page got hot) or dropped (its page was written, the decoded-code
// cache flushed), and the call itself — the guard that the CPU is in the state the code assumes, the flag state
// in and out through the arena, and fault accounting when an access method throws inside the region.
import type { Cpu } from '../cpu'
import { type BlockCache, CACHE_SIZE, OP } from '../block-decoder'
import { CS, DS, ES, SS } from '../constants'
import { type ArenaLayout, STATE } from '../../memory/wasm-arena'
import { compileRegion, REGION_IMPORTS, type RegionBlock, type RegionCode } from './region-compiler'
import { recordSupported } from './region-records'
import { hostWasm, type WasmModule } from './wasm-api'

/** A region's entry: (case, EIP, instruction limit) → instructions retired. */
type RegionRun = (caseIndex: number, eip: number, limit: number) => number

/** One compiled page. */
type Region = {
  readonly run: RegionRun
  readonly page: number
  /** The page's generation and the cache's flush generation the code was made from. */
  readonly gen: number
  readonly flushGen: number
  /** RegionCode.needsWide. */
  readonly needsWide: number
  readonly slots: readonly number[]
  /** RegionCode.caseLength (the entry must fit the budget). */
  readonly caseLength: Int32Array
  /** Calls and instructions retired since the last look at the region's yield (`judge`). */
  calls: number
  retired: number
}

/** A page's region state within one page generation. */
type PageEntry = {
  region: Region | null
  builds: number
  gen: number
  compiling: boolean
  again: boolean
  /** Blocks of the page compiled to JavaScript in this generation. */
  hot: number
  /** Some block of the page compiled to JavaScript branches back within the page (`loopsInPage`). */
  loopy: boolean
}

/**
 * Calls of a region between looks at its yield, and the least instructions per call it must average to stay: the
 * boot's decompressor pages average ~500 and run faster as compiled JavaScript (720-780 MIPS against ~620), its
 * MPI pages ~800-1500 and run faster in wasm (~1550 against ~1340); 40 kept the former, 700 dropped the latter.
 */
const JUDGE_CALLS = 4096
const MIN_YIELD = 300

/**
 * Blocks of a page compiled to JavaScript before the page gets a region, and (MAX_BUILDS) rebuilds per page
 * generation: every module compiled is TurboFan work on the second core, where V8 also optimizes the compiled
 * JavaScript blocks of kernel init (2 and 6 left kernel init ~1 s slower; 4 and 3, and 8 and 2, measured alike).
 */
const MIN_HOT_BLOCKS = 4

/** Blocks below this many block-interpreter instructions stay out of a region unless compiled to JavaScript. */
const MIN_HEAT = 2000
/** Rebuilds of one page's region per page generation (each one takes in the blocks that got hot since). */
const MAX_BUILDS = 3
/** Read and write ranges of ES, SS and DS covering 4 GB (`Cpu.wideSegs` bits). */
const FLAT_DATA = (1 << ES) | (1 << SS) | (1 << DS) | (0x100 << ES) | (0x100 << SS) | (0x100 << DS)

/** The wasm regions of one CPU. */
export class WasmRegions {
  /** Per cache slot: the case its block starts at in its page's region, plus 1 (0: none). */
  readonly caseOf = new Int32Array(CACHE_SIZE)
  private readonly regionOf: (Region | undefined)[] = new Array<Region | undefined>(CACHE_SIZE)
  private readonly byPage = new Map<number, PageEntry>()
  /** Per physical page: the slots its blocks were decoded into (some since reused; build checks). */
  private readonly slotsOfPage = new Map<number, number[]>()
  /** Compile on the calling thread, installing at once (tests and embedders that run the CPU synchronously). */
  private readonly sync: boolean
  private readonly state: Int32Array
  private readonly imports: Record<string, Record<string, unknown>>
  /** `instructionsRetired` when the running region was entered (the access methods see the exact count). */
  private base = 0
  /** What an access method threw inside the running region, rethrown when the region has left. */
  private pendingFault: unknown = null
  /** Why building stopped, when the host refused a module (tests check this stays null). */
  error: unknown = null
  /** Guest instructions retired inside regions so far (benchmarks and tests read it). */
  instructions = 0
  private readonly c: Cpu
  private readonly arena: ArenaLayout

  constructor(c: Cpu, arena: ArenaLayout, sync: boolean) {
    this.c = c
    this.arena = arena
    this.sync = sync
    const state = (this.state = new Int32Array(arena.memory.buffer, arena.state, 64))
    // The access methods run with the CPU's count exact (a timer read sees it), told by the region how far it got.
    // They must not throw through the wasm frames (its registers are in wasm locals): a fault is kept and reported
    // in the status word, and the region leaves through its fault exit, storing the state first.
    const failed = (e: unknown) => {
      this.pendingFault = e
      state[STATE.status] = state[STATE.status]! | 2
      return 0
    }
    const stopped = () => {
      if (c.breakChunk === true) state[STATE.status] = state[STATE.status]! | 1
    }
    const read = (access: (s: number, o: number) => number) => (s: number, o: number, done: number) => {
      c.instructionsRetired = this.base + done
      try {
        const v = access(s, o)
        stopped()
        return v
      } catch (e) {
        return failed(e)
      }
    }
    const write =
      (access: (s: number, o: number, v: number) => void) => (s: number, o: number, v: number, done: number) => {
        c.instructionsRetired = this.base + done
        try {
          access(s, o, v)
          stopped()
          return state[STATE.status]!
        } catch (e) {
          failed(e)
          return state[STATE.status]!
        }
      }
    const m: Record<string, unknown> = {
      memory: arena.memory,
      read8: read((s, o) => c.read8(s, o)),
      read16: read((s, o) => c.read16(s, o)),
      read32: read((s, o) => c.read32(s, o)),
      write8: write((s, o, v) => c.write8(s, o, v)),
      write16: write((s, o, v) => c.write16(s, o, v)),
      write32: write((s, o, v) => c.write32(s, o, v)),
    }
    for (const name of REGION_IMPORTS) if (typeof m[name] !== 'function') throw new Error(`missing import ${name}`)
    this.imports = { m }
  }

  /**
   * Runs the region case that block `slot` (at `eip`) starts; returns the instructions retired, or 0 when the CPU
   * is not in the state the code assumes or the region went stale (then the caller runs the block otherwise).
   */
  run(slot: number, eip: number, limit: number): number {
    const c = this.c
    const region = this.regionOf[slot]!
    const blocks = c.blocks
    if (region.gen !== blocks.pageGen[region.page] || region.flushGen !== blocks.flushGen) {
      this.drop(region)
      return 0
    }
    const entry = this.caseOf[slot]! - 1
    if (region.caseLength[entry]! > limit) return 0
    if (!flat(c) || (c.wideSegs & region.needsWide) !== region.needsWide) return 0
    const s = this.state
    s[STATE.lzOp] = c.lzOp
    s[STATE.lzShift] = c.lzShift
    s[STATE.lzA] = c.lzA
    s[STATE.lzB] = c.lzB
    s[STATE.lzRes] = c.lzRes
    s[STATE.lzMask] = c.lzMask
    s[STATE.flags] = c.flags
    s[STATE.fsBase] = c.segBase[4]!
    s[STATE.gsBase] = c.segBase[5]!
    s[STATE.status] = 0
    const start = (this.base = c.instructionsRetired)
    const retired = region.run(entry, eip, limit)
    this.flagsOut()
    if (retired < 0) {
      // An access method faulted: the count up to the faulting instruction, which restarts.
      c.instructionsRetired = start + s[STATE.faultDone]!
      c.startEip = c.eip = s[STATE.faultEip]!
      c.startEsp = c.regs[4]!
      const fault = this.pendingFault
      this.pendingFault = null
      throw fault
    }
    c.instructionsRetired = start
    c.eip = s[STATE.eip]!
    this.instructions += retired
    region.retired += retired
    if (++region.calls === JUDGE_CALLS) this.judge(region)
    return retired
  }

  /**
   * A call costs more than compiled JavaScript's for the same block (the guard, the flag state in and out), so a
   * region that leaves again after a few instructions — kernel code calling out of its page every few
   * instructions — is slower than no region: its page goes back to JavaScript for this page generation.
   */
  private judge(region: Region): void {
    if (region.retired < JUDGE_CALLS * MIN_YIELD) {
      this.drop(region)
      const entry = this.byPage.get(region.page)
      if (entry !== undefined && entry.region === region) {
        entry.region = null
        entry.builds = MAX_BUILDS
      }
    }
    region.calls = 0
    region.retired = 0
  }

  private flagsOut(): void {
    const c = this.c
    const s = this.state
    c.lzOp = s[STATE.lzOp]!
    c.lzShift = s[STATE.lzShift]!
    c.lzA = s[STATE.lzA]!
    c.lzB = s[STATE.lzB]!
    c.lzRes = s[STATE.lzRes]!
    c.lzMask = s[STATE.lzMask]!
    c.flags = s[STATE.flags]!
  }

  /** A block was decoded into `slot`: remembered with its page, so that building a region scans only the page's. */
  noteDecoded(slot: number): void {
    const page = this.c.blocks.tagPhys[slot]! >>> 12
    let list = this.slotsOfPage.get(page)
    if (list === undefined) this.slotsOfPage.set(page, (list = []))
    list.push(slot)
    // Slots are reused by other pages' blocks: drop the stale ones now and then.
    if (list.length > 256 && list.length % 256 === 0) {
      const b = this.c.blocks
      const live = new Set(list.filter((x) => b.tagPhys[x]! >>> 12 === page && b.tagPhys[x] !== -1))
      this.slotsOfPage.set(page, [...live])
    }
  }

  /** Block `slot` became hot: build (or rebuild) its page's region unless it is in one already. */
  noteHot(slot: number): void {
    const c = this.c
    const b = c.blocks
    if (this.error !== null || b.tagMode[slot] !== 1 || this.caseOf[slot] !== 0) return
    const page = b.tagPhys[slot]! >>> 12
    let entry = this.byPage.get(page)
    const gen = b.pageGen[page]!
    if (entry === undefined || entry.gen !== gen) {
      entry = { region: null, builds: 0, gen, compiling: false, again: false, hot: 0, loopy: false }
      this.byPage.set(page, entry)
    }
    if (entry.compiling) {
      // Built again once the compile under way is done (the block was not in it).
      entry.again = true
      return
    }
    if (!entry.loopy && loopsInPage(b, slot)) entry.loopy = true
    // A page with one hot block gains little over its compiled function and pays a region call per entry; a page
    // without a loop among its hot blocks is kernel code called in and left again after a few instructions, whose
    // regions the yield rule drops after their modules were compiled (and optimized, on the second core) in vain.
    if (++entry.hot < MIN_HOT_BLOCKS || entry.builds >= MAX_BUILDS || !entry.loopy) return
    entry.builds++
    this.build(page, entry)
  }

  /** Compiles the page's eligible blocks (asynchronously unless the tier is synchronous) and installs the region. */
  private build(page: number, entry: PageEntry): void {
    const c = this.c
    const b = c.blocks
    const gen = b.pageGen[page]!
    const blocks: RegionBlock[] = []
    const seen = new Set<number>()
    for (const slot of this.slotsOfPage.get(page) ?? []) {
      const phys = b.tagPhys[slot]!
      if (seen.has(slot) || phys === -1 || phys >>> 12 !== page || b.tagGen[slot] !== gen || b.tagMode[slot] !== 1)
        continue
      seen.add(slot)
      const count = b.count[slot]!
      if (count === 0 || (b.heatOf(slot) < MIN_HEAT && c.compiled[slot] === undefined)) continue
      const offset = phys & 0xfff
      const first = b.first[slot]!
      let ok = true
      for (let i = first; i < first + count && ok; i++) {
        ok = offset + b.end[i]! <= 4096 && recordSupported(b, i)
      }
      if (ok) blocks.push({ slot, first, count, offset, phys })
    }
    if (blocks.length === 0 || hostWasm === undefined) return
    let code: RegionCode
    try {
      code = compileRegion(b, blocks, this.arena, this.arena.memory.buffer instanceof SharedArrayBuffer)
    } catch (e) {
      this.error = e
      return
    }
    const flushGen = b.flushGen
    const install = (module: WasmModule) => {
      entry.compiling = false
      let run: RegionRun
      try {
        run = new hostWasm!.Instance(module, this.imports).exports.run as RegionRun
      } catch (e) {
        this.error = e
        return
      }
      // The page may have been written, or slots given to other blocks, while the module compiled.
      if (b.pageGen[page] !== gen || b.flushGen !== flushGen || this.byPage.get(page) !== entry) return
      const region: Region = {
        run,
        page,
        gen,
        flushGen,
        needsWide: code.needsWide,
        slots: blocks.map((x) => x.slot),
        caseLength: code.caseLength,
        calls: 0,
        retired: 0,
      }
      if (entry.region !== null) this.drop(entry.region)
      entry.region = region
      const physOf = new Map(blocks.map((x) => [x.slot, x.phys]))
      for (const [slot, k] of code.caseOfSlot) {
        if (b.tagPhys[slot] !== physOf.get(slot) || b.tagGen[slot] !== gen) continue
        this.caseOf[slot] = k + 1
        this.regionOf[slot] = region
      }
      if (entry.again && entry.builds < MAX_BUILDS) {
        entry.again = false
        entry.builds++
        this.build(page, entry)
      }
    }
    if (this.sync) {
      let module: WasmModule
      try {
        module = new hostWasm.Module(code.bytes)
      } catch (e) {
        this.error = e
        return
      }
      install(module)
      return
    }
    entry.compiling = true
    hostWasm.compile(code.bytes).then(install, (e: unknown) => {
      entry.compiling = false
      this.error = e
    })
  }

  /** Forgets a region: its slots go back to compiled JavaScript or the block interpreter. */
  private drop(region: Region): void {
    for (const slot of region.slots) {
      if (this.regionOf[slot] === region) {
        this.caseOf[slot] = 0
        this.regionOf[slot] = undefined
      }
    }
  }

  /** The cache slot was given to another block. */
  forgetSlot(slot: number): void {
    this.caseOf[slot] = 0
    this.regionOf[slot] = undefined
  }
}

/** True when the CPU runs flat 32-bit code at CPL 0 on the supervisor TLB pair (what region code assumes). */
function flat(c: Cpu): boolean {
  return (
    (c.wideSegs & FLAT_DATA) === FLAT_DATA &&
    c.code32 &&
    c.stack32 &&
    c.tlbR === c.tlbRS &&
    c.segLimit[CS] === -1 &&
    (c.segBase[CS]! | c.segBase[DS]! | c.segBase[ES]! | c.segBase[SS]!) === 0
  )
}

/** True when block `slot` branches back within its page (to its start or before a branch): a loop. */
function loopsInPage(b: BlockCache, slot: number): boolean {
  const first = b.first[slot]!
  const offset = b.tagPhys[slot]! & 0xfff
  for (let i = first; i < first + b.count[slot]!; i++) {
    const op = b.op[i]!
    if (op !== OP.jcc && op !== OP.jmp && op !== OP.loop) continue
    const to = b.imm[i]!
    if (to <= b.start[i]! && offset + to >= 0) return true
  }
  return false
}
