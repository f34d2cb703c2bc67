// The decoded-instruction cache (Bochs-style trace cache): straight-line runs of common instructions are decoded
// once into struct-of-arrays records keyed by physical address and code size, and re-run from there. Writes
// invalidate a page's blocks only when they hit a 64-byte granule holding decoded code (sub-page granularity),
// so data next to code does not fall off a cliff. Instructions the fast decoder does not know end the block and
// run through the full interpreter (execute.ts).
import * as constants from './constants'
import * as ops from './block-ops'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { DS, SS } = constants
/** The record kinds (block-ops.ts), bound here for the decoder and re-exported for the record's users. */
export const OP = ops.OP

/** Capacity of the decoded-instruction pool and the direct-mapped block cache. */
const POOL_BITS = 19
const POOL = 1 << POOL_BITS
const CACHE_BITS = 16
export const CACHE_SIZE = 1 << CACHE_BITS
/** Entries of the jump cache (EIP → slot of a compiled block; run-chunk.ts). */
export const JUMP_CACHE_SIZE = 1 << 13
/** Words per jump-cache entry (`BlockCache.jump`) and the place of each field in it. */
export const JUMP_WORDS = 4
export const JUMP_EIP = 0
/** The entry's epoch in the low `EPOCH_BITS` bits, its slot above them. */
export const JUMP_KEY = 1
/**
 * The block's first record (`RUN_FIRST`), its record count above the pool's index bits (`runCount`) and
 * `RUN_COMPILED` when `Cpu.jumpFn` holds its compiled function.
 */
export const JUMP_RUN = 2
/** Heat the block interpreter counted for the entry's slot and has not yet added to `BlockCache.heat` (`HEAT_STEP`). */
export const JUMP_HEAT = 3
/** The slot (`CACHE_BITS` bits) sits above the epoch: the two fit an int32's 31 value bits. */
export const EPOCH_BITS = 15
export const EPOCH_MASK = (1 << EPOCH_BITS) - 1
export const RUN_FIRST = POOL - 1
/** Bits of the record count in a `JUMP_RUN` word (MAX_BLOCK fits). */
const RUN_COUNT_BITS = 8
export const RUN_COMPILED = 1 << (POOL_BITS + RUN_COUNT_BITS)
/** Where a block's heat stops growing (far above any compile threshold, far below int32 overflow). */
const HEAT_CAP = 0x40000000
/**
 * Most heat a jump-cache entry counts before adding it to its slot's (run-chunk.ts `interpretBlock`): the slot's
 * heat is then read once per this many instructions, not per block run (a cache miss in kernel init's many blocks).
 */
export const HEAT_STEP = 4096

/** Record count of a jump-cache entry's `JUMP_RUN` word. */
export function runCount(run: number): number {
  return (run >>> POOL_BITS) & ((1 << RUN_COUNT_BITS) - 1)
}
/**
 * Longest block (instructions). Long enough that a loop body with an `if` of a few dozen instructions fits in one
 * block, whose compiled function then takes the inner jumps itself (jit/forward-jumps.ts) and loops without
 * leaving: the kernel decompressor's x86 branch-converter loop spans ~60 instructions (boot to the prompt 18.7–19.1
 * → 18.0–18.4 CPU-s against 48; 255 was no better).
 */
const MAX_BLOCK = 160 // below 1 << RUN_COUNT_BITS
/** The most bytes a JMP may skip for the block to go on through them rather than follow it. */
const MAX_SKIP = 128

/** Words per packed record (`BlockCache.rec`). */
export const REC_WORDS = 4

// The fields of a packed record (`BlockCache.packRecords`) from its word 0 or word 1; the signed ones (no register:
// -1) come back through arithmetic shifts. Word 2 is the displacement, word 3 the immediate.
export const recOp = (w0: number) => w0 & 0xff
export const recSize = (w0: number) => (w0 >>> 8) & 15
export const recScale = (w0: number) => (w0 >>> 12) & 3
export const recA16 = (w0: number) => (w0 >>> 14) & 1
/** `recA16`'s bit in word 0, for code that tests it without the call. */
export const REC_A16_BIT = 1 << 14
export const recAux = (w0: number) => (w0 << 8) >> 24
export const recReg = (w0: number) => w0 >> 24
export const recRm = (w1: number) => (w1 << 24) >> 24
export const recBase = (w1: number) => (w1 << 16) >> 24
export const recIndex = (w1: number) => (w1 << 8) >> 24
export const recSeg = (w1: number) => w1 >>> 24

