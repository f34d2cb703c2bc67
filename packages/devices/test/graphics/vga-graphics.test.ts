// VGA graphics modes (planar 16-colour with write modes, CGA 4-colour, mode 13h) and the VBE DISPI interface
// with its linear framebuffer and 64 KB bank window, driven only through ports and guest memory.
import { describe, expect, it } from 'vitest'
import type { DisplayMode, DisplayRect } from '../../src/backends/display'
import { LFB, dispi, pixel, setMode, vgaMachine } from './vga-helpers'

describe('VGA graphics modes', () => {
  it('mode 13h: 320×200, one byte per pixel through the DAC', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 0x13)
    m.memory.write8(0xa_0000 + 20 * 320 + 10, 4) // red
    m.io.out8(0x3c8, 200)
    m.io.out8(0x3c9, 0x3f)
    m.io.out8(0x3c9, 0x20)
    m.io.out8(0x3c9, 0x00)
    m.memory.write8(0xa_0000 + 199 * 320 + 319, 200)
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 320, height: 200 })
    expect(pixel(vga, 10, 20)).toBe(0xa80000)
    expect(pixel(vga, 319, 199)).toBe(0xff8000)
    expect(pixel(vga, 11, 20)).toBe(0)
    // Reading back through chain-4 returns the byte.
    expect(m.memory.read8(0xa_0000 + 20 * 320 + 10)).toBe(4)
  })

  it('mode 12h: planar 640×480×16 with write mode 2, bit mask and the latches', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 0x12)
    m.io.out8(0x3ce, 5)
    m.io.out8(0x3cf, 0x02) // write mode 2
    m.io.out8(0x3ce, 8)
    m.io.out8(0x3cf, 0x80) // bit mask: leftmost pixel
    m.memory.read8(0xa_0000 + 100 * 80 + 2) // load latches
    m.memory.write8(0xa_0000 + 100 * 80 + 2, 0x0e) // yellow at x = 16
    m.io.out8(0x3cf, 0x01) // bit mask: rightmost pixel of the byte
    m.memory.read8(0xa_0000 + 100 * 80 + 2)
    m.memory.write8(0xa_0000 + 100 * 80 + 2, 0x09) // light blue at x = 23
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 640, height: 480 })
    expect(pixel(vga, 16, 100)).toBe(0xffff57)
    expect(pixel(vga, 23, 100)).toBe(0x5757ff)
    expect(pixel(vga, 17, 100)).toBe(0)
    // Read mode 1 (colour compare) finds the yellow pixel.
    m.io.out8(0x3ce, 5)
    m.io.out8(0x3cf, 0x08)
    m.io.out8(0x3ce, 2)
    m.io.out8(0x3cf, 0x0e)
    m.io.out8(0x3ce, 7)
    m.io.out8(0x3cf, 0x0f)
    expect(m.memory.read8(0xa_0000 + 100 * 80 + 2)).toBe(0x80)
  })

  it('mode 12h: write mode 0 with set/reset and the XOR function', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 0x12)
    const a = 0xa_0000 + 5 * 80
    m.io.out8(0x3ce, 0)
    m.io.out8(0x3cf, 0x04) // set/reset: plane 2 (red)
    m.io.out8(0x3ce, 1)
    m.io.out8(0x3cf, 0x0f) // enable set/reset on all planes
    m.memory.write8(a, 0xff)
    m.io.out8(0x3ce, 1)
    m.io.out8(0x3cf, 0x00)
    m.io.out8(0x3ce, 3)
    m.io.out8(0x3cf, 0x18) // XOR with the latches
    m.memory.read8(a)
    m.memory.write8(a, 0x0f) // plane data 0x0F on all planes XOR latch
    vga.display.refresh()
    expect(pixel(vga, 0, 5)).toBe(0xa80000) // red stays
    expect(pixel(vga, 7, 5)).toBe(0x57ffff) // 0x4 ^ 0xF = 0xB (light cyan)
  })

  it('mode 4: CGA 4-colour with interleaved odd scan lines at 0xBA000', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 4)
    m.memory.write8(0xb_8000, 0b00_01_10_11) // line 0, pixels 0..3 = colours 0..3
    m.memory.write8(0xb_a000 + 1, 0b01_00_00_00) // line 1, pixel 4
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 320, height: 200 })
    expect([0, 1, 2, 3].map((x) => pixel(vga, x, 0))).toEqual([0x000000, 0x57ffff, 0xff57ff, 0xffffff])
    expect(pixel(vga, 4, 1)).toBe(0x57ffff)
    expect(pixel(vga, 4, 0)).toBe(0)
  })

  it('reports dirty lines and mode changes', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 0x13)
    const modes: DisplayMode[] = []
    const rects: DisplayRect[] = []
    vga.display.subscribe({ onModeChange: (mode) => modes.push(mode), onUpdate: (r) => rects.push(r) })
    vga.display.refresh()
    expect(modes).toHaveLength(1)
    m.memory.write8(0xa_0000 + 50 * 320 + 1, 15)
    vga.display.refresh()
    expect(rects.at(-1)!.y).toBeLessThanOrEqual(50)
    expect(rects.at(-1)!.y + rects.at(-1)!.height).toBeGreaterThan(50)
    expect(rects.at(-1)!.height).toBeLessThan(200)
  })
})

