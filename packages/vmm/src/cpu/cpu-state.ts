// The complete architectural state of the CPU as a plain object, for the single-step API, debuggers and
// test harnesses (get → modify → set round-trips exactly).
import * as constants from './constants'
import type { Cpu } from './cpu'
import type { FpuArchState } from './fpu/fpu-contract'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { ATTR_DB, CR0_PE, EFER_NXE, PERFCTR_RANGE, SS, VM } = constants

/** A segment register with its hidden (descriptor-cache) part. `attributes`: see constants.ts ATTR_*. */
export interface SegmentState {
  selector: number
  base: number
  limit: number
  attributes: number
}

/** Base and limit of the GDT or IDT. */
export interface TableRegister {
  base: number
  limit: number
}

/** Architectural CPU state. All 32-bit values are unsigned numbers. */
export interface CpuState {
  eax: number
  ecx: number
  edx: number
  ebx: number
  esp: number
  ebp: number
  esi: number
  edi: number
  eip: number
  eflags: number
  es: SegmentState
  cs: SegmentState
  ss: SegmentState
  ds: SegmentState
  fs: SegmentState
  gs: SegmentState
  ldtr: SegmentState
  tr: SegmentState
  gdtr: TableRegister
  idtr: TableRegister
  cr0: number
  cr2: number
  cr3: number
  cr4: number
  /** DR0–DR7 (DR4/DR5 are aliases and kept as 0). */
  dr: number[]
  /**
   * The PAE PDPTE registers as loaded from CR3 (low, high dword of entries 0–3). They are what PAE walks use, and
   * may differ from memory until the next CR3 load (SDM vol. 3A 4.4.1).
   */
  pdpte: number[]
  /** Current privilege level (normally CS.RPL; kept separately as the hardware does). */
  cpl: number
  halted: boolean
  /** x87 state when an FPU module is attached, else null. */
  fpu: FpuArchState | null
  msr: {
    sysenterCs: number
    sysenterEsp: number
    sysenterEip: number
    apicBase: number
    pat: [number, number]
    mtrrDefType: number
    tsc: number
    /** IA32_EFER (only NXE, bit 11). */
    efer: number
    /** P6 performance counters: PERFEVTSEL0/1 and PERFCTR0/1 (40-bit values). */
    perfEvtSel: [number, number]
    perfCtr: [number, number]
  }
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'] as const

/** Reads the state out of a CPU. */
export function cpuStateFromCpu(c: Cpu): CpuState {
  const seg = (i: number): SegmentState => ({
    selector: c.segSel[i]!,
    base: c.segBase[i]! >>> 0,
    limit: c.segLimit[i]! >>> 0,
    attributes: c.segAttr[i]!,
  })
  const s = {
    eip: c.eip >>> 0,
    eflags: c.getEflags() >>> 0,
    gdtr: { base: c.gdtBase >>> 0, limit: c.gdtLimit },
    idtr: { base: c.idtBase >>> 0, limit: c.idtLimit },
    cr0: c.cr0 >>> 0,
    cr2: c.cr2 >>> 0,
    cr3: c.cr3 >>> 0,
    cr4: c.cr4 >>> 0,
    dr: Array.from(c.dr, (v) => v >>> 0),
    pdpte: Array.from(c.pdpte, (v) => v >>> 0),
    cpl: c.cpl,
    halted: c.halted,
    fpu: c.fpu?.getState() ?? null,
    msr: {
      sysenterCs: c.sysenterCs,
      sysenterEsp: c.sysenterEsp >>> 0,
      sysenterEip: c.sysenterEip >>> 0,
      apicBase: c.apicBase >>> 0,
      pat: [c.patLo >>> 0, c.patHi >>> 0] as [number, number],
      mtrrDefType: c.mtrrDefType,
      tsc: c.tsc(),
      efer: c.efer >>> 0,
      perfEvtSel: [c.perfEvtSel[0]! >>> 0, c.perfEvtSel[1]! >>> 0] as [number, number],
      perfCtr: [c.perfCtr[0]!, c.perfCtr[1]!] as [number, number],
    },
  } as Partial<CpuState> as CpuState
  REG_NAMES.forEach((n, i) => (s[n] = c.regs[i]! >>> 0))
  SEG_NAMES.forEach((n, i) => (s[n] = seg(i)))
  return s
}

/** Writes a state into a CPU (flushing translation caches). */
export function cpuStateToCpu(c: Cpu, s: CpuState): void {
  REG_NAMES.forEach((n, i) => (c.regs[i] = s[n]))
  c.eip = s.eip | 0
  c.cr0 = s.cr0 | 0
  c.cr2 = s.cr2 | 0
  c.cr3 = s.cr3 | 0
  c.cr4 = s.cr4 | 0
  s.dr.forEach((v, i) => (c.dr[i] = v))
  for (let i = 0; i < 8; i++) c.pdpte[i] = s.pdpte[i] ?? 0
  c.gdtBase = s.gdtr.base | 0
  c.gdtLimit = s.gdtr.limit & 0xffff
  c.idtBase = s.idtr.base | 0
  c.idtLimit = s.idtr.limit & 0xffff
  c.flags = (s.eflags & 0x3f7fd5) | 2
  c.lzMask = 0
  SEG_NAMES.forEach((n, i) => {
    const g = s[n]
    c.segSel[i] = g.selector & 0xffff
    c.segBase[i] = g.base | 0
    c.segLimit[i] = g.limit | 0
    c.segAttr[i] = g.attributes & 0xf0ff
  })
  c.protectedMode = (c.cr0 & CR0_PE) !== 0
  c.v86 = c.protectedMode && (c.flags & VM) !== 0
  c.code32 = !c.v86 && (c.segAttr[1]! & ATTR_DB) !== 0
  c.stack32 = (c.segAttr[SS]! & ATTR_DB) !== 0
  c.deriveAllSegs()
  c.setCpl(s.cpl & 3)
  c.halted = s.halted
  c.sysenterCs = s.msr.sysenterCs & 0xffff
  c.sysenterEsp = s.msr.sysenterEsp | 0
  c.sysenterEip = s.msr.sysenterEip | 0
  c.apicBase = s.msr.apicBase | 0
  c.patLo = s.msr.pat[0] | 0
  c.patHi = s.msr.pat[1] | 0
  c.mtrrDefType = s.msr.mtrrDefType
  c.efer = s.msr.efer & EFER_NXE
  c.perfEvtSel[0] = s.msr.perfEvtSel[0]
  c.perfEvtSel[1] = s.msr.perfEvtSel[1]
  c.perfCtr[0] = s.msr.perfCtr[0] % PERFCTR_RANGE
  c.perfCtr[1] = s.msr.perfCtr[1] % PERFCTR_RANGE
  c.tscOffset = s.msr.tsc - (c.tsc() - c.tscOffset)
  if (s.fpu !== null && c.fpu !== null) c.fpu.setState(s.fpu)
  c.updateDebugWatch()
  // The state may come with new RAM contents (saved-state load, a harness writing code): drop decoded code.
  c.flushDecodedCode()
}
