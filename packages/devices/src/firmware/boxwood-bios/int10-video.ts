// INT 10h video services on the VGA's firmware service (IBM VGA BIOS interface; Ralf Brown's Interrupt
// List INT 10h): mode set, cursor, scrolling, character and pixel I/O, teletype, write string, palette and
// DAC, font information, display combination, and the VBE 3.0 functions 4F00h..4F09h (VESA BIOS Extension
// Core Functions Standard 3.0 §4) on the DISPI interface with its linear framebuffer.
import { programVgaMode, VGA_MODES, type VgaProgrammingIo } from '../../graphics/vga/vga-modes'
import type { VgaFirmwareServices } from '../../graphics/vga/vga-firmware-services'
import type { BiosCall } from './bios-call'
import { BDA, type BiosEnv, type HandlerResult } from './bios-env'
import { DATA, ROM } from './rom-image'

/** The VBE modes the BIOS lists: number, width, height, bits per pixel. */
export const VBE_MODES: readonly (readonly [number, number, number, number])[] = [
  [0x100, 640, 400, 8],
  [0x101, 640, 480, 8],
  [0x103, 800, 600, 8],
  [0x105, 1024, 768, 8],
  [0x107, 1280, 1024, 8],
  [0x10d, 320, 200, 15],
  [0x10e, 320, 200, 16],
  [0x10f, 320, 200, 24],
  [0x110, 640, 480, 15],
  [0x111, 640, 480, 16],
  [0x112, 640, 480, 24],
  [0x113, 800, 600, 15],
  [0x114, 800, 600, 16],
  [0x115, 800, 600, 24],
  [0x116, 1024, 768, 15],
  [0x117, 1024, 768, 16],
  [0x118, 1024, 768, 24],
  [0x119, 1280, 1024, 15],
  [0x11a, 1280, 1024, 16],
  [0x11b, 1280, 1024, 24],
  [0x140, 320, 200, 32],
  [0x141, 640, 400, 32],
  [0x142, 640, 480, 32],
  [0x143, 800, 600, 32],
  [0x144, 1024, 768, 32],
  [0x145, 1280, 1024, 32],
  [0x146, 1280, 720, 32],
  [0x147, 1600, 1200, 32],
  [0x148, 1920, 1080, 32],
  [0x149, 1920, 1200, 32],
]

const BDA_SEG = 0x40

function io(vga: VgaFirmwareServices): VgaProgrammingIo {
  return {
    out8: (port, value) => vga.writePort(port, value),
    in8: (port) => vga.readPort(port),
    writeWindow: (offset, value) => vga.writeWindow(offset, value),
  }
}

function crtc(vga: VgaFirmwareServices, index: number, value: number): void {
  vga.writePort(0x3d4, index)
  vga.writePort(0x3d5, value)
}

function dispi(vga: VgaFirmwareServices, index: number, value?: number): number {
  vga.writePort(0x1ce, index, 2)
  if (value !== undefined) vga.writePort(0x1cf, value, 2)
  return vga.readPort(0x1cf, 2)
}

/** Text-mode and graphics-mode screen state from the BDA. */
class Screen {
  readonly mode: number
  readonly cols: number
  readonly rows: number
  readonly text: boolean
  readonly base: number
  private readonly call: BiosCall
  private readonly vga: VgaFirmwareServices
  constructor(call: BiosCall, vga: VgaFirmwareServices) {
    this.call = call
    this.vga = vga
    this.mode = call.read8(BDA_SEG, BDA.VIDEO_MODE)
    this.cols = call.read16(BDA_SEG, BDA.COLUMNS) || 80
    this.rows = call.read8(BDA_SEG, BDA.ROWS) + 1
    const info = VGA_MODES[this.mode]
    this.text = info?.kind !== 'graphics'
    this.base = info?.segment === 0xb000 ? 0x1_0000 : this.text ? 0x1_8000 : 0
  }

  pageStart(page: number): number {
    return page * (this.call.read16(BDA_SEG, BDA.PAGE_SIZE) || 0x1000)
  }

  cursor(page: number): [number, number] {
    const v = this.call.read16(BDA_SEG, BDA.CURSOR_POS + (page & 7) * 2)
    return [v & 0xff, v >> 8]
  }

