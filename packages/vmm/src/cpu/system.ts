// Control and debug registers, CPUID and model-specific registers (Intel SDM vol. 3A 2.5, 17.2; vol. 2 CPUID,
// RDMSR/WRMSR; vol. 3B 11.11 MTRRs, 11.12 PAT). CPUID reports only features that are implemented.
import * as constants from './constants'
import type { Cpu } from './cpu'
import { DR6_BD, DR7_GD } from './debug-registers'
import { loadPdptes } from './paging'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const {
  CR0_CD,
  CR0_ET,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_DE,
  CR4_PAE,
  DB,
  CR4_PCE,
  CR4_PGE,
  CR4_PSE,
  CR4_PVI,
  CR4_SUPPORTED,
  CR4_VME,
  CR4_OSFXSR,
  EFER_NXE,
  MSR_APIC_BASE,
  MSR_BIOS_SIGN_ID,
  MSR_EFER,
  MSR_MTRRCAP,
  MSR_MTRR_DEF_TYPE,
  MSR_PAT,
  MSR_PERFCTR0,
  MSR_PERFCTR1,
  MSR_PERFEVTSEL0,
  MSR_PERFEVTSEL1,
  MSR_SYSENTER_CS,
  MSR_SYSENTER_EIP,
  MSR_SYSENTER_ESP,
  MSR_TSC,
} = constants

/** Family 6, model 3, stepping 3 (Pentium II class i686). */
export const CPUID_SIGNATURE = 0x0633

/** CPUID leaf 1 EDX feature bits that this CPU implements (FPU and FXSR are added when the x87 module is attached). */
export const CPUID_FEATURES_EDX =
  (1 << 1) | // VME (with PVI)
  (1 << 3) | // PSE
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 11) | // SEP
  (1 << 13) | // PGE
  (1 << 15) | // CMOV
  (1 << 16) | // PAT
  (1 << 17) // PSE-36 (4 MB pages above 4 GB)

/** CPUID leaf 1 ECX bit 30: RDRAND, reported while the CPU has a random source (CpuOptions.readRandom). */
export const CPUID_RDRAND_ECX = 1 << 30

/** The highest extended CPUID leaf (CPUID 0x8000_0000 EAX). */
export const CPUID_MAX_EXTENDED_LEAF = 0x80000001 | 0

/** CPUID 0x8000_0001 EDX: execute-disable (bit 20, NX; EFER.NXE and PAE XD pages). */
export const CPUID_EXT_FEATURES_EDX = 1 << 20

/** MSR IA32_APIC_BASE bit 11: the local APIC is globally enabled. */
const APIC_GLOBAL_ENABLE = 1 << 11

/**
 * Leaf 1 EDX: the implemented features, FPU/FXSR with the x87 module, and APIC while a local APIC is the CPU's
 * interrupt controller and IA32_APIC_BASE has not disabled it (Intel SDM vol. 3A §11.4.3).
 */
function featuresEdx(c: Cpu): number {
  const apic = c.interrupts.localApic === true && (c.apicBase & APIC_GLOBAL_ENABLE) !== 0
  return CPUID_FEATURES_EDX | (c.fpu !== null ? 1 | (1 << 24) : 0) | (apic ? 1 << 9 : 0)
}

/**
 * Leaf 0x15's core crystal clock: the local APIC timer's 100 MHz bus clock, which Linux then also takes as its APIC
 * timer rate (it assumes the crystal feeds the APIC) instead of calibrating that.
 */
export const CPUID_CRYSTAL_HZ = 100_000_000
/** The bus (reference) frequency of leaf 0x16, MHz. */
const BUS_MHZ = CPUID_CRYSTAL_HZ / 1_000_000

/**
 * The highest basic leaf: 0x16 when the TSC has a known rate (`CpuOptions.tscHz`), so that an OS reads the TSC and
 * crystal frequencies from leaves 0x15/0x16 (Intel SDM vol. 2A CPUID, "Time Stamp Counter and Nominal Core Crystal
 * Clock Information Leaf") instead of calibrating the TSC against the PIT with timed busy loops; 1 for a
 * free-running TSC, whose frequency is not defined. Leaves 2 to 0x14 are then all zeros: no cache descriptors (leaf
 * 2's iteration count 0), no deterministic cache parameters, no thermal, performance-monitoring, topology or
 * extended features.
 */
