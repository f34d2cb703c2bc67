// The inner run loop (VirtualBox EM's execution loop between interrupt checks): cached blocks — compiled or run by
// the block interpreter — and single instructions until the chunk's budget is used or something ends the chunk.
// A jump cache keyed by EIP (QEMU's tb_jmp_cache) sends a compiled block's exit straight to the next compiled
// block; everything else goes through the TLB and the physical block cache. Spec: SDM vol. 3A 4.10 (TLBs).
import type { Cpu } from './cpu'
import * as constants from './constants'
import { GuestFault, TRIPLE_FAULT } from './fault'
import * as tlbEntry from './tlb-entry'
import { executeInstruction } from './execute'
import { type BlockCache } from './block-decoder'
import * as decoder from './block-decoder'
import type { CompiledBlock } from './block-compiler'
import { accountCompiledFault, compileBlock } from './jit/compile-block'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CS } = constants
const { TLB_GLOBAL } = tlbEntry
const { EPOCH_BITS, EPOCH_MASK, HEAT_STEP, JUMP_CACHE_SIZE, JUMP_EIP, JUMP_HEAT, JUMP_KEY, JUMP_RUN } = decoder
const { JUMP_WORDS, RUN_COMPILED, RUN_FIRST, runCount, slotOf } = decoder

/**
 * Runs instructions until `chunkEnd` retired or something ends the chunk (`breakChunk`).
 *
 * A jump-cache entry maps an EIP to the cache slot of the block that starts there. Entries hold only within one
 * epoch, which ends when decoded code of a page is invalidated (a write, DMA, a memory-map change) and when CS was
 * loaded with another segment, the code size or the TLB pair switched or TLB entries of a page the cache names
 * flushed (`Cpu.codeMapGen`: checked after each instruction of the full interpreter and when a chunk starts, since
 * interrupts are delivered between chunks); a decode that replaces a block drops the one entry naming its slot.
 * Cached records change none of what maps EIP to a block — CS, the code size, CPL, the TLB entry of the code
 * page — so within an epoch EIP alone names the block, and the block's CS limit check still holds. Epochs outlive
 * chunks: kernel code ends chunks every few hundred instructions (port I/O), and starting over each time made most
 * block lookups miss.
 *
 * Each entry also holds its block's compiled function (`Cpu.jumpFn`, set with the entry and wherever `Cpu.compiled`
 * of the slot changes while the entry names it), so a dispatch reads the small jump cache and not `compiled`: half a
 * megabyte indexed by slot, whose load was the run loop's costliest cache miss (kernel init -5%, 19 of 25
 * alternating runs faster). For the same reason an entry's words (`BlockCache.jump`) hold the block's first record
 * and count beside its EIP, slot and epoch, and a compiled function checks itself that it fits the chunk's rest: a
 * dispatch to compiled code reads two cache lines, the entry and its function, and none indexed by slot (the
 * decompressor ~9% faster than with three jump-cache arrays and the slot's count and first record read apart).
 *
 * Made per CPU (`Cpu.runChunk`): the loop closes over `c`, which V8 then compiles as a constant (block-exec.ts
 * `createBlockInterpreter`); it does so when it optimizes the function at a call, which follows the first OSR compile.
 */
