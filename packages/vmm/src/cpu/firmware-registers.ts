// The register hook for firmware calls (em/cpu-contract.ts FirmwareRegisterAccess): a snapshot of the register
// file for a trapping OUT, and the write-back with MOV Sreg / far-jump semantics for segment registers.
import type { FirmwareRegisters } from '../device-api/device'
import * as constants from './constants'
import type { Cpu } from './cpu'
import { loadSeg } from './descriptors'
import { farJump } from './far-transfer'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CS, DS, ES, FS, GS, IOPL, SS, VM } = constants

/** Fills `into` from the CPU (EIP already points past the OUT). */
export function readFirmwareRegisters(c: Cpu, into: FirmwareRegisters): void {
  const r = c.regs
  into.eax = r[0]! >>> 0
  into.ecx = r[1]! >>> 0
  into.edx = r[2]! >>> 0
  into.ebx = r[3]! >>> 0
  into.esp = r[4]! >>> 0
  into.ebp = r[5]! >>> 0
  into.esi = r[6]! >>> 0
  into.edi = r[7]! >>> 0
  into.eip = c.eip >>> 0
  into.eflags = c.getEflags() >>> 0
  into.es = c.segSel[ES]!
  into.cs = c.segSel[CS]!
  into.ss = c.segSel[SS]!
  into.ds = c.segSel[DS]!
  into.fs = c.segSel[FS]!
  into.gs = c.segSel[GS]!
}

/** Writes a firmware call's registers back into the CPU. */
export function writeFirmwareRegisters(c: Cpu, from: Readonly<FirmwareRegisters>): void {
  const r = c.regs
  r[0] = from.eax
  r[1] = from.ecx
  r[2] = from.edx
  r[3] = from.ebx
  r[4] = from.esp
  r[5] = from.ebp
  r[6] = from.esi
  r[7] = from.edi
  c.eip = from.eip | 0
  const keep = c.protectedMode && c.cpl > 0 ? IOPL | VM : VM
  c.setEflags((c.getEflags() & keep) | (from.eflags & ~keep))
  const segs: [number, number][] = [
    [ES, from.es],
    [SS, from.ss],
    [DS, from.ds],
    [FS, from.fs],
    [GS, from.gs],
  ]
  for (const [seg, sel] of segs) if (c.segSel[seg] !== (sel & 0xffff)) loadSeg(c, seg, sel)
  if (c.segSel[CS] !== (from.cs & 0xffff)) {
    if (!c.protectedMode || c.v86) c.loadSegReal(CS, from.cs)
    else farJump(c, from.cs, from.eip)
  }
}
