// Code emission shared by the region compiler's records (region-compiler.ts): control flow between cases and out
// of the function, the state between cases, memory accesses (the TLB fast path, page-run groups, the access
// methods' slow path with its fault and stop status) and the lazy flags.
import type { BlockCache } from '../block-decoder'
import { ARITH_FLAGS, CF, OF } from '../constants'
import { LZ_LOGIC } from '../flags'
import { TLB_DATA_FAST, TLB_STORE_FAST } from '../tlb-entry'
import { type ArenaLayout, STATE } from '../../memory/wasm-arena'
import { flagsCondition, fusedCondition, type Producer } from './region-flags'
import {
  FLAG_SLOTS,
  FN_MATERIALIZE,
  FN_READ,
  L_A,
  L_B,
  L_BASE,
  L_DONE,
  L_EIP_OUT,
  L_ENTER,
  L_ENTRY,
  L_F,
  L_FLAGS,
  L_FS,
  L_GROUPS,
  L_GS,
  L_LIN,
  L_MASK,
  L_OFF,
  L_OP,
  L_REG,
  L_RES,
  L_SHIFT,
  L_T0,
  L_T2,
  L_VAL,
  L_W0,
  P_CASE,
  P_LIMIT,
} from './region-locals'
import { type Node, planRegion, type RegionPlan } from './region-plan'
import { accessKinds, FS, GS, MODRM_ACCESS, writesRegister } from './region-records'
import { I32, type Label, Op, WasmCode } from './wasm-encoder'

/** One block of the page and where it starts in the page. */
export type RegionBlock = {
  readonly slot: number
  readonly first: number
  readonly count: number
  /** Where it starts in the page, and its physical address (the slot's tag when the region was built). */
  readonly offset: number
  readonly phys: number
}

/** A compiled region: the module's bytes, and the case each block (by slot) starts at. */
export type RegionCode = {
  readonly bytes: Uint8Array
  readonly caseOfSlot: Map<number, number>
  /**
   * By br_table position: the most instructions a call entering there retires before its first budget check
   * (RegionPlan.maxPath); the run loop enters only when they fit.
   */
  readonly caseLength: Int32Array
  /** `Cpu.wideSegs` bits the code relies on beyond flat ES/SS/DS: FS's and GS's when it uses them. */
  readonly needsWide: number
}

/**
 * Locals for page-run groups in one case (4 per group; cases share them). Each distinct local of the page function
 * costs: TurboFan keeps every one live around the dispatch loop, and giving each group its own locals took the
 * decompressor from ~620 to ~520 MIPS (2, 16 and unlimited groups per case measured alike once shared).
 */
const MAX_GROUP_LOCALS = 8

/** The read and write bits of segment `seg` in `Cpu.wideSegs`. */
function wideBits(seg: number): number {
  return (1 << seg) | (0x100 << seg)
}

/** The emitter's state and helpers; RegionCompiler adds the cases and the records. */
export abstract class RegionEmitter {
  protected readonly w = new WasmCode()
  /** Page offset → case, and the cases in page-offset order (region-plan.ts). */
  protected readonly caseAt: ReadonlyMap<number, number>
  protected readonly cases: RegionPlan['cases']
  protected dispatch!: Label
  protected exit!: Label
  protected fault!: Label
  /** The block whose end starts each case's code (a forward branch to case t is `br caseLabels[t]`). */
  protected caseLabels: Label[] = []
  /** The case being emitted and the loop around its code (branches to its own start). */
  protected current = 0
  protected self!: Label
  /** The current case's exits out of the function and for faults (they store the case's state first). */
  protected caseExit!: Label
  protected caseFault!: Label
  /** Records retired in the current straight-line code since `done` was last brought up to date. */
  protected pend = 0
  protected producer: Producer | null = null
  protected needsWide = 0
  /** Registers (bit mask) and whether the flag state are written by the current case (stored at its exits). */
  /** Per case: entered through the dispatch (loads the state), and what it may have changed when it leaves. */
  protected readonly entry: readonly boolean[]
  protected readonly maxPath: Int32Array
  /** RegionPlan's loops, and the wasm `loop` label of each header while it is open. */
  protected readonly loopEnd: Int32Array
  protected readonly inLoop: Int32Array
  protected loopLabel: Label[] = []
  /** Per case: its br_table position before the loads (cases the dispatch enters) and after them. */
  protected entryPos: number[] = []
  protected bodyPos: number[] = []
  /** Page-run groups of the case being emitted: by pool index, the group its access uses, and where groups begin. */
  protected groupOf = new Map<number, Group>()
  protected groupsAt = new Map<number, Group[]>()
  protected groupLocals = 0
  protected readonly b: BlockCache
  protected readonly blocks: readonly RegionBlock[]
  protected readonly arena: ArenaLayout

