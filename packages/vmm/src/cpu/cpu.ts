// The i686 integer CPU (VirtualBox CPUM + IEM): architectural state, the TLB-backed linear and segmented memory
// access paths, instruction fetch, the stack and the embedding / single-step API; paging walks live in paging.ts,
// the run loop in run-loop.ts, segment caches in segment-cache.ts. Spec: Intel SDM vol. 3A ch. 2–6, vol. 2.
//
// Embedding API (stable; see packages/vmm/README.md):
//   const cpu = new Cpu({ memory, io, interrupts })   // memory: PhysicalMemory, io: IoBus, interrupts: InterruptSource
//   cpu.reset()                                        // power-on: CS:IP = F000:FFF0, CS base FFFF0000
//   cpu.run(maxInstructions) → { reason: 'budget' | 'halted' | 'triple-fault' | 'stopped', retired }
//   cpu.step() → { reason, retired, exception? }       // exactly one instruction (or exception delivery)
//   cpu.instructionsRetired                            // deterministic clock source
//   cpu.getState() / cpu.setState(state)               // complete architectural state (CpuState)
//   cpu.saveState() / cpu.loadState(bytes)             // versioned bytes of the CPU unit
//   cpu.requestStop()                                  // makes run() return 'stopped' at the next boundary
//   cpu.attachFpu(fpu)                                 // the x87 module (cpu/fpu); without it D8–DF raise #NM
// Interrupts are sampled at instruction boundaries (INTR when IF=1 and no interrupt shadow; NMI always).
import type { InterruptSource } from '../irq/interrupt-source'
import type { IoBus } from '../io/io-bus'
import type { PhysicalMemory } from '../memory/physical-memory'
import type { FirmwareRegisters } from '../device-api/device'
import { readFirmwareRegisters, writeFirmwareRegisters } from './firmware-registers'
import { dataBreakpointHits, dataBreakpointsArmed, ioBreakpointHits, ioBreakpointsArmed } from './debug-registers'
import * as constants from './constants'
import { GUEST_FAULT } from './fault'
import * as flags from './flags'
import type { Fpu } from './fpu/fpu-contract'
import { X87Fpu } from './fpu/x87-fpu'
import { CpuFpuHost } from './fpu-host'
import { CODE_PAGE_BYTES } from '../memory/wasm-arena'
import { BlockCache } from './block-decoder'
import { createBlockInterpreter } from './block-exec'
import { createRunChunk } from './run-chunk'
import * as decoder from './block-decoder'
import { WasmRegions } from './wasm/regions'
import type { CompiledBlock } from './block-compiler'
import { resetCpu } from './cpu-reset'
import { cpuStateFromCpu, cpuStateToCpu, type CpuState } from './cpu-state'
import { loadCpuState, saveCpuState } from './cpu-saved-state'
import { ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, flushTlb, invalidatePage, translate, type AccessKind } from './paging'
import { runCpu, stepCpu } from './run-loop'
import { deriveAllSegs, deriveSeg, loadSegReal, setSegRaw } from './segment-cache'
import * as tlbEntry from './tlb-entry'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { computeLazy } = flags
const {
  AC,
  AC_VECTOR,
  ARITH_FLAGS,
  ATTR_DB,
  CR0_AM,
  CR0_PE,
  CR0_PG,
  CS,
  DS,
  EFLAGS_WRITABLE,
  ES,
  FS,
  GP,
  GS,
  IF,
  SS,
  SS_VECTOR,
  TF,
  VM,
} = constants
const { CACHE_SIZE, JUMP_CACHE_SIZE } = decoder
const { FILLED_MAX, TLB_DATA_FAST, TLB_DIRTY, TLB_FETCH_FAST, TLB_NX, TLB_PAGES, TLB_VALID } = tlbEntry

/** Why `run` returned. */
export type CpuExitReason = 'budget' | 'halted' | 'triple-fault' | 'stopped'

/** Result of `run`/`step`. `exception` is set by `step` when the instruction raised one (already delivered). */
export interface CpuExit {
  readonly reason: CpuExitReason
  readonly retired: number
  readonly exception?: { readonly vector: number; readonly errorCode: number | null }
}

/** What the CPU is wired to. */
export interface CpuOptions {
  readonly memory: PhysicalMemory
  readonly io: IoBus
  readonly interrupts: InterruptSource
  /** Time-stamp counter source; defaults to the retired-instruction count (deterministic). */
  readonly readTsc?: () => number
  /**
   * The rate of `readTsc` in Hz (a whole number of MHz) when it counts time: CPUID leaves 0x15/0x16 then report it,
   * so that an OS needs no TSC calibration. Unset: the TSC's frequency is not defined and CPUID stops at leaf 1.
   */
  readonly tscHz?: number
  /**
   * Source of RDRAND's random values (a uniformly random 32-bit integer per call). Without one the CPU has no
   * RDRAND: CPUID.1:ECX bit 30 is clear and the instruction raises #UD.
   */
  readonly readRandom?: () => number
  /**
   * Execution engine: 'interpreter' decodes every instruction; 'blocks' adds the decoded-instruction cache;
   * 'compiled' (default) also compiles hot blocks to JavaScript functions.
   */
  readonly engine?: 'interpreter' | 'blocks' | 'compiled'
  /** The x87 FPU; defaults to the built-in X87Fpu. `null` models a CPU without FPU (D8–DF raise #UD/#NM). */
  readonly fpu?: Fpu | null
  /** Unmasked x87 error while CR0.NE = 0 (FERR#): the platform raises IRQ 13. Ignored when not given. */
  readonly onFpuError?: () => void
  /**
   * Guest instructions the block interpreter runs in a block before the block is compiled (default 100000; 0
   * compiles on first use, 1 after one run).
   */
  readonly compileThreshold?: number
  /**
   * With the 'compiled' engine, also compile the hot code pages of flat 32-bit kernel code to WebAssembly
   * (cpu/wasm/, default false): true compiles in the background (the host's event loop must run between
   * `run` calls for the code to arrive), 'sync' on the calling thread, at once. Needs a host with WebAssembly
   * and guest memory with an arena.
   */
  readonly wasmTier?: boolean | 'sync'
}