  setCursor(page: number, col: number, row: number): void {
    this.call.write16(BDA_SEG, BDA.CURSOR_POS + (page & 7) * 2, (row << 8) | col)
    if (page === this.call.read8(BDA_SEG, BDA.ACTIVE_PAGE)) {
      const at = this.pageStart(page) / 2 + row * this.cols + col
      crtc(this.vga, 0x0e, at >> 8)
      crtc(this.vga, 0x0f, at & 0xff)
    }
  }

  cellOffset(page: number, col: number, row: number): number {
    return this.base + this.pageStart(page) + (row * this.cols + col) * 2
  }

  putChar(page: number, col: number, row: number, ch: number, attr: number | undefined): void {
    if (this.text) {
      const o = this.cellOffset(page, col, row)
      this.vga.writeWindow(o, ch)
      if (attr !== undefined) this.vga.writeWindow(o + 1, attr)
      return
    }
    this.drawGlyph(col, row, ch, attr ?? 0x0f)
  }

  /** Graphics modes: 8×8 (or 8×16 for 480-line modes) glyphs from the ROM font. */
  private drawGlyph(col: number, row: number, ch: number, colour: number): void {
    const height = this.call.read16(BDA_SEG, BDA.CHAR_HEIGHT) || 8
    const font = height >= 16 ? ROM.FONT16 : ROM.FONT8
    const glyphHeight = height >= 16 ? 16 : 8
    for (let y = 0; y < glyphHeight; y++) {
      const bits = this.call.read8(0xf000, font + ch * glyphHeight + y)
      if (this.mode === 0x13) {
        const line = (row * glyphHeight + y) * 320 + col * 8
        for (let x = 0; x < 8; x++) this.vga.writeWindow(line + x, bits & (0x80 >> x) ? colour : 0)
      } else {
        const offset = (row * glyphHeight + y) * this.cols + col
        for (let plane = 0; plane < 4; plane++) {
          this.vga.writePort(0x3c4, 2)
          this.vga.writePort(0x3c5, 1 << plane)
          this.vga.writeWindow(offset, colour & (1 << plane) ? bits : 0)
        }
        this.vga.writePort(0x3c4, 2)
        this.vga.writePort(0x3c5, 0x0f)
      }
    }
  }

  readCell(page: number, col: number, row: number): [number, number] {
    const o = this.cellOffset(page, col, row)
    return [this.vga.readWindow(o), this.vga.readWindow(o + 1)]
  }

  /** Scrolls the window (rows top..bottom, cols left..right) by `lines` (0: clear), up or down. */
  scroll(up: boolean, lines: number, attr: number, top: number, left: number, bottom: number, right: number): void {
    bottom = Math.min(bottom, this.rows - 1)
    right = Math.min(right, this.cols - 1)
    if (top > bottom || left > right) return
    const height = bottom - top + 1
    if (lines === 0 || lines > height) lines = height
    const page = this.call.read8(BDA_SEG, BDA.ACTIVE_PAGE)
    if (!this.text) {
      this.scrollGraphics(up, lines, attr, top, bottom)
      return
    }
    for (let i = 0; i < height; i++) {
      const row = up ? top + i : bottom - i
      const from = up ? row + lines : row - lines
      for (let col = left; col <= right; col++) {
        const inside = up ? from <= bottom : from >= top
        const [ch, at] = inside ? this.readCell(page, col, from) : [0x20, attr]
        this.putChar(page, col, row, ch, at)
      }
    }
  }

  private scrollGraphics(up: boolean, lines: number, colour: number, top: number, bottom: number): void {
    const height = this.call.read16(BDA_SEG, BDA.CHAR_HEIGHT) || 8
    const bytesPerLine = this.mode === 0x13 ? 320 : this.cols
    const rowBytes = bytesPerLine * height
    const planes = this.mode === 0x13 ? [-1] : [0, 1, 2, 3]
    for (const plane of planes) {
      if (plane >= 0) {
        this.vga.writePort(0x3ce, 4)
        this.vga.writePort(0x3cf, plane)
        this.vga.writePort(0x3c4, 2)
        this.vga.writePort(0x3c5, 1 << plane)
      }
      const rows = bottom - top + 1
      for (let i = 0; i < rows; i++) {
        const row = up ? top + i : bottom - i
        const from = up ? row + lines : row - lines
        const inside = up ? from <= bottom : from >= top
        for (let b = 0; b < rowBytes; b++) {
          const fill = plane < 0 ? colour : colour & (1 << plane) ? 0xff : 0
          this.vga.writeWindow(row * rowBytes + b, inside ? this.vga.readWindow(from * rowBytes + b) : fill)
        }
      }
    }
    if (planes.length > 1) {
      this.vga.writePort(0x3c4, 2)
      this.vga.writePort(0x3c5, 0x0f)
      this.vga.writePort(0x3ce, 4)
      this.vga.writePort(0x3cf, 0)
    }
  }

