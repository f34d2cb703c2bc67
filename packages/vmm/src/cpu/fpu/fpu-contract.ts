// The contract between the integer CPU and the x87 FPU module (Intel SDM vol. 1 ch. 8; vol. 2 for D8–DF and
// 0F AE /0 /1). The CPU decodes prefixes, ModRM and the effective address; the FPU does everything else.

/**
 * Memory and CPU services the FPU needs. Every access goes through segmentation and paging and may throw a
 * guest fault (the CPU's own fault object): the FPU must let it propagate and must not catch it, so that the
 * instruction restarts cleanly. Values are unsigned and fit the access size.
 */
export interface FpuHost {
  read8(linear: number): number
  read16(linear: number): number
  read32(linear: number): number
  write8(linear: number, v: number): void
  write16(linear: number, v: number): void
  write32(linear: number, v: number): void
  /** CR0.NE=1: raises #MF (vector 16) now (throws the CPU's fault). CR0.NE=0: asserts FERR# → IRQ13. */
  raiseFloatingPointError(): void
  /** 32-bit operand size of the current instruction (FSAVE/FSTENV/FLDENV/FRSTOR layouts: 16- or 32-bit). */
  readonly is32BitOperand: boolean
  /** CR0.PE=1 and not V86 (FSTENV stores selector:offset in protected mode, a 20-bit address in real mode). */
  readonly isProtectedMode: boolean
}

/** Architectural x87 state for the single-step API and saved state. */
export interface FpuArchState {
  controlWord: number
  statusWord: number
  /** The full 16-bit tag word (2 bits per physical register: 0 valid, 1 zero, 2 special, 3 empty). */
  tagWord: number
  /** Physical registers R0–R7 (not ST(i)) as 10-byte little-endian 80-bit extended values. */
  registers: Uint8Array[]
  /** Last instruction pointer / data pointer (offset) and the last opcode (11 bits). */
  instructionPointer: number
  dataPointer: number
  lastOpcode: number
}

/** The x87 FPU. One instance per CPU. */
export interface Fpu {
  /**
   * Executes one x87 instruction. `opcode` is the D8..DF byte and `modrm` the ModRM byte; `linear` is the
   * effective linear address of the memory operand (already segmented) when mod != 3, else 0. The instruction
   * and data pointers are passed so FSTENV/FSAVE can store them. The CPU has already checked CR0.EM/TS (#NM).
   */
  execute(
    opcode: number,
    modrm: number,
    linear: number,
    host: FpuHost,
    instructionPointer: number,
    dataPointer: number,
  ): void
  /** WAIT/FWAIT (and the implicit check of waiting instructions): raises pending unmasked exceptions via host. */
  wait(host: FpuHost): void
  /** FNINIT state (also used on CPU reset). */
  reset(): void
  /** FXSAVE (0F AE /0): stores the 512-byte image at `linear` (16-byte alignment already checked). */
  fxsave(host: FpuHost, linear: number): void
  /** FXRSTOR (0F AE /1): loads the 512-byte image at `linear`. */
  fxrstor(host: FpuHost, linear: number): void
  /** Reads the architectural state (a copy). */
  getState(): FpuArchState
  /** Replaces the architectural state. */
  setState(state: FpuArchState): void
  /** Saved-state bytes of the FPU unit (versioned by the FPU module itself). */
  saveState(): Uint8Array
  loadState(bytes: Uint8Array): void
}
