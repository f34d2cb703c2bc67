// The i686 integer CPU (VirtualBox CPUM + IEM): architectural state, the TLB and 2-level paging, segmented
// memory access, the run loop and the embedding / single-step API. Spec: Intel SDM vol. 3A ch. 2–6, vol. 2.
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
import {
  codeBreakpointHit,
  dataBreakpointHits,
  dataBreakpointsArmed,
  ioBreakpointHits,
  ioBreakpointsArmed,
  pageWatched,
} from './debug-registers'
import {
  AC,
  AC_VECTOR,
  ARITH_FLAGS,
  ATTR_CODE,
  ATTR_DB,
  ATTR_EXPAND_DOWN,
  ATTR_P,
  ATTR_S,
  ATTR_WRITABLE,
  CR0_AM,
  CR0_ET,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_PGE,
  CR4_PSE,
  CS,
  DS,
  EFLAGS_WRITABLE,
  ES,
  FS,
  GP,
  GS,
  IF,
  LDTR,
  PF_VECTOR,
  RF,
  SS,
  SS_VECTOR,
  TF,
  TR,
  VM,
} from './constants'
import { GUEST_FAULT, GuestFault as GuestFaultClass, TRIPLE_FAULT } from './fault'
import { computeLazy } from './flags'
import type { Fpu } from './fpu/fpu-contract'
import { X87Fpu } from './fpu/x87-fpu'
import { CpuFpuHost } from './fpu-host'
import { executeInstruction } from './execute'
import { BlockCache, CACHE_SIZE, slotOf } from './block-decoder'
import { runBlock } from './block-exec'
import { compileBlock, type CompiledBlock } from './block-compiler'
import { deliverInterrupt } from './interrupts'
import { cpuStateFromCpu, cpuStateToCpu, type CpuState } from './cpu-state'
import { loadCpuState, saveCpuState } from './cpu-saved-state'

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
   * Execution engine: 'interpreter' decodes every instruction; 'blocks' adds the decoded-instruction cache;
   * 'compiled' (default) also compiles hot blocks to JavaScript functions.
   */
  readonly engine?: 'interpreter' | 'blocks' | 'compiled'
  /** The x87 FPU; defaults to the built-in X87Fpu. `null` models a CPU without FPU (D8–DF raise #UD/#NM). */
  readonly fpu?: Fpu | null
  /** Unmasked x87 error while CR0.NE = 0 (FERR#): the platform raises IRQ 13. Ignored when not given. */
  readonly onFpuError?: () => void
  /** Executions of a block before it is compiled (default 16; 0 compiles on first use). */
  readonly compileThreshold?: number
}

const TLB_VALID = 1
const TLB_RAM = 2
const TLB_GLOBAL = 4
const TLB_PAGES = 1 << 20
const FILLED_MAX = 8192
/** Executions of a cached block before it is compiled to a JavaScript function. */
const HOT_BLOCK = 16
/**
 * Instructions run between interrupt checks when nothing forces an earlier check. Within `run` only port I/O
 * and writes outside RAM (MMIO) can change what the interrupt controller presents (timers fire between runs),
 * and both end the chunk, so this is only a bound; short chunks made every block that straddles a chunk end
 * fall back from compiled code to the block interpreter.
 */
const CHUNK = 1 << 16

/** The CPU. Fields are public for the instruction modules in this folder; embedders use the API above. */
export class Cpu {
  readonly memory: PhysicalMemory
  readonly io: IoBus
  readonly interrupts: InterruptSource
  readonly ram: Uint8Array
  readonly ramView: DataView
  /** RAM as aligned little-endian dwords (bulk STOSD). */
  readonly ram32: Int32Array
  private readonly dirty: Int32Array
  readonly readTsc: (() => number) | null
  fpu: Fpu | null = null
  readonly fpuHost: CpuFpuHost

  // ---- architectural state ----
  readonly regs = new Int32Array(8)
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
  readonly segSel = new Int32Array(8)
  readonly segBase = new Int32Array(8)
  readonly segLimit = new Int32Array(8)
  readonly segAttr = new Int32Array(8)
  /** Derived per segment: lowest/highest valid offsets and access rights (bit 0 read, bit 1 write). */
  readonly segLo = new Float64Array(8)
  readonly segHi = new Float64Array(8)
  readonly segOk = new Int32Array(8)
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

