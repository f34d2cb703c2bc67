// Turns VGA register and memory state into pixels: text modes through the plane-2 character generator,
// planar 16-colour, CGA 4-colour (shift-register interleave) and 256-colour graphics through the attribute
// controller and DAC, and VBE modes as a direct view of VRAM (IBM VGA Technical Reference: CRTC address
// generation — byte/word/doubleword mode, CGA bank substitution via CR17 bits 0/1, scan doubling; attribute
// controller palette, P5/P4 and P7/P6 selection; FreeVGA "Text Mode"). Reports dirty rectangles.
import type { DisplayMode, DisplayRect, PixelFormat } from '../../backends/display'
import { DISPI, DISPI_ENABLE, type VgaState } from './vga-state'
import type { VramDirty } from './vga-memory'

/** Largest legacy-mode screen rendered; nonsense CRTC values are clamped to it. */
const MAX_LEGACY = { width: 2048, height: 2048 } as const
/** Character-generator bases in plane 2 for the eight map-select values (SR3). */
const FONT_BASES = [0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000] as const
/** Virtual-time blink periods: cursor every 16 frames, blinking characters every 32 (at 60 Hz). */
const CURSOR_BLINK_NS = 266_666_667
const TEXT_BLINK_NS = 533_333_333

/** What the renderer is showing. */
export type ScreenKind = 'text' | 'planar' | 'cga' | 'vga256' | 'vbe' | 'blank'

/** The rendered screen: a mode for consumers and, for legacy modes, the 32-bit buffer the renderer owns. */
export interface Screen {
  readonly kind: ScreenKind
  readonly mode: DisplayMode
}

const BPP_FORMAT: Readonly<Record<number, PixelFormat>> = {
  8: 'indexed8',
  15: 'x1r5g5b5',
  16: 'r5g6b5',
  24: 'r8g8b8',
  32: 'x8r8g8b8',
}

/** Bytes per pixel of a DISPI bpp value. */
export function bytesPerPixel(bpp: number): number {
  return bpp === 15 ? 2 : bpp >> 3
}

/** Renders the VGA; one per device. */
export class VgaRenderer {
  /** x8r8g8b8 pixels of legacy modes. */
  buffer = new Uint8Array(4)
  private buffer32 = new Uint32Array(this.buffer.buffer)
  screen: Screen = { kind: 'blank', mode: { width: 1, height: 1, format: 'x8r8g8b8', stride: 4, offset: 0 } }
  /** 0x00RRGGBB of the 256 DAC entries after the pel mask. */
  readonly palette = new Uint32Array(256)
  private readonly lastPalette = new Uint32Array(256)
  private readonly attrColours = new Uint32Array(16)
  private shadow = new Uint32Array(0)
  private full = true
  private cursorPhase = false
  private blinkPhase = false

  /** Forces a full redraw (register writes that change everything). */
  invalidate(): void {
    this.full = true
  }

  /**
   * Brings the screen up to date. Returns the new mode when it changed (the caller reports a mode change and
   * the whole screen), else calls `onRect` for each changed rectangle.
   */
  update(
    state: VgaState,
    vram: Uint8Array,
    dirty: VramDirty,
    nowNs: number,
    onRect: (rect: DisplayRect) => void,
  ): Screen | undefined {
    this.computePalette(state)
    const paletteChanged = !this.palette.every((v, i) => v === this.lastPalette[i])
    if (paletteChanged) {
      this.lastPalette.set(this.palette)
      this.full = true
    }
    const next = this.describe(state, vram)
    const m = next.mode
    const old = this.screen.mode
    const modeChanged =
      next.kind !== this.screen.kind ||
      m.width !== old.width ||
      m.height !== old.height ||
      m.format !== old.format ||
      m.stride !== old.stride ||
      m.offset !== old.offset
    if (modeChanged) {
      this.screen = next
      this.full = true
      if (next.kind !== 'vbe') {
        this.buffer = new Uint8Array(m.width * m.height * 4)
        this.buffer32 = new Uint32Array(this.buffer.buffer)
      }
    }
    const full = this.full
    let rect: DisplayRect | undefined
    switch (next.kind) {
      case 'text':
        rect = this.renderText(state, vram, dirty, nowNs, full)
        break
      case 'vbe':
        if (!modeChanged) this.reportVbe(state, dirty, full, onRect)
        break
      case 'blank':
        if (full) this.buffer32.fill(0xff000000)
        break
      default:
        rect = this.renderGraphics(next.kind, state, vram, dirty, full)
    }
    this.full = false
    dirty.clear()
    if (modeChanged) return next
    if (full && next.kind === 'blank') onRect({ x: 0, y: 0, width: m.width, height: m.height })
    if (rect) onRect(rect)
    return undefined
  }