  /** Teletype output of one character on `page` (BEL, BS, CR, LF handled; scrolls at the bottom). */
  teletype(page: number, ch: number, colour: number): void {
    const [col, row] = this.cursor(page)
    switch (ch) {
      case 0x07:
        return
      case 0x08:
        return this.moveTo(page, Math.max(0, col - 1), row)
      case 0x0d:
        return this.moveTo(page, 0, row)
      case 0x0a:
        return this.moveTo(page, col, row + 1)
      default:
        this.putChar(page, col, row, ch, this.text ? undefined : colour)
        this.moveTo(page, col + 1, row)
    }
  }

  /** Moves the cursor, wrapping at the right edge and scrolling at the bottom. */
  moveTo(page: number, col: number, row: number): void {
    if (col >= this.cols) {
      col = 0
      row++
    }
    if (row >= this.rows) {
      const attr = this.text ? this.readCell(page, 0, this.rows - 1)[1] : 0
      this.scroll(true, 1, attr, 0, 0, this.rows - 1, this.cols - 1)
      row = this.rows - 1
    }
    this.setCursor(page, col, row)
  }
}

/** Prints `text` by teletype on the active page (POST banner, boot messages). */
export function printString(call: BiosCall, env: BiosEnv, text: string): void {
  if (!env.vga) return
  const s = new Screen(call, env.vga)
  const page = call.read8(BDA_SEG, BDA.ACTIVE_PAGE)
  for (const c of text) s.teletype(page, c.charCodeAt(0) & 0xff, 0x07)
}

/** Records a standard mode in the BDA (what every VGA BIOS keeps there). */
function recordMode(call: BiosCall, mode: number): void {
  const info = VGA_MODES[mode]!
  call.write8(BDA_SEG, BDA.VIDEO_MODE, mode)
  call.write16(BDA_SEG, BDA.COLUMNS, info.cols)
  call.write16(BDA_SEG, BDA.PAGE_SIZE, info.pageSize)
  call.write16(BDA_SEG, BDA.PAGE_START, 0)
  for (let p = 0; p < 8; p++) call.write16(BDA_SEG, BDA.CURSOR_POS + p * 2, 0)
  call.write16(BDA_SEG, BDA.CURSOR_SHAPE, 0x0607)
  call.write8(BDA_SEG, BDA.ACTIVE_PAGE, 0)
  call.write16(BDA_SEG, BDA.CRTC_BASE, info.segment === 0xb000 ? 0x3b4 : 0x3d4)
  call.write8(BDA_SEG, BDA.MODE_CONTROL, info.kind === 'text' ? 0x29 : 0x1e)
  call.write8(BDA_SEG, BDA.PALETTE, 0x30)
  call.write8(BDA_SEG, BDA.ROWS, info.rows - 1)
  call.write16(BDA_SEG, BDA.CHAR_HEIGHT, info.charHeight)
  call.write8(BDA_SEG, BDA.VIDEO_CONTROL, 0x60)
  call.write8(BDA_SEG, BDA.VIDEO_SWITCHES, 0xf9)
  call.write8(BDA_SEG, BDA.VGA_FLAGS, 0x51)
}

/** Sets standard mode `mode` (bit 7: keep memory). Exposed for POST. */
export function setVideoMode(call: BiosCall, env: BiosEnv, mode: number): boolean {
  const vga = env.vga
  if (!vga) return false
  const number = mode & 0x7f
  if (!VGA_MODES[number]) return false
  dispi(vga, 4, 0) // leave any VBE mode
  env.vbeMode = 0
  programVgaMode(io(vga), number, (mode & 0x80) !== 0)
  recordMode(call, number)
  if (VGA_MODES[number]!.kind === 'text') {
    crtc(vga, 0x0a, 0x0e)
    crtc(vga, 0x0b, 0x0f)
    call.write16(BDA_SEG, BDA.CURSOR_SHAPE, 0x0e0f)
  }
  new Screen(call, vga).setCursor(0, 0, 0)
  return true
}