  constructor(b: BlockCache, blocks: readonly RegionBlock[], arena: ArenaLayout) {
    this.b = b
    this.blocks = blocks
    this.arena = arena
    const plan = planRegion(b, blocks)
    this.cases = plan.cases
    this.caseAt = plan.caseAt
    this.entry = plan.entry
    this.maxPath = plan.maxPath
    this.loopEnd = plan.loopEnd
    this.inLoop = plan.inLoop
  }

  /**
   * The registers and the flag state back into the state block, before the function returns (they live in wasm
   * locals from the run loop's entry to the function's exit; keeping them in the state block between cases
   * instead, with loads where the dispatch enters a case, measured slower on the boot's decompressor and MPI).
   */
  protected storeState(): void {
    const w = this.w
    const s = this.arena.state
    for (let r = 0; r < 8; r++)
      w.i32(0)
        .get(L_REG + r)
        .mem(Op.i32Store, s + (STATE.regs + r) * 4)
    FLAG_SLOTS.forEach((slot, f) =>
      w
        .i32(0)
        .get(L_OP + f)
        .mem(Op.i32Store, s + slot * 4),
    )
  }

  protected addDone(n: number): void {
    if (n !== 0) this.w.get(L_DONE).i32(n).op(Op.i32Add).set(L_DONE)
  }

  /**
   * Leaves straight-line code for page offset `offset` after `retired` more instructions: to its case when the
   * region has one and the instruction budget allows its block, else out of the function.
   */
  protected jumpTo(offset: number, retired: number): void {
    const w = this.w
    this.addDone(retired)
    const target = this.caseAt.get(offset)
    if (target === undefined || offset < 0 || offset >= 4096) {
      this.exitAt(() => w.get(L_BASE).i32(offset).op(Op.i32Add))
      return
    }
    const k = this.current
    if (target <= k) {
      // The budget, at branches back: the longest pass from the target must fit (a slow access that stopped the
      // chunk set the limit to 0). Forward branches stay within the pass checked when it began.
      w.get(L_DONE).i32(this.maxPath[target]!).op(Op.i32Add).get(P_LIMIT).op(Op.i32GtS)
      w.if()
      this.exitAt(() => w.get(L_BASE).i32(offset).op(Op.i32Add))
      w.end()
    }
    // Forward: out of the enclosing case blocks straight to its code (after its loads); to its own start: the
    // case's loop; back: through the dispatch, to the loads.
    const header = this.inLoop[target]!
    if (header !== -1 && header !== k && this.inLoop[k] !== header) {
      // Into a wasm loop past its header from outside: through the header's label, telling the loop where to go.
      w.i32(target - header + 1).set(L_ENTER)
      if (header > k) w.br(this.caseLabels[header]!)
      else w.i32(this.bodyPos[header]!).set(P_CASE).br(this.dispatch)
    } else if (target > k) w.br(this.caseLabels[target]!)
    else if (target === k) w.br(this.self)
    else if (this.inLoop[k] === target) w.br(this.loopLabel[target]!)
    else w.i32(this.bodyPos[target]!).set(P_CASE).br(this.dispatch)
  }

  /** Leaves the function with EIP computed by `eip` (done already counted). */
  protected exitAt(eip: () => void): void {
    eip()
    this.w.set(L_EIP_OUT)
    this.w.br(this.caseExit)
  }

  /**
   * Leaves for the fault exit after the access method of record j reported a fault: instructions retired before
   * it and its EIP (the exit stores them with the registers and flags).
   */
  protected faultExit(block: RegionBlock, j: number): void {
    const w = this.w
    this.addDone(this.pend)
    w.get(L_BASE)
      .i32(block.offset + this.b.start[block.first + j]!)
      .op(Op.i32Add)
      .set(L_EIP_OUT)
    w.br(this.caseFault)
  }