  private computePalette(state: VgaState): void {
    const dac = state.dac
    const eightBit = (state.dispi[DISPI.ENABLE]! & DISPI_ENABLE.DAC_8BIT) !== 0
    const mask = state.dacMask
    for (let i = 0; i < 256; i++) {
      const j = (i & mask) * 3
      let r = dac[j]!
      let g = dac[j + 1]!
      let b = dac[j + 2]!
      if (!eightBit) {
        // 6-bit DAC values widened with the low bit replicated (QEMU's c6_to_8, checked against its screendump).
        r = ((r & 0x3f) << 2) | ((r & 1) * 3)
        g = ((g & 0x3f) << 2) | ((g & 1) * 3)
        b = ((b & 0x3f) << 2) | ((b & 1) * 3)
      }
      this.palette[i] = (r << 16) | (g << 8) | b
    }
    // Attribute controller: 16 palette registers → 8-bit DAC index (AR10 bit 7 takes P5/P4 from AR14).
    const attr = state.attr
    const mode = attr[0x10]!
    const select = attr[0x14]!
    for (let i = 0; i < 16; i++) {
      let index = attr[i]! & 0x3f
      if (mode & 0x80) index = (index & 0x0f) | ((select & 3) << 4)
      index |= (select & 0x0c) << 4
      this.attrColours[i] = 0xff000000 | this.palette[index]!
    }
  }

  private describe(state: VgaState, vram: Uint8Array): Screen {
    const dispi = state.dispi
    if (dispi[DISPI.ENABLE]! & DISPI_ENABLE.ENABLED) {
      const bpp = dispi[DISPI.BPP]!
      const bytes = bytesPerPixel(bpp)
      const stride = dispi[DISPI.VIRT_WIDTH]! * bytes
      const offset = dispi[DISPI.Y_OFFSET]! * stride + dispi[DISPI.X_OFFSET]! * bytes
      const width = Math.max(1, dispi[DISPI.XRES]!)
      // The DISPI logic keeps the visible mode inside VRAM; this guards loaded nonsense.
      const fits = Math.floor((vram.length - offset - width * bytes) / Math.max(stride, 1)) + 1
      const height = Math.max(1, Math.min(dispi[DISPI.YRES]!, fits))
      return { kind: 'vbe', mode: { width, height, format: BPP_FORMAT[bpp] ?? 'indexed8', stride, offset } }
    }
    const crtc = state.crtc
    const cols = crtc[1]! + 1
    const vde = (crtc[0x12]! | ((crtc[7]! & 0x02) << 7) | ((crtc[7]! & 0x40) << 3)) + 1
    let lines = crtc[9]! & 0x80 ? vde >> 1 : vde
    const graphics = (state.gc[6]! & 1) !== 0
    let kind: ScreenKind
    let width: number
    if (!graphics) {
      kind = 'text'
      width = cols * (state.seq[1]! & 1 ? 8 : 9)
    } else if (state.gc[5]! & 0x40) {
      kind = 'vga256'
      width = cols * 4
    } else {
      kind = state.gc[5]! & 0x20 ? 'cga' : 'planar'
      width = cols * 8
    }
    const maxScan = crtc[9]! & 0x1f
    if (graphics && (crtc[0x17]! & 3) === 3 && maxScan > 0) lines = Math.floor(lines / (maxScan + 1))
    width = Math.min(MAX_LEGACY.width, Math.max(1, width))
    const height = Math.min(MAX_LEGACY.height, Math.max(1, lines))
    // Screen off (SR1 bit 5) or the attribute controller owning the palette (index bit 5 clear): black.
    if (state.seq[1]! & 0x20 || (state.attrIndex & 0x20) === 0) kind = 'blank'
    return { kind, mode: { width, height, format: 'x8r8g8b8', stride: width * 4, offset: 0 } }
  }

