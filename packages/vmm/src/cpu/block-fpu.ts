// Runs one decoded x87 record (OP.fpu) of a cached block: the #NM check (CR0.EM/TS), the memory operand's
// linear address and data selector, then the x87 module. Shared by the block interpreter and compiled blocks,
// which call it directly instead of going through `step`. Spec: Intel SDM vol. 1 ch. 8, vol. 3A 2.5 (CR0.EM/TS).
import { CR0_EM, CR0_TS, NM } from './constants'
import type { Cpu } from './cpu'
import type { BlockCache } from './block-decoder'
import { ea } from './block-exec'

/** Executes x87 record `i` of block cache `b`; `blockEip` is the EIP of the block's first instruction. */
export function executeFpuRecord(c: Cpu, b: BlockCache, i: number, blockEip: number): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.fault(NM, -1)
  const fpu = c.fpu
  if (fpu === null) c.ud()
  const word = b.imm[i]!
  let linear = 0
  let off = 0
  if (b.rm[i]! < 0) {
    const seg = b.seg[i]!
    off = ea(c, b, i)
    linear = c.segRead(seg, off, 1)
    c.fpuHost.dataSelector = c.segSel[seg]!
  }
  // The x87 module reads the operand size (FSAVE/FSTENV layouts) and the instruction pointer.
  c.opSize32 = b.size[i] === 4
  c.startEip = (blockEip + b.start[i]!) | 0
  fpu.execute(word >>> 8, word & 0xff, linear, c.fpuHost, c.startEip, off)
}
