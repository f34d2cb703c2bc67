// Standard VGA mode register sets and the programming sequence a VGA BIOS runs for INT 10h AH=00h (IBM VGA
// Technical Reference, "BIOS video modes" parameter tables; the values are the published register settings).
// Used by the Boxwood BIOS and by tests; it drives the VGA only through guest-visible ports and memory.
import { buildFont } from './font-rom'

/** Register values of one standard mode (sequencer 1..4, CRTC 0..0x18, attribute 0..0x14, GC 0..8). */
export interface VgaModeRegisters {
  readonly misc: number
  readonly seq: readonly number[]
  readonly crtc: readonly number[]
  readonly attr: readonly number[]
  readonly gc: readonly number[]
}

/** A standard mode: registers and what the BIOS data area records for it. */
export interface VgaModeInfo {
  readonly kind: 'text' | 'graphics'
  readonly cols: number
  readonly rows: number
  readonly width: number
  readonly height: number
  readonly charHeight: number
  /** Real-mode segment of the mode's memory (0xB800, 0xB000 or 0xA000). */
  readonly segment: number
  /** Colour bits per pixel (text: 4). */
  readonly bpp: number
  /** Bytes one page occupies (BDA 0x44C). */
  readonly pageSize: number
  readonly palette: 'ega' | 'cga' | 'mono' | 'vga256'
  readonly regs: VgaModeRegisters
}

const hex = (s: string): number[] => s.split(' ').map((h) => parseInt(h, 16))

const ATTR_TEXT = hex('00 01 02 03 04 05 14 07 38 39 3a 3b 3c 3d 3e 3f 0c 00 0f 08 00')
const ATTR_EGA = hex('00 01 02 03 04 05 14 07 38 39 3a 3b 3c 3d 3e 3f 01 00 0f 00 00')
const ATTR_LOW16 = hex('00 01 02 03 04 05 06 07 10 11 12 13 14 15 16 17 01 00 0f 00 00')
const GC_TEXT = hex('00 00 00 00 00 10 0e 00 ff')
const GC_PLANAR = hex('00 00 00 00 00 00 05 0f ff')
const CRTC_TEXT80 = hex('5f 4f 50 82 55 81 bf 1f 00 4f 0d 0e 00 00 00 00 9c 8e 8f 28 1f 96 b9 a3 ff')
const CRTC_TEXT40 = hex('2d 27 28 90 2b a0 bf 1f 00 4f 0d 0e 00 00 00 00 9c 8e 8f 14 1f 96 b9 a3 ff')
const CRTC_480 = hex('5f 4f 50 82 54 80 0b 3e 00 40 00 00 00 00 00 00 ea 8c df 28 00 e7 04 e3 ff')

const text40: VgaModeInfo = {
  kind: 'text',
  cols: 40,
  rows: 25,
  width: 360,
  height: 400,
  charHeight: 16,
  segment: 0xb800,
  bpp: 4,
  pageSize: 0x800,
  palette: 'ega',
  regs: { misc: 0x67, seq: hex('08 03 00 02'), crtc: CRTC_TEXT40, attr: ATTR_TEXT, gc: GC_TEXT },
}
const text80: VgaModeInfo = {
  kind: 'text',
  cols: 80,
  rows: 25,
  width: 720,
  height: 400,
  charHeight: 16,
  segment: 0xb800,
  bpp: 4,
  pageSize: 0x1000,
  palette: 'ega',
  regs: { misc: 0x67, seq: hex('00 03 00 02'), crtc: CRTC_TEXT80, attr: ATTR_TEXT, gc: GC_TEXT },
}
const cga4: VgaModeInfo = {
  kind: 'graphics',
  cols: 40,
  rows: 25,
  width: 320,
  height: 200,
  charHeight: 8,
  segment: 0xb800,
  bpp: 2,
  pageSize: 0x4000,
  palette: 'cga',
  regs: {
    misc: 0x63,
    seq: hex('09 03 00 02'),
    crtc: hex('2d 27 28 90 2b 80 bf 1f 00 c1 00 00 00 00 00 00 9c 8e 8f 14 00 96 b9 a2 ff'),
    attr: hex('00 13 15 17 02 04 06 07 10 11 12 13 14 15 16 17 01 00 03 00 00'),
    gc: hex('00 00 00 00 00 30 0f 00 ff'),
  },
}
const planar320: VgaModeRegisters = {
  misc: 0x63,
  seq: hex('09 0f 00 06'),
  crtc: hex('2d 27 28 90 2b 80 bf 1f 00 c0 00 00 00 00 00 00 9c 8e 8f 14 00 96 b9 e3 ff'),
  attr: ATTR_LOW16,
  gc: GC_PLANAR,
}

