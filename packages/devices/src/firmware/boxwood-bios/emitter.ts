// A minimal machine-code emitter for the BIOS ROM: raw bytes, labels and 8-bit relative jumps with fixups.
// The ROM's real-mode code is a few dozen instructions, emitted from TypeScript at run time (Intel SDM vol. 2
// opcode encodings), so no binary is committed.

/** Emits 16-bit real-mode code at a given ROM offset. */
export class Emitter {
  readonly bytes: number[] = []
  private readonly labels = new Map<string, number>()
  private readonly fixups: { at: number; label: string }[] = []

  /** Offset of the first byte within the 64 KB ROM segment. */
  readonly origin: number
  constructor(origin: number) {
    this.origin = origin
  }

  /** Current offset within the ROM segment. */
  get here(): number {
    return this.origin + this.bytes.length
  }

  emit(...values: number[]): this {
    for (const v of values) this.bytes.push(v & 0xff)
    return this
  }

  word(value: number): this {
    return this.emit(value & 0xff, (value >> 8) & 0xff)
  }

  label(name: string): this {
    this.labels.set(name, this.here)
    return this
  }

  /** A short jump or Jcc (`opcode` rel8) to `label`. */
  jump8(opcode: number, label: string): this {
    this.emit(opcode, 0)
    this.fixups.push({ at: this.bytes.length - 1, label })
    return this
  }

  /** Resolves the jumps and returns the code. */
  finish(): Uint8Array {
    for (const { at, label } of this.fixups) {
      const target = this.labels.get(label)
      if (target === undefined) throw new Error(`emitter: unknown label ${label}`)
      const rel = target - (this.origin + at + 1)
      if (rel < -128 || rel > 127) throw new Error(`emitter: jump to ${label} out of range (${rel})`)
      this.bytes[at] = rel & 0xff
    }
    return Uint8Array.from(this.bytes)
  }

  /** The offset of a label. */
  offsetOf(name: string): number {
    const v = this.labels.get(name)
    if (v === undefined) throw new Error(`emitter: unknown label ${name}`)
    return v
  }
}
