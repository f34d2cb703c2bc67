// The wasm tier's compiler (x86-notes §3.2; the region idea of v86's JIT): the hot blocks of one physical code page
// become ONE WebAssembly function. Its cases are straight-line runs of the page's instructions (region-plan.ts),
// in page order: a forward branch is a `br` out of the enclosing case blocks straight to its target, a branch to a
// case's own start is a wasm `loop`, and a branch back goes through the `br_table` dispatch — so branches inside
// the page stay inside the function with the registers and the lazy flags in wasm locals, where compiled
// JavaScript returns to the run loop at every block end. Branches elsewhere, RET and indirect jumps leave it (EIP
// in the arena's state block).
//
// The function runs only where the run loop has checked that the code it was made for still holds (regions.ts):
// 32-bit code at CPL 0 with flat 4 GB CS, DS, ES and SS (EIP is then the linear address, and data offsets need no
// bounds checks), a 32-bit stack, the supervisor TLB pair, and FS/GS covering 4 GB when used. Data accesses go
// through the arena's TLB to RAM; anything else (a TLB miss, MMIO, a page holding decoded code, a page crossing)
// calls the CPU's access methods, which report a fault in the status word instead of throwing: the function then
// stores its state and how far it got, and returns -1 (precise faults). Instruction counts are those of the block
// interpreter; the run loop's budget is checked on entry and at branches back (region-plan.ts maxPath).
import type { BlockCache } from '../block-decoder'
import { OP } from '../block-decoder'
import { ARITH_FLAGS, CF, DF, OF } from '../constants'
import { LZ_ADD, LZ_LOGIC, LZ_SUB } from '../flags'
import type { ArenaLayout } from '../../memory/wasm-arena'
import { STATE } from '../../memory/wasm-arena'
import { materializeBody } from './region-flags'
import { RegionEmitter, type RegionBlock, type RegionCode } from './region-emitter'
import {
  FLAG_SLOTS,
  FN_REGION,
  I32_LOCALS,
  L_ENTER,
  L_BASE,
  L_DONE,
  L_EIP_OUT,
  L_FLAGS,
  L_FS,
  L_GS,
  L_MASK,
  L_OFF,
  L_OP,
  L_REG,
  L_T0,
  L_T1,
  L_T2,
  L_VAL,
  L_W0,
  P_CASE,
  P_EIP,
  REGION_IMPORTS,
} from './region-locals'
import { ALU_LAZY, ENDS_FLOW, FLAG_NEUTRAL, kindOf } from './region-records'
import { encodeModule, I32, I64, type Label, Op, type ValueType } from './wasm-encoder'

export { REGION_IMPORTS } from './region-locals'
export type { RegionBlock, RegionCode } from './region-emitter'

/** Compiles the blocks of one page (all `recordSupported`, each within the page) into a module. */
export function compileRegion(
  b: BlockCache,
  blocks: readonly RegionBlock[],
  arena: ArenaLayout,
  shared: boolean,
): RegionCode {
  return new RegionCompiler(b, blocks, arena).module(shared)
}

class RegionCompiler extends RegionEmitter {
  module(shared: boolean): RegionCode {
    const body = this.body()
    const materialize = materializeBody()
    const bytes = encodeModule({
      types: [
        { params: [I32, I32], results: [I32] },
        { params: [I32, I32, I32], results: [I32] },
        { params: Array<ValueType>(7).fill(I32), results: [I32] },
        { params: [I32, I32, I32, I32], results: [I32] },
      ],
      memory: { module: 'm', name: 'memory', shared },
      imports: REGION_IMPORTS.map((name, k) => ({ module: 'm', name, type: k < 3 ? 1 : 3 })),
      functions: [
        { type: 2, locals: materialize.locals as ValueType[], body: materialize.body },
        {
          type: 1,
          locals: [
            ...Array<ValueType>(I32_LOCALS).fill(I32),
            I64,
            I32,
            ...Array<ValueType>(this.groupLocals).fill(I32),
          ],
          body,
        },
      ],
      exports: [{ name: 'run', func: FN_REGION }],
    })
    const caseOfSlot = new Map<number, number>()
    for (const block of this.blocks) {
      const k = this.caseAt.get(block.offset)
      if (k !== undefined && this.entry[k]) caseOfSlot.set(block.slot, this.entryPos[k]!)
    }
    // By br_table position (the run loop passes a block's entry position).
    const caseLength = new Int32Array(Math.max(...this.bodyPos) + 1)
    this.cases.forEach((_, k) => {
      if (this.bodyPos[k]! < 0) return
      caseLength[this.entryPos[k]!] = this.maxPath[k]!
      caseLength[this.bodyPos[k]!] = this.maxPath[k]!
    })
    return { bytes, caseOfSlot, caseLength, needsWide: this.needsWide }
  }

