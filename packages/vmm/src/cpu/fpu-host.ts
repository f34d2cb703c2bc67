// The FpuHost the CPU gives the x87 module: linear memory access at the current privilege, the #MF / FERR#
// error path (CR0.NE), and the operand-size and mode facts for FSAVE/FSTENV layouts; and the segment checks of
// x87 memory operands over their full size (Intel SDM vol. 3A §5.3, §5.4).
import * as constants from './constants'
import type { Cpu } from './cpu'
import type { Fpu, FpuHost } from './fpu/fpu-contract'
import { X87Fpu } from './fpu/x87-fpu'
import type { X87CpuAccess } from './fpu/x87-host'
import { OPERAND_WRITE, X87_KINDS, x87OperandAccess } from './fpu/x87-kinds'
import type { X87State } from './fpu/x87-state'
// Bound here so that V8 folds them (packages/vmm/README.md, "Constants in hot code").
const { AF, CF, CR0_NE, CS, MF, OF, PF, SF, ZF } = constants

/** Adapter from the CPU to `FpuHost` (plus the x87 module's X87CpuAccess); one instance per CPU. */
export class CpuFpuHost implements FpuHost, X87CpuAccess {
  /** Selector of the memory operand's segment of the current x87 instruction (FDS). */
  dataSelector = 0

  /** Called for an unmasked x87 error while CR0.NE = 0 (the platform raises IRQ13 through FERR#). */
  onFerr: (() => void) | null = null

  /** The FPU {@link bindFpu} last looked at. */
  boundFpu: Fpu | null = null
  /** Register file and pre-decoded kinds of `boundFpu` when it is the built-in X87Fpu, else null. */
  x87State: X87State | null = null
  x87Kinds: Uint8Array | null = null
  /** `x87State` when the built-in X87Fpu also has its fast paths on (compiled x87 code calls them), else null. */
  fastState: X87State | null = null

  private readonly cpu: Cpu

  constructor(cpu: Cpu) {
    this.cpu = cpu
  }

  /**
   * Looks at the CPU's FPU once per FPU object (an `instanceof` on every x87 instruction costs more than the
   * instruction): when it is the built-in X87Fpu, its register file and pre-decoded kinds, whose fast paths the
   * CPU calls directly, are kept in `x87State` and `x87Kinds`.
   */
  bindFpu(fpu: Fpu): void {
    this.boundFpu = fpu
    const x87 = fpu instanceof X87Fpu ? fpu : null
    this.x87State = x87 === null ? null : x87.state
    this.x87Kinds = x87 === null ? null : x87.kinds
    this.fastState = x87 !== null && x87.kinds === X87_KINDS ? x87.state : null
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

/**
 * Linear address of the memory operand at `off` in segment `seg` of x87 instruction `opcode` (D8–DF) with
 * ModRM `modrm` (mod ≠ 3), for the current operand size: the whole operand must lie within the segment and the
 * segment must allow the access (#GP/#SS otherwise). An undefined memory form raises #UD.
 */
export function fpuOperandLinear(c: Cpu, seg: number, off: number, opcode: number, modrm: number): number {
  const access = x87OperandAccess(opcode, modrm, c.opSize32)
  if (access === 0) c.ud()
  if ((access & OPERAND_WRITE) !== 0) return c.segWrite(seg, off, access & 0xfff)
  return c.segRead(seg, off, access)
}