  // ---- execution state ----
  instructionsRetired = 0
  halted = false
  /** Interrupt shadow after MOV SS / POP SS / STI: INTR is not taken before the next instruction. */
  shadow = false
  /** Set by instructions that may enable an interrupt (STI, POPF, IRET, mode switches): end the chunk. */
  breakChunk = false
  private stopRequested = false
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
  private deliveryDepth = 0
  lastException: { vector: number; errorCode: number | null } | null = null
  /** Data breakpoints are armed (DR7 R/W = 01 or 11 on an enabled breakpoint). */
  private watchData = false
  /** I/O breakpoints are armed (CR4.DE and DR7 R/W = 10 on an enabled breakpoint). */
  private watchIo = false
  /** B0–B3 bits of data breakpoints hit by the current instruction. */
  private pendingDataBreak = 0
  private firstException: { vector: number; errorCode: number | null } | null = null

  // ---- TLB and fetch cache ----
  private readonly tlbRS = new Int32Array(TLB_PAGES)
  private readonly tlbWS = new Int32Array(TLB_PAGES)
  private readonly tlbRU = new Int32Array(TLB_PAGES)
  private readonly tlbWU = new Int32Array(TLB_PAGES)
  tlbR = this.tlbRS
  tlbW = this.tlbWS
  private readonly filled = new Int32Array(FILLED_MAX)
  private filledCount = 0
  private filledOverflow = false
  fetchTag = -1
  fetchPhys = 0
  /** Decoded-instruction cache; `codePage` is its per-page "holds decoded code" byte, checked on writes. */
  readonly blocks = new BlockCache()
  /** Compiled code per cache slot (valid while the slot's tag is), and execution counts towards compiling. */
  private readonly compiled: (CompiledBlock | undefined)[] = new Array<CompiledBlock | undefined>(CACHE_SIZE)
  private readonly hotness = new Uint8Array(CACHE_SIZE)
  private readonly useBlocks: boolean
  private compileThreshold: number
  /** Index within the block of the instruction that faulted in compiled code. */
  blockFaultIndex = 0
  private readonly codePage = this.blocks.codePage