/** The standard VGA modes by number. */
export const VGA_MODES: Readonly<Record<number, VgaModeInfo>> = {
  0x00: text40,
  0x01: text40,
  0x02: text80,
  0x03: text80,
  0x04: cga4,
  0x05: cga4,
  0x06: {
    kind: 'graphics',
    cols: 80,
    rows: 25,
    width: 640,
    height: 200,
    charHeight: 8,
    segment: 0xb800,
    bpp: 1,
    pageSize: 0x4000,
    palette: 'cga',
    regs: {
      misc: 0x63,
      seq: hex('01 01 00 06'),
      crtc: hex('5f 4f 50 82 54 80 bf 1f 00 c1 00 00 00 00 00 00 9c 8e 8f 28 00 96 b9 c2 ff'),
      attr: hex('00 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 01 00 01 00 00'),
      gc: hex('00 00 00 00 00 00 0d 00 ff'),
    },
  },
  0x07: {
    kind: 'text',
    cols: 80,
    rows: 25,
    width: 720,
    height: 400,
    charHeight: 16,
    segment: 0xb000,
    bpp: 4,
    pageSize: 0x1000,
    palette: 'mono',
    regs: {
      misc: 0x66,
      seq: hex('00 03 00 02'),
      crtc: hex('5f 4f 50 82 55 81 bf 1f 00 4f 0d 0e 00 00 00 00 9c 8e 8f 28 0f 96 b9 a3 ff'),
      attr: hex('00 08 08 08 08 08 08 08 10 18 18 18 18 18 18 18 0e 00 0f 08 00'),
      gc: hex('00 00 00 00 00 10 0a 00 ff'),
    },
  },
  0x0d: {
    kind: 'graphics',
    cols: 40,
    rows: 25,
    width: 320,
    height: 200,
    charHeight: 8,
    segment: 0xa000,
    bpp: 4,
    pageSize: 0x2000,
    palette: 'ega',
    regs: planar320,
  },
  0x0e: {
    kind: 'graphics',
    cols: 80,
    rows: 25,
    width: 640,
    height: 200,
    charHeight: 8,
    segment: 0xa000,
    bpp: 4,
    pageSize: 0x4000,
    palette: 'ega',
    regs: {
      ...planar320,
      seq: hex('01 0f 00 06'),
      crtc: hex('5f 4f 50 82 54 80 bf 1f 00 c0 00 00 00 00 00 00 9c 8e 8f 28 00 96 b9 e3 ff'),
    },
  },
  0x10: {
    kind: 'graphics',
    cols: 80,
    rows: 25,
    width: 640,
    height: 350,
    charHeight: 14,
    segment: 0xa000,
    bpp: 4,
    pageSize: 0x8000,
    palette: 'ega',
    regs: {
      misc: 0xa3,
      seq: hex('01 0f 00 06'),
      crtc: hex('5f 4f 50 82 54 80 bf 1f 00 40 00 00 00 00 00 00 83 85 5d 28 0f 63 ba e3 ff'),
      attr: ATTR_EGA,
      gc: GC_PLANAR,
    },
  },
  0x11: {
    kind: 'graphics',
    cols: 80,
    rows: 30,
    width: 640,
    height: 480,
    charHeight: 16,
    segment: 0xa000,
    bpp: 1,
    pageSize: 0xa000,
    palette: 'ega',
    regs: {
      misc: 0xe3,
      seq: hex('01 0f 00 06'),
      crtc: CRTC_480,
      attr: hex('00 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 3f 01 00 0f 00 00'),
      gc: GC_PLANAR,
    },
  },
  0x12: {
    kind: 'graphics',
    cols: 80,
    rows: 30,
    width: 640,
    height: 480,
    charHeight: 16,
    segment: 0xa000,
    bpp: 4,
    pageSize: 0xa000,
    palette: 'ega',
    regs: { misc: 0xe3, seq: hex('01 0f 00 06'), crtc: CRTC_480, attr: ATTR_EGA, gc: GC_PLANAR },
  },
  0x13: {
    kind: 'graphics',
    cols: 40,
    rows: 25,
    width: 320,
    height: 200,
    charHeight: 8,
    segment: 0xa000,
    bpp: 8,
    pageSize: 0x1_0000,
    palette: 'vga256',
    regs: {
      misc: 0x63,
      seq: hex('01 0f 00 0e'),
      crtc: hex('5f 4f 50 82 54 80 bf 1f 00 41 00 00 00 00 00 00 9c 8e 8f 28 40 96 b9 a3 ff'),
      attr: hex('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 41 00 0f 00 00'),
      gc: hex('00 00 00 00 00 40 05 0f ff'),
    },
  },
}

