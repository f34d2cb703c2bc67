// A tiny CPU double for execution-loop tests (never used in src): runs a scripted program of high-level ops,
// takes interrupts when IF is set, and implements the ExecutionCpu and FirmwareRegisterAccess contracts.
import type { CpuWiring, ExecutionCpu, FirmwareRegisterAccess, CpuRunResult } from '../../src/index'
import type { FirmwareRegisters } from '../../src/device-api/index'

export type Op =
  | { readonly op: 'nop' }
  | { readonly op: 'out'; readonly port: number; readonly value: number }
  | { readonly op: 'in'; readonly port: number }
  | { readonly op: 'hlt' }
  | { readonly op: 'jmp'; readonly to: number }
  | { readonly op: 'sti' }
  | { readonly op: 'cli' }
  | { readonly op: 'triple-fault' }

export class TestCpu implements ExecutionCpu, FirmwareRegisterAccess {
  instructionsRetired = 0
  pc = 0
  ifFlag = false
  halted = false
  acc = 0
  resets = 0
  readonly vectors: number[] = []
  readonly regs: FirmwareRegisters = {
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    esi: 0,
    edi: 0,
    ebp: 0,
    esp: 0,
    eip: 0,
    eflags: 2,
    cs: 0,
    ds: 0,
    es: 0,
    ss: 0,
    fs: 0,
    gs: 0,
  }
  private stop = false
  readonly wiring: CpuWiring
  readonly program: readonly Op[]
  /** Where an interrupt jumps to (the "handler" is the program from there on). */
  readonly handlerPc: number

  constructor(wiring: CpuWiring, program: readonly Op[], handlerPc = 0) {
    this.wiring = wiring
    this.program = program
    this.handlerPc = handlerPc
  }

  reset(): void {
    this.resets++
    // Unlike the i686 Cpu, this double restarts its instruction count: the loop must cope.
    this.instructionsRetired = 0
    this.pc = 0
    this.ifFlag = false
    this.halted = false
  }

  requestStop(): void {
    this.stop = true
  }

  run(max: number): CpuRunResult {
    const start = this.instructionsRetired
    this.stop = false
    while (this.instructionsRetired - start < max) {
      if (this.stop) {
        this.stop = false
        return { reason: 'stopped', retired: this.instructionsRetired - start }
      }
      if (this.ifFlag && this.wiring.interrupts.hasInterrupt()) {
        this.vectors.push(this.wiring.interrupts.acknowledge())
        this.halted = false
        this.pc = this.handlerPc
      }
      if (this.halted) return { reason: 'halted', retired: this.instructionsRetired - start }
      const op = this.program[this.pc] ?? { op: 'jmp', to: 0 }
      this.pc++
      this.instructionsRetired++
      switch (op.op) {
        case 'nop':
          break
        case 'out':
          this.wiring.io.ioWrite(op.port, op.value, 1)
          break
        case 'in':
          this.acc = this.wiring.io.ioRead(op.port, 1)
          break
        case 'hlt':
          this.halted = true
          break
        case 'jmp':
          this.pc = op.to
          break
        case 'sti':
          this.ifFlag = true
          break
        case 'cli':
          this.ifFlag = false
          break
        case 'triple-fault':
          return { reason: 'triple-fault', retired: this.instructionsRetired - start }
      }
    }
    return { reason: this.halted ? 'halted' : 'budget', retired: this.instructionsRetired - start }
  }

  saveState(): Uint8Array {
    const v = new DataView(new ArrayBuffer(16))
    v.setFloat64(0, this.instructionsRetired, true)
    v.setUint16(8, this.pc, true)
    v.setUint8(10, (this.ifFlag ? 1 : 0) | (this.halted ? 2 : 0))
    v.setUint8(11, this.acc)
    return new Uint8Array(v.buffer)
  }

  loadState(bytes: Uint8Array): void {
    if (bytes.length !== 16) throw new Error('bad test CPU state')
    const v = new DataView(bytes.buffer, bytes.byteOffset, 16)
    this.instructionsRetired = v.getFloat64(0, true)
    this.pc = v.getUint16(8, true)
    this.ifFlag = (v.getUint8(10) & 1) !== 0
    this.halted = (v.getUint8(10) & 2) !== 0
    this.acc = v.getUint8(11)
  }

  readFirmwareRegisters(into: FirmwareRegisters): void {
    Object.assign(into, this.regs)
  }

  writeFirmwareRegisters(from: Readonly<FirmwareRegisters>): void {
    Object.assign(this.regs, from)
  }
}
