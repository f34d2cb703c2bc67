// The CPU services the x87 needs beyond FpuHost (fpu-contract.ts): EFLAGS for FCMOVcc and FCOMI/FUCOMI, AX for
// FNSTSW AX, and #UD for undefined encodings in the D8–DF space (Intel SDM vol. 2 FCMOVcc, FCOMI, FSTSW).
// Proposed as additions to FpuHost; until the contract has them, the CPU passes a host implementing both.
import type { FpuHost } from './fpu-contract'

/** CPU register access for the few x87 instructions that touch integer state. */
export interface X87CpuAccess {
  /** Current EFLAGS (FCMOVcc reads CF bit 0, PF bit 2, ZF bit 6). */
  readonly eflags: number
  /** FCOMI/FCOMIP/FUCOMI/FUCOMIP: sets ZF, PF, CF and clears OF, SF, AF. */
  setArithmeticFlags(zf: boolean, pf: boolean, cf: boolean): void
  /** FNSTSW AX: writes the low 16 bits of EAX. */
  setAx(value: number): void
  /** Raises #UD for an undefined x87 encoding (throws the CPU's fault). */
  raiseInvalidOpcode(): void
  /** CS selector of the current instruction (FCS in FSTENV/FSAVE/FXSAVE images). */
  readonly codeSelector: number
  /** Selector of the segment of the current memory operand (FDS); any value for register forms. */
  readonly dataSelector: number
}

/** What X87Fpu.execute needs from the CPU. */
export type X87Host = FpuHost & X87CpuAccess

/** EFLAGS bits the x87 reads. */
export const EFLAGS = { CF: 0x1, PF: 0x4, ZF: 0x40 } as const

/** Thrown when the CPU hands the FPU a host without the X87CpuAccess members (an embedding error). */
export class FpuHostError extends Error {
  readonly code = 'FPU_HOST_INCOMPLETE'
  constructor(missing: readonly string[]) {
    super(`the x87 host lacks ${missing.join(', ')} (see X87CpuAccess in cpu/fpu/x87-host.ts)`)
    this.name = 'FpuHostError'
  }
}

const REQUIRED_METHODS = ['setArithmeticFlags', 'setAx', 'raiseInvalidOpcode'] as const
const REQUIRED_VALUES = ['eflags', 'codeSelector', 'dataSelector'] as const

/** Checks that `host` implements X87CpuAccess; throws FpuHostError naming what is missing. */
export function assertX87Host(host: FpuHost): asserts host is X87Host {
  const record = host as unknown as Record<string, unknown>
  const missing: string[] = []
  for (const name of REQUIRED_METHODS) if (typeof record[name] !== 'function') missing.push(`${name}()`)
  for (const name of REQUIRED_VALUES) if (typeof record[name] !== 'number') missing.push(name)
  if (missing.length > 0) throw new FpuHostError(missing)
}