/** Guest-visible access the mode programming needs (ports and the 0xA0000 window). */
export interface VgaProgrammingIo {
  out8(port: number, value: number): void
  in8(port: number): number
  /** Writes a byte of the legacy window at offset 0..0x1FFFF from 0xA0000. */
  writeWindow(offset: number, value: number): void
}

/** The 64-colour EGA palette as DAC values (6 bits): bit 5/4/3 secondary R/G/B, bit 2/1/0 primary. */
function egaColour(i: number): [number, number, number] {
  const c = (primary: number, secondary: number) => ((i >> primary) & 1) * 0x2a + ((i >> secondary) & 1) * 0x15
  return [c(2, 5), c(1, 4), c(0, 3)]
}

/** The default 256-colour palette: 16 CGA colours, a 16-step grey ramp, then a hue wheel at 3 × 3 shades. */
export function defaultVga256Palette(): [number, number, number][] {
  const cga = [0, 1, 2, 3, 4, 5, 0x14, 7, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f]
  const out: [number, number, number][] = cga.map(egaColour)
  const greys = [0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63]
  for (const g of greys) out.push([g, g, g])
  for (const [hi, lo] of [
    [63, 0],
    [63, 31],
    [63, 45],
    [28, 0],
    [28, 14],
    [28, 20],
    [16, 0],
    [16, 8],
    [16, 11],
  ] as const) {
    // 24 hues around the colour wheel between full (hi) and minimum (lo) intensity.
    for (let h = 0; h < 24; h++) {
      const ramp = (phase: number): number => {
        const p = (((h - phase) % 24) + 24) % 24
        if (p < 4) return hi
        if (p < 8) return Math.round(hi - ((hi - lo) * (p - 4)) / 4)
        if (p < 16) return lo
        if (p < 20) return Math.round(lo + ((hi - lo) * (p - 16)) / 4)
        return hi
      }
      out.push([ramp(0), ramp(8), ramp(16)] as [number, number, number])
    }
  }
  while (out.length < 256) out.push([0, 0, 0])
  return out
}

/** The CGA-compatible 64-entry DAC table: bit 4 is intensity, bits 0..2 the CGA colour (6 is brown). */
function cgaColour(i: number): [number, number, number] {
  const c = (i & 7) | (i & 0x10 ? 8 : 0)
  const hi = c & 8 ? 0x15 : 0
  const g = c === 6 ? 0x15 : c & 2 ? 0x2a + hi : hi
  return [(c & 4 ? 0x2a : 0) + hi, g, (c & 1 ? 0x2a : 0) + hi]
}

function paletteFor(kind: VgaModeInfo['palette']): [number, number, number][] {
  if (kind === 'vga256') return defaultVga256Palette()
  if (kind === 'mono')
    return Array.from({ length: 64 }, (_, i): [number, number, number] =>
      i & 0x10 ? [63, 63, 63] : i & 8 ? [42, 42, 42] : [0, 0, 0],
    )
  return Array.from({ length: 64 }, (_, i) => (kind === 'cga' ? cgaColour(i) : egaColour(i)))
}

