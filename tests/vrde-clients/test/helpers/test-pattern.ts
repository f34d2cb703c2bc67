// A deterministic test picture with gradients, flat areas, a few-colour text-like block and single pixels, so
// that every encoder path (raw, palettes, runs) is exercised.
import type { MemoryDisplaySource } from '@boxwood/vrde'

/** Draws the pattern into `d` (x8r8g8b8) and announces the whole screen. */
export function drawTestPattern(d: MemoryDisplaySource, seed = 1): void {
  const { width, height, stride } = d.mode
  const fb = d.framebuffer()
  let s = seed >>> 0
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * stride + x * 4
      let r: number, g: number, b: number
      if (y < height / 3) {
        r = (x * 255) / width
        g = (y * 255) / height
        b = ((x + y) * 7) & 0xff
      } else if (y < (2 * height) / 3) {
        const glyph = ((x >> 3) * 13 + (y >> 4) * 7) % 5 !== 0 && ((x * 5 + y * 3) & 7) < 3
        r = glyph ? 230 : 20
        g = glyph ? 230 : 30
        b = glyph ? 230 : 120
      } else if (x < width / 2) {
        r = 200
        g = 40
        b = 40
      } else {
        r = rnd()
        g = rnd()
        b = rnd()
      }
      fb[o] = b | 0
      fb[o + 1] = g | 0
      fb[o + 2] = r | 0
      fb[o + 3] = 0
    }
  }
  d.invalidate()
}