  private body(): Uint8Array {
    const w = this.w
    const s = this.arena.state
    w.i32(0)
      .mem(Op.i32Load, s + STATE.fsBase * 4)
      .set(L_FS)
    w.i32(0)
      .mem(Op.i32Load, s + STATE.gsBase * 4)
      .set(L_GS)
    w.get(P_EIP).i32(~0xfff).op(Op.i32And).set(L_BASE)
    this.fault = w.block()
    this.exit = w.block()
    this.dispatch = w.loop()
    // A block per br_table position: cases the dispatch enters have two (before and after their loads).
    this.entryPos = []
    this.bodyPos = []
    // Cases inside a wasm loop have no position: their blocks open inside the loop.
    let positions = 0
    this.cases.forEach((_, k) => {
      this.entryPos.push(positions)
      if (this.inLoop[k] !== -1) {
        this.bodyPos.push(-1)
        return
      }
      if (this.entry[k]) positions++
      this.bodyPos.push(positions++)
    })
    const labels: Label[] = []
    for (let q = 0; q < positions; q++) labels.unshift(w.block())
    this.caseLabels = this.bodyPos.map((q) => labels[q]!)
    w.get(P_CASE)
    w.brTable(labels, labels[labels.length - 1]!)
    for (let k = 0; k < this.cases.length; k++) {
      this.current = k
      this.enterCase(k)
      const end = this.loopEnd[k]!
      if (end < 0) {
        this.emitCase(k)
        continue
      }
      // A wasm loop around the header and the cases up to the last that branches back to it.
      this.loopLabel[k] = w.loop()
      const inner: Label[] = []
      for (let u = end; u > k; u--) inner.unshift(w.block())
      for (let u = k + 1; u <= end; u++) this.caseLabels[u] = inner[u - k - 1]!
      // Entered past the header (a branch from outside into the loop, gcc's rotated loops): on to that case.
      const normal = w.block()
      w.get(L_ENTER).op(Op.i32Eqz).brIf(normal)
      w.get(L_ENTER).i32(2).op(Op.i32Sub).i32(0).set(L_ENTER)
      w.brTable(inner, inner[inner.length - 1]!)
      w.end()
      this.emitCase(k)
      for (let u = k + 1; u <= end; u++) {
        w.end()
        this.current = u
        this.emitCase(u)
      }
      w.op(Op.unreachable)
      w.end() // loop
      k = end
    }
    w.op(Op.unreachable)
    w.end() // dispatch
    w.end() // exit (the registers and flags a case changed were stored before branching here)
    w.i32(0)
      .get(L_EIP_OUT)
      .mem(Op.i32Store, s + STATE.eip * 4)
    w.get(L_DONE).op(0x0f) // return
    w.end() // fault: an access method threw; how far the region got goes to the state block
    w.i32(0)
      .get(L_DONE)
      .mem(Op.i32Store, s + STATE.faultDone * 4)
    w.i32(0)
      .get(L_EIP_OUT)
      .mem(Op.i32Store, s + STATE.faultEip * 4)
    w.i32(-1)
    return w.finish()
  }

  /** The end of a top-level case's br_table block(s), with the loads where the run loop enters. */
  private enterCase(k: number): void {
    const w = this.w
    const s = this.arena.state
    if (this.entry[k]) {
      w.end()
      // Entered through the dispatch: the state into locals (a branch back to the case's start keeps it there).
      for (let r = 0; r < 8; r++)
        w.i32(0)
          .mem(Op.i32Load, s + (STATE.regs + r) * 4)
          .set(L_REG + r)
      FLAG_SLOTS.forEach((slot, f) =>
        w
          .i32(0)
          .mem(Op.i32Load, s + slot * 4)
          .set(L_OP + f),
      )
    }
    w.end()
  }