  /** Pushes the instructions retired before record j (the access methods keep the CPU's count exact). */
  protected retiredBefore(): void {
    this.w.get(L_DONE).i32(this.pend).op(Op.i32Add)
  }

  // ---- page runs (jit/page-runs.ts for wasm) ----

  /**
   * Groups the memory accesses of records [from, to) of a case that go through the same segment and base register
   * (no index) while that register stays unwritten: one TLB lookup before the group's first access then serves
   * all of them when their displacement range lies in one page. Only groups of two or more accesses.
   */
  protected planGroups(chain: readonly Node[]): void {
    const b = this.b
    this.groupOf = new Map()
    this.groupsAt = new Map()
    const open = new Map<string, Group & { members: number[] }>()
    let used = 0
    const close = (g: Group & { members: number[] }) => {
      if (g.members.length < 2 || used >= MAX_GROUP_LOCALS) return
      const group: Group = { ...g, ok: 0, host: 0, okW: 0, hostW: 0 }
      // Locals per case: a group lives within its case's straight line, so cases share them.
      group.ok = L_GROUPS + used++
      group.host = L_GROUPS + used++
      group.okW = L_GROUPS + used++
      group.hostW = L_GROUPS + used++
      this.groupLocals = Math.max(this.groupLocals, used)
      for (const i of g.members) this.groupOf.set(i, group)
      const at = this.groupsAt.get(g.members[0]!) ?? []
      at.push(group)
      this.groupsAt.set(g.members[0]!, at)
    }
    for (const { i } of chain) {
      const op = b.op[i]!
      if (MODRM_ACCESS.has(op) && b.rm[i]! < 0 && b.index[i]! < 0 && b.base[i]! >= 0) {
        const key = `${b.seg[i]!}:${b.base[i]!}`
        let g = open.get(key)
        if (g === undefined) {
          g = {
            seg: b.seg[i]!,
            base: b.base[i]!,
            min: b.disp[i]!,
            end: b.disp[i]! + 4,
            reads: false,
            writes: false,
            ok: 0,
            host: 0,
            okW: 0,
            hostW: 0,
            members: [],
          }
          open.set(key, g)
        }
        // Widest access a record makes: 4 bytes (narrower ones fit in the range too).
        g.min = Math.min(g.min, b.disp[i]!)
        g.end = Math.max(g.end, b.disp[i]! + 4)
        const rw = accessKinds(b, i)
        g.reads ||= rw.read
        g.writes ||= rw.write
        g.members.push(i)
      }
      for (const [key, g] of open) {
        if (writesRegister(b, i, g.base)) {
          close(g)
          open.delete(key)
        }
      }
    }
    for (const g of open.values()) close(g)
  }

  /** The group's lookup, before its first access (the base register holds its value for the whole group). */
  protected groupCheck(g: Group): void {
    const w = this.w
    const span = g.end - g.min
    w.i32(0).set(g.ok).i32(0).set(g.okW)
    // L_LIN = linear address of the lowest byte.
    w.get(L_REG + g.base)
      .i32(g.min)
      .op(Op.i32Add)
    if (g.seg === FS || g.seg === GS) {
      this.needsWide |= wideBits(g.seg)
      w.get(g.seg === FS ? L_FS : L_GS).op(Op.i32Add)
    }
    w.set(L_LIN)
    if (span > 4096) return
    w.get(L_LIN)
      .i32(0xfff)
      .op(Op.i32And)
      .i32(4096 - span)
      .op(Op.i32LeU)
    w.if()
    // Host addresses of the lowest byte (accesses add disp - min as the load's constant offset).
    if (g.reads) {
      this.tlbEntryFast(this.arena.tlbRS, TLB_DATA_FAST)
      w.set(g.ok)
      this.physical()
      w.set(g.host)
    }
    if (g.writes) {
      this.tlbEntryFast(this.arena.tlbWS, TLB_STORE_FAST)
      w.get(L_ENTRY)
        .i32(12)
        .op(Op.i32ShrU)
        .mem(Op.i32Load8U, this.arena.codePage)
        .op(Op.i32Eqz)
        .op(Op.i32And)
        .set(g.okW)
      this.physical()
      w.set(g.hostW)
    }
    w.end()
  }

