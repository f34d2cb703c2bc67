// The FpuHost the CPU gives the x87 module: linear memory access at the current privilege, the #MF / FERR#
// error path (CR0.NE), and the operand-size and mode facts for FSAVE/FSTENV layouts.
import { AF, CF, CR0_NE, CS, MF, OF, PF, SF, ZF } from './constants'
import type { Cpu } from './cpu'
import type { FpuHost } from './fpu/fpu-contract'
import type { X87CpuAccess } from './fpu/x87-host'

/** Adapter from the CPU to `FpuHost` (plus the x87 module's X87CpuAccess); one instance per CPU. */
export class CpuFpuHost implements FpuHost, X87CpuAccess {
  /** Selector of the memory operand's segment of the current x87 instruction (FDS). */
  dataSelector = 0

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
  get eflags(): number {
    return this.cpu.getEflags()
  }
  setArithmeticFlags(zf: boolean, pf: boolean, cf: boolean): void {
    const c = this.cpu
    c.materializeFlags()
    c.flags = (c.flags & ~(ZF | PF | CF | OF | SF | AF)) | (zf ? ZF : 0) | (pf ? PF : 0) | (cf ? CF : 0)
  }
  setAx(value: number): void {
    const r = this.cpu.regs
    r[0] = (r[0]! & ~0xffff) | (value & 0xffff)
  }
  raiseInvalidOpcode(): void {
    this.cpu.ud()
  }
  get codeSelector(): number {
    return this.cpu.segSel[CS]!
  }
  get isProtectedMode(): boolean {
    return this.cpu.protectedMode && !this.cpu.v86
  }
}