function vbeModeInfo(call: BiosCall, env: BiosEnv, vga: VgaFirmwareServices, mode: number): boolean {
  const entry = VBE_MODES.find(([n]) => n === (mode & 0x1ff))
  if (!entry) return false
  const [, width, height, bpp] = entry
  const bytes = bpp === 15 ? 2 : bpp >> 3
  const pitch = width * bytes
  const fits = pitch * height <= vga.vramBytes
  const buf = new Uint8Array(256)
  const v = new DataView(buf.buffer)
  v.setUint16(0x00, (fits ? 0x01 : 0) | 0x02 | 0x08 | 0x10 | (vga.lfbBase ? 0x80 : 0), true)
  buf[0x02] = 0x07 // window A: exists, readable, writable
  v.setUint16(0x04, 64, true)
  v.setUint16(0x06, 64, true)
  v.setUint16(0x08, 0xa000, true)
  v.setUint16(0x10, pitch, true)
  v.setUint16(0x12, width, true)
  v.setUint16(0x14, height, true)
  buf[0x16] = 8
  buf[0x17] = 16
  buf[0x18] = 1
  buf[0x19] = bpp
  buf[0x1a] = 1
  buf[0x1b] = bpp === 8 ? 4 : 6 // packed pixel / direct colour
  buf[0x1d] = Math.max(0, Math.floor(vga.vramBytes / (pitch * height)) - 1)
  buf[0x1e] = 1
  const masks: Readonly<Record<number, readonly number[]>> = {
    15: [5, 10, 5, 5, 5, 0, 1, 15],
    16: [5, 11, 6, 5, 5, 0, 0, 0],
    24: [8, 16, 8, 8, 8, 0, 0, 0],
    32: [8, 16, 8, 8, 8, 0, 8, 24],
  }
  const m = masks[bpp]
  if (m) {
    buf.set(m, 0x1f)
    buf.set(m, 0x36 + 2) // linear masks: red size/pos … reserved
  }
  v.setUint32(0x28, vga.lfbBase, true)
  v.setUint16(0x32, pitch, true)
  buf[0x34] = buf[0x1d]!
  buf[0x35] = buf[0x1d]!
  if (m) buf.set(m, 0x36)
  v.setUint32(0x3e, 250_000_000, true)
  call.writeBytes(call.es, call.di, buf)
  void env
  return true
}

function vbe(call: BiosCall, env: BiosEnv, vga: VgaFirmwareServices): void {
  const ok = (): void => {
    call.ax = 0x004f
  }
  const fail = (): void => {
    call.ax = 0x014f
  }
  switch (call.al) {
    case 0x00: {
      const vbe2 = call.read32(call.es, call.di) === 0x32454256 // 'VBE2'
      const buf = new Uint8Array(vbe2 ? 512 : 256)
      const v = new DataView(buf.buffer)
      buf.set([0x56, 0x45, 0x53, 0x41]) // 'VESA'
      v.setUint16(4, 0x0300, true)
      const far = (o: number, off: number) => v.setUint32(o, (0xf000 << 16) | (ROM.DATA + off), true)
      far(6, DATA.OEM)
      v.setUint32(10, 0x1, true) // DAC switchable to 8 bits
      far(14, DATA.MODES)
      v.setUint16(18, Math.min(0xffff, vga.vramBytes >>> 16), true)
      v.setUint16(20, 0x0100, true)
      far(22, DATA.VENDOR)
      far(26, DATA.PRODUCT)
      far(30, DATA.REVISION)
      call.writeBytes(call.es, call.di, buf)
      return ok()
    }
    case 0x01:
      return vbeModeInfo(call, env, vga, call.cx) ? ok() : fail()
    case 0x02: {
      const mode = call.bx & 0x1ff
      if (mode < 0x100) return setVideoMode(call, env, (call.bx & 0x7f) | (call.bx & 0x8000 ? 0x80 : 0)) ? ok() : fail()
      const entry = VBE_MODES.find(([n]) => n === mode)
      if (!entry) return fail()
      const [, width, height, bpp] = entry
      if (width * height * (bpp === 15 ? 2 : bpp >> 3) > vga.vramBytes) return fail()
      dispi(vga, 4, 0)
      dispi(vga, 1, width)
      dispi(vga, 2, height)
      dispi(vga, 3, bpp)
      dispi(vga, 4, 0x01 | (call.bx & 0x4000 ? 0x40 : 0) | (call.bx & 0x8000 ? 0x80 : 0))
      if ((dispi(vga, 4) & 1) === 0) return fail()
      env.vbeMode = call.bx & 0x41ff
      return ok()
    }
    case 0x03:
      call.bx = env.vbeMode || call.read8(BDA_SEG, BDA.VIDEO_MODE)
      return ok()
    case 0x05:
      if (call.bh === 0) dispi(vga, 5, call.dx)
      else call.dx = dispi(vga, 5)
      return ok()
    case 0x06: {
      const bpp = dispi(vga, 3)
      const bytes = bpp === 15 ? 2 : bpp >> 3
      if (call.bl === 0) dispi(vga, 6, call.cx)
      else if (call.bl === 2) dispi(vga, 6, Math.floor(call.cx / bytes))
      const width = call.bl === 3 ? Math.floor(vga.vramBytes / Math.max(1, dispi(vga, 7) * bytes)) : dispi(vga, 6)
      call.bx = width * bytes
      call.cx = width
      call.dx = dispi(vga, 7)
      return ok()
    }
    case 0x07:
      if (call.bl === 0x00 || call.bl === 0x80) {
        dispi(vga, 8, call.cx)
        dispi(vga, 9, call.dx)
      } else {
        call.cx = dispi(vga, 8)
        call.dx = dispi(vga, 9)
      }
      return ok()
    case 0x08: {
      const enable = dispi(vga, 4)
      if (call.bl === 0) dispi(vga, 4, call.bh >= 8 ? enable | 0x20 : enable & ~0x20)
      call.bh = dispi(vga, 4) & 0x20 ? 8 : 6
      return ok()
    }
    case 0x09: {
      if (call.bl !== 0 && call.bl !== 0x80) return fail()
      vga.writePort(0x3c8, call.dx & 0xff)
      const wide = (dispi(vga, 4) & 0x20) !== 0
      for (let i = 0; i < call.cx; i++) {
        const entry = call.read32(call.es, call.di + i * 4)
        for (const shift of [16, 8, 0]) {
          const c = (entry >>> shift) & 0xff
          vga.writePort(0x3c9, wide ? c : c & 0x3f)
        }
      }
      return ok()
    }
    default:
      return fail()
  }
}