export function createRunChunk(c: Cpu): (chunkEnd: number) => void {
  return function runChunk(chunkEnd: number): void {
    const blocks = c.blocks
    const jump = blocks.jump
    const jumpFn = c.jumpFn
    const regions = c.regions
    // Between chunks, interrupts and single-stepped instructions may have loaded CS, switched CPL or flushed the TLB.
    syncJumpEpoch(c)
    // The chunk's rest as an int32 (at most a chunk), kept beside the double count so that the dispatch of a compiled
    // block does no double arithmetic; paths that retire instructions elsewhere recompute it.
    let left = (chunkEnd - c.instructionsRetired) | 0
    while (left > 0) {
      const eip = c.eip
      const h = jumpHash(eip)
      const e = h * JUMP_WORDS
      const key = jump[e + JUMP_KEY]!
      let slot = key >>> EPOCH_BITS
      if (jump[e + JUMP_EIP] !== eip || (key & EPOCH_MASK) !== blocks.epoch) {
        slot = findBlock(c, eip)
        if (slot < 0) {
          if (c.breakChunk === true) return
          left = (chunkEnd - c.instructionsRetired) | 0
          continue
        }
        // Recorded after the lookup: a decode in it started a new epoch.
        const compiled = c.compiled[slot]
        blocks.setJump(h, eip, slot, compiled !== undefined)
        jumpFn[h] = compiled
        const linear = (c.segBase[CS]! + eip) | 0
        blocks.noteJump(h, slot, linear, (c.tlbR[linear >>> 12]! & TLB_GLOBAL) !== 0)
      }
      const run = jump[e + JUMP_RUN]!
      // The function's own cache line is read only for a compiled block.
      const fn = (run & RUN_COMPILED) !== 0 ? jumpFn[h] : undefined
      let retired = 0
      // Without the wasm tier no slot enters a region, and the dispatch skips one more array (a cache miss, most
      // dispatches in kernel init).
      if (regions !== null && regions.caseOf[slot] !== 0 && blocks.count[slot]! <= left) {
        retired = regions.run(slot, eip, left)
        c.instructionsRetired += retired
        left -= retired
      }
      if (retired === 0 && fn !== undefined) {
        try {
          // The budget goes as an int32: while this function runs unoptimized (before V8 optimizes it, after a
          // deoptimization) a difference of two doubles would be a heap number, and every optimized compiled block
          // called with it deoptimized ("not a Smi"; 12 at once in a decompressor phase run).
          retired = fn(c, eip, left, run & RUN_FIRST)
        } catch (e) {
          accountCompiledFault(c)
          throw e
        }
        if (retired > 0) {
          c.instructionsRetired += retired
          left -= retired
        } else if (retired === 0) {
          // The function was made for 4 GB segments that are no longer so (jit/inline-memory.ts) or for the other
          // privilege level's TLB pair (jit/compile-block.ts bindArrays); it is dropped and the block recompiled for
          // the segments and CPL of the day once it is hot again. (-1: the block is longer than the chunk's rest.)
          c.compiled[slot] = undefined
          jumpFn[h] = undefined
          jump[e + JUMP_RUN] = run & ~RUN_COMPILED
          jump[e + JUMP_HEAT] = 0
          blocks.heat[slot] = 0
        }
      }
      if (retired <= 0) {
        interpretBlock(c, slot, eip, chunkEnd, h, fn, run)
        left = (chunkEnd - c.instructionsRetired) | 0
      }
      if (c.breakChunk === true) return
    }
  }
}

/**
 * The block interpreter's turn for `slot` (`fn`: its compiled function, if any; `run`: its jump-cache entry's
 * `JUMP_RUN` word), when it is not compiled or longer than the chunk's rest. Its heat is counted in the jump-cache
 * entry and added to the slot's once it reaches `HEAT_STEP` (or a lower compile threshold); then, and on the
 * entry's first run, the block is compiled if it is hot; when the chunk has room for the new function, the caller's
 * next turn runs it (EIP, the jump-cache entry and the epoch are unchanged).
 */
function interpretBlock(
  c: Cpu,
  slot: number,
  eip: number,
  chunkEnd: number,
  h: number,
  fn: CompiledBlock | undefined,
  run: number,
): void {
  const blocks = c.blocks
  const count = runCount(run)
  if (fn === undefined) {
    const jump = blocks.jump
    const e = h * JUMP_WORDS
    const pending = jump[e + JUMP_HEAT]!
    // 0: the entry was just filled, maybe for a slot whose heat other entries raised (blocks taking turns in it).
    if (pending === 0 || pending >= HEAT_STEP || pending >= c.compileThreshold) {
      blocks.returnHeat(e)
      if (blocks.heat[slot]! >= c.compileThreshold) {
        const compiled = compile(c, slot)
        c.jumpFn[h] = compiled
        if (compiled !== undefined) jump[e + JUMP_RUN] = run | RUN_COMPILED
        c.regions?.noteHot(slot)
        if (compiled !== undefined && count <= chunkEnd - c.instructionsRetired) return
      }
    }
    jump[e + JUMP_HEAT] = jump[e + JUMP_HEAT]! + count
  }
  c.runBlock(run & RUN_FIRST, count, eip, (chunkEnd - c.instructionsRetired) | 0)
}