  /** The straight-line code of case `k`, then on to where its last instruction leads. */
  private emitCase(k: number): void {
    const w = this.w
    const chain = this.cases[k]!.chain
    this.pend = 0
    this.producer = null
    // Exits out of the function (EIP in L_EIP_OUT) and faults gather at the case's end, where the state it
    // changed is stored once.
    this.caseFault = w.block()
    this.caseExit = w.block()
    this.self = w.loop()
    this.planGroups(chain)
    for (const node of chain) {
      for (const g of this.groupsAt.get(node.i) ?? []) this.groupCheck(g)
      this.record(node.block, node.j)
      this.pend++
    }
    const last = chain[chain.length - 1]!
    if (!ENDS_FLOW.has(this.b.op[last.i]!)) this.jumpTo(last.next, this.pend)
    w.op(Op.unreachable)
    w.end() // self
    w.end() // caseExit
    this.storeState()
    w.br(this.exit)
    w.end() // faultOut
    this.storeState()
    w.br(this.fault)
  }

  private record(block: RegionBlock, j: number): void {
    const b = this.b
    const w = this.w
    const i = block.first + j
    const op = b.op[i]!
    const size = b.size[i]!
    const reg = b.reg[i]!
    const m = size === 4 ? -1 : size === 2 ? 0xffff : 0xff
    const mask = (local: number) => {
      if (size !== 4) w.get(local).i32(m).op(Op.i32And).set(local)
    }
    const next = () => block.offset + b.end[i]!
    const neutral = FLAG_NEUTRAL.has(op)
    switch (op) {
      case OP.nop:
        break
      case OP.movRegImm:
        w.i32(b.imm[i]! & m).set(L_T0)
        this.setReg(size, reg, L_T0)
        break
      case OP.movRegRm:
        this.rmAt(block, j)
        this.rmRead(block, j, size)
        w.set(L_T0)
        this.setReg(size, reg, L_T0)
        break
      case OP.movRmReg:
        this.rmAt(block, j)
        this.reg(size, reg)
        w.set(L_VAL)
        this.rmWrite(block, j, size, L_VAL)
        break
      case OP.movRmImm:
        this.rmAt(block, j)
        w.i32(b.imm[i]! & m).set(L_VAL)
        this.rmWrite(block, j, size, L_VAL)
        break
      case OP.lea:
        this.ea(i)
        w.set(L_REG + reg)
        break
      case OP.aluRmReg:
      case OP.aluRegRm:
      case OP.aluRmImm: {
        const kind = b.aux[i]!
        this.rmAt(block, j)
        // a = destination, v = source (both zero-extended to the size).
        if (op === OP.aluRegRm) {
          this.reg(size, reg)
          w.set(L_T0)
          this.rmRead(block, j, size)
          w.set(L_T1)
        } else {
          this.rmRead(block, j, size)
          w.set(L_T0)
          if (op === OP.aluRmImm) w.i32(b.imm[i]! & m)
          else this.reg(size, reg)
          w.set(L_T1)
        }
        if (kind === 2 || kind === 3) {
          this.carry()
          w.set(L_T2)
        }
        w.get(L_T0).get(L_T1)
        const ops = [Op.i32Add, Op.i32Or, Op.i32Add, Op.i32Sub, Op.i32And, Op.i32Sub, Op.i32Xor, Op.i32Sub]
        w.op(ops[kind]!)
        if (kind === 2) w.get(L_T2).op(Op.i32Add)
        if (kind === 3) w.get(L_T2).op(Op.i32Sub)
        w.set(L_VAL)
        mask(L_VAL)
        this.setLazy(ALU_LAZY[kind]!, size, L_T0, L_T1, L_VAL)
        if (kind !== 7) {
          if (op === OP.aluRegRm) this.setReg(size, reg, L_VAL)
          else this.rmWrite(block, j, size, L_VAL)
        }
        this.producer =
          kind === 2 || kind === 3 || size === 2 ? null : { kind: kindOf(kind), bits: size === 4 ? 32 : 8 }
        return
      }
      case OP.testRmReg:
      case OP.testRmImm:
        this.rmAt(block, j)
        this.rmRead(block, j, size)
        w.set(L_T0)
        if (op === OP.testRmImm) w.i32(b.imm[i]! & m)
        else this.reg(size, reg)
        w.set(L_T1)
        w.get(L_T0).get(L_T1).op(Op.i32And).set(L_VAL)
        this.setLazy(LZ_LOGIC, size, L_T0, L_T1, L_VAL)
        this.producer = size === 2 ? null : { kind: 'logic', bits: size === 4 ? 32 : 8 }
        return
      case OP.incRm:
      case OP.decRm: {
        this.rmAt(block, j)
        this.rmRead(block, j, size)
        w.set(L_T0)
        // INC/DEC keep CF: a lazy CF moves into EFLAGS first (jit/conditions.ts saveCarry).
        if (this.producer?.kind !== 'incdec') {
          w.get(L_FLAGS).i32(~CF).op(Op.i32And)
          this.carry()
          w.op(Op.i32Or).set(L_FLAGS)
        }
        w.get(L_T0)
          .i32(1)
          .op(op === OP.decRm ? Op.i32Sub : Op.i32Add)
          .set(L_VAL)
        mask(L_VAL)
        w.i32(1).set(L_T1)
        this.setLazy(op === OP.decRm ? LZ_SUB : LZ_ADD, size, L_T0, L_T1, L_VAL, ARITH_FLAGS & ~CF)
        this.rmWrite(block, j, size, L_VAL)
        this.producer = size === 2 ? null : { kind: 'incdec', bits: size === 4 ? 32 : 8 }
        return
      }
      case OP.notRm:
        this.rmAt(block, j)
        this.rmRead(block, j, size)
        w.i32(m).op(Op.i32Xor).set(L_VAL)
        this.rmWrite(block, j, size, L_VAL)
        break
      case OP.negRm:
        this.rmAt(block, j)
        w.i32(0).set(L_T0)
        this.rmRead(block, j, size)
        w.set(L_T1)
        w.i32(0).get(L_T1).op(Op.i32Sub).set(L_VAL)
        mask(L_VAL)
        this.setLazy(LZ_SUB, size, L_T0, L_T1, L_VAL)
        this.rmWrite(block, j, size, L_VAL)
        this.producer = null
        return
      case OP.xchgRmReg:
        // Memory: the read, the write, then the register (jit/narrow-templates.ts).
        this.rmAt(block, j)
        this.rmRead(block, j, size)
        w.set(L_T0)
        this.reg(size, reg)
        w.set(L_VAL)
        this.rmWrite(block, j, size, L_VAL)
        this.setReg(size, reg, L_T0)
        break
      case OP.shiftImm:
      case OP.shiftCl:
        this.shift(block, j)
        this.producer = null
        return
      case OP.movzx8:
      case OP.movsx8:
      case OP.movzx16:
      case OP.movsx16: {
        const from = op === OP.movzx8 || op === OP.movsx8 ? 1 : 2
        this.rmAt(block, j)
        this.rmRead(block, j, from)
        if (op === OP.movsx8) w.op(Op.i32Extend8S)
        if (op === OP.movsx16) w.op(Op.i32Extend16S)
        w.set(L_REG + reg)
        break
      }
      case OP.setcc:
        this.rmAt(block, j)
        this.condition(b.aux[i]!)
        w.set(L_VAL)
        this.rmWrite(block, j, 1, L_VAL)
        break
      case OP.cmovcc:
        // The source is read whether or not the condition holds.
        this.rmAt(block, j)
        this.rmRead(block, j, 4)
        w.set(L_T0)
        this.condition(b.aux[i]!)
        w.if()
        w.get(L_T0).set(L_REG + reg)
        w.end()
        break
      case OP.imulRegRm:
      case OP.imulRegRmImm: {
        this.rmAt(block, j)
        this.rmRead(block, j, 4)
        w.set(L_T1)
        if (op === OP.imulRegRm) w.get(L_REG + reg)
        else w.i32(b.imm[i]!)
        w.set(L_T0)
        this.signedProduct(L_T0, L_T1)
        // CF = OF = the signed product does not fit in 32 bits.
        w.get(L_VAL)
          .op(Op.i64ExtendI32S)
          .get(L_W0)
          .op(Op.i64Ne)
          .i32(CF | OF)
          .op(Op.i32Mul)
        this.resultFlags(L_VAL, 31)
        w.get(L_VAL).set(L_REG + reg)
        this.producer = null
        return
      }
      case OP.mulDiv: {
        // MUL/IMUL EDX:EAX = EAX * r/m32 (the operand read first).
        this.rmAt(block, j)
        this.rmRead(block, j, 4)
        w.set(L_T1)
        w.get(L_REG).set(L_T0)
        if (b.aux[i] === 5) this.signedProduct(L_T0, L_T1)
        else {
          w.get(L_T0).op(Op.i64ExtendI32U).get(L_T1).op(Op.i64ExtendI32U).op(Op.i64Mul).set(L_W0)
          w.get(L_W0).op(Op.i32WrapI64).set(L_VAL)
        }
        w.get(L_W0).op(0x42, 32).op(Op.i64ShrU).op(Op.i32WrapI64).set(L_T2)
        if (b.aux[i] === 5) w.get(L_T2).get(L_VAL).i32(31).op(Op.i32ShrS).op(Op.i32Ne)
        else w.get(L_T2).i32(0).op(Op.i32Ne)
        w.i32(CF | OF).op(Op.i32Mul)
        this.resultFlags(L_VAL, 31)
        w.get(L_VAL)
          .set(L_REG)
          .get(L_T2)
          .set(L_REG + 2)
        this.producer = null
        return
      }
      case OP.bswap:
        w.get(L_REG + reg).set(L_T0)
        w.get(L_T0).i32(24).op(Op.i32ShrU)
        w.get(L_T0).i32(8).op(Op.i32ShrU).i32(0xff00).op(Op.i32And).op(Op.i32Or)
        w.get(L_T0).i32(8).op(Op.i32Shl).i32(0xff0000).op(Op.i32And).op(Op.i32Or)
        w.get(L_T0)
          .i32(24)
          .op(Op.i32Shl)
          .op(Op.i32Or)
          .set(L_REG + reg)
        break
      case OP.cwd:
        w.get(L_REG)
          .i32(31)
          .op(Op.i32ShrS)
          .set(L_REG + 2)
        break
      case OP.cbw:
        w.get(L_REG).op(Op.i32Extend16S).set(L_REG)
        break
      case OP.clc:
      case OP.stc:
        w.get(L_FLAGS).i32(~CF).op(Op.i32And)
        if (op === OP.stc) w.i32(CF).op(Op.i32Or)
        w.set(L_FLAGS).get(L_MASK).i32(~CF).op(Op.i32And).set(L_MASK)
        this.producer = null
        return
      case OP.cld:
        w.get(L_FLAGS).i32(~DF).op(Op.i32And).set(L_FLAGS)
        break
      case OP.std:
        w.get(L_FLAGS).i32(DF).op(Op.i32Or).set(L_FLAGS)
        break
      case OP.pushReg:
        w.get(L_REG + reg).set(L_VAL)
        this.push(block, j)
        break
      case OP.pushImm:
        w.i32(b.imm[i]!).set(L_VAL)
        this.push(block, j)
        break
      case OP.pushRm:
        this.rmAt(block, j)
        this.rmRead(block, j, 4)
        w.set(L_VAL)
        this.push(block, j)
        break
      case OP.popReg:
        this.pop(block, j, 4, reg)
        break
      case OP.leave:
        // ESP = EBP, then POP EBP.
        this.pop(block, j, 5, 5)
        break
      case OP.jcc:
        this.condition(b.aux[i]!)
        w.if()
        this.jumpTo(block.offset + b.imm[i]!, this.pend + 1)
        w.end()
        break
      case OP.loop:
        w.get(L_REG + 1)
          .i32(1)
          .op(Op.i32Sub)
          .tee(L_REG + 1)
        w.if()
        this.jumpTo(block.offset + b.imm[i]!, this.pend + 1)
        w.end()
        break
      case OP.jmp:
        this.jumpTo(block.offset + b.imm[i]!, this.pend + 1)
        break
      case OP.call:
        w.get(L_BASE).i32(next()).op(Op.i32Add).set(L_VAL)
        this.push(block, j)
        this.jumpTo(block.offset + b.imm[i]!, this.pend + 1)
        break
      case OP.ret:
        w.get(L_REG + 4).set(L_OFF)
        this.loadSlow(4, 2, block, j)
        w.set(L_T0)
        w.get(L_REG + 4)
          .i32(4 + b.imm[i]!)
          .op(Op.i32Add)
          .set(L_REG + 4)
        this.addDone(this.pend + 1)
        this.exitAt(() => w.get(L_T0))
        break
      case OP.jmpInd:
      case OP.callInd:
        this.rmAt(block, j)
        this.rmRead(block, j, 4)
        w.set(L_T0)
        if (op === OP.callInd) {
          w.get(L_BASE).i32(next()).op(Op.i32Add).set(L_VAL)
          this.push(block, j)
        }
        this.addDone(this.pend + 1)
        this.exitAt(() => w.get(L_T0))
        break
      default:
        throw new Error(`region compiler: record kind ${op} has no translation`)
    }
    if (!neutral) this.producer = null
  }

