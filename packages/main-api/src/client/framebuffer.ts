// Reads a DisplaySource's framebuffer as RGBA for screenshots, for every pixel format of the display contract
// (@boxwood/devices backends/display.ts: x8r8g8b8, r8g8b8, r5g6b5, x1r5g5b5, indexed8).
import type { DisplaySource } from '@boxwood/devices'

/** A copy of the current screen, RGBA 4 bytes per pixel, top row first. */
export interface RgbaImage {
  readonly width: number
  readonly height: number
  readonly rgba: Uint8Array
}

/** Copies the visible screen of `source` into RGBA. */
export function captureRgba(source: DisplaySource): RgbaImage {
  const { width, height, format, stride, offset } = source.mode
  const fb = source.framebuffer()
  const palette = format === 'indexed8' ? source.palette?.() : undefined
  const out = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    let p = offset + y * stride
    let o = y * width * 4
    for (let x = 0; x < width; x++, o += 4) {
      let r = 0
      let g = 0
      let b = 0
      switch (format) {
        case 'x8r8g8b8':
          b = fb[p] ?? 0
          g = fb[p + 1] ?? 0
          r = fb[p + 2] ?? 0
          p += 4
          break
        case 'r8g8b8':
          b = fb[p] ?? 0
          g = fb[p + 1] ?? 0
          r = fb[p + 2] ?? 0
          p += 3
          break
        case 'r5g6b5': {
          const w = (fb[p] ?? 0) | ((fb[p + 1] ?? 0) << 8)
          r = (((w >> 11) & 0x1f) * 255) / 31
          g = (((w >> 5) & 0x3f) * 255) / 63
          b = ((w & 0x1f) * 255) / 31
          p += 2
          break
        }
        case 'x1r5g5b5': {
          const w = (fb[p] ?? 0) | ((fb[p + 1] ?? 0) << 8)
          r = (((w >> 10) & 0x1f) * 255) / 31
          g = (((w >> 5) & 0x1f) * 255) / 31
          b = ((w & 0x1f) * 255) / 31
          p += 2
          break
        }
        case 'indexed8': {
          const c = palette?.[fb[p] ?? 0] ?? 0
          r = (c >> 16) & 0xff
          g = (c >> 8) & 0xff
          b = c & 0xff
          p += 1
          break
        }
      }
      out[o] = Math.round(r)
      out[o + 1] = Math.round(g)
      out[o + 2] = Math.round(b)
      out[o + 3] = 0xff
    }
  }
  return { width, height, rgba: out }
}
