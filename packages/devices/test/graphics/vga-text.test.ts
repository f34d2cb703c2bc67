// VGA text modes: registers programmed through ports, text written to 0xB8000, rendered pixels checked
// against the character generator the guest loaded into plane 2; cursor, blink, dirty rectangles, mode change.
import { describe, expect, it } from 'vitest'
import { buildFont } from '../../src/graphics/vga/font-rom'
import type { DisplayMode, DisplayRect } from '../../src/backends/display'
import { pixel, setMode, vgaMachine } from './vga-helpers'

const font16 = buildFont(16)
const EGA = { black: 0x000000, blue: 0x0000a8, white: 0xffffff, grey: 0xa8a8a8, red: 0xa80000, brown: 0xa85700 }

function putChar(m: ReturnType<typeof vgaMachine>['m'], col: number, row: number, ch: string, attr: number): void {
  const a = 0xb_8000 + (row * 80 + col) * 2
  m.memory.write8(a, ch.charCodeAt(0))
  m.memory.write8(a + 1, attr)
}

/** Checks every pixel of a 9×16 cell against the font: ink → fg, else bg. */
function expectCell(
  vga: ReturnType<typeof vgaMachine>['vga'],
  col: number,
  row: number,
  code: number,
  fg: number,
  bg: number,
): void {
  for (let y = 0; y < 16; y++) {
    const bits = font16[code * 16 + y]!
    for (let x = 0; x < 9; x++) {
      const ink = x < 8 && (bits & (0x80 >> x)) !== 0
      expect(pixel(vga, col * 9 + x, row * 16 + y), `cell ${col},${row} pixel ${x},${y}`).toBe(ink ? fg : bg)
    }
  }
}

describe('VGA text mode', () => {
  it('is blank until programmed, then mode 3 is 720×400 with the project font', () => {
    const { m, vga } = vgaMachine()
    vga.display.refresh()
    expect(vga.display.framebuffer().every((b, i) => (i % 4 === 3 ? b === 0xff : b === 0))).toBe(true)
    setMode(m, 3)
    const modes: DisplayMode[] = []
    vga.display.subscribe({ onModeChange: (mode) => modes.push(mode) })
    putChar(m, 0, 0, 'H', 0x1f)
    putChar(m, 1, 0, 'g', 0x1f)
    putChar(m, 79, 24, 'Z', 0x4e)
    vga.display.refresh()
    expect(modes).toEqual([{ width: 720, height: 400, format: 'x8r8g8b8', stride: 2880, offset: 0 }])
    expectCell(vga, 0, 0, 0x48, EGA.white, EGA.blue)
    expectCell(vga, 1, 0, 0x67, EGA.white, EGA.blue)
    expectCell(vga, 79, 24, 0x5a, 0xffff57, EGA.red)
    // Cleared cells show a space in light grey on black.
    expectCell(vga, 40, 12, 0x20, EGA.grey, EGA.black)
  })

  it('glyph designs are distinct for every printable ASCII character', () => {
    const seen = new Set<string>()
    for (let c = 0x21; c < 0x7f; c++) {
      const key = Array.from(font16.subarray(c * 16, c * 16 + 16)).join(',')
      expect(key, String.fromCharCode(c)).not.toBe(Array(16).fill(0).join(','))
      expect(seen.has(key), String.fromCharCode(c)).toBe(false)
      seen.add(key)
    }
  })

  it('repeats column 8 of line-drawing characters in 9-dot mode', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    m.memory.write8(0xb_8000, 0xc4) // ─
    m.memory.write8(0xb_8001, 0x07)
    m.memory.write8(0xb_8002, 0xc4)
    m.memory.write8(0xb_8003, 0x07)
    vga.display.refresh()
    // The horizontal line is unbroken across the cell boundary (column 8 repeats column 7).
    for (let x = 0; x < 18; x++) expect(pixel(vga, x, 8)).toBe(EGA.grey)
  })

  it('reports dirty rectangles of changed cells only', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    vga.display.refresh()
    const rects: DisplayRect[] = []
    vga.display.subscribe({ onUpdate: (r) => rects.push(r) })
    m.clock.advanceNs(1000) // same blink phase
    vga.display.refresh()
    expect(rects).toEqual([])
    putChar(m, 5, 10, 'A', 0x07)
    vga.display.refresh()
    expect(rects).toEqual([{ x: 45, y: 160, width: 9, height: 16 }])
  })

  it('draws the cursor at CR0E/CR0F over scan lines CR0A..CR0B and blinks it on virtual time', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3, false)
    const at = 2 * 80 + 3
    m.io.out8(0x3d4, 0x0e)
    m.io.out8(0x3d5, at >> 8)
    m.io.out8(0x3d4, 0x0f)
    m.io.out8(0x3d5, at & 0xff)
    vga.display.refresh()
    expect(pixel(vga, 3 * 9 + 4, 2 * 16 + 14)).toBe(EGA.grey) // cursor lines 13..14 (CR0A=0x0D, CR0B=0x0E)
    expect(pixel(vga, 3 * 9 + 4, 2 * 16 + 12)).toBe(EGA.black)
    m.clock.advanceNs(300_000_000)
    vga.display.refresh()
    expect(pixel(vga, 3 * 9 + 4, 2 * 16 + 14)).toBe(EGA.black)
    // CR0A bit 5 disables the cursor.
    m.clock.advanceNs(300_000_000)
    m.io.out8(0x3d4, 0x0a)
    m.io.out8(0x3d5, 0x20)
    vga.display.refresh()
    expect(pixel(vga, 3 * 9 + 4, 2 * 16 + 14)).toBe(EGA.black)
  })

  it('blinks characters with attribute bit 7 and limits the background to 8 colours', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    putChar(m, 0, 0, 'X', 0xe4) // blink, bg 6 (brown), fg 4 (red)
    vga.display.refresh()
    expectCell(vga, 0, 0, 0x58, EGA.red, EGA.brown)
    m.clock.advanceNs(600_000_000)
    vga.display.refresh()
    expectCell(vga, 0, 0, 0x58, EGA.brown, EGA.brown)
  })

  it('40-column mode and the start address (scrolling) follow the CRTC', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 1)
    vga.display.refresh()
    expect(vga.display.mode.width).toBe(360)
    m.memory.write8(0xb_8000 + 40 * 2, 0x41) // row 1, col 0
    m.memory.write8(0xb_8000 + 40 * 2 + 1, 0x0f)
    m.io.out8(0x3d4, 0x0d)
    m.io.out8(0x3d5, 40) // start at row 1
    vga.display.refresh()
    expectCell(vga, 0, 0, 0x41, 0xffffff, 0)
  })

  it('blanks the screen while the attribute controller owns the palette', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    putChar(m, 0, 0, '#', 0x70)
    m.io.in8(0x3da)
    m.io.out8(0x3c0, 0x00) // PAS cleared
    vga.display.refresh()
    expect(pixel(vga, 1, 1)).toBe(0)
  })
})