function maxBasicLeaf(c: Cpu): number {
  return c.tscHz !== 0 ? 0x16 : 1
}

/** CPUID. */
export function cpuid(c: Cpu): void {
  const r = c.regs
  const maxBasic = maxBasicLeaf(c)
  let leaf = r[0]! >>> 0
  // Basic leaves above the maximum return the highest basic leaf's data on Intel; unknown extended leaves zeros.
  if (leaf > maxBasic && leaf < 0x80000000) leaf = maxBasic
  if (leaf === 0) {
    r[0] = maxBasic
    r[3] = 0x756e6547 // "Genu"
    r[2] = 0x49656e69 // "ineI"
    r[1] = 0x6c65746e // "ntel"
    return
  }
  if (leaf === 1) {
    r[0] = CPUID_SIGNATURE
    r[3] = 0
    r[1] = c.readRandom !== null ? CPUID_RDRAND_ECX : 0
    r[2] = featuresEdx(c)
    return
  }
  // Leaves 2-0x14, 0x8000_0000 and above: zeros unless set below. Extended leaves: 0x8000_0001 only, for the NX
  // bit (Intel leaves its EAX/EBX/ECX and the rest of EDX zero on a CPU without long mode or SYSCALL).
  r[0] = 0
  r[1] = 0
  r[2] = 0
  r[3] = 0
  const tscMhz = Math.round(c.tscHz / 1_000_000)
  if (leaf === 0x15) {
    // TSC = crystal × EBX / EAX: (tscHz / 1 MHz) / (crystal / 1 MHz).
    r[0] = BUS_MHZ // EAX: ratio denominator
    r[3] = tscMhz // EBX: ratio numerator
    r[1] = CPUID_CRYSTAL_HZ // ECX: crystal Hz
    return
  }
  if (leaf === 0x16) {
    r[0] = tscMhz // EAX: base
    r[3] = tscMhz // EBX: maximum
    r[1] = BUS_MHZ // ECX: bus
    return
  }
  if (leaf === 0x80000000) {
    r[0] = CPUID_MAX_EXTENDED_LEAF
    return
  }
  if (leaf === 0x80000001) {
    r[2] = CPUID_EXT_FEATURES_EDX
  }
}

export function moveFromCr(c: Cpu, n: number): number {
  switch (n) {
    case 0:
      return c.cr0
    case 2:
      return c.cr2
    case 3:
      return c.cr3
    case 4:
      return c.cr4
    default:
      return c.ud()
  }
}

export function moveToCr(c: Cpu, n: number, v: number): void {
  switch (n) {
    case 0: {
      if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) c.gp(0)
      if ((v & 0x40000000) === 0 && (v & 0x20000000) !== 0) c.gp(0) // NW without CD
      const old = c.cr0
      const next = (v & 0xe005003f) | CR0_ET
      // Turning on PAE paging, or changing PG/CD/NW under it, reloads the PDPTEs (#GP leaves CR0 unchanged).
      if ((next & CR0_PG) !== 0 && (c.cr4 & CR4_PAE) !== 0 && ((old ^ next) & (CR0_PG | CR0_CD | CR0_NW)) !== 0) {
        loadPdptes(c, c.cr3)
      }
      c.cr0 = next
      if (((old ^ c.cr0) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) c.flushTlb(true)
      if (((old ^ c.cr0) & CR0_PE) !== 0) {
        c.updateMode()
        c.deriveAllSegs()
      }
      return
    }
    case 2:
      c.cr2 = v
      return
    case 3:
      loadCr3(c, v)
      return
    case 4: {
      if ((v & ~(CR4_SUPPORTED | CR4_VME | CR4_PVI)) !== 0) c.gp(0)
      if ((v & CR4_OSFXSR) !== 0 && c.fpu === null) c.gp(0)
      const old = c.cr4
      if ((c.cr0 & CR0_PG) !== 0 && (v & CR4_PAE) !== 0 && ((old ^ v) & (CR4_PAE | CR4_PGE | CR4_PSE)) !== 0) {
        loadPdptes(c, c.cr3)
      }
      c.cr4 = v
      if (((old ^ v) & (CR4_PGE | CR4_PSE | CR4_PAE)) !== 0) c.flushTlb(true)
      // CR4.DE turns DR7 R/W = 10 into I/O breakpoints.
      if (((old ^ v) & CR4_DE) !== 0) c.updateDebugWatch()
      return
    }
    default:
      c.ud()
  }
}