/** Struct-of-arrays storage of decoded instructions and the block cache. */
export class BlockCache {
  // Per decoded instruction.
  readonly op = new Uint8Array(POOL)
  readonly size = new Uint8Array(POOL) // operand size 1/2/4
  readonly aux = new Int8Array(POOL)
  readonly reg = new Int8Array(POOL) // ModRM reg or register operand
  readonly rm = new Int8Array(POOL) // register r/m (0–7) or -1 for memory
  readonly base = new Int8Array(POOL) // -1 none
  readonly index = new Int8Array(POOL) // -1 none
  readonly scale = new Uint8Array(POOL)
  readonly seg = new Uint8Array(POOL)
  readonly a16 = new Uint8Array(POOL) // 16-bit address size
  readonly disp = new Int32Array(POOL)
  readonly imm = new Int32Array(POOL)
  /** Offset of the instruction's first byte and of the next instruction, from the block's first byte. */
  readonly start = new Uint16Array(POOL)
  readonly end = new Uint16Array(POOL)
  /**
   * The same records packed for the block interpreter, four words each (see `packRecords`): the fields a record
   * needs in one or two cache lines instead of one line per field array. Kernel code runs thousands of distinct
   * blocks a few times each, and there the field arrays' cache misses, not the work, were the interpreter's cost.
   */
  readonly rec = new Int32Array(POOL * REC_WORDS)
  poolUsed = 0
  // Direct-mapped cache of blocks.
  readonly tagPhys = new Int32Array(CACHE_SIZE).fill(-1)
  readonly tagMode = new Uint8Array(CACHE_SIZE)
  readonly tagGen = new Int32Array(CACHE_SIZE)
  readonly first = new Int32Array(CACHE_SIZE)
  readonly count = new Uint16Array(CACHE_SIZE)
  readonly bytes = new Uint16Array(CACHE_SIZE)
  /**
   * Guest instructions the block interpreter ran in each slot's block since it was decoded (its length per run,
   * saturating at HEAT_CAP), for the compile decision (`Cpu.compileThreshold`) — less up to `HEAT_STEP` that the
   * jump-cache entry naming the slot counts until it adds them (`heatOf` has both).
   */
  readonly heat = new Int32Array(CACHE_SIZE)
  /**
   * Jump cache (run-chunk.ts): EIP → slot of the block starting there, valid while its epoch is the current
   * `epoch` (a new epoch begins when a page's code is invalidated and when an instruction changes what EIPs map
   * to; a decode replacing a block drops the entry naming its slot). Entry `h` is the `JUMP_WORDS` words at
   * `h * JUMP_WORDS` (`JUMP_EIP`…`JUMP_HEAT`): all a dispatch reads is in one cache line (kernel init runs ~12 000
   * blocks a few hundred times each, and its dispatches missed on each of three arrays and on the slot's fields).
   */
  readonly jump = new Int32Array(JUMP_CACHE_SIZE * JUMP_WORDS)
  epoch = 1
  /**
   * Per linear page: the epoch in which the jump cache last took an entry for a block starting there (blocks end
   * within their page), so that INVLPG of a page the cache names nothing of leaves the epoch alone
   * (`mayNameLinearPage`). Linux's text_poke maps a scratch page and INVLPGs it for each of the tens of thousands
   * of call sites it patches at boot; with every INVLPG ending the epoch, almost every block lookup missed.
   */
  readonly jumpPageEpoch = new Int32Array(1 << 20)
  /** Per physical page: generation (bumped on invalidation) and the 64-byte granules holding decoded code. */
  readonly pageGen = new Int32Array(1 << 20)
  readonly codeGranules = new Uint32Array(1 << 21)
  /**
   * Per physical page: 1 when some granule holds decoded code (the write path checks this byte). In the CPU's
   * wasm arena when it has one (memory/wasm-arena.ts), where generated wasm code checks it too.
   */
  declare readonly codePage: Uint8Array

  constructor(codePage: Uint8Array = new Uint8Array(1 << 20)) {
    this.codePage = codePage
  }

  /** Physical pages whose `codePage` byte was set since the last flush (so a flush touches only those). */
  private readonly marked: number[] = []
  /** Per physical page: 1 while it is in `marked` (each page is listed once). */
  private readonly listed = new Uint8Array(1 << 20)

  /** Invalidates every jump-cache entry (entries carry the epoch they were made in). */
  newJumpEpoch(): void {
    if (this.epoch === EPOCH_MASK) {
      // Entries of the epochs to come must not match; their pending heat goes back first.
      for (let e = 0; e < this.jump.length; e += JUMP_WORDS) {
        this.returnHeat(e)
        this.jump[e + JUMP_KEY] = this.jump[e + JUMP_KEY]! & ~EPOCH_MASK
      }
      this.jumpPageEpoch.fill(0)
      this.epoch = 0
    }
    this.epoch++
    this.epochLocal = false
  }

  /**
   * True when an entry of the current epoch names a block in a page whose TLB entry was not global. A CR3 load keeps
   * global translations (SDM vol. 3A 4.10.2.4), so the epoch outlives it while every entry names a global page: the
   * kernel's text (Linux maps it global) keeps its entries through the address-space switches of kernel init
   * (text_poke switches to a temporary mm and back for each of the ~37 000 call sites ftrace patches: each switch
   * ended the epoch, and ~70 dispatches after it missed).
   */
  epochLocal = false

  /**
   * Per cache slot: the jump-cache index of the entry naming it, if one does. At most one entry names a slot
   * (`noteJump`), so a decode replacing the slot's block drops that entry alone (`forgetJumpsTo`) instead of
   * ending the epoch: kernel init replaces blocks of its direct-mapped cache ~20 000 times a second.
   */
  private readonly jumpIndexOf = new Int32Array(CACHE_SIZE).fill(-1)

  /**
   * Records that jump-cache entry `h` (just filled in the current epoch) names `slot` and EIP `linear`, in a page
   * whose translation is `global` (epochLocal).
   */
  noteJump(h: number, slot: number, linear: number, global: boolean): void {
    if (!global) this.epochLocal = true
    // Another entry naming the slot goes (each slot is named once).
    if (this.jumpIndexOf[slot] !== h) this.forgetJumpsTo(slot)
    this.jumpIndexOf[slot] = h
    this.jumpPageEpoch[linear >>> 12] = this.epoch
  }