describe('VBE DISPI', () => {
  it('reports its version, capabilities and video memory', () => {
    const { m } = vgaMachine(8)
    expect(dispi(m, 0)).toBe(0xb0c5)
    dispi(m, 4, 0x02) // GETCAPS
    expect([dispi(m, 1), dispi(m, 2), dispi(m, 3)]).toEqual([1920, 1200, 32])
    expect(dispi(m, 10)).toBe(8 * 16)
  })

  it('sets 1920×1200×32 with a linear framebuffer the display reads without copying', () => {
    const { m, vga } = vgaMachine(16)
    dispi(m, 4, 0)
    dispi(m, 1, 1920)
    dispi(m, 2, 1200)
    dispi(m, 3, 32)
    dispi(m, 4, 0x41)
    const modes: DisplayMode[] = []
    const rects: DisplayRect[] = []
    vga.display.subscribe({ onModeChange: (mode) => modes.push(mode), onUpdate: (r) => rects.push(r) })
    vga.display.refresh()
    expect(modes).toEqual([{ width: 1920, height: 1200, format: 'x8r8g8b8', stride: 7680, offset: 0 }])
    m.memory.write32(LFB + (1199 * 1920 + 1919) * 4, 0x00123456)
    vga.display.refresh()
    expect(pixel(vga, 1919, 1199)).toBe(0x123456)
    expect(rects).toEqual([{ x: 0, y: 1199, width: 1920, height: 1 }])
    const fb = vga.display.framebuffer()
    m.memory.write8(LFB, 0x77)
    expect(fb[0]).toBe(0x77) // a view, not a copy
  })

  it('maps 64 KB banks at 0xA0000 and pans with the display start', () => {
    const { m, vga } = vgaMachine(4)
    dispi(m, 1, 640)
    dispi(m, 2, 480)
    dispi(m, 3, 16)
    dispi(m, 4, 0x01)
    dispi(m, 5, 2) // bank 2
    m.memory.write16(0xa_0000 + 4, 0xf800) // red in r5g6b5, linear byte 0x20004
    expect(m.memory.read16(LFB + 0x2_0004)).toBe(0xf800)
    vga.display.refresh()
    const y = Math.floor(0x2_0004 / 1280)
    const x = (0x2_0004 % 1280) / 2
    expect(vga.display.mode.format).toBe('r5g6b5')
    const fb = vga.display.framebuffer()
    expect(fb[vga.display.mode.offset + y * 1280 + x * 2 + 1]).toBe(0xf8)
    dispi(m, 9, 10)
    vga.display.refresh()
    expect(vga.display.mode.offset).toBe(10 * 1280)
  })

  it('refuses modes that do not fit video memory and ignores nonsense values', () => {
    const { m, vga } = vgaMachine(1)
    dispi(m, 1, 1024)
    dispi(m, 2, 768)
    dispi(m, 3, 32)
    dispi(m, 4, 0x01)
    expect(dispi(m, 4) & 1).toBe(0)
    dispi(m, 3, 13) // unsupported depth
    expect(dispi(m, 3)).toBe(32)
    dispi(m, 1, 4000)
    expect(dispi(m, 1)).toBe(1024)
    dispi(m, 5, 999) // bank beyond VRAM
    expect(dispi(m, 5)).toBe(0)
    vga.display.refresh()
    expect(vga.display.mode.format).toBe('x8r8g8b8')
  })

  it('returns to VGA modes when disabled', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    dispi(m, 4, 0x01)
    vga.display.refresh()
    expect(vga.display.mode.format).toBe('indexed8')
    dispi(m, 4, 0x00)
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 720, height: 400, format: 'x8r8g8b8' })
  })
})