/**
 * Loads CR3 (MOV CR3, task switches): with PAE paging on, the PDPTEs are loaded first (#GP(0) on a reserved
 * bit, CR3 unchanged). Non-global TLB entries are flushed. All 32 bits are kept, as QEMU and hardware read
 * them back; the walks use bits 31:12 (32-bit paging) or 31:5 (PAE).
 */
export function loadCr3(c: Cpu, v: number): void {
  if ((c.cr0 & CR0_PG) !== 0 && (c.cr4 & CR4_PAE) !== 0) loadPdptes(c, v)
  c.cr3 = v
  c.flushTlb(false)
}

/**
 * The checks of MOV to and from DRn after the CPL check (SDM vol. 2B "MOV—Move to/from Debug Registers"): DR4 and
 * DR5 with CR4.DE are #UD; then, with DR7.GD set, #DB (a fault, before the access) with DR6.BD set and B0–B3
 * cleared, as Bochs does (SDM vol. 3B 17.2.4). The #DB delivery clears GD (interrupts.ts) so the handler can use
 * the debug registers.
 */
function checkDebugRegisterAccess(c: Cpu, n: number): void {
  if ((n === 4 || n === 5) && (c.cr4 & CR4_DE) !== 0) c.ud()
  if ((c.dr[7]! & DR7_GD) !== 0) {
    c.dr[6] = (c.dr[6]! & ~0xf) | DR6_BD
    c.fault(DB, -1)
  }
}

/** MOV r32, DRn (CPL checked by the caller). */
export function moveFromDr(c: Cpu, n: number): number {
  checkDebugRegisterAccess(c, n)
  if (n === 4) n = 6
  if (n === 5) n = 7
  return c.dr[n]!
}

/** MOV DRn, r32 (CPL checked by the caller). */
export function moveToDr(c: Cpu, n: number, v: number): void {
  checkDebugRegisterAccess(c, n)
  if (n === 4) n = 6
  if (n === 5) n = 7
  if (n === 6) v = (v & 0xe00f) | 0xffff0ff0
  else if (n === 7) v = (v & 0xffff2bff) | 0x400
  c.dr[n] = v
  if (n <= 3 || n === 7) c.updateDebugWatch()
}

/**
 * RDPMC (SDM vol. 2B "RDPMC"; P6 family: counters 0 and 1, 40 bits): EDX:EAX ← PMC[ECX], bits 39:0. Allowed
 * at CPL 0, in real mode, or with CR4.PCE set; otherwise, or for a counter that does not exist, #GP(0). Linux's
 * perf driver reads the counters this way once the P6 PMU is detected (e.g. when events stop at poweroff).
 */
export function readPerformanceCounter(c: Cpu): void {
  const r = c.regs
  const index = r[1]! >>> 0
  if (index > 1 || ((c.cr4 & CR4_PCE) === 0 && c.cpl !== 0 && c.protectedMode)) c.gp(0)
  const v = c.perfCtr[index]!
  r[0] = (v % 4294967296) | 0
  r[2] = Math.floor(v / 4294967296) & 0xff
}