  /** Drops the jump-cache entry naming `slot`, if any (epoch 0 is never current). */
  private forgetJumpsTo(slot: number): void {
    const e = this.entryNaming(slot)
    if (e >= 0) {
      this.returnHeat(e)
      this.jump[e + JUMP_KEY] = slot << EPOCH_BITS
    }
  }

  /** The word index of the jump-cache entry naming `slot` (of any epoch), or -1. */
  private entryNaming(slot: number): number {
    const e = this.jumpIndexOf[slot]! * JUMP_WORDS
    return e >= 0 && this.jump[e + JUMP_KEY]! >>> EPOCH_BITS === slot ? e : -1
  }

  /**
   * Fills jump-cache entry `h`: `eip` → `slot` in the current epoch (`compiled`: `Cpu.jumpFn[h]` holds the slot's
   * function). The heat the entry still held goes back to the slot it named.
   */
  setJump(h: number, eip: number, slot: number, compiled: boolean): void {
    const e = h * JUMP_WORDS
    this.returnHeat(e)
    this.jump[e + JUMP_EIP] = eip
    this.jump[e + JUMP_KEY] = this.epoch | (slot << EPOCH_BITS)
    this.jump[e + JUMP_RUN] = this.first[slot]! | (this.count[slot]! << POOL_BITS) | (compiled ? RUN_COMPILED : 0)
  }

  /** The heat of `slot`'s block: its own and what the jump-cache entry naming it counted since. */
  heatOf(slot: number): number {
    const e = this.entryNaming(slot)
    return this.heat[slot]! + (e >= 0 ? this.jump[e + JUMP_HEAT]! : 0)
  }

  /** Adds the heat entry `e` (a word index) counted to its slot's. */
  returnHeat(e: number): void {
    const pending = this.jump[e + JUMP_HEAT]!
    if (pending === 0) return
    const slot = this.jump[e + JUMP_KEY]! >>> EPOCH_BITS
    this.heat[slot] = Math.min(HEAT_CAP, this.heat[slot]! + pending)
    this.jump[e + JUMP_HEAT] = 0
  }

  /** True when a jump-cache entry of the current epoch may name a block starting in linear page `page`. */
  mayNameLinearPage(page: number): boolean {
    return this.jumpPageEpoch[page] === this.epoch
  }

  /**
   * Bumped by every `flushAll`: code compiled from blocks before it may be stale (the flush forgets which pages
   * hold decoded code, so later writes to them invalidate nothing).
   */
  flushGen = 0

  /** Drops every block (pool exhausted, or a global change such as a memory-map change). */
  flushAll(): void {
    this.flushGen++
    this.newJumpEpoch()
    // The slots' blocks go: heat counted for them must not pass to the next ones.
    for (let e = JUMP_HEAT; e < this.jump.length; e += JUMP_WORDS) this.jump[e] = 0
    this.poolUsed = 0
    this.tagPhys.fill(-1)
    for (const page of this.marked) {
      this.listed[page] = 0
      this.codePage[page] = 0
      this.codeGranules[page * 2] = 0
      this.codeGranules[page * 2 + 1] = 0
    }
    this.marked.length = 0
  }

  /** Called for a write to physical [phys, phys + size) on a page holding code: invalidates on a granule hit. */
  noteWrite(phys: number, size: number): boolean {
    const page = phys >>> 12
    const g0 = (phys >>> 6) & 63
    const g1 = size > 64 ? (g0 + Math.min(63, (size + 63) >>> 6)) & 63 : ((phys + size - 1) >>> 6) & 63
    const words = this.codeGranules
    let hit = false
    for (let g = g0; ; g = (g + 1) & 63) {
      if ((words[page * 2 + (g >>> 5)]! & (1 << (g & 31))) !== 0) hit = true
      if (g === g1) break
    }
    if (!hit) return false
    this.invalidatePage(page)
    // A write crossing into the next page is checked there too.
    if (g1 < g0 && this.codePage[(page + 1) & 0xfffff] !== 0) this.invalidatePage((page + 1) & 0xfffff)
    return true
  }

  /** Invalidates all blocks of a physical page. */
  invalidatePage(page: number): void {
    // The jump cache may name blocks of the page (run-chunk.ts keeps it across chunks).
    this.newJumpEpoch()
    this.pageGen[page] = (this.pageGen[page]! + 1) | 0
    this.codeGranules[page * 2] = 0
    this.codeGranules[page * 2 + 1] = 0
    this.codePage[page] = 0
  }

  /**
   * After a memory-map change: drops the blocks of pages that are no longer plain RAM (`isRam(page)` false).
   * Blocks on pages that stayed RAM still match RAM, so they survive (PCI BAR sizing remaps MMIO often).
   */
  invalidateNonRam(isRam: (page: number) => boolean): void {
    for (const page of this.marked) if (this.codePage[page] !== 0 && !isRam(page)) this.invalidatePage(page)
  }

  /**
   * Packs records `from`..`from + n - 1` into `rec`: word 0 op | size << 8 | scale << 12 | a16 << 14 | aux << 16 |
   * reg << 24, word 1 rm | base << 8 | index << 16 | seg << 24 (the signed fields as bytes), word 2 the
   * displacement, word 3 the immediate; `recOp`…`recSeg` read them back.
   */
  private packRecords(from: number, n: number): void {
    const rec = this.rec
    for (let i = from; i < from + n; i++) {
      const k = i * REC_WORDS
      rec[k] =
        this.op[i]! |
        (this.size[i]! << 8) |
        (this.scale[i]! << 12) |
        (this.a16[i]! << 14) |
        ((this.aux[i]! & 0xff) << 16) |
        (this.reg[i]! << 24)
      rec[k + 1] =
        (this.rm[i]! & 0xff) | ((this.base[i]! & 0xff) << 8) | ((this.index[i]! & 0xff) << 16) | (this.seg[i]! << 24)
      rec[k + 2] = this.disp[i]!
      rec[k + 3] = this.imm[i]!
    }
  }