  // ---- operands ----

  protected reg(size: number, r: number): void {
    const w = this.w
    if (size === 4) w.get(L_REG + r)
    else if (size === 2)
      w.get(L_REG + r)
        .i32(0xffff)
        .op(Op.i32And)
    else if (r < 4)
      w.get(L_REG + r)
        .i32(0xff)
        .op(Op.i32And)
    else
      w.get(L_REG + r - 4)
        .i32(8)
        .op(Op.i32ShrU)
        .i32(0xff)
        .op(Op.i32And)
  }

  /** Writes the value in local `v` (masked to the size) to register `r`. */
  protected setReg(size: number, r: number, v: number): void {
    const w = this.w
    if (size === 4) w.get(v).set(L_REG + r)
    else if (size === 2)
      w.get(L_REG + r)
        .i32(~0xffff)
        .op(Op.i32And)
        .get(v)
        .op(Op.i32Or)
        .set(L_REG + r)
    else if (r < 4)
      w.get(L_REG + r)
        .i32(~0xff)
        .op(Op.i32And)
        .get(v)
        .op(Op.i32Or)
        .set(L_REG + r)
    else {
      w.get(L_REG + r - 4)
        .i32(~0xff00)
        .op(Op.i32And)
        .get(v)
        .i32(8)
        .op(Op.i32Shl)
        .op(Op.i32Or)
      w.set(L_REG + r - 4)
    }
  }

  /** Pushes the effective address (offset in the segment) of record `i`. */
  protected ea(i: number): void {
    const w = this.w
    const b = this.b
    w.i32(b.disp[i]!)
    if (b.base[i]! >= 0) w.get(L_REG + b.base[i]!).op(Op.i32Add)
    if (b.index[i]! >= 0)
      w.get(L_REG + b.index[i]!)
        .i32(b.scale[i]!)
        .op(Op.i32Shl)
        .op(Op.i32Add)
  }

  /** Linear address of offset local `L_OFF` in segment `seg` into `L_LIN`. */
  protected linear(seg: number): void {
    const w = this.w
    if (seg === FS || seg === GS) {
      this.needsWide |= wideBits(seg)
      w.get(L_OFF)
        .get(seg === FS ? L_FS : L_GS)
        .op(Op.i32Add)
        .set(L_LIN)
    } else w.get(L_OFF).set(L_LIN)
  }

  /** Pushes the zero-extended value of `size` bytes at offset `L_OFF` of `seg` (record j of block). */
  protected load(size: number, seg: number, block: RegionBlock, j: number): void {
    const w = this.w
    const g = this.groupOf.get(block.first + j)
    if (g !== undefined && g.reads) {
      // The run's one lookup allowed it: a plain load at the run's host base.
      w.get(g.ok).if(I32)
      const at = this.b.disp[block.first + j]! - g.min
      w.get(g.host).mem(size === 4 ? Op.i32Load : size === 2 ? Op.i32Load16U : Op.i32Load8U, at)
      w.else()
      this.loadSlow(size, seg, block, j)
      w.end()
      return
    }
    this.loadSlow(size, seg, block, j)
  }

  /**
   * Pushes whether the access of `size` bytes at linear `L_LIN` takes the fast path: the TLB entry (left in
   * `L_ENTRY`) of the table at arena offset `tlb` has the `fast` bits, and the access stays within the page.
   */
  private tlbFast(tlb: number, fast: number, size: number): void {
    const w = this.w
    this.tlbEntryFast(tlb, fast)
    if (size > 1)
      w.get(L_LIN)
        .i32(0xfff)
        .op(Op.i32And)
        .i32(4096 - size)
        .op(Op.i32LeU)
        .op(Op.i32And)
  }

  /** Pushes whether the entry for linear `L_LIN` in the TLB at arena offset `tlb` (left in `L_ENTRY`) has `fast`. */
  private tlbEntryFast(tlb: number, fast: number): void {
    const w = this.w
    w.get(L_LIN).i32(12).op(Op.i32ShrU).i32(2).op(Op.i32Shl).mem(Op.i32Load, tlb).tee(L_ENTRY)
    w.i32(fast).op(Op.i32And).i32(fast).op(Op.i32Eq)
  }