/** RDMSR into EDX:EAX; unknown MSRs raise #GP(0). */
export function readMsr(c: Cpu, msr: number): void {
  const r = c.regs
  let lo = 0
  let hi = 0
  switch (msr) {
    case MSR_TSC: {
      const t = c.tsc()
      lo = (t % 4294967296) | 0
      hi = Math.floor(t / 4294967296) | 0
      break
    }
    case MSR_APIC_BASE:
      lo = c.apicBase
      break
    case MSR_MTRRCAP:
      lo = 0 // no variable or fixed ranges, no write-combining
      break
    case MSR_SYSENTER_CS:
      lo = c.sysenterCs
      break
    case MSR_SYSENTER_ESP:
      lo = c.sysenterEsp
      break
    case MSR_SYSENTER_EIP:
      lo = c.sysenterEip
      break
    case MSR_PAT:
      lo = c.patLo
      hi = c.patHi
      break
    case MSR_MTRR_DEF_TYPE:
      lo = c.mtrrDefType
      break
    case MSR_EFER:
      lo = c.efer
      break
    case MSR_BIOS_SIGN_ID:
      break // no microcode update was ever loaded: revision 0

    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
      lo = c.perfEvtSel[msr - MSR_PERFEVTSEL0]!
      break
    case MSR_PERFCTR0:
    case MSR_PERFCTR1: {
      const v = c.perfCtr[msr - MSR_PERFCTR0]!
      lo = (v % 4294967296) | 0
      hi = Math.floor(v / 4294967296)
      break
    }
    default:
      c.gp(0)
  }
  r[0] = lo
  r[2] = hi
}

/** WRMSR from EDX:EAX; unknown MSRs and reserved bits raise #GP(0). */
export function writeMsr(c: Cpu, msr: number, lo: number, hi: number): void {
  switch (msr) {
    case MSR_TSC:
      c.tscOffset = (lo >>> 0) + (hi >>> 0) * 4294967296 - (c.tsc() - c.tscOffset)
      return
    case MSR_APIC_BASE:
      if (hi !== 0 || (lo & 0x6ff) !== 0) c.gp(0)
      c.apicBase = (lo & ~0x6ff) | 0x100
      return
    case MSR_SYSENTER_CS:
      c.sysenterCs = lo & 0xffff
      return
    case MSR_SYSENTER_ESP:
      c.sysenterEsp = lo
      return
    case MSR_SYSENTER_EIP:
      c.sysenterEip = lo
      return
    case MSR_PAT:
      for (let i = 0; i < 4; i++) {
        const a = (lo >>> (i * 8)) & 0xff
        const b = (hi >>> (i * 8)) & 0xff
        for (const t of [a, b]) if (t === 2 || t === 3 || t > 7) c.gp(0)
      }
      c.patLo = lo
      c.patHi = hi
      return
    case MSR_MTRR_DEF_TYPE:
      if (hi !== 0 || (lo & ~0xcff) !== 0) c.gp(0)
      c.mtrrDefType = lo
      return
    case MSR_BIOS_SIGN_ID:
      // Software writes 0 before CPUID(1) so that the processor loads the signature; ours stays 0.
      return
    case MSR_EFER:
      // Only NXE exists here (no LME/SCE: no long mode, no SYSCALL); other bits are reserved.
      if (hi !== 0 || (lo & ~EFER_NXE) !== 0) c.gp(0)
      // TLB entries remember execute-disable decisions made under the old NXE.
      if (((c.efer ^ lo) & EFER_NXE) !== 0) c.flushTlb(true)
      c.efer = lo
      return
    // P6 performance monitoring (SDM vol. 3B 19.6.1 "P6 family"; event selects 32 bits, counters 40 bits of which
    // WRMSR sets the low 32 and sign-extends bit 31). The MSRs keep what software writes; no event is counted
    // (QEMU's TCG does not count P6 events either), so enabled counters hold their value and never overflow.
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
      if (hi !== 0) c.gp(0)
      c.perfEvtSel[msr - MSR_PERFEVTSEL0] = lo
      return
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
      c.perfCtr[msr - MSR_PERFCTR0] = (lo >>> 0) + (lo < 0 ? 0xff * 4294967296 : 0)
      return
    default:
      c.gp(0)
  }
}