  /** Invalidates blocks overlapping a physical range written by DMA. */
  invalidateRange(phys: number, length: number): void {
    const last = Math.min(0xfffff, Math.floor((phys + length - 1) / 4096))
    for (let p = Math.floor(phys / 4096); p <= last; p++) if (this.codePage[p] !== 0) this.invalidatePage(p)
  }

  /**
   * Makes the JMP record `i` a followed jump (a NOP record ending at its target) and drops the records after it;
   * returns the block's record count (`n`, the JMP's position + 1) and the address to decode on from.
   */
  private follow(i: number, phys: number, n: number): { n: number; p: number } {
    this.op[i] = OP.nop
    this.end[i] = this.imm[i]!
    return { n, p: phys + this.imm[i]! }
  }

  /**
   * Decodes a block starting at physical `phys` (within one page of plain RAM `ram`) for code size `code32`.
   * Returns the cache slot; a block of 0 instructions records that the first instruction needs the interpreter.
   */
  decode(ram: Uint8Array, phys: number, code32: boolean, slot: number): number {
    if (this.poolUsed + MAX_BLOCK > POOL) this.flushAll()
    const pageEnd = (phys | 0xfff) + 1
    const firstIndex = this.poolUsed
    let p = phys
    let n = 0
    // Short JMPs forward being decoded through (see below), innermost last: record index (in the block), target.
    const overAt: number[] = []
    const overTo: number[] = []
    while (n < MAX_BLOCK) {
      const i = firstIndex + n
      const len = decodeOne(this, ram, p, pageEnd, code32, i, phys)
      const lockValid = !lockPrefix || lockable(this, i)
      const decoded = len > 0 && p + len <= pageEnd && lockValid
      if (decoded) {
        this.start[i] = p - phys
        this.end[i] = p + len - phys
      } else if (len > 0 && p + len > pageEnd && overAt.length === 0 && lockValid) {
        // The bytes read past the page end were another page's, but the instruction does cross it (decoding went
        // past the end before the instruction ended): the interpreter runs it, fetching through the TLB.
        this.op[i] = OP.interp
        this.aux[i] = 1
        this.start[i] = p - phys
        this.end[i] = pageEnd - phys
        n++
        p = pageEnd
        break
      }
      const o = this.op[i]!
      const ends =
        !decoded ||
        o === OP.jmp ||
        o === OP.call ||
        o === OP.ret ||
        o === OP.loop ||
        o === OP.callInd ||
        o === OP.jmpInd
      // A JMP forward within the page: a short one whose skipped bytes decode as instructions (the else branch of an
      // if/else, jumped over at the end of the then branch) stays a JMP record and the block goes on through the
      // skipped code, so compiled code takes both branches inside one function (jit/forward-jumps.ts); a longer one
      // is followed: it becomes a NOP record whose end is the target (the EIP after it). Either way the block's
      // bytes run to the end of its last record, so the CS limit check and the granules marked for self-modifying
      // code cover every record (and the bytes skipped).
      const to = this.imm[i]!
      const after = p + len - phys
      if (decoded && o === OP.jmp && code32 && this.size[i] === 4 && to >= after && phys + to < pageEnd) {
        n++
        p += len
        const inner = overTo.length === 0 || to <= overTo[overTo.length - 1]!
        if (to > after && to - after <= MAX_SKIP && inner) {
          overAt.push(n - 1)
          overTo.push(to)
        } else ({ n, p } = this.follow(i, phys, n))
        continue
      }
      if (ends && overAt.length === 0) {
        // An instruction crossing into the next page (which may map anywhere) runs through the interpreter.
        if (decoded) {
          n++
          p += len
        }
        break
      }
      if (ends) {
        // The bytes the innermost JMP skips do not continue the block: follow that JMP after all.
        const at = overAt.pop()!
        overTo.pop()
        ;({ n, p } = this.follow(firstIndex + at, phys, at + 1))
        continue
      }
      n++
      p += len
      // Past a skipped range's end without an instruction starting there: follow its JMP; at it: done skipping.
      while (overTo.length > 0 && p - phys >= overTo[overTo.length - 1]!) {
        const at = overAt.pop()!
        if (p - phys > overTo.pop()!) ({ n, p } = this.follow(firstIndex + at, phys, at + 1))
      }
    }
    // The block ran out of room while decoding through skipped bytes: end it at the outermost such JMP.
    if (overAt.length > 0) {
      n = overAt[0]! + 1
      p = phys + this.end[firstIndex + overAt[0]!]!
    }
    this.poolUsed += n
    this.packRecords(firstIndex, n)
    // The jump cache may name the block this slot held.
    if (this.tagPhys[slot] !== -1) this.forgetJumpsTo(slot)
    const page = phys >>> 12
    // Mark the granules covered by the block's bytes.
    const lastGranule = ((p - 1) >>> 6) & 63
    for (let g = (phys >>> 6) & 63; n > 0 && g <= lastGranule; g++) {
      this.codeGranules[page * 2 + (g >>> 5)] = this.codeGranules[page * 2 + (g >>> 5)]! | (1 << (g & 31))
    }
    if (n > 0 && this.codePage[page] === 0) {
      this.codePage[page] = 1
      if (this.listed[page] === 0) {
        this.listed[page] = 1
        this.marked.push(page)
      }
    }
    this.tagPhys[slot] = phys | 0
    this.tagMode[slot] = code32 ? 1 : 0
    this.tagGen[slot] = this.pageGen[page]!
    this.first[slot] = firstIndex
    this.count[slot] = n
    this.bytes[slot] = p - phys
    return slot
  }
}

