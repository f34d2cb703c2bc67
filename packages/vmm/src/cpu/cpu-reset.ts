// The power-on / RESET state of the i686 (Intel SDM vol. 3A 9.1.1, table 9-1): registers, segment caches,
// control and debug registers, descriptor tables and MSRs; decoded code and the TLB are dropped.
import type { Cpu } from './cpu'
import * as constants from './constants'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { CR0_ET, CS, LDTR, TR } = constants

/** Puts `c` into its power-on state (CS:IP = F000:FFF0 with CS base FFFF0000). */
export function resetCpu(c: Cpu): void {
  c.blocks.flushAll()
  c.regs.fill(0)
  c.regs[2] = 0x0633 // EDX: family 6, model 3, stepping 3
  c.eip = 0xfff0
  c.flags = 2
  c.lzMask = 0
  c.cr0 = CR0_ET | 0x60000000
  c.cr2 = 0
  c.cr3 = 0
  c.cr4 = 0
  c.dr.fill(0)
  c.dr[6] = 0xffff0ff0 | 0
  c.dr[7] = 0x400
  c.watchData = false
  c.watchIo = false
  c.cpl = 0
  for (let s = 0; s < 6; s++) c.setSegRaw(s, 0, 0, 0xffff, 0x93)
  c.setSegRaw(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b)
  c.setSegRaw(LDTR, 0, 0, 0xffff, 0x82)
  c.setSegRaw(TR, 0, 0, 0xffff, 0x8b)
  c.gdtBase = 0
  c.gdtLimit = 0xffff
  c.idtBase = 0
  c.idtLimit = 0xffff
  c.tscOffset = -c.instructionsRetired
  c.sysenterCs = c.sysenterEsp = c.sysenterEip = 0
  c.apicBase = 0xfee00900 | 0
  c.patLo = 0x00070406
  c.patHi = 0x00070406
  c.mtrrDefType = 0
  c.efer = 0
  c.pdpte.fill(0)
  c.perfEvtSel.fill(0)
  c.perfCtr.fill(0)
  c.halted = false
  c.shadow = false
  c.nmiBlocked = false
  c.deliveryDepth = 0
  c.fpu?.reset()
  c.updateMode()
  c.flushTlb(true)
}