/**
 * The slow path: the slot of the cached block at EIP, found through the TLB and the physical block cache (decoded
 * if needed); or, where no block can start (a TLB miss, an instruction the block decoder does not take, a block
 * reaching past the CS limit), runs one instruction in the full interpreter and returns -1.
 */
function findBlock(c: Cpu, eip: number): number {
  const blocks = c.blocks
  const csLimit = c.segLimit[CS]! >>> 0
  const lin = (c.segBase[CS]! + eip) | 0
  const e = c.tlbR[lin >>> 12]!
  if ((e & 3) === 3 && eip >>> 0 <= csLimit && c.useBlocks === true) {
    const phys = ((e & ~0xfff) | (lin & 0xfff)) >>> 0
    const mode = c.code32 === true ? 1 : 0
    let slot = slotOf(phys)
    if (cached(blocks, slot ^ 1, phys, mode)) slot ^= 1
    else if (!cached(blocks, slot, phys, mode)) {
      slot = blocks.decode(c.ram, phys, c.code32, victim(blocks, slot))
      c.compiled[slot] = undefined
      if (c.regions !== null) {
        c.regions.forgetSlot(slot)
        c.regions.noteDecoded(slot)
      }
      blocks.heat[slot] = 0
    }
    if (blocks.count[slot]! > 0 && (eip >>> 0) + blocks.bytes[slot]! - 1 <= csLimit) return slot
  }
  c.startEip = eip
  c.startEsp = c.regs[4]!
  executeInstruction(c)
  c.instructionsRetired++
  // The instruction may have loaded CS, changed the mode or CPL, or flushed TLB entries.
  syncJumpEpoch(c)
  return -1
}

/** Starts a new jump-cache epoch when what an EIP maps to may have changed since the last one (`codeMapGen`). */
function syncJumpEpoch(c: Cpu): void {
  if (c.jumpCacheGen !== c.codeMapGen) {
    c.blocks.newJumpEpoch()
    c.jumpCacheGen = c.codeMapGen
  }
}

/** Jump-cache index of an EIP. */
function jumpHash(eip: number): number {
  return (eip ^ (eip >>> 13)) & (JUMP_CACHE_SIZE - 1)
}

/** True when `slot` holds the block decoded at `phys` for code size `mode` and its page was not written since. */
function cached(blocks: BlockCache, slot: number, phys: number, mode: number): boolean {
  return blocks.tagPhys[slot] === (phys | 0) && blocks.tagMode[slot] === mode && live(blocks, slot)
}

/**
 * The slot of set `slot` (its first slot) that a new block takes: an empty or stale one, else the one whose block
 * has run less (a compiled block keeps the heat it was compiled at), so a new block does not displace a hot one.
 * A hot block no longer run keeps its way until its page is written or the pool is flushed; the other way still
 * takes the newcomers, as the one way of a direct-mapped cache did.
 */
function victim(blocks: BlockCache, slot: number): number {
  const other = slot ^ 1
  if (!live(blocks, slot)) return slot
  if (!live(blocks, other)) return other
  return blocks.heatOf(other) < blocks.heatOf(slot) ? other : slot
}

/** True when `slot` holds a block whose page was not written since it was decoded. */
function live(blocks: BlockCache, slot: number): boolean {
  const phys = blocks.tagPhys[slot]!
  return phys !== -1 && blocks.tagGen[slot] === blocks.pageGen[phys >>> 12]
}

/** Compiles a hot block; where code generation is forbidden (a strict Content-Security-Policy), stays on blocks. */
function compile(c: Cpu, slot: number): CompiledBlock | undefined {
  try {
    return (c.compiled[slot] = compileBlock(c, slot))
  } catch (e) {
    if (e instanceof GuestFault || e === TRIPLE_FAULT) throw e
    c.compileError = e
    c.compileThreshold = Infinity
    return undefined
  }
}