/**
 * First of the two cache slots a block decoded at a physical address may occupy (the other is `slot ^ 1`): the
 * cache is two-way set-associative. Direct-mapped, two blocks that both ran often and shared a slot evicted each
 * other on every run (re-decoded, their heat lost, never compiled): up to ~15 000 evictions a second in kernel init.
 */
export function slotOf(phys: number): number {
  return (phys ^ (phys >>> CACHE_BITS)) & (CACHE_SIZE - 2)
}

/** The instruction being decoded (module state instead of per-call closures: decoding must not allocate). */
interface DecodeCursor {
  b: BlockCache
  ram: Uint8Array
  i: number
  a32: boolean
  segOverride: number
  blockPhys: number
}
const cur: DecodeCursor = {
  b: null as unknown as BlockCache,
  ram: new Uint8Array(0),
  i: 0,
  a32: true,
  segOverride: -1,
  blockPhys: 0,
}
/** 16-bit ModRM base and index registers by r/m (BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX). */
const BASES16 = [3, 3, 5, 5, 6, 7, 5, 3] as const
const INDEXES16 = [6, 7, 6, 7, -1, -1, -1, -1] as const
/** Decode position (physical address of the next byte). */
let pos = 0
/** The instruction being decoded has a LOCK prefix (`decode` keeps it only where LOCK is valid: `lockable`). */
let lockPrefix = false

/**
 * True when LOCK is valid on record `i` (SDM vol. 2A, LOCK): a memory destination of ADD/OR/ADC/SBB/AND/SUB/XOR,
 * XCHG, INC/DEC, NOT/NEG, or an instruction the interpreter runs (it raises #UD itself). On one CPU the bus lock
 * changes nothing else.
 */
function lockable(b: BlockCache, i: number): boolean {
  const op = b.op[i]!
  if (op === OP.interp) return true
  if (b.rm[i]! >= 0) return false
  if (op === OP.aluRmReg || op === OP.aluRmImm) return b.aux[i] !== 7
  return op === OP.xchgRmReg || op === OP.incRm || op === OP.decRm || op === OP.notRm || op === OP.negRm
}

/** ModRM decoding into the current record (advances `pos`); returns the ModRM byte. */
function modrm(): number {
  const { b, ram, i, a32, segOverride } = cur
  const m = ram[pos++]!
  b.reg[i] = (m >>> 3) & 7
  const mod = m >>> 6
  const rm = m & 7
  if (mod === 3) {
    b.rm[i] = rm
    return m
  }
  let seg = DS
  if (!a32) {
    if (mod === 0 && rm === 6) {
      b.disp[i] = ram[pos]! | (ram[pos + 1]! << 8)
      pos += 2
    } else {
      b.base[i] = BASES16[rm]!
      b.index[i] = INDEXES16[rm]!
      if (rm === 2 || rm === 3 || rm === 6) seg = SS
    }
    if (mod === 1) b.disp[i] = (ram[pos++]! << 24) >> 24
    else if (mod === 2) {
      b.disp[i] = ram[pos]! | (ram[pos + 1]! << 8)
      pos += 2
    }
  } else {
    if (rm === 4) {
      const sib = ram[pos++]!
      const base = sib & 7
      const index = (sib >>> 3) & 7
      if (index !== 4) {
        b.index[i] = index
        b.scale[i] = sib >>> 6
      }
      if (base === 5 && mod === 0) {
        b.disp[i] = ram[pos]! | (ram[pos + 1]! << 8) | (ram[pos + 2]! << 16) | (ram[pos + 3]! << 24)
        pos += 4
      } else {
        b.base[i] = base
        if (base === 4 || base === 5) seg = SS
      }
    } else if (rm === 5 && mod === 0) {
      b.disp[i] = ram[pos]! | (ram[pos + 1]! << 8) | (ram[pos + 2]! << 16) | (ram[pos + 3]! << 24)
      pos += 4
    } else {
      b.base[i] = rm
      if (rm === 5) seg = SS
    }
    if (mod === 1) b.disp[i] = (b.disp[i]! + ((ram[pos++]! << 24) >> 24)) | 0
    else if (mod === 2) {
      b.disp[i] = (b.disp[i]! + (ram[pos]! | (ram[pos + 1]! << 8) | (ram[pos + 2]! << 16) | (ram[pos + 3]! << 24))) | 0
      pos += 4
    }
  }
  b.seg[i] = segOverride >= 0 ? segOverride : seg
  return m
}
function imm8s(): number {
  return (cur.ram[pos++]! << 24) >> 24
}
function immSized(size: number): number {
  const ram = cur.ram
  if (size === 1) return ram[pos++]!
  if (size === 2) {
    const v = ram[pos]! | (ram[pos + 1]! << 8)
    pos += 2
    return v
  }
  const v = ram[pos]! | (ram[pos + 1]! << 8) | (ram[pos + 2]! << 16) | (ram[pos + 3]! << 24)
  pos += 4
  return v
}
/** Branch targets are stored relative to the block start; eip = blockEip + imm. */
function relTarget(rel: number): number {
  return (pos - cur.blockPhys + rel) | 0
}

