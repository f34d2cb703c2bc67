// FirmwareRegisterAccess for a CPU that offers the complete-state API (getState/setState of cpu/cpu-state.ts):
// firmware calls read a snapshot of the registers and write changes back, without devices holding the CPU.
import type { CpuState } from '../cpu/cpu-state'
import type { FirmwareRegisters } from '../device-api/device'
import type { FirmwareRegisterAccess } from './cpu-contract'

/** The part of the CPU's state API the adapter uses. */
export interface CpuStateApi {
  getState(): CpuState
  setState(state: CpuState): void
}

const GPRS = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp'] as const
const SEGS = ['cs', 'ds', 'es', 'ss', 'fs', 'gs'] as const
const CR0_PE = 1
const EFLAGS_VM = 1 << 17

/** True when `cpu` has getState/setState. */
export function hasCpuStateApi(cpu: unknown): cpu is CpuStateApi {
  const c = cpu as Partial<CpuStateApi> | null
  return typeof c?.getState === 'function' && typeof c.setState === 'function'
}

/**
 * Builds register access over getState/setState. A changed segment selector is loaded as in real or virtual-8086
 * mode (base = selector × 16, limit and attributes kept); in protected mode selector changes are not written back
 * (a firmware call from protected mode must not load descriptors behind the CPU's back) and `onIgnored` is told.
 */
export function firmwareAccessFromStateApi(
  cpu: CpuStateApi,
  onIgnored: (message: string) => void = () => {},
): FirmwareRegisterAccess {
  return {
    readFirmwareRegisters(into: FirmwareRegisters): void {
      const s = cpu.getState()
      for (const r of GPRS) into[r] = s[r] >>> 0
      into.eip = s.eip >>> 0
      into.eflags = s.eflags >>> 0
      for (const g of SEGS) into[g] = s[g].selector
    },
    writeFirmwareRegisters(from: Readonly<FirmwareRegisters>): void {
      const s = cpu.getState()
      for (const r of GPRS) s[r] = from[r] >>> 0
      s.eip = from.eip >>> 0
      s.eflags = from.eflags >>> 0
      const realAddressing = (s.cr0 & CR0_PE) === 0 || (s.eflags & EFLAGS_VM) !== 0
      for (const g of SEGS) {
        const selector = from[g] & 0xffff
        if (selector === s[g].selector) continue
        if (!realAddressing || g === 'cs') {
          // CS changes would need a far transfer; protected-mode loads need descriptors.
          onIgnored(`firmware call: ${g} change to ${selector.toString(16)} not written back`)
          continue
        }
        s[g] = { ...s[g], selector, base: selector << 4 }
      }
      cpu.setState(s)
    },
  }
}
