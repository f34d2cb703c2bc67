// Screenshots: every display pixel format converts to RGBA, and the PNG encoder's output is decoded by ImageMagick.
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '@boxwood/vrde'
import { captureRgba } from '../../src/client/framebuffer'
import { encodePng, scaleRgba } from '../../src/client/png'
import { tempDir } from '../helpers'

describe('framebuffer capture', () => {
  it.each(['x8r8g8b8', 'r8g8b8', 'r5g6b5', 'x1r5g5b5'] as const)('reads %s pixels', (format) => {
    const display = new MemoryDisplaySource(4, 2, format)
    display.fillRect(0, 0, 4, 2, 0x000000)
    display.fillRect(1, 1, 1, 1, 0xff0000)
    display.fillRect(2, 0, 1, 1, 0x00ff00)
    const { width, height, rgba } = captureRgba(display)
    expect([width, height]).toEqual([4, 2])
    expect([...rgba.subarray((1 * 4 + 1) * 4, (1 * 4 + 1) * 4 + 4)]).toEqual([255, 0, 0, 255])
    expect([...rgba.subarray(2 * 4, 2 * 4 + 4)]).toEqual([0, 255, 0, 255])
    expect([...rgba.subarray(0, 4)]).toEqual([0, 0, 0, 255])
  })

  it('reads indexed pixels through the palette', () => {
    const display = new MemoryDisplaySource(2, 1, 'indexed8')
    display.framebuffer().set([0, 3])
    const palette = display.palette()
    const { rgba } = captureRgba(display)
    expect([...rgba.subarray(4, 7)]).toEqual([
      (palette[3]! >> 16) & 0xff,
      (palette[3]! >> 8) & 0xff,
      palette[3]! & 0xff,
    ])
  })

  it('encodes PNGs that ImageMagick decodes pixel for pixel', async () => {
    const dir = await tempDir('png')
    try {
      const w = 3
      const h = 2
      const rgba = new Uint8Array([
        255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255,
      ])
      const file = join(dir.path, 'a.png')
      await writeFile(file, encodePng(w, h, rgba))
      const text = execFileSync('convert', [file, '-depth', '8', 'rgba:-'])
      expect([...text]).toEqual([...rgba])
      const scaled = scaleRgba(rgba, w, h, 6, 4)
      expect(scaled.length).toBe(6 * 4 * 4)
      expect([...scaled.subarray(0, 4)]).toEqual([255, 0, 0, 255])
      expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError)
    } finally {
      await dir.cleanup()
    }
  })
})