/**
 * Decodes one instruction at `p` into record `i`. Returns its length, or 0 when it is not a fast instruction or
 * would cross `pageEnd`.
 */
function decodeOne(
  b: BlockCache,
  ram: Uint8Array,
  p0: number,
  pageEnd: number,
  code32: boolean,
  i: number,
  blockPhys: number,
): number {
  pos = p0
  let o32 = code32
  let a32 = code32
  let segOverride = -1
  let rep = 0
  lockPrefix = false
  // Bytes past the page may be read here (another page's, or undefined past the end of RAM); `decode` keeps only
  // instructions that end within the page.
  if (pos >= pageEnd) return 0
  for (let k = 0; k < 4; k++) {
    const x = ram[pos]!
    if (x === 0xf2 || x === 0xf3) rep = x
    else if (x === 0x66) o32 = !code32
    else if (x === 0x67) a32 = !code32
    else if (x === 0x26 || x === 0x2e || x === 0x36 || x === 0x3e) segOverride = (x >>> 3) & 3
    else if (x === 0x64 || x === 0x65) segOverride = x - 0x60
    else if (x === 0xf0) lockPrefix = true
    else break
    pos++
  }
  const opc = ram[pos++]!
  const osz = o32 ? 4 : 2
  if (opc >= 0xa4 && opc <= 0xaf && opc !== 0xa8 && opc !== 0xa9) {
    // String instructions run through the interpreter's implementation with the decoded prefixes.
    b.op[i] = OP.string
    b.imm[i] = opc
    b.aux[i] = rep === 0 ? 0 : rep === 0xf2 ? 1 : 2
    b.seg[i] = segOverride >= 0 ? segOverride : 255
    b.size[i] = osz
    b.a16[i] = a32 ? 0 : 1
    return pos - p0
  }
  // PAUSE (F3 90, spin-wait loops) decodes as the NOP it is; F3 0F BC/BD (TZCNT/LZCNT, or BSF/BSR where the
  // CPU lacks them) go to the interpreter.
  if (rep !== 0 && !(rep === 0xf3 && (opc === 0x90 || (opc === 0x0f && (ram[pos] === 0xbc || ram[pos] === 0xbd)))))
    return 0
  b.a16[i] = a32 ? 0 : 1
  b.rm[i] = -1
  b.base[i] = -1
  b.index[i] = -1
  b.scale[i] = 0
  b.disp[i] = 0
  b.imm[i] = 0
  b.aux[i] = 0
  b.reg[i] = 0
  b.size[i] = osz

  cur.b = b
  cur.ram = ram
  cur.i = i
  cur.a32 = a32
  cur.segOverride = segOverride
  cur.blockPhys = blockPhys

  if (opc < 0x40 && (opc & 7) < 6) {
    const kind = opc >>> 3
    b.aux[i] = kind
    switch (opc & 7) {
      case 0:
      case 1:
        b.size[i] = (opc & 1) === 0 ? 1 : osz
        modrm()
        b.op[i] = OP.aluRmReg
        return pos - p0
      case 2:
      case 3:
        b.size[i] = (opc & 1) === 0 ? 1 : osz
        modrm()
        b.op[i] = OP.aluRegRm
        return pos - p0
      default:
        b.size[i] = (opc & 1) === 0 ? 1 : osz
        b.rm[i] = 0
        b.imm[i] = immSized(b.size[i]!)
        b.op[i] = OP.aluRmImm
        return pos - p0
    }
  }
  if (opc >= 0x40 && opc <= 0x4f) {
    b.rm[i] = opc & 7
    b.op[i] = opc < 0x48 ? OP.incRm : OP.decRm
    return pos - p0
  }
  if (opc >= 0x50 && opc <= 0x57) {
    b.reg[i] = opc & 7
    b.op[i] = OP.pushReg
    return pos - p0
  }
  if (opc >= 0x58 && opc <= 0x5f) {
    b.reg[i] = opc & 7
    b.op[i] = OP.popReg
    return pos - p0
  }
  if (opc >= 0x70 && opc <= 0x7f) {
    b.aux[i] = opc & 15
    const rel = imm8s()
    b.imm[i] = relTarget(rel)
    b.op[i] = OP.jcc
    return pos - p0
  }
  if (opc >= 0xb0 && opc <= 0xbf) {
    b.size[i] = opc < 0xb8 ? 1 : osz
    b.reg[i] = opc & 7
    b.imm[i] = immSized(b.size[i]!)
    b.op[i] = OP.movRegImm
    return pos - p0
  }
  if (opc >= 0x91 && opc <= 0x97) {
    b.reg[i] = 0
    b.rm[i] = opc & 7
    b.op[i] = OP.xchgRmReg
    return pos - p0
  }
  if (opc >= 0xd8 && opc <= 0xdf) {
    const m = modrm()
    b.imm[i] = (opc << 8) | m
    b.op[i] = OP.fpu
    return pos - p0
  }
  return decodeRest(b, ram, i, opc, osz, a32, segOverride, p0)
}

