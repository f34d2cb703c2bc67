// Saved-state bytes of the CPU unit: a versioned little-endian layout of every architectural field, followed by
// the length and bytes of the FPU module's own unit. Version 2 appends EFER, the PAE PDPTE registers and the P6
// performance-counter MSRs to version 1's fields; version 3 appends a word of events pending at the instruction
// boundary (bit 0: the VIF=VIP #GP armed by IRET or a task switch, `Cpu.virtualInterruptCheck`). Versions 1 and 2
// still load: what they lack starts at zero.
import type { Cpu } from './cpu'

/** Malformed CPU saved state. */
export class CpuStateError extends Error {
  readonly code = 'invalid-cpu-state'
  constructor(message: string) {
    super(message)
    this.name = 'CpuStateError'
  }
}

const MAGIC = 0x55504342 // "BCPU"
const VERSION = 3
/** Number of int32 fields in the fixed part, per version. */
const FIXED_WORDS_V1 = 69
const FIXED_WORDS_V2 = FIXED_WORDS_V1 + 1 + 8 + 2 + 4
const FIXED_WORDS = FIXED_WORDS_V2 + 1
const FIXED_WORDS_BY_VERSION = [0, FIXED_WORDS_V1, FIXED_WORDS_V2, FIXED_WORDS] as const
/** Version-3 pending-event bit: `Cpu.virtualInterruptCheck`. */
const PENDING_VIRTUAL_INTERRUPT_CHECK = 1

function fields(c: Cpu): number[] {
  const out: number[] = [...c.regs, c.eip, c.getEflags()]
  for (let i = 0; i < 8; i++) out.push(c.segSel[i]!, c.segBase[i]!, c.segLimit[i]!, c.segAttr[i]!)
  out.push(c.cpl, c.cr0, c.cr2, c.cr3, c.cr4, ...c.dr, c.gdtBase, c.gdtLimit, c.idtBase, c.idtLimit)
  const tsc = c.tsc()
  out.push(c.sysenterCs, c.sysenterEsp, c.sysenterEip, c.apicBase, c.patLo, c.patHi, c.mtrrDefType)
  out.push((tsc % 4294967296) | 0, Math.floor(tsc / 4294967296) | 0)
  out.push((c.halted ? 1 : 0) | (c.shadow ? 2 : 0) | (c.nmiBlocked ? 4 : 0))
  // Version 2.
  out.push(c.efer, ...c.pdpte, c.perfEvtSel[0]!, c.perfEvtSel[1]!)
  for (const v of c.perfCtr) out.push((v % 4294967296) | 0, Math.floor(v / 4294967296) | 0)
  // Version 3.
  out.push(c.virtualInterruptCheck ? PENDING_VIRTUAL_INTERRUPT_CHECK : 0)
  return out
}

/** Serializes the CPU unit. */
export function saveCpuState(c: Cpu): Uint8Array {
  const f = fields(c)
  const fpu = c.fpu?.saveState() ?? new Uint8Array(0)
  const bytes = new Uint8Array(16 + f.length * 4 + fpu.length)
  const v = new DataView(bytes.buffer)
  v.setUint32(0, MAGIC, true)
  v.setUint32(4, VERSION, true)
  v.setUint32(8, f.length, true)
  f.forEach((x, i) => v.setInt32(12 + i * 4, x, true))
  v.setUint32(12 + f.length * 4, fpu.length, true)
  bytes.set(fpu, 16 + f.length * 4)
  return bytes
}

/** Restores the CPU unit; throws CpuStateError for bytes that are not a version-1, -2 or -3 CPU unit. */
export function loadCpuState(c: Cpu, bytes: Uint8Array): void {
  if (bytes.length < 12) throw new CpuStateError('CPU state is truncated')
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (v.getUint32(0, true) !== MAGIC) throw new CpuStateError('not a CPU state unit')
  const version = v.getUint32(4, true)
  if (version < 1 || version > VERSION) throw new CpuStateError(`unsupported CPU state version ${version}`)
  const n = v.getUint32(8, true)
  if (n !== FIXED_WORDS_BY_VERSION[version] || bytes.length < 16 + n * 4) {
    throw new CpuStateError('CPU state has the wrong size')
  }
  const fpuLength = v.getUint32(12 + n * 4, true)
  if (bytes.length !== 16 + n * 4 + fpuLength) throw new CpuStateError('CPU state has the wrong size')
  let p = 12
  const next = () => {
    const x = v.getInt32(p, true)
    p += 4
    return x
  }
  const state = c.getState()
  const regNames = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const
  for (const r of regNames) state[r] = next() >>> 0
  state.eip = next() >>> 0
  state.eflags = next() >>> 0
  for (const s of ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'] as const) {
    state[s] = { selector: next() & 0xffff, base: next() >>> 0, limit: next() >>> 0, attributes: next() & 0xf0ff }
  }
  state.cpl = next() & 3
  state.cr0 = next() >>> 0
  state.cr2 = next() >>> 0
  state.cr3 = next() >>> 0
  state.cr4 = next() >>> 0
  state.dr = Array.from({ length: 8 }, () => next() >>> 0)
  state.gdtr = { base: next() >>> 0, limit: next() & 0xffff }
  state.idtr = { base: next() >>> 0, limit: next() & 0xffff }
  state.msr.sysenterCs = next() & 0xffff
  state.msr.sysenterEsp = next() >>> 0
  state.msr.sysenterEip = next() >>> 0
  state.msr.apicBase = next() >>> 0
  state.msr.pat = [next() >>> 0, next() >>> 0]
  state.msr.mtrrDefType = next() >>> 0
  const lo = next() >>> 0
  const hi = next() >>> 0
  state.msr.tsc = hi * 4294967296 + lo
  const misc = next()
  state.msr.efer = 0
  state.pdpte = [0, 0, 0, 0, 0, 0, 0, 0]
  state.msr.perfEvtSel = [0, 0]
  state.msr.perfCtr = [0, 0]
  if (version >= 2) {
    state.msr.efer = next() >>> 0
    state.pdpte = Array.from({ length: 8 }, () => next() >>> 0)
    state.msr.perfEvtSel = [next() >>> 0, next() >>> 0]
    for (let i = 0; i < 2; i++) {
      const ctrLo = next() >>> 0
      state.msr.perfCtr[i] = (next() & 0xff) * 4294967296 + ctrLo
    }
  }
  const pending = version >= 3 ? next() : 0
  state.halted = (misc & 1) !== 0
  state.fpu = null
  c.setState(state)
  c.shadow = (misc & 2) !== 0
  c.nmiBlocked = (misc & 4) !== 0
  // After setState, which may reset per-instruction state.
  c.virtualInterruptCheck = (pending & PENDING_VIRTUAL_INTERRUPT_CHECK) !== 0
  if (c.fpu !== null && fpuLength > 0) c.fpu.loadState(bytes.subarray(p + 4))
}
