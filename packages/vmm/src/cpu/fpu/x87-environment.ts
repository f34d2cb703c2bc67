// x87 environment and state images: FSTENV/FLDENV and FSAVE/FRSTOR in the 16/32-bit real/protected layouts,
// FXSAVE/FXRSTOR (x87 part), and the saved-state unit (Intel SDM vol. 1 §8.1.10 figures 8-9 to 8-12, §10.5.1
// table 10-2; vol. 2 FSTENV, FSAVE, FXSAVE).
import type { FpuHost } from './fpu-contract'
import { SW, type X87State } from './x87-state'

/** Thrown when saved-state bytes of the FPU unit are malformed. */
export class FpuStateError extends Error {
  readonly code = 'FPU_STATE'
  constructor(message: string) {
    super(message)
    this.name = 'FpuStateError'
  }
}

/** Size in bytes of the environment image for an operand size. */
export function environmentSize(is32: boolean): number {
  return is32 ? 28 : 14
}

/** FNSTENV (and the first part of FNSAVE): stores the environment at `linear`. */
export function storeEnvironment(s: X87State, host: FpuHost, linear: number): void {
  let ip = s.instructionPointer >>> 0
  let dp = s.dataPointer >>> 0
  const fop = s.lastOpcode & 0x7ff
  if (!host.isProtectedMode) {
    // Real and V86 mode: the images hold linear pointers, selector · 16 + offset (SDM vol. 1 figures 8-10, 8-12).
    // After FLDENV/FRSTOR in these modes the selectors are 0 and the offsets already linear.
    ip = ((s.codeSelector & 0xffff) * 16 + ip) >>> 0
    dp = ((s.dataSelector & 0xffff) * 16 + dp) >>> 0
  }
  if (host.is32BitOperand) {
    // Reserved upper halves read as ones, as on Intel processors.
    host.write32(linear, (0xffff0000 | s.controlWord) >>> 0)
    host.write32(linear + 4, (0xffff0000 | s.statusWord()) >>> 0)
    host.write32(linear + 8, (0xffff0000 | s.tagWord()) >>> 0)
    if (host.isProtectedMode) {
      host.write32(linear + 12, ip)
      host.write32(linear + 16, ((fop << 16) | (s.codeSelector & 0xffff)) >>> 0)
      host.write32(linear + 20, dp)
      host.write32(linear + 24, (0xffff0000 | (s.dataSelector & 0xffff)) >>> 0)
    } else {
      host.write32(linear + 12, (0xffff0000 | (ip & 0xffff)) >>> 0)
      host.write32(linear + 16, (((ip >>> 16) << 12) | fop) >>> 0)
      host.write32(linear + 20, (0xffff0000 | (dp & 0xffff)) >>> 0)
      host.write32(linear + 24, ((dp >>> 16) << 12) >>> 0)
    }
  } else {
    host.write16(linear, s.controlWord)
    host.write16(linear + 2, s.statusWord())
    host.write16(linear + 4, s.tagWord())
    if (host.isProtectedMode) {
      host.write16(linear + 6, ip & 0xffff)
      host.write16(linear + 8, s.codeSelector & 0xffff)
      host.write16(linear + 10, dp & 0xffff)
      host.write16(linear + 12, s.dataSelector & 0xffff)
    } else {
      host.write16(linear + 6, ip & 0xffff)
      host.write16(linear + 8, (((ip >>> 16) & 0xf) << 12) | fop)
      host.write16(linear + 10, dp & 0xffff)
      host.write16(linear + 12, ((dp >>> 16) & 0xf) << 12)
    }
  }
}