/**
 * The one-byte opcodes not taken by the range checks in `decodeOne` (kept apart so that V8 recompiles a smaller
 * function when a new path first runs in optimized code). Returns the length, or 0 for the interpreter.
 */
function decodeRest(
  b: BlockCache,
  ram: Uint8Array,
  i: number,
  opc: number,
  osz: number,
  a32: boolean,
  segOverride: number,
  p0: number,
): number {
  switch (opc) {
    case 0x0f:
      return decode0F(b, ram, i, osz, p0)
    case 0x68:
      b.imm[i] = immSized(osz)
      b.op[i] = OP.pushImm
      return pos - p0
    case 0x6a:
      b.imm[i] = imm8s()
      b.op[i] = OP.pushImm
      return pos - p0
    case 0x69:
    case 0x6b:
      modrm()
      b.imm[i] = opc === 0x6b ? imm8s() : immSized(osz)
      b.op[i] = OP.imulRegRmImm
      return pos - p0
    case 0x80:
    case 0x81:
    case 0x83: {
      b.size[i] = opc === 0x80 ? 1 : osz
      modrm()
      b.aux[i] = b.reg[i]!
      b.imm[i] = opc === 0x81 ? immSized(osz) : opc === 0x83 ? imm8s() & (osz === 4 ? -1 : 0xffff) : ram[pos++]!
      b.op[i] = OP.aluRmImm
      return pos - p0
    }
    case 0x84:
    case 0x85:
      b.size[i] = opc === 0x84 ? 1 : osz
      modrm()
      b.op[i] = OP.testRmReg
      return pos - p0
    case 0x86:
    case 0x87:
      b.size[i] = opc === 0x86 ? 1 : osz
      modrm()
      b.op[i] = OP.xchgRmReg
      return pos - p0
    case 0x88:
    case 0x89:
      b.size[i] = opc === 0x88 ? 1 : osz
      modrm()
      b.op[i] = OP.movRmReg
      return pos - p0
    case 0x8a:
    case 0x8b:
      b.size[i] = opc === 0x8a ? 1 : osz
      modrm()
      b.op[i] = OP.movRegRm
      return pos - p0
    case 0x8d: {
      const m = modrm()
      if (m >= 0xc0) return 0
      b.op[i] = OP.lea
      return pos - p0
    }
    case 0x90:
      b.op[i] = OP.nop
      return pos - p0
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3:
      // MOV AL/eAX <-> [moffs]: a memory operand with only a displacement.
      b.size[i] = (opc & 1) === 0 ? 1 : osz
      b.disp[i] = a32 ? immSized(4) : immSized(2)
      b.seg[i] = segOverride >= 0 ? segOverride : DS
      b.reg[i] = 0
      b.op[i] = opc < 0xa2 ? OP.movRegRm : OP.movRmReg
      return pos - p0
    case 0x9e:
    case 0x9f:
      b.op[i] = opc === 0x9e ? OP.sahf : OP.lahf
      return pos - p0
    case 0x9c: // PUSHF, POPF, CLI, STI (the kernel's local_irq_save/restore)
    case 0x9d:
    case 0xfa:
    case 0xfb:
      b.op[i] = OP.interp
      return pos - p0
    case 0x98:
      b.op[i] = OP.cbw
      return pos - p0
    case 0x99:
      b.op[i] = OP.cwd
      return pos - p0
    case 0xa8:
    case 0xa9:
      b.size[i] = opc === 0xa8 ? 1 : osz
      b.rm[i] = 0
      b.imm[i] = immSized(b.size[i]!)
      b.op[i] = OP.testRmImm
      return pos - p0
    default:
      return decodeC0(b, ram, i, opc, osz, p0)
  }
}

/**
 * One-byte opcodes C0h and up, handed on by `decodeRest`: shifts, RET, LEAVE, MOV r/m imm, LOOP/JCXZ, CALL/JMP,
 * group 3, flag instructions, groups 4/5.
 */
