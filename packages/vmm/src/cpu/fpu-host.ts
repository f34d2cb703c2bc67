// The FpuHost the CPU gives the x87 module: linear memory access at the current privilege, the #MF / FERR#
// error path (CR0.NE), and the operand-size and mode facts for FSAVE/FSTENV layouts.
import { CR0_NE, MF } from './constants'
import type { Cpu } from './cpu'
import type { FpuHost } from './fpu/fpu-contract'

/** Adapter from the CPU to `FpuHost`; one instance per CPU. */
export class CpuFpuHost implements FpuHost {
  /** Called for an unmasked x87 error while CR0.NE = 0 (the platform raises IRQ13 through FERR#). */
  onFerr: (() => void) | null = null

  private readonly cpu: Cpu

  constructor(cpu: Cpu) {
    this.cpu = cpu
  }

  read8(linear: number): number {
    return this.cpu.readLin8(linear)
  }
  read16(linear: number): number {
    return this.cpu.readLin16(linear)
  }
  read32(linear: number): number {
    return this.cpu.readLin32(linear) >>> 0
  }
  write8(linear: number, v: number): void {
    this.cpu.writeLin8(linear, v)
  }
  write16(linear: number, v: number): void {
    this.cpu.writeLin16(linear, v)
  }
  write32(linear: number, v: number): void {
    this.cpu.writeLin32(linear, v)
  }
  raiseFloatingPointError(): void {
    if ((this.cpu.cr0 & CR0_NE) !== 0) this.cpu.fault(MF, -1)
    this.onFerr?.()
  }
  get is32BitOperand(): boolean {
    return this.cpu.opSize32
  }
  get isProtectedMode(): boolean {
    return this.cpu.protectedMode && !this.cpu.v86
  }
}