/** FLDENV (and the first part of FRSTOR): loads the environment from `linear`. Reads everything first. */
export function loadEnvironment(s: X87State, host: FpuHost, linear: number): void {
  let cw: number
  let sw: number
  let tw: number
  let ip: number
  let dp: number
  let fop = s.lastOpcode
  let cs = 0
  let ds = 0
  if (host.is32BitOperand) {
    cw = host.read16(linear)
    sw = host.read16(linear + 4)
    tw = host.read16(linear + 8)
    if (host.isProtectedMode) {
      ip = host.read32(linear + 12) >>> 0
      const w = host.read32(linear + 16) >>> 0
      cs = w & 0xffff
      fop = (w >>> 16) & 0x7ff
      dp = host.read32(linear + 20) >>> 0
      ds = host.read16(linear + 24)
    } else {
      const w = host.read32(linear + 16) >>> 0
      ip = ((host.read16(linear + 12) | ((w >>> 12) << 16)) & 0xffffffff) >>> 0
      fop = w & 0x7ff
      dp = ((host.read16(linear + 20) | ((host.read32(linear + 24) >>> 12) << 16)) & 0xffffffff) >>> 0
    }
  } else {
    cw = host.read16(linear)
    sw = host.read16(linear + 2)
    tw = host.read16(linear + 4)
    if (host.isProtectedMode) {
      ip = host.read16(linear + 6)
      cs = host.read16(linear + 8)
      dp = host.read16(linear + 10)
      ds = host.read16(linear + 12)
    } else {
      const w = host.read16(linear + 8)
      ip = host.read16(linear + 6) | ((w >>> 12) << 16)
      fop = w & 0x7ff
      dp = host.read16(linear + 10) | ((host.read16(linear + 12) >>> 12) << 16)
    }
  }
  s.controlWord = normaliseControlWord(cw)
  s.setStatusWord(sw)
  s.setTagWord(tw)
  s.instructionPointer = ip
  s.dataPointer = dp
  s.lastOpcode = fop
  s.codeSelector = cs
  s.dataSelector = ds
  s.updateErrorSummary()
}

/** Reserved control-word bits: 6 reads as one, 7 and 13–15 as zero (as the P6 family stores them). */
export function normaliseControlWord(value: number): number {
  return (value & 0x1f3f) | 0x40
}

/** Stores register `reg`'s exact 80-bit image at `linear`. */
export function storeRegister80(s: X87State, reg: number, host: FpuHost, linear: number): void {
  const at = s.loadExtended(reg)
  host.write32(linear, s.ext[at] as number)
  host.write32(linear + 4, s.ext[at + 1] as number)
  host.write16(linear + 8, s.ext[at + 2] as number)
}

/** FNSAVE: environment, ST(0)…ST(7), then FNINIT. */
export function saveAll(s: X87State, host: FpuHost, linear: number): void {
  storeEnvironment(s, host, linear)
  const base = linear + environmentSize(host.is32BitOperand)
  for (let i = 0; i < 8; i++) storeRegister80(s, s.phys(i), host, base + i * 10)
  s.reset()
}

/** FRSTOR: environment and ST(0)…ST(7). */
export function restoreAll(s: X87State, host: FpuHost, linear: number): void {
  loadEnvironment(s, host, linear)
  const base = linear + environmentSize(host.is32BitOperand)
  for (let i = 0; i < 8; i++) {
    const reg = s.phys(i)
    const a = base + i * 10
    const wasEmpty = s.empty[reg] as number
    s.setExtended(reg, host.read32(a) >>> 0, host.read32(a + 4) >>> 0, host.read16(a + 8))
    s.empty[reg] = wasEmpty
  }
}

/** FXSAVE, x87 part: bytes 0–23 and the register area 32–159 (MXCSR and XMM belong to the SSE unit). */
export function fxsaveX87(s: X87State, host: FpuHost, linear: number): void {
  host.write16(linear, s.controlWord)
  host.write16(linear + 2, s.statusWord())
  let abridged = 0
  for (let reg = 0; reg < 8; reg++) if (s.empty[reg] === 0) abridged |= 1 << reg
  host.write8(linear + 4, abridged)
  host.write8(linear + 5, 0)
  host.write16(linear + 6, s.lastOpcode & 0x7ff)
  host.write32(linear + 8, s.instructionPointer >>> 0)
  host.write16(linear + 12, s.codeSelector & 0xffff)
  host.write16(linear + 14, 0)
  host.write32(linear + 16, s.dataPointer >>> 0)
  host.write16(linear + 20, s.dataSelector & 0xffff)
  host.write16(linear + 22, 0)
  for (let i = 0; i < 8; i++) {
    const a = linear + 32 + i * 16
    storeRegister80(s, s.phys(i), host, a)
    host.write16(a + 10, 0)
    host.write32(a + 12, 0)
  }
}