function decodeC0(b: BlockCache, ram: Uint8Array, i: number, opc: number, osz: number, p0: number): number {
  switch (opc) {
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      b.size[i] = (opc & 1) === 0 ? 1 : osz
      modrm()
      b.aux[i] = b.reg[i]!
      if (opc <= 0xc1) b.imm[i] = ram[pos++]!
      else b.imm[i] = 1
      b.op[i] = opc >= 0xd2 ? OP.shiftCl : OP.shiftImm
      return pos - p0
    case 0xc2:
      b.imm[i] = ram[pos]! | (ram[pos + 1]! << 8)
      pos += 2
      b.op[i] = OP.ret
      return pos - p0
    case 0xc3:
      b.op[i] = OP.ret
      return pos - p0
    case 0xc9:
      b.op[i] = OP.leave
      return pos - p0
    case 0xc6:
    case 0xc7: {
      b.size[i] = opc === 0xc6 ? 1 : osz
      modrm()
      if (b.reg[i] !== 0) return 0
      b.imm[i] = immSized(b.size[i]!)
      b.op[i] = OP.movRmImm
      return pos - p0
    }
    case 0xe0:
    case 0xe1:
    case 0xe2:
    case 0xe3:
      b.aux[i] = opc - 0xe0
      b.imm[i] = relTarget(imm8s())
      b.op[i] = OP.loop
      return pos - p0
    case 0xe8:
    case 0xe9: {
      const rel = osz === 4 ? immSized(4) : (immSized(2) << 16) >> 16
      b.imm[i] = relTarget(rel)
      b.op[i] = opc === 0xe8 ? OP.call : OP.jmp
      return pos - p0
    }
    case 0xeb:
      b.imm[i] = relTarget(imm8s())
      b.op[i] = OP.jmp
      return pos - p0
    case 0xf6:
    case 0xf7: {
      b.size[i] = opc === 0xf6 ? 1 : osz
      modrm()
      const k = b.reg[i]!
      if (k === 0 || k === 1) {
        b.imm[i] = immSized(b.size[i]!)
        b.op[i] = OP.testRmImm
      } else if (k === 2) b.op[i] = OP.notRm
      else if (k === 3) b.op[i] = OP.negRm
      else {
        b.aux[i] = k
        b.op[i] = OP.mulDiv
      }
      return pos - p0
    }
    case 0xf8:
      b.op[i] = OP.clc
      return pos - p0
    case 0xf9:
      b.op[i] = OP.stc
      return pos - p0
    case 0xfc:
      b.op[i] = OP.cld
      return pos - p0
    case 0xfd:
      b.op[i] = OP.std
      return pos - p0
    case 0xfe:
    case 0xff: {
      b.size[i] = opc === 0xfe ? 1 : osz
      modrm()
      const k = b.reg[i]!
      if (k === 0) b.op[i] = OP.incRm
      else if (k === 1) b.op[i] = OP.decRm
      else if (opc === 0xff && osz === 4 && k === 2) b.op[i] = OP.callInd
      else if (opc === 0xff && osz === 4 && k === 4) b.op[i] = OP.jmpInd
      else if (opc === 0xff && osz === 4 && k === 6) b.op[i] = OP.pushRm
      else return 0
      return pos - p0
    }
    default:
      return 0
  }
}

/**
 * `op2 << 8` for a 0F record the interpreter runs (OP.interp's `imm`), or 0 where a LOCK prefix makes it the
 * interpreter's alone: LOCK is valid only on a memory destination of BTS/BTR/BTC, CMPXCHG and XADD (else #UD, which
 * the interpreter raises).
 */
function templateOpcode(op2: number, m: number): number {
  if (!lockPrefix) return op2 << 8
  const locked = op2 === 0xab || op2 === 0xb3 || op2 === 0xbb || op2 === 0xb1 || op2 === 0xc1
  return m < 0xc0 && (locked || (op2 === 0xba && ((m >>> 3) & 7) > 4)) ? op2 << 8 : 0
}

/** Two-byte (0F xx) opcodes: Jcc rel, SETcc, CMOVcc, BSWAP, IMUL, MOVZX/MOVSX. */
function decode0F(b: BlockCache, ram: Uint8Array, i: number, osz: number, p0: number): number {
  const op2 = ram[pos++]!
  if (op2 >= 0x80 && op2 <= 0x8f) {
    b.aux[i] = op2 & 15
    const rel = osz === 4 ? immSized(4) : (immSized(2) << 16) >> 16
    b.imm[i] = relTarget(rel)
    b.op[i] = OP.jcc
    return pos - p0
  }
  if (op2 >= 0x90 && op2 <= 0x9f) {
    b.aux[i] = op2 & 15
    b.size[i] = 1
    modrm()
    b.op[i] = OP.setcc
    return pos - p0
  }
  if (op2 >= 0x40 && op2 <= 0x4f) {
    b.aux[i] = op2 & 15
    modrm()
    b.op[i] = OP.cmovcc
    return pos - p0
  }
  if (op2 >= 0xc8 && op2 <= 0xcf && osz === 4) {
    b.reg[i] = op2 & 7
    b.op[i] = OP.bswap
    return pos - p0
  }
  switch (op2) {
    case 0xaf:
      modrm()
      b.op[i] = OP.imulRegRm
      return pos - p0
    case 0xb6:
    case 0xb7:
    case 0xbe:
    case 0xbf:
      modrm()
      b.op[i] = op2 === 0xb6 ? OP.movzx8 : op2 === 0xb7 ? OP.movzx16 : op2 === 0xbe ? OP.movsx8 : OP.movsx16
      return pos - p0
    case 0xa3: // BT, BTS, BTR, BTC r/m, r
    case 0xab:
    case 0xb3:
    case 0xbb:
    case 0xa5: // SHLD, SHRD r/m, r, CL
    case 0xad:
    case 0xb0: // CMPXCHG
    case 0xb1:
    case 0xc0: // XADD
    case 0xc1:
    case 0xbc: // BSF, BSR (TZCNT, LZCNT)
    case 0xbd:
      // The interpreter runs these; the second opcode byte lets the block compiler recognize some (bit-templates).
      b.imm[i] = templateOpcode(op2, modrm())
      b.op[i] = OP.interp
      return pos - p0
    case 0xba: // BT, BTS, BTR, BTC r/m, imm8
    case 0xa4: // SHLD, SHRD r/m, r, imm8
    case 0xac: {
      const m = modrm()
      if (op2 === 0xba && ((m >>> 3) & 7) < 4) return 0
      b.imm[i] = templateOpcode(op2, m) | ram[pos++]!
      b.op[i] = OP.interp
      return pos - p0
    }
    case 0xc7: {
      // CMPXCHG8B m64 (its register form and the other /r are #UD or not ours).
      const m = modrm()
      if (m >= 0xc0 || ((m >>> 3) & 7) !== 1) return 0
      b.imm[i] = templateOpcode(op2, m)
      b.op[i] = OP.interp
      return pos - p0
    }
    default:
      return 0
  }
}
