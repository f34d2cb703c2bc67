// Runs one decoded x87 record (OP.fpu) of a cached block: the #NM check (CR0.EM/TS), the memory operand's
// linear address — checked over the operand's full size and direction against its segment — and data
// selector, then the x87 module: for the built-in X87Fpu, the pre-decoded fast paths (fpu/x87-fast.ts) run
// straight from here; everything else goes through `Fpu.execute`. Shared by the block interpreter and compiled
// blocks, which call it directly instead of going through `step`. Spec: Intel SDM vol. 1 ch. 8 (§8.1.8 last
// instruction pointers), vol. 3A 2.5 (CR0.EM/TS), 5.3–5.4 (limit and type checks).
import { NM } from './constants'
import type { Cpu } from './cpu'
import type { BlockCache } from './block-decoder'
import { ea } from './block-exec'
import { exactFloat32, executeFastMemory, executeFastRegister, pushFloat32, pushInteger } from './fpu/x87-fast'
import { FAST_OPERAND } from './fpu/x87-kinds'
import { fpuOperandLinear } from './fpu-host'
import type { Fpu } from './fpu/fpu-contract'
import type { X87State } from './fpu/x87-state'

/** Executes x87 record `i` of block cache `b`; `blockEip` is the EIP of the block's first instruction. */
export function executeFpuRecord(c: Cpu, b: BlockCache, i: number, blockEip: number): void {
  // Numeric literals on this path (names in comments): each imported constant costs a binding check per use.
  if ((c.cr0 & 0xc) /* CR0_EM | CR0_TS */ !== 0) c.fault(NM, -1)
  const fpu = c.fpu
  if (fpu === null) c.ud()
  const word = b.imm[i]!
  const host = c.fpuHost
  if (fpu !== host.boundFpu) host.bindFpu(fpu)
  const s = host.x87State
  if (s !== null) {
    const kind = host.x87Kinds![word & 0x7ff]!
    if (kind !== 0 /* KIND.GENERAL */ && (s.statusFlags & 0x80) /* SW.ES */ === 0) {
      // The built-in x87, a pre-decoded ordinary instruction and no exception pending: it records the pointers
      // (SDM vol. 1 §8.1.8) and runs its fast path. A fault on the operand leaves through the caller, which
      // restores EIP from the record.
      s.instructionPointer = (blockEip + b.start[i]!) | 0
      s.lastOpcode = word & 0x7ff
      s.codeSelector = c.segSel[1 /* CS */]! & 0xffff
      if (kind < 32 /* KIND.MEMORY */ ? executeFastRegister(s, kind, word & 0xff) : fastMemory(c, b, i, s, kind, word))
        return
    }
  }
  executeGeneral(c, b, i, blockEip, fpu, word)
}

/**
 * The memory kinds of the fast path: the data pointer, the operand's segment checks, then the handler. FLD m32fp,
 * FILD m32int and exact FST(P) m32fp use the CPU's segmented 32-bit accesses (segment check and RAM fast path in
 * one); a store changes no x87 state before its write has succeeded.
 */
function fastMemory(c: Cpu, b: BlockCache, i: number, s: X87State, kind: number, word: number): boolean {
  const seg = b.seg[i]!
  const off = ea(c, b, i)
  s.dataPointer = off
  s.dataSelector = c.segSel[seg]! & 0xffff
  switch (kind) {
    case 32: // FLD_M32
      return pushFloat32(s, c.read32(seg, off) >>> 0)
    case 38: // FILD_M32
      return pushInteger(s, c.read32(seg, off) | 0)
    case 33: // FST_M32
    case 34: {
      // FSTP_M32
      if (s.empty[s.top] === 1) return false
      const bits = exactFloat32(s)
      if (bits < 0) break
      c.write32(seg, off, bits)
      s.statusFlags &= ~0x200 /* SW.C1 */
      if (kind === 34) s.pop()
      return true
    }
  }
  const access = FAST_OPERAND[kind]!
  const linear =
    (access & 0x1000) /* OPERAND_WRITE */ !== 0 ? c.segWrite(seg, off, access & 0xfff) : c.segRead(seg, off, access)
  // (The host's dataSelector is only read by Fpu.execute: executeGeneral sets it when a handler declines.)
  return executeFastMemory(s, kind, word & 0xff, linear, c.fpuHost)
}

/** Any x87 record through `Fpu.execute`, which reads the operand size (FSAVE/FSTENV layouts) and the pointers. */
function executeGeneral(c: Cpu, b: BlockCache, i: number, blockEip: number, fpu: Fpu, word: number): void {
  c.opSize32 = b.size[i] === 4
  const eip = (blockEip + b.start[i]!) | 0
  c.startEip = eip
  let linear = 0
  let off = 0
  if ((word & 0xff) < 0xc0) {
    const seg = b.seg[i]!
    off = ea(c, b, i)
    linear = fpuOperandLinear(c, seg, off, word >>> 8, word & 0xff)
    c.fpuHost.dataSelector = c.segSel[seg]!
  }
  fpu.execute(word >>> 8, word & 0xff, linear, c.fpuHost, eip, off)
}