  /** Pushes the host (= physical) address of linear `L_LIN` through the TLB entry in `L_ENTRY`. */
  private physical(): void {
    this.w.get(L_ENTRY).i32(~0xfff).op(Op.i32And).get(L_LIN).i32(0xfff).op(Op.i32And).op(Op.i32Or)
  }

  protected loadSlow(size: number, seg: number, block: RegionBlock, j: number): void {
    const w = this.w
    this.linear(seg)
    this.tlbFast(this.arena.tlbRS, TLB_DATA_FAST, size)
    w.if(I32)
    this.physical()
    w.mem(size === 4 ? Op.i32Load : size === 2 ? Op.i32Load16U : Op.i32Load8U, 0)
    w.else()
    w.i32(seg).get(L_OFF)
    this.retiredBefore()
    w.call(FN_READ[size]!)
    // Status: bit 1 the access faulted; bit 0 a device or a write to decoded code stopped the chunk (no further
    // block starts: jumpTo's budget check).
    w.i32(0)
      .mem(Op.i32Load, this.arena.state + STATE.status * 4)
      .tee(L_T2)
    w.if()
    w.get(L_T2).i32(2).op(Op.i32And)
    w.if()
    this.faultExit(block, j)
    w.end()
    w.i32(0).set(P_LIMIT)
    w.end()
    w.end()
  }

  /**
   * Stores local `L_VAL` (`size` bytes) at offset `L_OFF` of `seg`; after a slow store that stopped the chunk
   * (decoded code written, a device), leaves the region after this record.
   */
  protected store(size: number, seg: number, block: RegionBlock, j: number): void {
    const w = this.w
    const g = this.groupOf.get(block.first + j)
    if (g !== undefined && g.writes) {
      w.get(g.okW)
      w.if()
      const at = this.b.disp[block.first + j]! - g.min
      w.get(g.hostW)
        .get(L_VAL)
        .mem(size === 4 ? Op.i32Store : size === 2 ? Op.i32Store16 : Op.i32Store8, at)
      w.else()
      this.storeSlow(size, seg, block, j)
      w.end()
      return
    }
    this.storeSlow(size, seg, block, j)
  }

  protected storeSlow(size: number, seg: number, block: RegionBlock, j: number): void {
    const w = this.w
    this.linear(seg)
    this.tlbFast(this.arena.tlbWS, TLB_STORE_FAST, size)
    w.if()
    // Plain dirty RAM: store unless the page holds decoded code.
    this.physical()
    w.set(L_T2)
    w.get(L_T2).i32(12).op(Op.i32ShrU).mem(Op.i32Load8U, this.arena.codePage).op(Op.i32Eqz).set(L_ENTRY)
    w.get(L_ENTRY)
    w.if()
    w.get(L_T2)
      .get(L_VAL)
      .mem(size === 4 ? Op.i32Store : size === 2 ? Op.i32Store16 : Op.i32Store8, 0)
    w.end()
    w.else()
    w.i32(0).set(L_ENTRY)
    w.end()
    w.get(L_ENTRY).op(Op.i32Eqz)
    w.if()
    w.i32(seg).get(L_OFF).get(L_VAL)
    this.retiredBefore()
    w.call(3 + FN_READ[size]!).tee(L_T2)
    w.if()
    w.get(L_T2).i32(2).op(Op.i32And)
    w.if()
    this.faultExit(block, j)
    w.end()
    this.addDone(this.pend + 1)
    this.exitAt(() =>
      w
        .get(L_BASE)
        .i32(block.offset + this.b.end[block.first + j]!)
        .op(Op.i32Add),
    )
    w.end()
    w.end()
  }

  /** The r/m operand of record i: reads push its value; `write` stores local `v`. Memory offset in `L_OFF`. */
  protected rmAt(block: RegionBlock, j: number): void {
    const i = block.first + j
    if (this.b.rm[i]! < 0) {
      this.ea(i)
      this.w.set(L_OFF)
    }
  }