/** Loads a 256-character font of `height` rows into character-generator map `map` (plane 2). */
export function loadVgaFont(io: VgaProgrammingIo, font: Uint8Array, height: number, map = 0): void {
  const base = [0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000][map & 7]!
  // Plane 2, linear addressing at 0xA0000 (the sequence every VGA BIOS uses).
  const saved = { seq2: readIndexed(io, 0x3c4, 2), seq4: readIndexed(io, 0x3c4, 4) }
  const gcSaved = { gc4: readIndexed(io, 0x3ce, 4), gc5: readIndexed(io, 0x3ce, 5), gc6: readIndexed(io, 0x3ce, 6) }
  writeIndexed(io, 0x3c4, 2, 0x04)
  writeIndexed(io, 0x3c4, 4, 0x07)
  writeIndexed(io, 0x3ce, 4, 0x02)
  writeIndexed(io, 0x3ce, 5, 0x00)
  writeIndexed(io, 0x3ce, 6, 0x04)
  for (let ch = 0; ch < 256; ch++) {
    for (let row = 0; row < 32; row++) io.writeWindow(base + ch * 32 + row, row < height ? font[ch * height + row]! : 0)
  }
  writeIndexed(io, 0x3c4, 2, saved.seq2)
  writeIndexed(io, 0x3c4, 4, saved.seq4)
  writeIndexed(io, 0x3ce, 4, gcSaved.gc4)
  writeIndexed(io, 0x3ce, 5, gcSaved.gc5)
  writeIndexed(io, 0x3ce, 6, gcSaved.gc6)
}

function writeIndexed(io: VgaProgrammingIo, port: number, index: number, value: number): void {
  io.out8(port, index)
  io.out8(port + 1, value)
}
function readIndexed(io: VgaProgrammingIo, port: number, index: number): number {
  io.out8(port, index)
  return io.in8(port + 1)
}

let cachedFonts: Map<number, Uint8Array> | undefined
/** The project's font at `height` rows (built once). */
export function vgaFont(height: 8 | 14 | 16): Uint8Array {
  cachedFonts ??= new Map()
  let font = cachedFonts.get(height)
  if (!font) {
    font = buildFont(height)
    cachedFonts.set(height, font)
  }
  return font
}

/**
 * Programs standard mode `mode` (0..0x13) as a VGA BIOS does: registers, DAC palette, memory clear (unless
 * `keepMemory`) and, for text modes, the font. Returns the mode's info, or undefined for an unknown mode.
 */
export function programVgaMode(io: VgaProgrammingIo, mode: number, keepMemory = false): VgaModeInfo | undefined {
  const info = VGA_MODES[mode]
  if (!info) return undefined
  const { regs } = info
  const colour = (regs.misc & 1) !== 0
  const crtcPort = colour ? 0x3d4 : 0x3b4
  const statusPort = colour ? 0x3da : 0x3ba
  writeIndexed(io, 0x3c4, 0, 0x01) // synchronous reset while the clocks change
  io.out8(0x3c2, regs.misc)
  regs.seq.forEach((v, i) => writeIndexed(io, 0x3c4, i + 1, v))
  writeIndexed(io, 0x3c4, 0, 0x03)
  writeIndexed(io, crtcPort, 0x11, 0x00) // unlock CR0..7
  regs.crtc.forEach((v, i) => writeIndexed(io, crtcPort, i, v))
  io.in8(statusPort) // attribute flip-flop → index
  regs.attr.forEach((v, i) => {
    io.out8(0x3c0, i)
    io.out8(0x3c0, v)
  })
  regs.gc.forEach((v, i) => writeIndexed(io, 0x3ce, i, v))
  io.out8(0x3c6, 0xff)
  io.out8(0x3c8, 0)
  for (const [r, g, b] of paletteFor(info.palette)) {
    io.out8(0x3c9, r)
    io.out8(0x3c9, g)
    io.out8(0x3c9, b)
  }
  if (!keepMemory) clearVgaMemory(io, info)
  if (info.kind === 'text') loadVgaFont(io, vgaFont(16), 16)
  io.in8(statusPort)
  io.out8(0x3c0, 0x20) // palette address source: the screen is on
  return info
}

function clearVgaMemory(io: VgaProgrammingIo, info: VgaModeInfo): void {
  if (info.kind === 'text') {
    const base = info.segment === 0xb000 ? 0x1_0000 : 0x1_8000
    for (let i = 0; i < 0x8000; i += 2) {
      io.writeWindow(base + i, 0x20)
      io.writeWindow(base + i + 1, 0x07)
    }
    return
  }
  if (info.segment === 0xb800) {
    for (let i = 0; i < 0x8000; i++) io.writeWindow(0x1_8000 + i, 0)
    return
  }
  // Planar and chain-4 modes: all planes enabled, zero the 64 KB window.
  const seq2 = readIndexed(io, 0x3c4, 2)
  writeIndexed(io, 0x3c4, 2, 0x0f)
  for (let i = 0; i < 0x1_0000; i++) io.writeWindow(i, 0)
  writeIndexed(io, 0x3c4, 2, seq2)
}
