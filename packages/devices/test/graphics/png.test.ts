// The portable PNG encoder and its DEFLATE: streams inflated by Node's zlib (an independent inflater) and PNG
// files read back by ImageMagick's `convert` as the oracle; screenshots of the VGA in every pixel format.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { zlibCompress } from '../../src/graphics/png/deflate'
import { captureRgb, encodePng, screenshotPng } from '../../src/graphics/png/png-encoder'
import { dispi, LFB, setMode, vgaMachine } from './vga-helpers'

function magickRgb(png: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-png-'))
  const file = join(dir, 'shot.png')
  writeFileSync(file, png)
  return execFileSync('convert', [file, '-depth', '8', 'rgb:-'], { maxBuffer: 64 << 20 })
}

describe('zlibCompress', () => {
  it('round-trips through an independent inflater (random and repetitive data)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(300), (data, repeat) => {
        const input = new Uint8Array(data.length + repeat * 7)
        input.set(data)
        for (let i = data.length; i < input.length; i++) input[i] = input[i - (i % 7) - 1] ?? i & 0xff
        expect(new Uint8Array(inflateSync(zlibCompress(input)))).toEqual(input)
      }),
      { seed: 42, numRuns: 60 },
    )
  })

  it('compresses a uniform screen to a small fraction', () => {
    const raw = new Uint8Array(720 * 400 * 3).fill(0xaa)
    const packed = zlibCompress(raw)
    expect(packed.length).toBeLessThan(raw.length / 100)
    expect(inflateSync(packed).equals(raw)).toBe(true)
  })
})

describe('PNG screenshots', () => {
  it('encodes an RGB image ImageMagick decodes to the same pixels', () => {
    const width = 37
    const height = 11
    const rgb = new Uint8Array(width * height * 3).map((_, i) => (i * 31) & 0xff)
    expect(new Uint8Array(magickRgb(encodePng({ width, height, rgb })))).toEqual(rgb)
  })

  it('captures a text-mode screen exactly', () => {
    const { m, vga } = vgaMachine()
    setMode(m, 3)
    const text = 'Boxwood BIOS'
    for (let i = 0; i < text.length; i++) {
      m.memory.write8(0xb_8000 + i * 2, text.charCodeAt(i))
      m.memory.write8(0xb_8000 + i * 2 + 1, 0x1e)
    }
    vga.display.refresh()
    const png = screenshotPng(vga.display)
    const decoded = magickRgb(png)
    expect(decoded.length).toBe(720 * 400 * 3)
    expect(decoded.equals(captureRgb(vga.display).rgb)).toBe(true)
    expect(png.length).toBeLessThan(20_000)
  })

  it('converts 8, 16 and 24 bpp VBE modes', () => {
    for (const bpp of [8, 15, 16, 24]) {
      const { m, vga } = vgaMachine(2)
      dispi(m, 1, 64)
      dispi(m, 2, 8)
      dispi(m, 3, bpp)
      dispi(m, 4, 0x41)
      const bytes = bpp === 15 ? 2 : bpp / 8
      // Pixel (1, 0) pure red in each format.
      const red = bpp === 8 ? [4] : bpp === 15 ? [0x00, 0x7c] : bpp === 16 ? [0x00, 0xf8] : [0, 0, 0xff]
      red.forEach((b, i) => m.memory.write8(LFB + bytes + i, b))
      if (bpp === 8) {
        m.io.out8(0x3c8, 4)
        m.io.out8(0x3c9, 0x3f)
        m.io.out8(0x3c9, 0)
        m.io.out8(0x3c9, 0)
      }
      vga.display.refresh()
      const { rgb } = captureRgb(vga.display)
      expect(Array.from(rgb.subarray(3, 6)), `bpp ${bpp}`).toEqual([255, 0, 0])
      expect(Array.from(rgb.subarray(0, 3)), `bpp ${bpp}`).toEqual([0, 0, 0])
    }
  })
})