  /** CRTC memory address → plane offset for character clock `ma` on scan line `sc` of its row. */
  private static planeOffset(crtc: Uint8Array, ma: number, sc: number): number {
    let offset = crtc[0x14]! & 0x40 ? ma << 2 : crtc[0x17]! & 0x40 ? ma : ma << 1
    if ((crtc[0x17]! & 1) === 0) offset = (offset & ~0x2000) | ((sc & 1) << 13)
    if ((crtc[0x17]! & 2) === 0) offset = (offset & ~0x4000) | ((sc & 2) << 13)
    return offset & 0xffff
  }

  private renderText(
    state: VgaState,
    vram: Uint8Array,
    dirty: VramDirty,
    nowNs: number,
    full: boolean,
  ): DisplayRect | undefined {
    const { width, height } = this.screen.mode
    const crtc = state.crtc
    const cols = crtc[1]! + 1
    const charW = state.seq[1]! & 1 ? 8 : 9
    const charH = (crtc[9]! & 0x1f) + 1
    const rows = Math.ceil(height / charH)
    const start = (crtc[0x0c]! << 8) | crtc[0x0d]!
    const pitch = crtc[0x13]! * 2
    const sr3 = state.seq[3]!
    const fontA = FONT_BASES[((sr3 >> 3) & 4) | ((sr3 >> 2) & 3)]!
    const fontB = FONT_BASES[((sr3 >> 2) & 4) | (sr3 & 3)]!
    if (dirty.plane2) full = true
    const cursorPhase = Math.floor(nowNs / CURSOR_BLINK_NS) % 2 === 0
    const blinkPhase = Math.floor(nowNs / TEXT_BLINK_NS) % 2 === 0
    const cursorChanged = cursorPhase !== this.cursorPhase
    const blinkChanged = blinkPhase !== this.blinkPhase
    this.cursorPhase = cursorPhase
    this.blinkPhase = blinkPhase
    const cursorAddr = (crtc[0x0e]! << 8) | crtc[0x0f]!
    const cursorStart = crtc[0x0a]! & 0x1f
    const cursorEnd = crtc[0x0b]! & 0x1f
    const cursorOn = (crtc[0x0a]! & 0x20) === 0 && cursorPhase
    const blinkEnabled = (state.attr[0x10]! & 0x08) !== 0
    const lineGraphics = (state.attr[0x10]! & 0x04) !== 0
    if (this.shadow.length !== rows * cols) {
      this.shadow = new Uint32Array(rows * cols)
      full = true
    }
    const out = this.buffer32
    const colours = this.attrColours
    let minX = width
    let minY = height
    let maxX = -1
    let maxY = -1
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const ma = (start + row * pitch + col) & 0xffff
        const offset = VgaRenderer.planeOffset(crtc, ma, 0) << 2
        const ch = vram[offset]!
        const at = vram[offset + 1]!
        const isCursor = ma === cursorAddr
        // Shadow key: char, attribute, cursor shown here, blink phase for blinking cells.
        const key =
          ch |
          (at << 8) |
          (isCursor && cursorOn ? 0x10000 : 0) |
          (blinkEnabled && at & 0x80 && blinkPhase ? 0x20000 : 0)
        const cell = row * cols + col
        if (!full && this.shadow[cell] === key && !(isCursor && cursorChanged) && !(at & 0x80 && blinkChanged)) {
          continue
        }
        this.shadow[cell] = key
        let fg = colours[at & 0x0f]!
        const bg = colours[blinkEnabled ? (at >> 4) & 7 : at >> 4]!
        if (blinkEnabled && at & 0x80 && !blinkPhase) fg = bg
        const font = (at & 0x08 ? fontA : fontB) + ch * 32
        const x0 = col * charW
        const y0 = row * charH
        for (let y = 0; y < charH && y0 + y < height; y++) {
          let bits = vram[(((font + y) & 0xffff) << 2) | 2]!
          if (isCursor && cursorOn && y >= cursorStart && y <= cursorEnd) bits = 0xff
          const ninth = charW === 9 && lineGraphics && ch >= 0xc0 && ch <= 0xdf ? bits & 1 : 0
          let p = (y0 + y) * width + x0
          for (let x = 0; x < 8 && x0 + x < width; x++) out[p++] = bits & (0x80 >> x) ? fg : bg
          if (charW === 9 && x0 + 8 < width) out[p] = ninth || (isCursor && cursorOn && bits === 0xff) ? fg : bg
        }
        if (x0 < minX) minX = x0
        if (y0 < minY) minY = y0
        if (x0 + charW > maxX) maxX = x0 + charW
        if (y0 + charH > maxY) maxY = y0 + charH
      }
    }
    if (maxX < 0) return undefined
    maxX = Math.min(maxX, width)
    maxY = Math.min(maxY, height)
    return { x: minX, y: minY, width: maxX - minX, height: maxY - minY }
  }

  private renderGraphics(
    kind: ScreenKind,
    state: VgaState,
    vram: Uint8Array,
    dirty: VramDirty,
    full: boolean,
  ): DisplayRect | undefined {
    const { width, height } = this.screen.mode
    const crtc = state.crtc
    const cols = crtc[1]! + 1
    const maxScan = crtc[9]! & 0x1f
    const rowPerLine = (crtc[0x17]! & 3) === 3 && maxScan > 0
    const start = (crtc[0x0c]! << 8) | crtc[0x0d]!
    const pitch = crtc[0x13]! * 2
    const planeEnable = state.attr[0x12]! & 0x0f
    const out = this.buffer32
    const colours = this.attrColours
    const palette = this.palette
    let minY = -1
    let maxY = -1
    for (let y = 0; y < height; y++) {
      const row = rowPerLine ? y : Math.floor(y / (maxScan + 1))
      const sc = rowPerLine ? 0 : y % (maxScan + 1)
      const ma = start + row * pitch
      const first = VgaRenderer.planeOffset(crtc, ma & 0xffff, sc)
      const last = VgaRenderer.planeOffset(crtc, (ma + cols - 1) & 0xffff, sc)
      if (!full && last >= first && !dirty.touched(first << 2, (last + 1) << 2)) continue
      let p = y * width
      for (let c = 0; c < cols; c++) {
        const base = VgaRenderer.planeOffset(crtc, (ma + c) & 0xffff, sc) << 2
        const b0 = vram[base]!
        const b1 = vram[base + 1]!
        const b2 = vram[base + 2]!
        const b3 = vram[base + 3]!
        if (kind === 'vga256') {
          out[p++] = 0xff000000 | palette[b0]!
          out[p++] = 0xff000000 | palette[b1]!
          out[p++] = 0xff000000 | palette[b2]!
          out[p++] = 0xff000000 | palette[b3]!
        } else if (kind === 'cga') {
          for (let k = 0; k < 4; k++) out[p++] = colours[(b0 >> (6 - 2 * k)) & 3]!
          for (let k = 0; k < 4; k++) out[p++] = colours[(b1 >> (6 - 2 * k)) & 3]!
        } else {
          for (let k = 7; k >= 0; k--) {
            const index = ((b0 >> k) & 1) | (((b1 >> k) & 1) << 1) | (((b2 >> k) & 1) << 2) | (((b3 >> k) & 1) << 3)
            out[p++] = colours[index & planeEnable]!
          }
        }
      }
      if (minY < 0) minY = y
      maxY = y
    }
    if (minY < 0) return undefined
    return { x: 0, y: minY, width, height: maxY - minY + 1 }
  }

  private reportVbe(state: VgaState, dirty: VramDirty, full: boolean, onRect: (rect: DisplayRect) => void): void {
    const { width, height, stride, offset } = this.screen.mode
    if (full) {
      onRect({ x: 0, y: 0, width, height })
      return
    }
    if (!dirty.any) return
    const lineBytes = width * bytesPerPixel(state.dispi[DISPI.BPP]!)
    let runStart = -1
    for (let y = 0; y <= height; y++) {
      const touched = y < height && dirty.touched(offset + y * stride, offset + y * stride + lineBytes)
      if (touched && runStart < 0) runStart = y
      if (!touched && runStart >= 0) {
        onRect({ x: 0, y: runStart, width, height: y - runStart })
        runStart = -1
      }
    }
  }
}