/**
 * Guest instructions the block interpreter runs in a cached block before the block is compiled to a JavaScript
 * function. High on purpose: a new function runs in V8's bytecode interpreter until V8 optimizes it, which costs
 * milliseconds of CPU (TurboFan took a median of 21 ms, wall clock on a loaded machine, for each of the ~680 block
 * functions of a Linux boot), so compiling code that runs only a few thousand times (most of a kernel's boot-time
 * code) is slower than interpreting it. Counted in instructions, not runs: compile cost and benefit both grow with
 * a block's length, and a long block (an unrolled BLAKE2s or SHA-256 round, 100-300 instructions) pays off after
 * far fewer runs than a 3-instruction one. Counting runs (16000 before compiling) left the Linux boot's crypto
 * self-tests and initramfs inflate in the block interpreter for thousands of runs each; instructions (100000)
 * took boot to the prompt from 11.8-11.9 to 11.3 s of main-thread CPU (wall 11.9 → 11.4 s); 50000 and 200000
 * were within noise of 100000 on the main thread, 200000 used 0.3 s less CPU on V8's compiler threads.
 * Run counts measured before (deterministic time, CPU seconds, boot to 4.4e9 instructions): 4000 → 25.2,
 * 8000 → 23.4–24.3, 12000 → 22.1, 16000 → 22.0–22.7, 24000 → 22.3, 32000 → 23.8, 60000 → 25.1.
 */
const HOT_BLOCK = 100_000

/**
 * A buffer for one of the CPU's small arrays (registers, segment caches). `new Int32Array(8)` keeps its elements in
 * V8's heap, where the garbage collector may move them, so code must load their address at each use; the elements
 * of an ArrayBuffer live outside it, and code that knows the array (the block interpreter's and compiled blocks'
 * closures over the CPU) addresses them by an immediate.
 */
function outsideHeap(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes)
}

/**
 * The CPU. Fields are public for the instruction modules in this folder; embedders use the API above.
 *
 * Fields the constructor assigns are `declare`d: a plain declaration is a class field that starts as `undefined`
 * (ES2022), so the constructor's store is the field's second and V8 takes it for a variable one. Stored once, a
 * field is constant to V8, and code compiled for this CPU (the block interpreter's closures, compiled blocks) reads
 * `c.regs`, `c.ramView` or `c.blocks` as constants instead of loading and checking them.
 */
export class Cpu {
  declare readonly memory: PhysicalMemory
  declare readonly io: IoBus
  declare readonly interrupts: InterruptSource
  declare readonly ram: Uint8Array
  declare readonly ramView: DataView
  /** RAM as aligned little-endian dwords (bulk STOSD). */
  declare readonly ram32: Int32Array
  /** RAM as aligned little-endian words (compiled code's 16-bit accesses). */
  declare readonly ram16: Uint16Array
  declare readonly dirty: Int32Array
  declare readonly readTsc: (() => number) | null
  /** CpuOptions.tscHz, or 0. */
  declare readonly tscHz: number
  /** CpuOptions.readRandom, or null (no RDRAND). */
  declare readonly readRandom: (() => number) | null
  fpu: Fpu | null = null
  declare readonly fpuHost: CpuFpuHost

  // ---- architectural state ----
  /** EAX…EDI; in the wasm arena's state block when the memory has an arena (memory/wasm-arena.ts). */
  declare readonly regs: Int32Array
  eip = 0
  /** EFLAGS, except the arithmetic bits selected by `lzMask`, which are computed lazily. */
  flags = 2
  lzMask = 0
  lzOp = 0
  lzShift = 31
  lzA = 0
  lzB = 0
  lzRes = 0
  /** Segment registers ES CS SS DS FS GS LDTR TR: selector and hidden part. */
  readonly segSel = new Int32Array(outsideHeap(32))
  readonly segBase = new Int32Array(outsideHeap(32))
  readonly segLimit = new Int32Array(outsideHeap(32))
  readonly segAttr = new Int32Array(outsideHeap(32))
  /** Derived per segment: lowest/highest valid offsets and access rights (bit 0 read, bit 1 write). */
  readonly segLo = new Float64Array(outsideHeap(64))
  readonly segHi = new Float64Array(outsideHeap(64))
  readonly segOk = new Int32Array(outsideHeap(32))
  /** segLo/segHi folded with segOk for reads and for writes (an empty range when not permitted). */
  readonly segReadLo = new Float64Array(outsideHeap(64))
  readonly segReadHi = new Float64Array(outsideHeap(64))
  readonly segWriteLo = new Float64Array(outsideHeap(64))
  readonly segWriteHi = new Float64Array(outsideHeap(64))
  /**
   * Segments whose read range (bit s) or write range (bit 8 + s) takes every 32-bit offset: compiled code made
   * while they were so checks this mask once per call instead of the bounds of each access (jit/inline-memory.ts).
   */
  wideSegs = 0
  cpl = 0
  cr0 = 0
  cr2 = 0
  cr3 = 0
  cr4 = 0
  readonly dr = new Int32Array(8)
  gdtBase = 0
  gdtLimit = 0
  idtBase = 0
  idtLimit = 0
  // MSRs
  tscOffset = 0
  sysenterCs = 0
  sysenterEsp = 0
  sysenterEip = 0
  apicBase = 0
  patLo = 0
  patHi = 0
  mtrrDefType = 0
  /** IA32_EFER: only NXE (bit 11) is implemented. */
  efer = 0
  /** P6 performance counters (PERFEVTSEL0/1 and PERFCTR0/1 as 40-bit values); see system.ts. */
  readonly perfEvtSel = new Int32Array(2)
  readonly perfCtr = new Float64Array(2)