/** FXRSTOR, x87 part. */
export function fxrstorX87(s: X87State, host: FpuHost, linear: number): void {
  const cw = host.read16(linear)
  const sw = host.read16(linear + 2)
  const abridged = host.read8(linear + 4)
  const fop = host.read16(linear + 6) & 0x7ff
  const ip = host.read32(linear + 8) >>> 0
  const cs = host.read16(linear + 12)
  const dp = host.read32(linear + 16) >>> 0
  const ds = host.read16(linear + 20)
  s.controlWord = normaliseControlWord(cw)
  s.setStatusWord(sw)
  s.instructionPointer = ip
  s.dataPointer = dp
  s.lastOpcode = fop
  s.codeSelector = cs
  s.dataSelector = ds
  for (let i = 0; i < 8; i++) {
    const reg = s.phys(i)
    const a = linear + 32 + i * 16
    s.setExtended(reg, host.read32(a) >>> 0, host.read32(a + 4) >>> 0, host.read16(a + 8))
  }
  for (let reg = 0; reg < 8; reg++) s.empty[reg] = (abridged >>> reg) & 1 ? 0 : 1
  s.updateErrorSummary()
}

const STATE_VERSION = 1
const STATE_BYTES = 1 + 2 * 3 + 4 * 2 + 2 * 3 + 8 * 10

/** Serialises the FPU state (version 1: control/status/tag words, pointers, R0–R7 as 80-bit images). */
export function serialise(s: X87State): Uint8Array {
  const out = new Uint8Array(STATE_BYTES)
  const view = new DataView(out.buffer)
  view.setUint8(0, STATE_VERSION)
  view.setUint16(1, s.controlWord, true)
  view.setUint16(3, s.statusWord(), true)
  let tags = 0
  for (let reg = 0; reg < 8; reg++) tags |= (s.empty[reg] === 1 ? 3 : 0) << (reg * 2)
  view.setUint16(5, tags, true)
  view.setUint32(7, s.instructionPointer >>> 0, true)
  view.setUint32(11, s.dataPointer >>> 0, true)
  view.setUint16(15, s.lastOpcode & 0x7ff, true)
  view.setUint16(17, s.codeSelector & 0xffff, true)
  view.setUint16(19, s.dataSelector & 0xffff, true)
  for (let reg = 0; reg < 8; reg++) {
    const at = s.loadExtended(reg)
    view.setUint32(21 + reg * 10, s.ext[at] as number, true)
    view.setUint32(25 + reg * 10, s.ext[at + 1] as number, true)
    view.setUint16(29 + reg * 10, s.ext[at + 2] as number, true)
  }
  return out
}

/** Restores state written by {@link serialise}; throws FpuStateError for bytes of another shape or version. */
export function deserialise(s: X87State, bytes: Uint8Array): void {
  if (bytes.length !== STATE_BYTES)
    throw new FpuStateError(`FPU state must be ${STATE_BYTES} bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint8(0)
  if (version !== STATE_VERSION) throw new FpuStateError(`unsupported FPU state version ${version}`)
  s.controlWord = view.getUint16(1, true)
  s.setStatusWord(view.getUint16(3, true))
  const tags = view.getUint16(5, true)
  s.instructionPointer = view.getUint32(7, true)
  s.dataPointer = view.getUint32(11, true)
  s.lastOpcode = view.getUint16(15, true) & 0x7ff
  s.codeSelector = view.getUint16(17, true)
  s.dataSelector = view.getUint16(19, true)
  for (let reg = 0; reg < 8; reg++) {
    s.setExtended(
      reg,
      view.getUint32(21 + reg * 10, true),
      view.getUint32(25 + reg * 10, true),
      view.getUint16(29 + reg * 10, true),
    )
  }
  s.setTagWord(tags)
  // The status word is restored verbatim (ES/B included), like the hardware image.
  s.statusFlags = view.getUint16(3, true) & ~SW.TOP
}
