// The VGA's host memory window (0xA0000..0xBFFFF): memory-map select, chain-4, odd/even and planar access
// with the four latches, write modes 0..3, set/reset, rotate, logical functions, bit mask and read modes 0/1
// (IBM VGA Technical Reference, "Graphics Controller Registers"; FreeVGA "VGA memory"), plus the banked
// 64 KB window of VBE modes. VRAM is plane-interleaved: plane p, offset o lives at byte o × 4 + p.
import { DISPI, DISPI_ENABLE, type VgaState } from './vga-state'

/** Bytes per plane the standard VGA addresses (4 × 64 KB = 256 KB). */
export const PLANE_SIZE = 0x1_0000

/** Dirty tracking of VRAM in 4 KB pages of byte addresses (plane-interleaved or linear, the same index). */
export class VramDirty {
  readonly pages: Uint8Array
  any = false
  /** Plane 2 (the character generator) was written. */
  plane2 = false
  constructor(vramBytes: number) {
    this.pages = new Uint8Array(Math.ceil(vramBytes / 4096))
  }
  mark(index: number): void {
    this.pages[index >>> 12] = 1
    this.any = true
  }
  /** True when any page overlapping [start, end) is dirty. */
  touched(start: number, end: number): boolean {
    for (let p = start >>> 12; p <= (end - 1) >>> 12 && p < this.pages.length; p++) if (this.pages[p]) return true
    return false
  }
  clear(): void {
    this.pages.fill(0)
    this.any = false
    this.plane2 = false
  }
}

/** Expands a 4-bit plane mask to a 32-bit byte mask (bit p → byte p all ones). */
function expandMask(m: number): number {
  return ((m & 1 ? 0xff : 0) | (m & 2 ? 0xff00 : 0) | (m & 4 ? 0xff0000 : 0) | (m & 8 ? 0xff000000 : 0)) >>> 0
}

/** Where a window offset lands: the plane-space offset or -1 when the memory map leaves it unmapped. */
function windowOffset(state: VgaState, offset: number): number {
  switch ((state.gc[6]! >> 2) & 3) {
    case 0:
      return offset // A0000..BFFFF
    case 1:
      return offset < 0x1_0000 ? offset : -1
    case 2:
      return offset >= 0x1_0000 && offset < 0x1_8000 ? offset - 0x1_0000 : -1
    default:
      return offset >= 0x1_8000 ? offset - 0x1_8000 : -1
  }
}

function vbeBanked(state: VgaState): boolean {
  return (state.dispi[DISPI.ENABLE]! & DISPI_ENABLE.ENABLED) !== 0
}

/** Reads one byte of the legacy window at `offset` (0..0x1FFFF from 0xA0000). */
export function readWindow(state: VgaState, vram: Uint8Array, offset: number): number {
  if (vbeBanked(state)) {
    if (offset >= 0x1_0000) return 0xff
    const index = state.dispi[DISPI.BANK]! * 0x1_0000 + offset
    return index < vram.length ? vram[index]! : 0xff
  }
  let a = windowOffset(state, offset)
  if (a < 0) return 0xff
  const seq4 = state.seq[4]!
  if (seq4 & 0x08) {
    // Chain-4: A0..A1 select the plane, the plane offset keeps the address with those bits cleared.
    return vram[((a & ~3 & 0xffff) << 2) | (a & 3)]!
  }
  if ((state.gc[5]! & 0x10) !== 0) {
    // Odd/even: A0 picks plane 0/1 (or 2/3 with read map select bit 1).
    const plane = (state.gc[4]! & 2) | (a & 1)
    return vram[((a & ~1 & 0xffff) << 2) | plane]!
  }
  a &= 0xffff
  const base = a << 2
  state.latch = (vram[base]! | (vram[base + 1]! << 8) | (vram[base + 2]! << 16) | (vram[base + 3]! << 24)) >>> 0
  if ((state.gc[5]! & 0x08) === 0) return (state.latch >>> ((state.gc[4]! & 3) * 8)) & 0xff
  // Read mode 1: colour compare over the planes selected by colour don't care.
  const care = state.gc[7]! & 0x0f
  const compare = state.gc[2]! & 0x0f
  let result = 0xff
  for (let p = 0; p < 4; p++) {
    if (!(care & (1 << p))) continue
    const plane = (state.latch >>> (p * 8)) & 0xff
    result &= compare & (1 << p) ? plane : ~plane & 0xff
  }
  return result
}

/** Writes one byte of the legacy window; `dirty` records the touched VRAM pages. */
export function writeWindow(state: VgaState, vram: Uint8Array, dirty: VramDirty, offset: number, value: number): void {
  value &= 0xff
  if (vbeBanked(state)) {
    if (offset >= 0x1_0000) return
    const index = state.dispi[DISPI.BANK]! * 0x1_0000 + offset
    if (index < vram.length) {
      vram[index] = value
      dirty.mark(index)
    }
    return
  }
  let a = windowOffset(state, offset)
  if (a < 0) return
  const seq4 = state.seq[4]!
  const mapMask = state.seq[2]! & 0x0f
  if (seq4 & 0x08) {
    const plane = a & 3
    if (mapMask & (1 << plane)) {
      const index = ((a & ~3 & 0xffff) << 2) | plane
      vram[index] = value
      dirty.mark(index)
      if (plane === 2) dirty.plane2 = true
    }
    return
  }
  if ((seq4 & 0x04) === 0) {
    // Odd/even: even addresses go to planes 0 and 2, odd ones to 1 and 3, as the map mask enables them.
    const index = (a & ~1 & 0xffff) << 2
    for (let p = a & 1; p < 4; p += 2) if (mapMask & (1 << p)) vram[index | p] = value
    dirty.mark(index)
    if ((a & 1) === 0 && mapMask & 4) dirty.plane2 = true
    return
  }
  a &= 0xffff
  const gc = state.gc
  const writeMode = gc[5]! & 3
  let data: number
  let bitMask = gc[8]!
  switch (writeMode) {
    case 1:
      data = state.latch
      bitMask = 0xff
      break
    case 2:
      data = expandMask(value & 0x0f)
      break
    case 3: {
      const rotate = gc[3]! & 7
      const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff
      bitMask &= rotated
      data = expandMask(gc[0]! & 0x0f)
      break
    }
    default: {
      const rotate = gc[3]! & 7
      const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff
      data = (rotated * 0x01010101) >>> 0
      const enable = expandMask(gc[1]! & 0x0f)
      data = ((data & ~enable) | (expandMask(gc[0]! & 0x0f) & enable)) >>> 0
    }
  }
  if (writeMode !== 1) {
    switch ((gc[3]! >> 3) & 3) {
      case 1:
        data = (data & state.latch) >>> 0
        break
      case 2:
        data = (data | state.latch) >>> 0
        break
      case 3:
        data = (data ^ state.latch) >>> 0
        break
    }
    const bits = (bitMask * 0x01010101) >>> 0
    data = ((data & bits) | (state.latch & ~bits)) >>> 0
  }
  const base = a << 2
  for (let p = 0; p < 4; p++) {
    if (mapMask & (1 << p)) vram[base + p] = (data >>> (p * 8)) & 0xff
  }
  dirty.mark(base)
  if (mapMask & 4) dirty.plane2 = true
}