  // ---- execution state ----
  instructionsRetired = 0
  halted = false
  /** Interrupt shadow after MOV SS / POP SS / STI: INTR is not taken before the next instruction. */
  shadow = false
  /** Set by instructions that may enable an interrupt (STI, POPF, IRET, mode switches): end the chunk. */
  breakChunk = false
  stopRequested = false
  nmiBlocked = false
  /** Derived mode facts, refreshed by `updateMode`. */
  protectedMode = false
  v86 = false
  code32 = false
  stack32 = false
  /** Per-instruction decode state. */
  startEip = 0
  startEsp = 0
  opSize32 = false
  addrSize32 = false
  segOverride = -1
  prefixRep = 0
  prefixLock = false
  /** The pending fault (set before throwing GUEST_FAULT). errorCode < 0: none. */
  faultVector = 0
  faultError = -1
  /** Nesting while delivering: 0 none, 1 delivering a fault, 2 delivering #DF. */
  deliveryDepth = 0
  lastException: { vector: number; errorCode: number | null } | null = null
  /** Data breakpoints are armed (DR7 R/W = 01 or 11 on an enabled breakpoint). */
  watchData = false
  /** I/O breakpoints are armed (CR4.DE and DR7 R/W = 10 on an enabled breakpoint). */
  watchIo = false
  /** B0–B3 bits of data breakpoints hit by the current instruction. */
  pendingDataBreak = 0
  /** An IRET or task switch left VIF and VIP set: #GP(0) before the next instruction (virtual-interrupts.ts). */
  virtualInterruptCheck = false
  firstException: { vector: number; errorCode: number | null } | null = null

  // ---- TLB and fetch cache ----
  // Supervisor and user TLB pairs (in the wasm arena when there is one); tlbR/tlbW are the current privilege's.
  declare readonly tlbRS: Int32Array
  declare readonly tlbWS: Int32Array
  declare readonly tlbRU: Int32Array
  declare readonly tlbWU: Int32Array
  declare tlbR: Int32Array
  declare tlbW: Int32Array
  /** The PAE PDPTE registers (low, high dword × 4), loaded from CR3 by paging.ts `loadPdptes`. */
  readonly pdpte = new Int32Array(8)
  /** Where `loadPdptes` assembles new entries before committing them (a #GP leaves `pdpte` unchanged). */
  readonly pdpteScratch = new Int32Array(8)
  /** Per physical 4 KB page: 1 when plain RAM (the memory's own table, read by page walks and TLB fills). */
  declare readonly plainRam: Uint8Array
  readonly filled = new Int32Array(FILLED_MAX)
  filledCount = 0
  filledOverflow = false
  /** Lowest and highest linear page filled since the last flush, per privilege (supervisor, user). */
  filledLoS = TLB_PAGES
  filledHiS = -1
  filledLoU = TLB_PAGES
  filledHiU = -1
  /** Global entries filled since the last full flush, listed apart (CR3 loads keep them). */
  readonly filledGlobals = new Int32Array(FILLED_MAX)
  filledGlobalCount = 0
  filledGlobalOverflow = false
  fetchTag = -1
  /**
   * Bumped with every change of what an EIP can map to outside decoded code — CS loads, mode changes, CPL switches
   * (the TLB view), TLB flushes and INVLPG: run-chunk.ts keeps its jump cache across chunks until this moves.
   */
  codeMapGen = 0
  /** `codeMapGen` when run-chunk.ts last started a jump-cache epoch for it. */
  jumpCacheGen = -1
  fetchPhys = 0
  /** Decoded-instruction cache; `codePage` is its per-page "holds decoded code" byte, checked on writes. */
  declare readonly blocks: BlockCache
  /** The block interpreter's entry points for this CPU's block cache (block-exec.ts `createBlockInterpreter`). */
  declare readonly runBlock: (first: number, count: number, blockEip: number, limit: number) => void
  declare readonly stepRecord: (i: number, blockEip: number) => boolean
  /** The inner run loop for this CPU (run-chunk.ts `createRunChunk`). */
  declare readonly runChunk: (chunkEnd: number) => void
  /** Compiled code per cache slot (valid while the slot's tag is), and execution counts towards compiling. */
  readonly compiled: (CompiledBlock | undefined)[] = new Array<CompiledBlock | undefined>(CACHE_SIZE)
  /** The compiled function of each jump-cache entry's block (run-chunk.ts), kept with `compiled`. */
  readonly jumpFn: (CompiledBlock | undefined)[] = new Array<CompiledBlock | undefined>(JUMP_CACHE_SIZE)
  readonly hotness = new Uint8Array(CACHE_SIZE)
  declare readonly useBlocks: boolean
  declare compileThreshold: number
  /**
   * Why compiling stopped, when it did: the host forbids generating code (a Content-Security-Policy's EvalError)
   * or the compiler made a function the host would not take (a compiler bug; tests check this stays null). The CPU
   * then goes on with the block interpreter.
   */
  compileError: unknown = null
  /** Index within the block of the instruction that faulted in compiled code. */
  blockFaultIndex = 0
  declare readonly codePage: Uint8Array
  /** The wasm tier (CpuOptions.wasmTier), or null. */
  declare readonly regions: WasmRegions | null