  constructor(options: CpuOptions) {
    this.memory = options.memory
    this.io = options.io
    this.interrupts = options.interrupts
    this.ram = options.memory.ram
    this.ramView = options.memory.ramView
    const ram = options.memory.ram
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2)
    this.dirty = options.memory.dirty
    this.readTsc = options.readTsc ?? null
    const engine = options.engine ?? 'compiled'
    this.useBlocks = engine !== 'interpreter'
    this.compileThreshold = engine === 'compiled' ? Math.max(0, options.compileThreshold ?? HOT_BLOCK) : Infinity
    this.fpuHost = new CpuFpuHost(this)
    this.fpuHost.onFerr = options.onFpuError ?? null
    options.memory.onMapChange(() => {
      this.flushTlb(true)
      this.blocks.invalidateNonRam((page) => options.memory.pageIsPlainRam(page))
    })
    options.memory.onExternalWrite((gpa, length) => this.blocks.invalidateRange(gpa, length))
    const fpu = options.fpu === undefined ? new X87Fpu() : options.fpu
    if (fpu !== null) this.attachFpu(fpu)
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
    this.blocks.flushAll()
    this.regs.fill(0)
    this.regs[2] = 0x0633 // EDX: family 6, model 3, stepping 3
    this.eip = 0xfff0
    this.flags = 2
    this.lzMask = 0
    this.cr0 = CR0_ET | 0x60000000
    this.cr2 = 0
    this.cr3 = 0
    this.cr4 = 0
    this.dr.fill(0)
    this.dr[6] = 0xffff0ff0 | 0
    this.dr[7] = 0x400
    this.watchData = false
    this.watchIo = false
    this.cpl = 0
    for (let s = 0; s < 6; s++) this.setSegRaw(s, 0, 0, 0xffff, 0x93)
    this.setSegRaw(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b)
    this.setSegRaw(LDTR, 0, 0, 0xffff, 0x82)
    this.setSegRaw(TR, 0, 0, 0xffff, 0x8b)
    this.gdtBase = 0
    this.gdtLimit = 0xffff
    this.idtBase = 0
    this.idtLimit = 0xffff
    this.tscOffset = -this.instructionsRetired
    this.sysenterCs = this.sysenterEsp = this.sysenterEip = 0
    this.apicBase = 0xfee00900 | 0
    this.patLo = 0x00070406
    this.patHi = 0x00070406
    this.mtrrDefType = 0
    this.halted = false
    this.shadow = false
    this.nmiBlocked = false
    this.deliveryDepth = 0
    this.fpu?.reset()
    this.updateMode()
    this.flushTlb(true)
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
    this.protectedMode = (this.cr0 & CR0_PE) !== 0
    this.v86 = this.protectedMode && (this.flags & VM) !== 0
    if (wasPm !== this.protectedMode || wasV86 !== this.v86) this.deriveAllSegs()
    this.code32 = !this.v86 && (this.segAttr[CS]! & ATTR_DB) !== 0 && this.protectedMode
    if (!this.protectedMode) this.code32 = (this.segAttr[CS]! & ATTR_DB) !== 0
    this.stack32 = (this.segAttr[SS]! & ATTR_DB) !== 0
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
      this.fetchTag = -1
    }
  }

  // ---- segments ----

  /** Loads a segment register's visible and hidden parts as given, and derives the access checks. */
  setSegRaw(seg: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = sel & 0xffff
    this.segBase[seg] = base | 0
    this.segLimit[seg] = limit | 0
    this.segAttr[seg] = attr
    this.deriveSeg(seg)
    if (seg === CS) this.fetchTag = -1
  }

  /** Recomputes segLo/segHi/segOk of one segment from its hidden part and the mode. */
  deriveSeg(seg: number): void {
    const attr = this.segAttr[seg]!
    const limit = this.segLimit[seg]! >>> 0
    if ((attr & ATTR_P) === 0 || (this.protectedMode && !this.v86 && (attr & ATTR_S) === 0 && seg < 6)) {
      this.segOk[seg] = 0
      this.segLo[seg] = 1
      this.segHi[seg] = 0
      return
    }
    if ((attr & (ATTR_CODE | ATTR_EXPAND_DOWN)) === ATTR_EXPAND_DOWN && (attr & ATTR_S) !== 0) {
      this.segLo[seg] = limit + 1
      this.segHi[seg] = (attr & ATTR_DB) !== 0 ? 0xffffffff : 0xffff
    } else {
      this.segLo[seg] = 0
      // A 4 GB expand-up segment wraps around instead of faulting (as real processors and Bochs do).
      this.segHi[seg] = limit === 0xffffffff ? limit + 3 : limit
    }
    let ok: number
    if (!this.protectedMode || this.v86) ok = 3
    else if ((attr & ATTR_CODE) !== 0) ok = (attr & ATTR_WRITABLE) !== 0 ? 1 : 0
    else ok = (attr & ATTR_WRITABLE) !== 0 ? 3 : 1
    this.segOk[seg] = ok
  }

  /** Re-derives all segment checks (after a mode change). */
  deriveAllSegs(): void {
    for (let s = 0; s < 8; s++) this.deriveSeg(s)
  }

  /** Loads a segment register in real or V86 mode (base = selector × 16). */
  loadSegReal(seg: number, sel: number): void {
    sel &= 0xffff
    this.segSel[seg] = sel
    this.segBase[seg] = sel << 4
    if (this.v86) {
      this.segLimit[seg] = 0xffff
      this.segAttr[seg] = seg === CS ? 0xfb : 0xf3
    } else if (seg === CS) {
      // Real mode keeps the cached limit (unreal mode) but CS becomes a 16-bit code segment.
      this.segAttr[seg] = (this.segAttr[seg]! & ~ATTR_DB) | ATTR_P | ATTR_S | ATTR_CODE | ATTR_WRITABLE
    } else {
      this.segAttr[seg] = this.segAttr[seg]! | ATTR_P | ATTR_S | ATTR_WRITABLE
    }
    this.deriveSeg(seg)
    if (seg === CS) {
      this.fetchTag = -1
      this.code32 = !this.v86 && (this.segAttr[CS]! & ATTR_DB) !== 0
    } else if (seg === SS) {
      this.stack32 = (this.segAttr[SS]! & ATTR_DB) !== 0
    }
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
    this.fetchTag = -1
    if (this.filledOverflow) {
      this.tlbRS.fill(0)
      this.tlbWS.fill(0)
      this.tlbRU.fill(0)
      this.tlbWU.fill(0)
      this.filledOverflow = false
      this.filledCount = 0
      return
    }
    let keep = 0
    for (let i = 0; i < this.filledCount; i++) {
      const p = this.filled[i]!
      if (!all && ((this.tlbRS[p]! | this.tlbRU[p]! | this.tlbWS[p]! | this.tlbWU[p]!) & TLB_GLOBAL) !== 0) {
        this.filled[keep++] = p
        continue
      }
      this.tlbRS[p] = 0
      this.tlbWS[p] = 0
      this.tlbRU[p] = 0
      this.tlbWU[p] = 0
    }
    this.filledCount = keep
  }

  /** INVLPG: drops one page (even a global one). */
  invalidatePage(linear: number): void {
    const p = linear >>> 12
    this.tlbRS[p] = 0
    this.tlbWS[p] = 0
    this.tlbRU[p] = 0
    this.tlbWU[p] = 0
    this.fetchTag = -1
  }

  /**
   * Translates a linear address for an access by `user` (CPL 3, or a supervisor access when false), walking
   * the page tables and setting A/D bits; fills the TLB. Returns the physical address (A20 applied, unsigned).
   */
  translate(linear: number, write: boolean, user: boolean): number {
    const page = linear >>> 12
    let physPage: number
    let writable = true
    let global = false
    if ((this.cr0 & CR0_PG) === 0) {
      physPage = page << 12
    } else {
      const mem = this.memory
      const pdeAddr = (this.cr3 & ~0xfff) | ((linear >>> 20) & 0xffc)
      const pde = this.readTableEntry(pdeAddr)
      if ((pde & 1) === 0) this.pageFault(linear, 0, write, user)
      if ((pde & 0x80) !== 0 && (this.cr4 & CR4_PSE) !== 0) {
        this.checkPagePerms(linear, pde, write, user)
        const upd = pde | 0x20 | (write ? 0x40 : 0)
        if (upd !== pde) mem.write32(pdeAddr, upd)
        writable = (upd & 0x40) !== 0 && this.pagePermits(pde, user)
        global = (pde & 0x100) !== 0 && (this.cr4 & CR4_PGE) !== 0
        physPage = (pde & 0xffc00000) | (linear & 0x3ff000)
      } else {
        const pteAddr = (pde & ~0xfff) | ((linear >>> 10) & 0xffc)
        const pte = this.readTableEntry(pteAddr)
        if ((pte & 1) === 0) this.pageFault(linear, 0, write, user)
        const combined = pde & pte
        this.checkPagePerms(linear, combined, write, user)
        if ((pde & 0x20) === 0) mem.write32(pdeAddr, pde | 0x20)
        const upd = pte | 0x20 | (write ? 0x40 : 0)
        if (upd !== pte) mem.write32(pteAddr, upd)
        writable = (upd & 0x40) !== 0 && this.pagePermits(combined, user)
        global = (pte & 0x100) !== 0 && (this.cr4 & CR4_PGE) !== 0
        physPage = pte & ~0xfff
      }
    }
    physPage &= this.memory.a20Mask
    const entry =
      physPage |
      TLB_VALID |
      (this.memory.pageIsPlainRam(physPage >>> 12) && !(this.watchData && pageWatched(this.dr, page)) ? TLB_RAM : 0) |
      (global ? TLB_GLOBAL : 0)
    if (this.filledCount < FILLED_MAX) this.filled[this.filledCount++] = page
    else this.filledOverflow = true
    if (user) {
      this.tlbRU[page] = entry
      if (writable) this.tlbWU[page] = entry
    } else {
      this.tlbRS[page] = entry
      if (writable) this.tlbWS[page] = entry
    }
    return (physPage | (linear & 0xfff)) >>> 0
  }

  /** Reads a page-directory or page-table entry (straight from RAM when the table lives in plain RAM). */
  private readTableEntry(addr: number): number {
    const a = (addr & this.memory.a20Mask) >>> 0
    if (a + 3 < this.memory.ramBytes && this.memory.pageIsPlainRam(a >>> 12)) return this.ramView.getInt32(a, true)
    return this.memory.read32(a)
  }

  /** Whether a write is permitted by the combined page bits for this privilege (CR0.WP for supervisor). */
  private pagePermits(bits: number, user: boolean): boolean {
    if ((bits & 2) !== 0) return true
    return !user && (this.cr0 & CR0_WP) === 0
  }

  private checkPagePerms(linear: number, bits: number, write: boolean, user: boolean): void {
    if (user && (bits & 4) === 0) this.pageFault(linear, 1, write, user)
    if (write && !this.pagePermits(bits, user)) this.pageFault(linear, 1, write, user)
  }

  private pageFault(linear: number, present: number, write: boolean, user: boolean): never {
    this.cr2 = linear
    return this.fault(PF_VECTOR, present | (write ? 2 : 0) | (user ? 4 : 0))
  }

  /** Physical address for a read of `size` bytes (0: instruction fetch) at the current privilege. */
  private physRead(linear: number, size: number): number {
    if (this.watchData && size > 0) this.pendingDataBreak |= dataBreakpointHits(this.dr, linear, size, false)
    return this.translate(linear, false, this.cpl === 3)
  }

  private physWrite(linear: number, size: number): number {
    if (this.watchData) this.pendingDataBreak |= dataBreakpointHits(this.dr, linear, size, true)
    const user = this.cpl === 3
    const w = user ? this.tlbWU : this.tlbWS
    const e = w[linear >>> 12]!
    if ((e & TLB_VALID) !== 0) return ((e & ~0xfff) | (linear & 0xfff)) >>> 0
    return this.translate(linear, true, user)
  }

  // ---- linear memory access at the current privilege ----

  readLin8(linear: number): number {
    const e = this.tlbR[linear >>> 12]!
    if ((e & 3) === 3) return this.ram[((e & ~0xfff) | (linear & 0xfff)) >>> 0]!
    return this.memory.read8(this.physRead(linear, 1))
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
    if ((linear & 0xfff) !== 0xfff) {
      const e = this.tlbR[linear >>> 12]!
      if ((e & 3) === 3) {
        if ((linear & 1) !== 0) this.checkAlign()
        return this.ramView.getUint16(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
      }
      const p = this.physRead(linear, 2)
      if ((linear & 1) !== 0) this.checkAlign()
      return this.memory.read16(p)
    }
    const v = this.readLin8(linear) | (this.readLin8((linear + 1) | 0) << 8)
    this.checkAlign()
    return v
  }

  readLin32(linear: number): number {
    if ((linear & 0xfff) <= 0xffc) {
      const e = this.tlbR[linear >>> 12]!
      if ((e & 3) === 3) {
        if ((linear & 3) !== 0) this.checkAlign()
        return this.ramView.getInt32(((e & ~0xfff) | (linear & 0xfff)) >>> 0, true)
      }
      const p = this.physRead(linear, 4)
      if ((linear & 3) !== 0) this.checkAlign()
      return this.memory.read32(p)
    }
    const lo = this.readLin16Split(linear)
    const v = lo | (this.readLin16Split((linear + 2) | 0) << 16)
    this.checkAlign()
    return v
  }

  private readLin16Split(linear: number): number {
    return this.readLin8(linear) | (this.readLin8((linear + 1) | 0) << 8)
  }

  writeLin8(linear: number, v: number): void {
    const e = this.tlbW[linear >>> 12]!
    if ((e & 3) === 3) {
      const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
      this.ram[p] = v
      this.dirty[p >>> 17]! |= 1 << ((p >>> 12) & 31)
      if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 1)
      return
    }
    const p = this.physWrite(linear, 1)
    this.memory.write8(p, v)
    this.slowWrite(p, 1)
  }

  /**
   * After a write outside the TLB's RAM fast path (MMIO, ROM, a TLB miss): a device may have changed an
   * interrupt line, so the chunk ends and interrupts are sampled before the next instruction.
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

  writeLin16(linear: number, v: number): void {
    if ((linear & 0xfff) !== 0xfff) {
      const e = this.tlbW[linear >>> 12]!
      if ((e & 3) === 3) {
        if ((linear & 1) !== 0) this.checkAlign()
        const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
        this.ramView.setUint16(p, v, true)
        this.dirty[p >>> 17]! |= 1 << ((p >>> 12) & 31)
        if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 2)
        return
      }
      const p = this.physWrite(linear, 2)
      if ((linear & 1) !== 0) this.checkAlign()
      this.memory.write16(p, v)
      this.slowWrite(p, 2)
      return
    }
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
    if ((linear & 0xfff) <= 0xffc) {
      const e = this.tlbW[linear >>> 12]!
      if ((e & 3) === 3) {
        if ((linear & 3) !== 0) this.checkAlign()
        const p = ((e & ~0xfff) | (linear & 0xfff)) >>> 0
        this.ramView.setInt32(p, v, true)
        this.dirty[p >>> 17]! |= 1 << ((p >>> 12) & 31)
        if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 4)
        return
      }
      const p = this.physWrite(linear, 4)
      if ((linear & 3) !== 0) this.checkAlign()
      this.memory.write32(p, v)
      this.slowWrite(p, 4)
      return
    }
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

  /** Supervisor (CPL 0) reads and writes, used for descriptor tables, the TSS and the IDT. */
  readSys32(linear: number): number {
    if ((this.cr0 & CR0_PG) === 0) return this.memory.read32(linear & this.memory.a20Mask)
    let v = 0
    for (let i = 0; i < 4; i++) v |= this.memory.read8(this.translate((linear + i) | 0, false, false)) << (8 * i)
    return v
  }

  readSys16(linear: number): number {
    return this.readSys8(linear) | (this.readSys8((linear + 1) | 0) << 8)
  }

  readSys8(linear: number): number {
    if ((this.cr0 & CR0_PG) === 0) return this.memory.read8(linear & this.memory.a20Mask)
    return this.memory.read8(this.translate(linear, false, false))
  }

  writeSys8(linear: number, v: number): void {
    const p = (this.cr0 & CR0_PG) === 0 ? (linear & this.memory.a20Mask) >>> 0 : this.translate(linear, true, false)
    this.memory.write8(p, v)
    if (this.codePage[p >>> 12] !== 0) this.codeWritten(p, 1)
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
    if ((this.segOk[seg]! & 1) === 0 || o < this.segLo[seg]! || o + size - 1 > this.segHi[seg]!) this.segFault(seg)
    return (this.segBase[seg]! + o) | 0
  }

  segWrite(seg: number, offset: number, size: number): number {
    const o = offset >>> 0
    if ((this.segOk[seg]! & 2) === 0 || o < this.segLo[seg]! || o + size - 1 > this.segHi[seg]!) this.segFault(seg)
    return (this.segBase[seg]! + o) | 0
  }

  read8(seg: number, off: number): number {
    return this.readLin8(this.segRead(seg, off, 1))
  }
  read16(seg: number, off: number): number {
    return this.readLin16(this.segRead(seg, off, 2))
  }
  read32(seg: number, off: number): number {
    return this.readLin32(this.segRead(seg, off, 4))
  }
  write8(seg: number, off: number, v: number): void {
    this.writeLin8(this.segWrite(seg, off, 1), v)
  }
  write16(seg: number, off: number, v: number): void {
    this.writeLin16(this.segWrite(seg, off, 2), v)
  }
  write32(seg: number, off: number, v: number): void {
    this.writeLin32(this.segWrite(seg, off, 4), v)
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

  private fetchSlow(lin: number): number {
    const e = this.tlbR[lin >>> 12]!
    if ((e & 3) === 3) {
      this.fetchTag = lin >>> 12
      this.fetchPhys = (e & ~0xfff) >>> 0
      return this.ram[this.fetchPhys + (lin & 0xfff)]!
    }
    const p = this.physRead(lin, 0)
    const e2 = this.tlbR[lin >>> 12]!
    if ((e2 & 3) === 3) {
      this.fetchTag = lin >>> 12
      this.fetchPhys = (e2 & ~0xfff) >>> 0
    }
    return this.memory.read8(p)
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
    if (this.stack32) {
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
    if (this.stack32) {
      const n = (esp - 4) | 0
      this.writeLin32(this.segWrite(SS, n, 4), v)
      this.regs[4] = n
    } else {
      const n = (esp - 4) & 0xffff
      this.writeLin32(this.segWrite(SS, n, 4), v)
      this.regs[4] = (esp & ~0xffff) | n
    }
  }

  push(v: number): void {
    if (this.opSize32) this.push32(v)
    else this.push16(v)
  }

  /** Reads the stack at ESP + `delta` without popping. */
  peek16(delta: number): number {
    const esp = this.regs[4]!
    return this.readLin16(this.segRead(SS, this.stack32 ? (esp + delta) | 0 : (esp + delta) & 0xffff, 2))
  }

  peek32(delta: number): number {
    const esp = this.regs[4]!
    return this.readLin32(this.segRead(SS, this.stack32 ? (esp + delta) | 0 : (esp + delta) & 0xffff, 4))
  }

  /** Adds to ESP (or SP for a 16-bit stack). */
  adjustSp(delta: number): void {
    const esp = this.regs[4]!
    this.regs[4] = this.stack32 ? (esp + delta) | 0 : (esp & ~0xffff) | ((esp + delta) & 0xffff)
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
    return this.opSize32 ? this.pop32() : this.pop16()
  }

  // ---- run loop ----

  /** Makes `run` return 'stopped' at the next instruction boundary (callable from I/O handlers). */
  requestStop(): void {
    this.stopRequested = true
    this.breakChunk = true
  }

  /** Executes up to `maxInstructions` instructions. */
  run(maxInstructions: number): CpuExit {
    const start = this.instructionsRetired
    const end = start + Math.max(0, Math.floor(maxInstructions))
    this.stopRequested = false
    while (this.instructionsRetired < end) {
      if (this.stopRequested) {
        this.stopRequested = false
        return { reason: 'stopped', retired: this.instructionsRetired - start }
      }
      try {
        if (this.checkInterrupts()) continue
      } catch (e) {
        if (!this.handleThrow(e)) return { reason: 'triple-fault', retired: this.instructionsRetired - start }
        continue
      }
      if (this.halted) return { reason: 'halted', retired: this.instructionsRetired - start }
      const slow = this.shadow || (this.flags & TF) !== 0 || (this.dr[7]! & 0xff) !== 0
      const chunkEnd = slow ? this.instructionsRetired + 1 : Math.min(end, this.instructionsRetired + CHUNK)
      this.shadow = false
      this.breakChunk = false
      try {
        if (slow) this.stepOne()
        else {
          this.runChunk(chunkEnd)
        }
      } catch (e) {
        if (!this.handleThrow(e)) return { reason: 'triple-fault', retired: this.instructionsRetired - start }
      }
    }
    return { reason: this.halted ? 'halted' : 'budget', retired: this.instructionsRetired - start }
  }

  /** Runs instructions until `chunkEnd` retired or something ends the chunk: cached blocks where possible. */
  private runChunk(chunkEnd: number): void {
    const blocks = this.blocks
    const tagPhys = blocks.tagPhys
    const tagMode = blocks.tagMode
    const tagGen = blocks.tagGen
    const pageGen = blocks.pageGen
    while (this.instructionsRetired < chunkEnd) {
      const eip = this.eip
      const csLimit = this.segLimit[CS]! >>> 0
      const lin = (this.segBase[CS]! + eip) | 0
      const e = this.tlbR[lin >>> 12]!
      if ((e & 3) === 3 && eip >>> 0 <= csLimit && this.useBlocks) {
        const phys = ((e & ~0xfff) | (lin & 0xfff)) >>> 0
        const mode = this.code32 ? 1 : 0
        let slot = slotOf(phys)
        if (tagPhys[slot] !== (phys | 0) || tagMode[slot] !== mode || tagGen[slot] !== pageGen[phys >>> 12]) {
          slot = blocks.decode(this.ram, phys, this.code32, slot)
          this.compiled[slot] = undefined
          this.hotness[slot] = 0
        }
        const count = blocks.count[slot]!
        if (count > 0 && (eip >>> 0) + blocks.bytes[slot]! - 1 <= csLimit) {
          let fn = this.compiled[slot]
          if (fn === undefined && this.hotness[slot]! >= this.compileThreshold) fn = this.compile(slot)
          if (fn !== undefined && count <= chunkEnd - this.instructionsRetired) {
            try {
              this.instructionsRetired += fn(this, eip, chunkEnd - this.instructionsRetired)
            } catch (e) {
              const k = this.blockFaultIndex
              this.instructionsRetired += k
              this.startEip = (eip + blocks.start[blocks.first[slot]! + k]!) | 0
              this.startEsp = this.regs[4]!
              throw e
            }
          } else {
            runBlock(this, blocks, slot, eip, chunkEnd - this.instructionsRetired)
            if (this.hotness[slot]! < 255) this.hotness[slot]!++
          }
          if (this.breakChunk) return
          continue
        }
      }
      this.startEip = eip
      this.startEsp = this.regs[4]!
      executeInstruction(this)
      this.instructionsRetired++
      if (this.breakChunk) return
    }
  }

  /** Compiles a hot block; where code generation is forbidden (a strict Content-Security-Policy), stays on blocks. */
  private compile(slot: number): CompiledBlock | undefined {
    try {
      return (this.compiled[slot] = compileBlock(this.blocks, slot))
    } catch (e) {
      if (e instanceof GuestFaultClass || e === TRIPLE_FAULT) throw e
      this.compileThreshold = Infinity
      return undefined
    }
  }

  /** One instruction with TF / debug-register handling. */
  private stepOne(): void {
    const tf = (this.flags & TF) !== 0
    this.startEip = this.eip
    this.startEsp = this.regs[4]!
    if ((this.dr[7]! & 0xff) !== 0 && (this.flags & RF) === 0) {
      const hit = codeBreakpointHit(this.dr, (this.segBase[CS]! + this.eip) | 0)
      if (hit >= 0) {
        this.dr[6] = (this.dr[6]! & ~0xf) | (1 << hit)
        this.fault(1, -1)
      }
    }
    this.flags &= ~RF
    this.pendingDataBreak = 0
    executeInstruction(this)
    this.instructionsRetired++
    if (tf || this.pendingDataBreak !== 0) {
      // A trap: a fault while delivering it returns to the next instruction, not the one just retired.
      this.startEip = this.eip
      this.startEsp = this.regs[4]!
      this.dr[6] = (this.dr[6]! & ~0xf) | this.pendingDataBreak | (tf ? 0x4000 : 0)
      this.pendingDataBreak = 0
      deliverInterrupt(this, 1, 'exception', -1)
    }
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

  /** Delivers NMI or INTR if one is pending and allowed. Returns true if one was delivered. */
  private checkInterrupts(): boolean {
    if (this.shadow) return false
    // A fault while delivering restarts nothing: the return address is the current instruction boundary.
    this.startEip = this.eip
    this.startEsp = this.regs[4]!
    const src = this.interrupts
    if (!this.nmiBlocked && src.hasNmi()) {
      src.acknowledgeNmi()
      this.halted = false
      this.nmiBlocked = true
      deliverInterrupt(this, 2, 'external', -1)
      return true
    }
    if ((this.flags & IF) !== 0 && src.hasInterrupt()) {
      const vector = src.acknowledge() & 0xff
      this.halted = false
      deliverInterrupt(this, vector, 'external', -1)
      return true
    }
    return false
  }

  /** Handles an exception thrown by an instruction; returns false on triple fault. */
  private handleThrow(e: unknown): boolean {
    if (e === TRIPLE_FAULT) {
      this.deliveryDepth = 0
      return false
    }
    if (e !== GUEST_FAULT) throw e
    this.eip = this.startEip
    this.regs[4] = this.startEsp
    return this.deliverFault(this.faultVector, this.faultError)
  }

  /** Delivers a fault with double-fault and triple-fault escalation (SDM vol. 3A table 6-5). */
  private deliverFault(vector: number, errorCode: number): boolean {
    this.lastException = { vector, errorCode: errorCode < 0 ? null : errorCode }
    this.firstException ??= this.lastException
    let v = vector
    let err = errorCode
    for (;;) {
      try {
        this.deliveryDepth++
        deliverInterrupt(this, v, 'exception', err)
        this.deliveryDepth = 0
        return true
      } catch (e) {
        if (e !== GUEST_FAULT) throw e
        const second = this.faultVector
        if (v === 8) {
          this.deliveryDepth = 0
          return false
        }
        const contributory = (x: number) => x === 0 || (x >= 10 && x <= 13)
        if ((contributory(v) && contributory(second)) || (v === 14 && (contributory(second) || second === 14))) {
          v = 8
          err = 0
        } else {
          v = second
          err = this.faultError
        }
        this.lastException = { vector: v, errorCode: err < 0 ? null : err }
      }
    }
  }

  /**
   * Executes exactly one instruction (or delivers one pending interrupt) and reports any exception it raised.
   * A halted CPU stays halted unless an interrupt is pending.
   */
  step(): CpuExit {
    this.lastException = null
    this.firstException = null
    const before = this.instructionsRetired
    try {
      if (this.checkInterrupts()) return { reason: 'budget', retired: 0 }
    } catch (e) {
      return this.stepResult(before, !this.handleThrow(e))
    }
    if (this.halted) return { reason: 'halted', retired: 0 }
    this.shadow = false
    try {
      this.stepOne()
    } catch (e) {
      return this.stepResult(before, !this.handleThrow(e))
    }
    return this.stepResult(before, false)
  }

  /** Reports the first exception the instruction raised (escalations to #DF/shutdown follow from it). */
  private stepResult(before: number, triple: boolean): CpuExit {
    const retired = this.instructionsRetired - before
    const reason: CpuExitReason = triple ? 'triple-fault' : this.halted ? 'halted' : 'budget'
    const first = this.firstException
    if (first !== null) return { reason, retired, exception: first }
    return this.lastException !== null ? { reason, retired, exception: this.lastException } : { reason, retired }
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