  protected rmRead(block: RegionBlock, j: number, size: number): void {
    const i = block.first + j
    const rm = this.b.rm[i]!
    if (rm >= 0) this.reg(size, rm)
    else this.load(size, this.b.seg[i]!, block, j)
  }

  protected rmWrite(block: RegionBlock, j: number, size: number, v: number): void {
    const i = block.first + j
    const rm = this.b.rm[i]!
    if (rm >= 0) this.setReg(size, rm, v)
    else {
      if (v !== L_VAL) this.w.get(v).set(L_VAL)
      this.store(size, this.b.seg[i]!, block, j)
    }
  }

  // ---- flags ----

  /** Sets the lazy state from locals a, b, r (masked to the size) for lazy operation `op`. */
  protected setLazy(op: number, size: number, a: number, b: number, r: number, mask: number = ARITH_FLAGS): void {
    const w = this.w
    w.i32(op)
      .set(L_OP)
      .i32(size * 8 - 1)
      .set(L_SHIFT)
    w.get(a).set(L_A).get(b).set(L_B).get(r).set(L_RES).i32(mask).set(L_MASK)
  }

  /** SF/ZF/PF lazy from result local r (AF 0), CF and OF eager from the i32 `cfof` pushed (bits 0 and 11). */
  protected resultFlags(r: number, shift: number): void {
    const w = this.w
    w.get(L_FLAGS)
      .i32(~(CF | OF))
      .op(Op.i32And)
      .op(Op.i32Or)
      .set(L_FLAGS)
    w.i32(LZ_LOGIC).set(L_OP).i32(shift).set(L_SHIFT).i32(0).set(L_A).i32(0).set(L_B).get(r).set(L_RES)
    w.i32(0xd4).set(L_MASK) // PF | AF | ZF | SF
  }

  protected materialize(): void {
    const w = this.w
    for (let k = 0; k < 7; k++) w.get(L_OP + k)
    w.call(FN_MATERIALIZE)
  }

  /** Pushes condition `cc` (0/1) as the flags stand. */
  protected condition(cc: number): void {
    const w = this.w
    const p = this.producer
    if (p === null || !fusedCondition(w, p, cc >> 1, { a: L_A, b: L_B, r: L_RES })) {
      this.materialize()
      w.set(L_F)
      flagsCondition(w, cc >> 1, L_F)
    }
    if ((cc & 1) !== 0) w.op(Op.i32Eqz)
  }

  /** Pushes CF (0/1). */
  protected carry(): void {
    this.condition(2)
  }

  // ---- records ----

  /** PUSH of local `L_VAL`: the store below ESP, then ESP (a fault leaves ESP alone). */
  protected push(block: RegionBlock, j: number): void {
    const w = this.w
    w.get(L_REG + 4)
      .i32(4)
      .op(Op.i32Sub)
      .set(L_OFF)
    this.storeSlow(4, 2, block, j)
    w.get(L_OFF).set(L_REG + 4)
  }

  /**
   * POP from the stack top in register `top` into register `dest`, ESP becoming `top` + 4 (POP: ESP; LEAVE: EBP).
   * The read comes first: a fault leaves ESP alone.
   */
  protected pop(block: RegionBlock, j: number, top: number, dest: number): void {
    const w = this.w
    w.get(L_REG + top).set(L_OFF)
    this.loadSlow(4, 2, block, j)
    w.set(L_T0)
    w.get(L_REG + top)
      .i32(4)
      .op(Op.i32Add)
      .set(L_REG + 4)
    w.get(L_T0).set(L_REG + dest)
  }

  /** The signed 64-bit product of int32 locals x and y into `L_W0`, its low half into `L_VAL`. */
  protected signedProduct(x: number, y: number): void {
    const w = this.w
    w.get(x).op(Op.i64ExtendI32S).get(y).op(Op.i64ExtendI32S).op(Op.i64Mul).set(L_W0)
    w.get(L_W0).op(Op.i32WrapI64).set(L_VAL)
  }
}

/** A page-run group (planGroups): its accesses' segment, base register, displacement range and locals. */
type Group = {
  seg: number
  base: number
  min: number
  end: number
  reads: boolean
  writes: boolean
  ok: number
  host: number
  okW: number
  hostW: number
}