  constructor(options: CpuOptions) {
    this.memory = options.memory
    const arena = options.memory.arena
    const view = (offset: number) =>
      arena === null ? new Int32Array(TLB_PAGES) : new Int32Array(arena.memory.buffer, offset, TLB_PAGES)
    this.tlbRS = view(arena?.tlbRS ?? 0)
    this.tlbWS = view(arena?.tlbWS ?? 0)
    this.tlbRU = view(arena?.tlbRU ?? 0)
    this.tlbWU = view(arena?.tlbWU ?? 0)
    this.tlbR = this.tlbRS
    this.tlbW = this.tlbWS
    this.regs = arena === null ? new Int32Array(outsideHeap(32)) : new Int32Array(arena.memory.buffer, arena.state, 8)
    this.blocks = new BlockCache(
      arena === null ? undefined : new Uint8Array(arena.memory.buffer, arena.codePage, CODE_PAGE_BYTES),
    )
    this.codePage = this.blocks.codePage
    const interpreter = createBlockInterpreter(this)
    this.runBlock = interpreter.runBlock
    this.stepRecord = interpreter.step
    this.runChunk = createRunChunk(this)
    this.io = options.io
    this.interrupts = options.interrupts
    this.ram = options.memory.ram
    this.ramView = options.memory.ramView
    const ram = options.memory.ram
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2)
    this.ram16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 1)
    this.dirty = options.memory.dirty
    this.plainRam = options.memory.plainRam
    this.readTsc = options.readTsc ?? null
    this.tscHz = options.readTsc !== undefined && options.tscHz !== undefined ? options.tscHz : 0
    this.readRandom = options.readRandom ?? null
    const engine = options.engine ?? 'compiled'
    this.useBlocks = engine !== 'interpreter'
    this.compileThreshold = engine === 'compiled' ? Math.max(0, options.compileThreshold ?? HOT_BLOCK) : Infinity
    this.regions =
      engine === 'compiled' && options.wasmTier !== undefined && options.wasmTier !== false && arena !== null
        ? new WasmRegions(this, arena, options.wasmTier === 'sync')
        : null
    this.fpuHost = new CpuFpuHost(this)
    this.fpuHost.onFerr = options.onFpuError ?? null
    options.memory.onMapChange(() => {
      this.flushTlb(true)
      this.blocks.invalidateNonRam((page) => options.memory.pageIsPlainRam(page))
    })
    options.memory.onExternalWrite((gpa, length) => this.blocks.invalidateRange(gpa, length))
    // Entries that promise a page is already dirty (TLB_DIRTY) no longer hold once its bit is cleared.
    options.memory.onDirtyCollected(() => this.flushTlb(true))
    const fpu = options.fpu === undefined ? new X87Fpu() : options.fpu
    if (fpu !== null) this.attachFpu(fpu)
    // V8 keeps the representation and constness a field had at its first stores; changing them later deoptimizes
    // every function optimized for the Cpu's shape (run loop, block interpreter, compiled blocks) at once.
    // instructionsRetired passing 2^31 turns it from a small integer into a double (a Linux boot, ~8 CPU-s in),
    // the guest's first exception makes the fault fields mutable, and its first switch to CPL 3 the TLB views
    // (Linux: ~21 CPU-s in, ~400 optimized functions, most of them compiled blocks): all happen here, before anything
    // runs.
    this.instructionsRetired = 2 ** 31
    this.instructionsRetired = 0
    this.faultVector = 1
    this.faultVector = 0
    this.faultError = 0
    this.faultError = -1
    this.lastException = { vector: 0, errorCode: null }
    this.lastException = null
    this.firstException = { vector: 0, errorCode: null }
    this.firstException = null
    this.tlbR = this.tlbRU
    this.tlbW = this.tlbWU
    this.tlbR = this.tlbRS
    this.tlbW = this.tlbWS
    this.reset()
  }

  /** Connects the x87 module; CPUID then reports an FPU. */
  attachFpu(fpu: Fpu): void {
    this.fpu = fpu
    fpu.reset()
  }

  /**
   * Drops all decoded and compiled code. Needed only after writing guest RAM behind the CPU's back (through
   * `memory.ram` directly rather than CPU stores or `dmaWrite`); reset, setState and loadState do it too.
   */
  flushDecodedCode(): void {
    this.blocks.flushAll()
  }

  /** Power-on / RESET state (SDM vol. 3A 9.1.1). */
  reset(): void {
    resetCpu(this)
  }

  // ---- flags ----

  /** The full EFLAGS value. */
  getEflags(): number {
    return ((this.flags & ~this.lzMask) | computeLazy(this) | 2) & (EFLAGS_WRITABLE | 2)
  }

  /** Replaces EFLAGS (no privilege checks; callers apply them). */
  setEflags(v: number): void {
    const old = this.flags
    this.flags = (v & EFLAGS_WRITABLE) | 2
    this.lzMask = 0
    if (((old ^ this.flags) & VM) !== 0) this.updateMode()
    if ((this.flags & IF) !== 0 && (old & IF) === 0) this.breakChunk = true
    if ((this.flags & TF) !== 0) this.breakChunk = true
  }

  /** Materializes lazy flags into `flags`. */
  materializeFlags(): void {
    if (this.lzMask !== 0) {
      this.flags = (this.flags & ~this.lzMask) | computeLazy(this)
      this.lzMask = 0
    }
  }

  /** Records a lazy ALU result: `shift` is 7, 15 or 31. */
  setLazy(op: number, shift: number, a: number, b: number, res: number): void {
    this.lzOp = op
    this.lzShift = shift
    this.lzA = a
    this.lzB = b
    this.lzRes = res
    this.lzMask = ARITH_FLAGS
  }

  // ---- modes ----

  /** Recomputes mode facts after CR0, EFLAGS.VM, CS or SS changes. */
  updateMode(): void {
    const wasPm = this.protectedMode
    const wasV86 = this.v86
    const wasCode32 = this.code32
    this.protectedMode = (this.cr0 & CR0_PE) !== 0
    this.v86 = this.protectedMode && (this.flags & VM) !== 0
    if (wasPm !== this.protectedMode || wasV86 !== this.v86) this.deriveAllSegs()
    this.code32 = !this.v86 && (this.segAttr[CS]! & ATTR_DB) !== 0 && this.protectedMode
    if (!this.protectedMode) this.code32 = (this.segAttr[CS]! & ATTR_DB) !== 0
    this.stack32 = (this.segAttr[SS]! & ATTR_DB) !== 0
    // Decoded blocks are per code size, and the mode decides how CS maps EIPs; every interrupt delivery and IRET
    // comes here, mostly changing neither, and then the jump cache keeps its epoch.
    if (wasPm !== this.protectedMode || wasV86 !== this.v86 || wasCode32 !== this.code32) this.codeMapGen++
    this.setCpl(this.v86 ? 3 : this.protectedMode ? this.cpl : 0)
    this.breakChunk = true
  }

  /** Changes CPL and selects the user or supervisor TLB. */
  setCpl(cpl: number): void {
    this.cpl = cpl
    const user = cpl === 3
    const r = user ? this.tlbRU : this.tlbRS
    if (r !== this.tlbR) {
      this.tlbR = r
      this.tlbW = user ? this.tlbWU : this.tlbWS
      this.dropFetchPage()
    }
  }

  /**
   * What an EIP maps to may have changed (CS load, CPL switch, TLB flush, INVLPG): forget the fetch page and move
   * `codeMapGen`, which ends the jump cache's epoch.
   */
  dropFetchPage(): void {
    this.fetchTag = -1
    this.codeMapGen++
  }

  // ---- segments ----

  /** Loads a segment register's visible and hidden parts as given, and derives the access checks. */
  setSegRaw(seg: number, sel: number, base: number, limit: number, attr: number): void {
    setSegRaw(this, seg, sel, base, limit, attr)
  }

  /** Recomputes segLo/segHi/segOk of one segment from its hidden part and the mode. */
  deriveSeg(seg: number): void {
    deriveSeg(this, seg)
  }

  /** Re-derives all segment checks (after a mode change). */
  deriveAllSegs(): void {
    deriveAllSegs(this)
  }

  /** Loads a segment register in real or V86 mode (base = selector × 16). */
  loadSegReal(seg: number, sel: number): void {
    loadSegReal(this, seg, sel)
  }

  // ---- faults ----

  /** Aborts the instruction with exception `vector` (errorCode < 0: none). */
  fault(vector: number, errorCode: number): never {
    this.faultVector = vector
    this.faultError = errorCode
    throw GUEST_FAULT
  }

  gp(errorCode: number): never {
    return this.fault(GP, errorCode)
  }

  ud(): never {
    return this.fault(6, -1)
  }

  /** Limit or rights violation on `seg`: #SS(0) for the stack segment, #GP(0) otherwise. */
  segFault(seg: number): never {
    return this.fault(seg === SS ? SS_VECTOR : GP, 0)
  }

  // ---- paging and TLB ----

  /** Flushes the TLB; `all` also drops global pages. */
  flushTlb(all: boolean): void {
    flushTlb(this, all)
  }

  /** INVLPG: drops one page (even a global one). */
  invalidatePage(linear: number): void {
    invalidatePage(this, linear)
  }

  /** Translates a linear address for an access of `kind` (paging.ts); fills the TLB. */
  translate(linear: number, kind: AccessKind, user: boolean): number {
    return translate(this, linear, kind, user)
  }

  /** Physical address for a data read of `size` bytes at the current privilege (a valid entry or a walk). */
  private physRead(linear: number, size: number): number {
    if (this.watchData) this.pendingDataBreak |= dataBreakpointHits(this.dr, linear, size, false)
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_VALID) !== 0) return ((e & ~0xfff) | (linear & 0xfff)) >>> 0
    return translate(this, linear, ACCESS_READ, this.cpl === 3)
  }

  private physWrite(linear: number, size: number): number {
    if (this.watchData) this.pendingDataBreak |= dataBreakpointHits(this.dr, linear, size, true)
    const e = this.tlbW[linear >>> 12]!
    if ((e & TLB_VALID) !== 0) return ((e & ~0xfff) | (linear & 0xfff)) >>> 0
    return translate(this, linear, ACCESS_WRITE, this.cpl === 3)
  }

  // ---- linear memory access at the current privilege ----
  // Each access is a small fast path (a TLB entry for plain RAM, within one page), kept small so V8 inlines it
  // into the compiled blocks that call it, and a slow path: TLB miss (walk, then RAM directly when the page is
  // RAM), MMIO/ROM, page crossings, alignment checks, data breakpoints.

  readLin8(linear: number): number {
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST) return this.ram[((e & ~0xfff) | (linear & 0xfff)) >>> 0]!
    return this.readLin8Slow(linear)
  }

  private readLin8Slow(linear: number): number {
    const p = this.physRead(linear, 1)
    if ((this.tlbR[linear >>> 12]! & TLB_DATA_FAST) === TLB_DATA_FAST) return this.ram[p]!
    return this.memory.read8(p)
  }

  /** True when misaligned data accesses raise #AC: CR0.AM, EFLAGS.AC and CPL 3 (SDM vol. 3A 6.15, vector 17). */
  alignCheckActive(): boolean {
    return (this.cr0 & CR0_AM) !== 0 && (this.flags & AC) !== 0 && this.cpl === 3
  }

  /** #AC(0) for a misaligned access when alignment checking is on; after translation (#PF has priority). */
  private checkAlign(): void {
    if (this.alignCheckActive()) this.fault(AC_VECTOR, 0)
  }

  readLin16(linear: number): number {
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && ((linear & 1) === 0 || this.misalignedOk(linear, 0xffe))) {
      return this.ramView.getUint16(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
    }
    return this.readLin16Slow(linear)
  }

  private readLin16Slow(linear: number): number {
    if ((linear & 0xfff) !== 0xfff) return this.readWithinPage(linear, 2)
    const v = this.readLin8(linear) | (this.readLin8((linear + 1) | 0) << 8)
    this.checkAlign()
    return v
  }

  readLin32(linear: number): number {
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && ((linear & 3) === 0 || this.misalignedOk(linear, 0xffc))) {
      return this.ramView.getInt32(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
    }
    return this.readLin32Slow(linear)
  }

  /** A misaligned access within one page with alignment checking off: still the fast path. */
  private misalignedOk(linear: number, lastOffset: number): boolean {
    return (linear & 0xfff) <= lastOffset && !this.alignCheckActive()
  }

  private readLin32Slow(linear: number): number {
    if ((linear & 0xfff) <= 0xffc) return this.readWithinPage(linear, 4)
    const lo = this.readLin16Split(linear)
    const v = lo | (this.readLin16Split((linear + 2) | 0) << 16)
    this.checkAlign()
    return v
  }

  /** A 2- or 4-byte read within one page off the fast path: TLB miss, MMIO/ROM, misaligned (#AC after #PF). */
  private readWithinPage(linear: number, size: 2 | 4): number {
    const p = this.physRead(linear, size)
    if ((linear & (size - 1)) !== 0) this.checkAlign()
    if ((this.tlbR[linear >>> 12]! & TLB_DATA_FAST) === TLB_DATA_FAST) {
      return size === 2 ? this.ramView.getUint16(p, true) : this.ramView.getInt32(p, true)
    }
    return size === 2 ? this.memory.read16(p) : this.memory.read32(p)
  }

  private readLin16Split(linear: number): number {
    return this.readLin8(linear) | (this.readLin8((linear + 1) | 0) << 8)
  }

  writeLin8(linear: number, v: number): void {
    const e = this.tlbW[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST) {
      const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
      this.ram[p] = v
      if ((e & TLB_DIRTY) === 0) this.markDirty(p, linear, e)
      if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 1)
      return
    }
    this.writeLin8Slow(linear, v)
  }

  private writeLin8Slow(linear: number, v: number): void {
    const p = this.physWrite(linear, 1)
    if ((this.tlbW[linear >>> 12]! & TLB_DATA_FAST) === TLB_DATA_FAST) {
      this.ram[p] = v
      this.noteRamWrite(p, 1)
      return
    }
    this.memory.write8(p, v)
    this.slowWrite(p, 1)
  }

  /** A 2- or 4-byte write within one page off the fast path (see `readWithinPage`). */
  private writeWithinPage(linear: number, v: number, size: 2 | 4): void {
    const p = this.physWrite(linear, size)
    if ((linear & (size - 1)) !== 0) this.checkAlign()
    if ((this.tlbW[linear >>> 12]! & TLB_DATA_FAST) === TLB_DATA_FAST) {
      if (size === 2) this.ramView.setUint16(p, v, true)
      else this.ramView.setInt32(p, v, true)
      this.noteRamWrite(p, size)
      return
    }
    if (size === 2) this.memory.write16(p, v)
    else this.memory.write32(p, v)
    this.slowWrite(p, size)
  }

  /** A CPU store to plain RAM: the page's dirty bit, and decoded code on the page is checked. */
  private noteRamWrite(p: number, size: number): void {
    this.dirty[p >>> 17]! |= 1 << ((p >>> 12) & 31)
    if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, size)
  }

  /**
   * After a write outside the TLB's RAM fast path (MMIO, ROM): a device may have changed an interrupt line, so
   * the chunk ends and interrupts are sampled before the next instruction.
   */
  private slowWrite(p: number, size: number): void {
    this.breakChunk = true
    if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, size)
  }

  /** Bulk RAM write by a fast path (REP MOVS/STOS): dirty bits and decoded-code invalidation for [phys, +len). */
  notePhysWrite(phys: number, len: number): void {
    for (let p = phys >>> 12; p <= (phys + len - 1) >>> 12; p++) {
      this.dirty[p >>> 5]! |= 1 << (p & 31)
      if (this.codePage[p] !== 0)
        this.codeWritten(Math.max(phys, p * 4096), Math.min(phys + len, p * 4096 + 4096) - Math.max(phys, p * 4096))
    }
  }

  /** A write hit a page holding decoded code: invalidate if it touched a decoded granule, and end the block. */
  private codeWritten(phys: number, size: number): void {
    if (this.blocks.noteWrite(phys, size)) this.breakChunk = true
  }

  /**
   * The first store to plain RAM page `phys` through write-TLB entry `e` (of `linear`) since the page's dirty bit was
   * collected: sets the bit, and TLB_DIRTY in the entry so that later stores through it skip both.
   */
  private markDirty(phys: number, linear: number, e: number): void {
    this.dirty[phys >>> 17]! |= 1 << ((phys >>> 12) & 31)
    this.tlbW[linear >>> 12] = e | TLB_DIRTY
  }

  writeLin16(linear: number, v: number): void {
    const e = this.tlbW[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && ((linear & 1) === 0 || this.misalignedOk(linear, 0xffe))) {
      const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
      this.ramView.setUint16(p, v, true)
      if ((e & TLB_DIRTY) === 0) this.markDirty(p, linear, e)
      if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 2)
      return
    }
    this.writeLin16Slow(linear, v)
  }

  private writeLin16Slow(linear: number, v: number): void {
    if ((linear & 0xfff) !== 0xfff) return this.writeWithinPage(linear, v, 2)
    // Page-crossing: check both pages before writing either byte.
    const p0 = this.physWrite(linear, 2)
    const p1 = this.physWrite((linear + 1) | 0, 0)
    this.checkAlign()
    this.memory.write8(p0, v)
    this.memory.write8(p1, v >>> 8)
    this.breakChunk = true
    if (this.codePage[p0 >>> 12] !== 0) this.codeWritten(p0, 1)
    if (this.codePage[p1 >>> 12] !== 0) this.codeWritten(p1, 1)
  }

  writeLin32(linear: number, v: number): void {
    const e = this.tlbW[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && ((linear & 3) === 0 || this.misalignedOk(linear, 0xffc))) {
      const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
      this.ramView.setInt32(p, v, true)
      if ((e & TLB_DIRTY) === 0) this.markDirty(p, linear, e)
      if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 4)
      return
    }
    this.writeLin32Slow(linear, v)
  }

  private writeLin32Slow(linear: number, v: number): void {
    if ((linear & 0xfff) <= 0xffc) return this.writeWithinPage(linear, v, 4)
    const p0 = this.physWrite(linear, 4)
    const p1 = this.physWrite((linear + 3) | 0, 0)
    this.checkAlign()
    for (let i = 0; i < 4; i++) {
      const lin = (linear + i) | 0
      this.memory.write8((lin ^ linear) >>> 12 === 0 ? p0 + i : p1 - 3 + i, v >>> (8 * i))
    }
    this.breakChunk = true
    if (this.codePage[p0 >>> 12] !== 0) this.codeWritten(p0, 4 - ((linear + 4) & 3))
    if (this.codePage[p1 >>> 12] !== 0) this.codeWritten(p1 & ~0xfff, (linear + 4) & 3)
  }

  /**
   * Supervisor (CPL 0) reads and writes, used for descriptor tables, the TSS and the IDT. They go through the
   * supervisor TLB like any access (`sysPhys`): a walk per byte made each descriptor load eight page walks — in
   * early kernel init, where text patching IRETs to itself tens of thousands of times, 300 000 walks of the GDT's
   * page in 20 M instructions.
   */
  readSys32(linear: number): number {
    if ((this.cr0 & CR0_PG) === 0) return this.memory.read32(linear & this.memory.a20Mask)
    if ((linear & 0xfff) <= 0xffc) return this.memory.read32(this.sysPhys(linear, ACCESS_READ))
    let v = 0
    for (let i = 0; i < 4; i++) v |= this.memory.read8(this.sysPhys((linear + i) | 0, ACCESS_READ)) << (8 * i)
    return v
  }

  readSys16(linear: number): number {
    if ((this.cr0 & CR0_PG) === 0 || (linear & 0xfff) === 0xfff) {
      return this.readSys8(linear) | (this.readSys8((linear + 1) | 0) << 8)
    }
    return this.memory.read16(this.sysPhys(linear, ACCESS_READ))
  }

  readSys8(linear: number): number {
    if ((this.cr0 & CR0_PG) === 0) return this.memory.read8(linear & this.memory.a20Mask)
    return this.memory.read8(this.sysPhys(linear, ACCESS_READ))
  }

  writeSys8(linear: number, v: number): void {
    const p = (this.cr0 & CR0_PG) === 0 ? (linear & this.memory.a20Mask) >>> 0 : this.sysPhys(linear, ACCESS_WRITE)
    this.memory.write8(p, v)
    if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 1)
  }

  /**
   * Physical address of a supervisor access with paging on: the supervisor TLB's entry (a write entry exists only
   * where writes are allowed and the dirty bit is set, paging.ts `fill`), else a walk, which fills it.
   */
  private sysPhys(linear: number, kind: AccessKind): number {
    const e = (kind === ACCESS_WRITE ? this.tlbWS : this.tlbRS)[linear >>> 12]!
    if ((e & TLB_VALID) !== 0) return ((e & ~0xfff) | (linear & 0xfff)) >>> 0
    return translate(this, linear, kind, false)
  }

  writeSys16(linear: number, v: number): void {
    this.writeSys8(linear, v)
    this.writeSys8((linear + 1) | 0, v >>> 8)
  }

  writeSys32(linear: number, v: number): void {
    this.writeSys16(linear, v)
    this.writeSys16((linear + 2) | 0, v >>> 16)
  }

  // ---- segmented access ----

  /** Checks a read of `size` bytes at `offset` in `seg` and returns the linear address. */
  segRead(seg: number, offset: number, size: number): number {
    const o = offset >>> 0
    if (o < this.segReadLo[seg]! || o + size - 1 > this.segReadHi[seg]!) this.segFault(seg)
    return (this.segBase[seg]! + o) | 0
  }

  segWrite(seg: number, offset: number, size: number): number {
    const o = offset >>> 0
    if (o < this.segWriteLo[seg]! || o + size - 1 > this.segWriteHi[seg]!) this.segFault(seg)
    return (this.segBase[seg]! + o) | 0
  }

  read8(seg: number, off: number): number {
    const o = off >>> 0
    if (o < this.segReadLo[seg]! || o > this.segReadHi[seg]!) this.segFault(seg)
    const linear = (this.segBase[seg]! + o) | 0
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST) return this.ram[((e & ~0xfff) | (linear & 0xfff)) >>> 0]!
    return this.readLin8Slow(linear)
  }
  read16(seg: number, off: number): number {
    const o = off >>> 0
    if (o < this.segReadLo[seg]! || o + 1 > this.segReadHi[seg]!) this.segFault(seg)
    const linear = (this.segBase[seg]! + o) | 0
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && (linear & 1) === 0) {
      return this.ramView.getUint16(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
    }
    return this.readLin16(linear)
  }
  /** The hottest access of compiled code: segment check and the aligned RAM fast path without calls. */
  read32(seg: number, off: number): number {
    const o = off >>> 0
    if (o < this.segReadLo[seg]! || o + 3 > this.segReadHi[seg]!) this.segFault(seg)
    const linear = (this.segBase[seg]! + o) | 0
    const e = this.tlbR[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && (linear & 3) === 0) {
      return this.ramView.getInt32(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
    }
    return this.readLin32(linear)
  }
  write8(seg: number, off: number, v: number): void {
    const o = off >>> 0
    if (o < this.segWriteLo[seg]! || o > this.segWriteHi[seg]!) this.segFault(seg)
    this.writeLin8((this.segBase[seg]! + o) | 0, v)
  }
  write16(seg: number, off: number, v: number): void {
    const o = off >>> 0
    if (o < this.segWriteLo[seg]! || o + 1 > this.segWriteHi[seg]!) this.segFault(seg)
    this.writeLin16((this.segBase[seg]! + o) | 0, v)
  }
  /** Like `read32`: the aligned RAM fast path inline, everything else through `writeLin32`. */
  write32(seg: number, off: number, v: number): void {
    const o = off >>> 0
    if (o < this.segWriteLo[seg]! || o + 3 > this.segWriteHi[seg]!) this.segFault(seg)
    const linear = (this.segBase[seg]! + o) | 0
    const e = this.tlbW[linear >>> 12]!
    if ((e & TLB_DATA_FAST) === TLB_DATA_FAST && (linear & 3) === 0) {
      const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
      this.ramView.setInt32(p, v, true)
      if ((e & TLB_DIRTY) === 0) this.markDirty(p, linear, e)
      if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 4)
      return
    }
    this.writeLin32(linear, v)
  }

  // ---- instruction fetch ----

  fetch8(): number {
    const eip = this.eip
    if (eip >>> 0 > this.segLimit[CS]! >>> 0) this.gp(0)
    const lin = (this.segBase[CS]! + eip) | 0
    this.eip = (eip + 1) | 0
    if (lin >>> 12 === this.fetchTag) return this.ram[this.fetchPhys + (lin & 0xfff)]!
    return this.fetchSlow(lin)
  }

  /** Fetch outside the current fetch page: a TLB entry that allows fetches, else a walk for an instruction fetch. */
  private fetchSlow(lin: number): number {
    let e = this.tlbR[lin >>> 12]!
    if ((e & (TLB_VALID | TLB_NX)) !== TLB_VALID) {
      const p = translate(this, lin, ACCESS_FETCH, this.cpl === 3)
      e = this.tlbR[lin >>> 12]!
      if ((e & TLB_VALID) === 0) return this.memory.read8(p) // beyond 4 GB: never cached
    }
    if ((e & TLB_FETCH_FAST) === TLB_FETCH_FAST) {
      this.fetchTag = lin >>> 12
      this.fetchPhys = (e & ~0xfff) >>> 0
      return this.ram[this.fetchPhys + (lin & 0xfff)]!
    }
    return this.memory.read8(((e & ~0xfff) | (lin & 0xfff)) >>> 0)
  }

  fetch16(): number {
    const lo = this.fetch8()
    return lo | (this.fetch8() << 8)
  }

  fetch32(): number {
    const lo = this.fetch16()
    return lo | (this.fetch16() << 16)
  }

  // ---- stack ----

  push16(v: number): void {
    const esp = this.regs[4]!
    if (this.stack32 === true) {
      const n = (esp - 2) | 0
      this.writeLin16(this.segWrite(SS, n, 2), v)
      this.regs[4] = n
    } else {
      const n = (esp - 2) & 0xffff
      this.writeLin16(this.segWrite(SS, n, 2), v)
      this.regs[4] = (esp & ~0xffff) | n
    }
  }

  push32(v: number): void {
    const esp = this.regs[4]!
    if (this.stack32 === true) {
      const n = (esp - 4) | 0
      this.write32(SS, n, v)
      this.regs[4] = n
    } else {
      const n = (esp - 4) & 0xffff
      this.write32(SS, n, v)
      this.regs[4] = (esp & ~0xffff) | n
    }
  }

  push(v: number): void {
    if (this.opSize32 === true) this.push32(v)
    else this.push16(v)
  }

  /** Reads the stack at ESP + `delta` without popping. */
  peek16(delta: number): number {
    const esp = this.regs[4]!
    return this.readLin16(this.segRead(SS, this.stack32 === true ? (esp + delta) | 0 : (esp + delta) & 0xffff, 2))
  }

  peek32(delta: number): number {
    const esp = this.regs[4]!
    return this.read32(SS, this.stack32 === true ? (esp + delta) | 0 : (esp + delta) & 0xffff)
  }

  /** Adds to ESP (or SP for a 16-bit stack). */
  adjustSp(delta: number): void {
    const esp = this.regs[4]!
    this.regs[4] = this.stack32 === true ? (esp + delta) | 0 : (esp & ~0xffff) | ((esp + delta) & 0xffff)
  }

  pop16(): number {
    const v = this.peek16(0)
    this.adjustSp(2)
    return v
  }

  pop32(): number {
    const v = this.peek32(0)
    this.adjustSp(4)
    return v
  }

  pop(): number {
    return this.opSize32 === true ? this.pop32() : this.pop16()
  }

  // ---- run loop ----

  /** Makes `run` return 'stopped' at the next instruction boundary (callable from I/O handlers). */
  requestStop(): void {
    this.stopRequested = true
    this.breakChunk = true
  }

  /** Executes up to `maxInstructions` instructions (run-loop.ts). */
  run(maxInstructions: number): CpuExit {
    return runCpu(this, maxInstructions)
  }

  /** An I/O instruction accesses `size` bytes at `port`: records I/O breakpoint hits (#DB after the instruction). */
  noteIoAccess(port: number, size: number): void {
    if (this.watchIo) this.pendingDataBreak |= ioBreakpointHits(this.dr, port, size)
  }

  /** Recomputes the data-breakpoint watch after DR0–DR3 or DR7 change (pages with watches leave the fast path). */
  updateDebugWatch(): void {
    this.watchData = dataBreakpointsArmed(this.dr)
    this.watchIo = ioBreakpointsArmed(this.dr, this.cr4)
    this.flushTlb(true)
    this.breakChunk = true
  }

  /**
   * Executes exactly one instruction (or delivers one pending interrupt) and reports any exception it raised.
   * A halted CPU stays halted unless an interrupt is pending.
   */
  step(): CpuExit {
    return stepCpu(this)
  }

  /** Time-stamp counter (64-bit as a number, exact up to 2^53). */
  tsc(): number {
    const base = this.readTsc !== null ? this.readTsc() : this.instructionsRetired
    return base + this.tscOffset
  }

  // ---- firmware register hook (em/cpu-contract.ts FirmwareRegisterAccess) ----

  /** Snapshot of the register file for a firmware call trapped by an OUT (EIP already points past it). */
  readFirmwareRegisters(into: FirmwareRegisters): void {
    readFirmwareRegisters(this, into)
  }

  /** Writes a firmware call's registers back; segment registers load as MOV Sreg does (CS as a far jump would). */
  writeFirmwareRegisters(from: Readonly<FirmwareRegisters>): void {
    writeFirmwareRegisters(this, from)
  }

  // ---- state API ----

  /** The complete architectural state. */
  getState(): CpuState {
    return cpuStateFromCpu(this)
  }

  /** Replaces the architectural state (flushes the TLB). */
  setState(state: CpuState): void {
    cpuStateToCpu(this, state)
  }

  /** Saved-state bytes of the CPU unit. */
  saveState(): Uint8Array {
    return saveCpuState(this)
  }

  /** Restores `saveState` bytes. Throws `CpuStateError` on malformed input. */
  loadState(bytes: Uint8Array): void {
    loadCpuState(this, bytes)
  }
}

/** Segment register order used by the state API. */
export const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const
export { ES, CS, SS, DS, FS, GS }
