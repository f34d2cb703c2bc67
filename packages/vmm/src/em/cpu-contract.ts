// What the execution loop needs from the CPU (CPUM/IEM as EM sees it), and the narrow register hook that
// firmware calls use. The CPU engineer's `Cpu` class (packages/vmm/src/cpu/) implements these.
import type { FirmwareRegisters } from '../device-api/device'

/** Why `run` returned (the CPU engineer's `Cpu` in cpu/cpu.ts uses exactly these). */
export type ExecutionExitReason =
  /** The instruction budget was used up. */
  | 'budget'
  /** HLT executed and no interrupt is deliverable: the CPU waits for an interrupt (or NMI). */
  | 'halted'
  /** A triple fault (shutdown): the machine resets. */
  | 'triple-fault'
  /** `requestStop()` was called (a device asked for a reset/power-off, or the host for a pause). */
  | 'stopped'

/** Result of one `run` call. */
export interface CpuRunResult {
  readonly reason: ExecutionExitReason
  /** Instructions retired by this call. */
  readonly retired: number
}

/** The CPU as the execution loop drives it. */
export interface ExecutionCpu {
  /** Architectural reset (power-on/INIT state). */
  reset(): void
  /**
   * Runs at most `maxInstructions` instructions, delivering interrupts at instruction boundaries. A halted CPU
   * with no deliverable interrupt returns 'halted' at once; a halted CPU with one wakes up and runs.
   */
  run(maxInstructions: number): CpuRunResult
  /** Total instructions retired since power-on, updated as instructions retire (drives the deterministic clock). */
  readonly instructionsRetired: number
  saveState(): Uint8Array
  loadState(bytes: Uint8Array): void
  /** Makes `run` return 'stopped' at the next instruction boundary (callable from I/O handlers). */
  requestStop(): void
}

/**
 * The hook firmware calls need (devices never hold the CPU): read the register file into a snapshot, and
 * write a snapshot back. Called synchronously from inside the trapping OUT instruction's port write, after
 * the CPU has computed the next EIP; the CPU must leave its register file coherent during port I/O.
 * Segment registers written back load as MOV Sreg does in the current mode.
 */
export interface FirmwareRegisterAccess {
  readFirmwareRegisters(into: FirmwareRegisters): void
  writeFirmwareRegisters(from: Readonly<FirmwareRegisters>): void
}

/** True when `cpu` implements {@link FirmwareRegisterAccess}. */
export function hasFirmwareRegisterAccess(cpu: unknown): cpu is FirmwareRegisterAccess {
  const c = cpu as Partial<FirmwareRegisterAccess> | null
  return typeof c?.readFirmwareRegisters === 'function' && typeof c.writeFirmwareRegisters === 'function'
}