/** INT 10h. */
export function int10(call: BiosCall, env: BiosEnv): HandlerResult {
  const vga = env.vga
  if (!vga) return
  const screen = () => new Screen(call, vga)
  switch (call.ah) {
    case 0x00:
      setVideoMode(call, env, call.al)
      call.al = call.read8(BDA_SEG, BDA.VIDEO_MODE) > 7 ? 0x20 : 0x30
      return
    case 0x01:
      call.write16(BDA_SEG, BDA.CURSOR_SHAPE, call.cx)
      crtc(vga, 0x0a, call.ch)
      crtc(vga, 0x0b, call.cl)
      return
    case 0x02:
      screen().setCursor(call.bh & 7, call.dl, call.dh)
      return
    case 0x03: {
      const [col, row] = screen().cursor(call.bh & 7)
      call.dx = (row << 8) | col
      call.cx = call.read16(BDA_SEG, BDA.CURSOR_SHAPE)
      return
    }
    case 0x05: {
      const page = call.al & 7
      call.write8(BDA_SEG, BDA.ACTIVE_PAGE, page)
      const s = screen()
      const start = s.pageStart(page)
      call.write16(BDA_SEG, BDA.PAGE_START, start)
      crtc(vga, 0x0c, (start >> 1) >> 8)
      crtc(vga, 0x0d, (start >> 1) & 0xff)
      const [col, row] = s.cursor(page)
      s.setCursor(page, col, row)
      return
    }
    case 0x06:
    case 0x07:
      screen().scroll(call.ah === 0x06, call.al, call.bh, call.ch, call.cl, call.dh, call.dl)
      return
    case 0x08: {
      const s = screen()
      const [col, row] = s.cursor(call.bh & 7)
      const [ch, at] = s.readCell(call.bh & 7, col, row)
      call.ax = (at << 8) | ch
      return
    }
    case 0x09:
    case 0x0a: {
      const s = screen()
      const page = call.bh & 7
      const [col, row] = s.cursor(page)
      for (let i = 0; i < call.cx; i++) {
        const c = col + i
        if (row + Math.floor(c / s.cols) >= s.rows) break
        s.putChar(
          page,
          c % s.cols,
          row + Math.floor(c / s.cols),
          call.al,
          call.ah === 0x09 || !s.text ? call.bl : undefined,
        )
      }
      return
    }
    case 0x0c:
    case 0x0d: {
      const mode = call.read8(BDA_SEG, BDA.VIDEO_MODE)
      if (mode !== 0x13) return
      const offset = call.dx * 320 + call.cx
      if (call.ah === 0x0c) vga.writeWindow(offset, call.al)
      else call.al = vga.readWindow(offset)
      return
    }
    case 0x0e:
      screen().teletype(call.read8(BDA_SEG, BDA.ACTIVE_PAGE), call.al, call.bl)
      return
    case 0x0f:
      call.al = call.read8(BDA_SEG, BDA.VIDEO_MODE)
      call.ah = call.read16(BDA_SEG, BDA.COLUMNS)
      call.bh = call.read8(BDA_SEG, BDA.ACTIVE_PAGE)
      return
    case 0x10:
      palette(call, vga)
      return
    case 0x11:
      if (call.al === 0x30) {
        const fonts: Readonly<Record<number, number>> = { 3: ROM.FONT8, 6: ROM.FONT16 }
        call.es = 0xf000
        call.regs.ebp = (call.regs.ebp & 0xffff0000) | (fonts[call.bh] ?? ROM.FONT8)
        call.cx = call.read16(BDA_SEG, BDA.CHAR_HEIGHT)
        call.dl = call.read8(BDA_SEG, BDA.ROWS)
      }
      return
    case 0x12:
      if (call.bl === 0x10) {
        call.bx = 0x0003 // colour, 256 KB
        call.cx = 0x0009
      }
      return
    case 0x13:
      writeString(call, screen())
      return
    case 0x1a:
      if (call.al === 0x00) {
        call.al = 0x1a
        call.bx = 0x0008 // VGA with colour display
      }
      return
    case 0x4f:
      vbe(call, env, vga)
      return
    default:
  }
}

