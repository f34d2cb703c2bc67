// Runs one decoded x87 record (OP.fpu) of a cached block: the #NM check (CR0.EM/TS), the memory operand's
// linear address — checked over the operand's full size and direction against its segment — and data
// selector, then the x87 module: for the built-in X87Fpu, the pre-decoded fast paths (fpu/x87-fast.ts) run
// straight from here; everything else goes through `Fpu.execute`. Shared by the block interpreter and compiled
// blocks, which call it directly instead of going through `step`. Spec: Intel SDM vol. 1 ch. 8 (§8.1.8 last
// instruction pointers), vol. 3A 2.5 (CR0.EM/TS), 5.3–5.4 (limit and type checks).
import { CR0_EM, CR0_TS, CS, NM } from './constants'
import type { Cpu } from './cpu'
import type { BlockCache } from './block-decoder'
import { ea } from './block-exec'
import { executeFastMemory, executeFastRegister } from './fpu/x87-fast'
import { FAST_OPERAND, KIND, OPERAND_WRITE } from './fpu/x87-kinds'
import { fpuOperandLinear } from './fpu-host'
import { SW } from './fpu/x87-state'

/** Executes x87 record `i` of block cache `b`; `blockEip` is the EIP of the block's first instruction. */
export function executeFpuRecord(c: Cpu, b: BlockCache, i: number, blockEip: number): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(NM, -1)
  const fpu = c.fpu
  if (fpu === null) c.ud()
  const word = b.imm[i]!
  const host = c.fpuHost
  const x87 = host.builtinX87(fpu)
  if (x87 !== null) {
    const s = x87.state
    const kind = x87.kinds[word & 0x7ff]!
    if (kind !== KIND.GENERAL && (s.statusFlags & SW.ES) === 0) {
      // The built-in x87, a pre-decoded ordinary instruction and no exception pending: it records the pointers
      // (SDM vol. 1 §8.1.8) and runs its fast path. A fault on the operand leaves through the caller, which
      // restores EIP from the record.
      s.instructionPointer = (blockEip + b.start[i]!) | 0
      s.lastOpcode = word & 0x7ff
      s.codeSelector = c.segSel[CS]! & 0xffff
      if (kind < KIND.MEMORY) {
        if (executeFastRegister(s, kind, word & 0xff)) return
      } else {
        const seg = b.seg[i]!
        const off = ea(c, b, i)
        const access = FAST_OPERAND[kind]!
        const linear =
          (access & OPERAND_WRITE) !== 0 ? c.segWrite(seg, off, access & 0xfff) : c.segRead(seg, off, access)
        s.dataPointer = off
        s.dataSelector = c.segSel[seg]! & 0xffff
        host.dataSelector = c.segSel[seg]!
        if (executeFastMemory(s, kind, word & 0xff, linear, host)) return
      }
    }
  }
  // The general path: the x87 module reads the operand size (FSAVE/FSTENV layouts) and the instruction pointer.
  c.opSize32 = b.size[i] === 4
  const eip = (blockEip + b.start[i]!) | 0
  c.startEip = eip
  let linear = 0
  let off = 0
  if ((word & 0xff) < 0xc0) {
    const seg = b.seg[i]!
    off = ea(c, b, i)
    linear = fpuOperandLinear(c, seg, off, word >>> 8, word & 0xff)
    host.dataSelector = c.segSel[seg]!
  }
  fpu.execute(word >>> 8, word & 0xff, linear, host, eip, off)
}
