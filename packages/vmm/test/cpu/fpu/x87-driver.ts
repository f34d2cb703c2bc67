// A small driver for the x87 unit tests: runs instructions by mnemonic-like helpers on an X87Fpu with a TestHost,
// encoding each as (opcode, ModRM, linear) the way the CPU hands them over (Intel SDM vol. 2 appendix A.5).
import { X87Fpu } from '../../../src/cpu/fpu/x87-fpu'
import { TestHost } from './test-host'

/** An FPU, its host, and helpers to run instructions and read values. */
export class Driver {
  readonly fpu = new X87Fpu()
  readonly host = new TestHost()
  ip = 0x1000

  /** Register form: opcode D8–DF and ModRM C0–FF. */
  reg(opcode: number, modrm: number): this {
    this.fpu.execute(opcode, modrm, 0, this.host, this.ip++, 0)
    return this
  }

  /** Memory form: opcode, ModRM reg field, linear address. */
  mem(opcode: number, regField: number, linear: number): this {
    this.fpu.execute(opcode, regField << 3, linear, this.host, this.ip++, linear)
    return this
  }

  /** FLD m64fp of a value written at `linear`. */
  loadDouble(x: number, linear = 0x100): this {
    this.host.view.setFloat64(linear, x, true)
    return this.mem(0xdd, 0, linear)
  }

  /** FSTP m64fp to `linear`, returning the stored value. */
  popDouble(linear = 0x200): number {
    this.mem(0xdd, 3, linear)
    return this.host.view.getFloat64(linear, true)
  }

  /** FST m64fp (no pop). */
  peekDouble(linear = 0x200): number {
    this.mem(0xdd, 2, linear)
    return this.host.view.getFloat64(linear, true)
  }

  /** FLD m80fp of raw bytes (significand as bigint, sign/exponent word). */
  loadExtended(significand: bigint, signExp: number, linear = 0x300): this {
    this.host.view.setBigUint64(linear, significand, true)
    this.host.view.setUint16(linear + 8, signExp, true)
    return this.mem(0xdb, 5, linear)
  }

  /** FSTP m80fp; returns [significand, signExp]. */
  popExtended(linear = 0x400): [bigint, number] {
    this.mem(0xdb, 7, linear)
    return [this.host.view.getBigUint64(linear, true), this.host.view.getUint16(linear + 8, true)]
  }

  /** FLDCW with the given control word. */
  controlWord(cw: number, linear = 0x500): this {
    this.host.view.setUint16(linear, cw, true)
    return this.mem(0xd9, 5, linear)
  }

  /** The status word (via FNSTSW AX). */
  status(): number {
    this.reg(0xdf, 0xe0)
    return this.host.ax
  }

  /** The exception flags of the status word. */
  flags(): number {
    return this.status() & 0x3f
  }

  /** C3..C0 as a 4-character string "c3c2c1c0". */
  conditions(): string {
    const sw = this.status()
    return [0x4000, 0x400, 0x200, 0x100].map((bit) => ((sw & bit) !== 0 ? '1' : '0')).join('')
  }
}
