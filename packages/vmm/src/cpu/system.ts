// Control and debug registers, CPUID and model-specific registers (Intel SDM vol. 3A 2.5, 17.2; vol. 2 CPUID,
// RDMSR/WRMSR; vol. 3B 11.11 MTRRs, 11.12 PAT). CPUID reports only features that are implemented.
import {
  CR0_ET,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_DE,
  CR4_PGE,
  CR4_PSE,
  CR4_PVI,
  CR4_SUPPORTED,
  CR4_VME,
  CR4_OSFXSR,
  MSR_APIC_BASE,
  MSR_MTRRCAP,
  MSR_MTRR_DEF_TYPE,
  MSR_PAT,
  MSR_SYSENTER_CS,
  MSR_SYSENTER_EIP,
  MSR_SYSENTER_ESP,
  MSR_TSC,
} from './constants'
import type { Cpu } from './cpu'

/** Family 6, model 3, stepping 3 (Pentium II class i686). */
export const CPUID_SIGNATURE = 0x0633

/** CPUID leaf 1 EDX feature bits that this CPU implements (FPU and FXSR are added when the x87 module is attached). */
export const CPUID_FEATURES_EDX =
  (1 << 1) | // VME (with PVI)
  (1 << 3) | // PSE
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 8) | // CX8
  (1 << 11) | // SEP
  (1 << 13) | // PGE
  (1 << 15) | // CMOV
  (1 << 16) // PAT

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

/** CPUID. */
export function cpuid(c: Cpu): void {
  const r = c.regs
  const leaf = r[0]! >>> 0
  if (leaf === 0) {
    r[0] = 1
    r[3] = 0x756e6547 // "Genu"
    r[2] = 0x49656e69 // "ineI"
    r[1] = 0x6c65746e // "ntel"
    return
  }
  if (leaf === 1) {
    r[0] = CPUID_SIGNATURE
    r[3] = 0
    r[1] = 0
    r[2] = featuresEdx(c)
    return
  }
  // Leaves above the maximum return the highest basic leaf's data on Intel; we return zeros for unknown
  // extended leaves (0x8000_0000 reports no extended leaves).
  r[0] = 0
  r[1] = 0
  r[2] = 0
  r[3] = 0
  if (leaf > 1 && leaf < 0x80000000) {
    r[0] = CPUID_SIGNATURE
    r[2] = featuresEdx(c)
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
      c.cr0 = (v & 0xe005003f) | CR0_ET
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
      c.cr3 = v & ~0xfe7
      c.flushTlb(false)
      return
    case 4: {
      if ((v & ~(CR4_SUPPORTED | CR4_VME | CR4_PVI)) !== 0) c.gp(0)
      if ((v & CR4_OSFXSR) !== 0 && c.fpu === null) c.gp(0)
      const old = c.cr4
      c.cr4 = v
      if (((old ^ v) & (CR4_PGE | CR4_PSE)) !== 0) c.flushTlb(true)
      // CR4.DE turns DR7 R/W = 10 into I/O breakpoints.
      if (((old ^ v) & CR4_DE) !== 0) c.updateDebugWatch()
      return
    }
    default:
      c.ud()
  }
}

export function moveFromDr(c: Cpu, n: number): number {
  if ((n === 4 || n === 5) && (c.cr4 & CR4_DE) !== 0) c.ud()
  if (n === 4) n = 6
  if (n === 5) n = 7
  return c.dr[n]!
}

export function moveToDr(c: Cpu, n: number, v: number): void {
  if ((n === 4 || n === 5) && (c.cr4 & CR4_DE) !== 0) c.ud()
  if (n === 4) n = 6
  if (n === 5) n = 7
  if (n === 6) v = (v & 0xe00f) | 0xffff0ff0
  else if (n === 7) v = (v & 0xffff2bff) | 0x400
  c.dr[n] = v
  if (n <= 3 || n === 7) c.updateDebugWatch()
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
    default:
      c.gp(0)
  }
}
