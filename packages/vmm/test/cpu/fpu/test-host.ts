// A flat-memory FpuHost for the x87 tests: 64 KB of little-endian memory, EFLAGS/AX capture and counters for
// #MF, FERR# and #UD (which the real CPU raises by throwing its fault object).
import type { X87Host } from '../../../src/cpu/fpu/x87-host'

/** Thrown by the test host for #UD / #MF so tests can assert on them. */
export class TestFaultError extends Error {
  readonly vector: number
  constructor(vector: number) {
    super(`fault ${vector}`)
    this.vector = vector
  }
}

/** Test host: memory plus the CPU registers the FPU touches. */
export class TestHost implements X87Host {
  readonly memory = new Uint8Array(0x10000)
  readonly view = new DataView(this.memory.buffer)
  eflags = 0x2
  ax = 0
  is32BitOperand = true
  isProtectedMode = true
  /** CR0.NE: true → #MF is thrown; false → FERR# is counted. */
  numericError = true
  codeSelector = 0x08
  dataSelector = 0x10
  ferrCount = 0

  read8(linear: number): number {
    return this.view.getUint8(linear)
  }
  read16(linear: number): number {
    return this.view.getUint16(linear, true)
  }
  read32(linear: number): number {
    return this.view.getUint32(linear, true)
  }
  write8(linear: number, v: number): void {
    this.view.setUint8(linear, v)
  }
  write16(linear: number, v: number): void {
    this.view.setUint16(linear, v, true)
  }
  write32(linear: number, v: number): void {
    this.view.setUint32(linear, v >>> 0, true)
  }
  raiseFloatingPointError(): void {
    if (this.numericError) throw new TestFaultError(16)
    this.ferrCount++
  }
  setArithmeticFlags(zf: boolean, pf: boolean, cf: boolean): void {
    this.eflags = (this.eflags & ~0x8d5) | (zf ? 0x40 : 0) | (pf ? 0x4 : 0) | (cf ? 0x1 : 0)
  }
  setAx(value: number): void {
    this.ax = value & 0xffff
  }
  raiseInvalidOpcode(): void {
    throw new TestFaultError(6)
  }
}