  /** SHL/SAL, SHR, SAR, ROL, ROR of a 32-bit r/m by an immediate or CL (jit/shift-templates.ts `shiftCode`). */
  private shift(block: RegionBlock, j: number): void {
    const w = this.w
    const b = this.b
    const i = block.first + j
    const kind = b.aux[i]!
    this.rmAt(block, j)
    if (b.op[i] === OP.shiftImm) {
      const count = b.imm[i]! & 31
      if (count === 0) {
        // A zero count still reads a memory operand (its faults).
        if (b.rm[i]! < 0) {
          this.rmRead(block, j, 4)
          w.op(Op.drop)
        }
        return
      }
      const size = b.size[i]!
      this.rmRead(block, j, size)
      w.set(L_T0)
      if (size === 4) {
        w.i32(count).set(L_T1)
        this.shiftBody(kind)
      } else this.narrowShift(kind, size * 8, count)
      this.rmWrite(block, j, size, L_VAL)
      return
    }
    this.rmRead(block, j, 4)
    w.set(L_T0)
    w.get(L_REG + 1)
      .i32(31)
      .op(Op.i32And)
      .tee(L_T1)
    w.if()
    this.shiftBody(kind)
    this.rmWrite(block, j, 4, L_VAL)
    w.end()
  }

  /**
   * An 8- or 16-bit operand (zero-extended in L_T0) shifted by the constant `count` (1..31) into L_VAL with the
   * flags (jit/shift-templates.ts `shiftCode` for narrow widths).
   */
  private narrowShift(kind: number, bits: number, count: number): void {
    const w = this.w
    const a = L_T0
    const r = L_VAL
    const m = (1 << bits) - 1
    const top = bits - 1
    if (kind === 0 || kind === 1) {
      const n = count & top
      if (n === 0) w.get(a).set(r)
      else if (kind === 0)
        w.get(a)
          .i32(n)
          .op(Op.i32Shl)
          .get(a)
          .i32(bits - n)
          .op(Op.i32ShrU)
          .op(Op.i32Or)
          .i32(m)
          .op(Op.i32And)
          .set(r)
      else
        w.get(a)
          .i32(n)
          .op(Op.i32ShrU)
          .get(a)
          .i32(bits - n)
          .op(Op.i32Shl)
          .op(Op.i32Or)
          .i32(m)
          .op(Op.i32And)
          .set(r)
      if (kind === 0) w.get(r).i32(1).op(Op.i32And).set(L_T2)
      else w.get(r).i32(top).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_T2)
      w.get(L_FLAGS)
        .i32(~(CF | OF))
        .op(Op.i32And)
        .get(L_T2)
        .op(Op.i32Or)
      if (kind === 0) w.get(r).i32(top).op(Op.i32ShrU).i32(1).op(Op.i32And).get(L_T2).op(Op.i32Xor)
      else
        w.get(L_T2)
          .get(r)
          .i32(top - 1)
          .op(Op.i32ShrU)
          .i32(1)
          .op(Op.i32And)
          .op(Op.i32Xor)
      w.i32(11).op(Op.i32Shl).op(Op.i32Or).set(L_FLAGS)
      w.get(L_MASK)
        .i32(~(CF | OF))
        .op(Op.i32And)
        .set(L_MASK)
      return
    }
    const wide = count <= bits
    if (kind === 4 || kind === 6) {
      w.get(a).i32(count).op(Op.i32Shl).i32(m).op(Op.i32And).set(r)
      if (wide)
        w.get(a)
          .i32(bits - count)
          .op(Op.i32ShrU)
          .i32(1)
          .op(Op.i32And)
      else w.i32(0)
      w.set(L_T2)
      w.get(L_T2)
        .get(r)
        .i32(top)
        .op(Op.i32ShrU)
        .i32(1)
        .op(Op.i32And)
        .get(L_T2)
        .op(Op.i32Xor)
        .i32(11)
        .op(Op.i32Shl)
        .op(Op.i32Or)
    } else if (kind === 5) {
      w.get(a).i32(count).op(Op.i32ShrU).set(r)
      if (wide)
        w.get(a)
          .i32(count - 1)
          .op(Op.i32ShrU)
          .i32(1)
          .op(Op.i32And)
      else w.i32(0)
      w.get(a).i32(top).op(Op.i32ShrU).i32(1).op(Op.i32And).i32(11).op(Op.i32Shl).op(Op.i32Or)
    } else {
      // SAR: the sign-extended operand, at most width - 1 places for the result.
      w.get(a)
        .i32(32 - bits)
        .op(Op.i32Shl)
        .i32(32 - bits)
        .op(Op.i32ShrS)
        .set(L_T2)
      w.get(L_T2).i32(Math.min(count, top)).op(Op.i32ShrS).i32(m).op(Op.i32And).set(r)
      w.get(L_T2)
        .i32(count - 1)
        .op(Op.i32ShrS)
        .i32(1)
        .op(Op.i32And)
    }
    this.resultFlags(r, top)
  }

  /** Result of `a` (L_T0) shifted by n (L_T1, 1..31) into L_VAL with the flags. */
  private shiftBody(kind: number): void {
    const w = this.w
    const a = L_T0
    const n = L_T1
    const r = L_VAL
    if (kind === 0 || kind === 1) {
      w.get(a)
        .get(n)
        .op(kind === 0 ? Op.i32Rotl : Op.i32Rotr)
        .set(r)
      // ROL: CF = bit 0, OF = MSB ^ CF. ROR: CF = MSB, OF = MSB ^ bit 30. Other flags unchanged.
      if (kind === 0) w.get(r).i32(1).op(Op.i32And).set(L_T2)
      else w.get(r).i32(31).op(Op.i32ShrU).set(L_T2)
      w.get(L_FLAGS)
        .i32(~(CF | OF))
        .op(Op.i32And)
        .get(L_T2)
        .op(Op.i32Or)
      if (kind === 0) w.get(r).i32(31).op(Op.i32ShrU).get(L_T2).op(Op.i32Xor)
      else w.get(L_T2).get(r).i32(30).op(Op.i32ShrU).i32(1).op(Op.i32And).op(Op.i32Xor)
      w.i32(11).op(Op.i32Shl).op(Op.i32Or).set(L_FLAGS)
      w.get(L_MASK)
        .i32(~(CF | OF))
        .op(Op.i32And)
        .set(L_MASK)
      return
    }
    if (kind === 4 || kind === 6) {
      w.get(a).get(n).op(Op.i32Shl).set(r)
      w.get(a).i32(32).get(n).op(Op.i32Sub).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_T2)
      // OF = MSB of the result ^ CF.
      w.get(L_T2).get(r).i32(31).op(Op.i32ShrU).get(L_T2).op(Op.i32Xor).i32(11).op(Op.i32Shl).op(Op.i32Or)
    } else if (kind === 5) {
      w.get(a).get(n).op(Op.i32ShrU).set(r)
      w.get(a).get(n).i32(1).op(Op.i32Sub).op(Op.i32ShrU).i32(1).op(Op.i32And)
      // OF = the operand's MSB.
      w.get(a).i32(31).op(Op.i32ShrU).i32(11).op(Op.i32Shl).op(Op.i32Or)
    } else {
      w.get(a).get(n).op(Op.i32ShrS).set(r)
      w.get(a).get(n).i32(1).op(Op.i32Sub).op(Op.i32ShrS).i32(1).op(Op.i32And)
    }
    this.resultFlags(r, 31)
  }
}