function palette(call: BiosCall, vga: VgaFirmwareServices): void {
  const attr = (index: number, value: number) => {
    vga.readPort(0x3da)
    vga.writePort(0x3c0, index)
    vga.writePort(0x3c0, value)
    vga.writePort(0x3c0, 0x20)
  }
  switch (call.al) {
    case 0x00:
      attr(call.bl & 0x1f, call.bh)
      return
    case 0x01:
      attr(0x11, call.bh)
      return
    case 0x02:
      for (let i = 0; i < 17; i++) attr(i === 16 ? 0x11 : i, call.read8(call.es, call.dx + i))
      return
    case 0x03: {
      vga.readPort(0x3da)
      vga.writePort(0x3c0, 0x10)
      const mode = vga.readPort(0x3c1)
      attr(0x10, call.bl ? mode | 0x08 : mode & ~0x08)
      return
    }
    case 0x10:
      vga.writePort(0x3c8, call.bx & 0xff)
      vga.writePort(0x3c9, call.dh)
      vga.writePort(0x3c9, call.ch)
      vga.writePort(0x3c9, call.cl)
      return
    case 0x12:
      vga.writePort(0x3c8, call.bx & 0xff)
      for (let i = 0; i < call.cx * 3; i++) vga.writePort(0x3c9, call.read8(call.es, call.dx + i))
      return
    case 0x15:
      vga.writePort(0x3c7, call.bx & 0xff)
      call.dh = vga.readPort(0x3c9)
      call.ch = vga.readPort(0x3c9)
      call.cl = vga.readPort(0x3c9)
      return
    case 0x17:
      vga.writePort(0x3c7, call.bx & 0xff)
      for (let i = 0; i < call.cx * 3; i++) call.write8(call.es, call.dx + i, vga.readPort(0x3c9))
      return
    default:
  }
}

function writeString(call: BiosCall, s: Screen): void {
  const page = call.bh & 7
  const [savedCol, savedRow] = s.cursor(page)
  s.setCursor(page, call.dl, call.dh)
  const withAttrs = (call.al & 2) !== 0
  for (let i = 0; i < call.cx; i++) {
    const ch = call.read8(call.es, call.bp + i * (withAttrs ? 2 : 1))
    const at = withAttrs ? call.read8(call.es, call.bp + i * 2 + 1) : call.bl
    if (ch === 0x07 || ch === 0x08 || ch === 0x0a || ch === 0x0d) {
      s.teletype(page, ch, at)
      continue
    }
    const [col, row] = s.cursor(page)
    s.putChar(page, col, row, ch, at)
    s.moveTo(page, col + 1, row)
  }
  if ((call.al & 1) === 0) s.setCursor(page, savedCol, savedRow)
}
