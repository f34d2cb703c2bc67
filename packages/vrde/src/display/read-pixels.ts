// Reads a rectangle of a display source into a packed 32-bit B,G,R,X buffer, the one format the encoders use.
// Source layouts follow the PixelFormat definitions of @boxwood/devices (display.ts).
import type { DisplayRect, DisplaySource } from '@boxwood/devices'

/**
 * Copies `rect` of the current framebuffer into `out` (or a new buffer) as `rect.width * rect.height` pixels of
 * B,G,R,0 bytes, rows top-down. Out-of-range rows (a source that shrank under us) read as black.
 */
export function readBgrx(source: DisplaySource, rect: DisplayRect, out?: Uint8Array): Uint8Array {
  const { width: w, height: h } = rect
  const dst = out && out.length >= w * h * 4 ? out : new Uint8Array(w * h * 4)
  const mode = source.mode
  const fb = source.framebuffer()
  const { stride, offset, format } = mode
  for (let row = 0; row < h; row++) {
    const y = rect.y + row
    const d = row * w * 4
    if (y >= mode.height || rect.x + w > mode.width) {
      dst.fill(0, d, d + w * 4)
      continue
    }
    const lineStart = offset + y * stride
    switch (format) {
      case 'x8r8g8b8': {
        const s = lineStart + rect.x * 4
        if (s + w * 4 <= fb.length) dst.set(fb.subarray(s, s + w * 4), d)
        else dst.fill(0, d, d + w * 4)
        for (let i = d + 3; i < d + w * 4; i += 4) dst[i] = 0
        break
      }
      case 'r8g8b8': {
        let s = lineStart + rect.x * 3
        for (let i = 0; i < w; i++, s += 3) {
          const o = d + i * 4
          dst[o] = fb[s] ?? 0
          dst[o + 1] = fb[s + 1] ?? 0
          dst[o + 2] = fb[s + 2] ?? 0
          dst[o + 3] = 0
        }
        break
      }
      case 'r5g6b5':
      case 'x1r5g5b5': {
        const six = format === 'r5g6b5'
        let s = lineStart + rect.x * 2
        for (let i = 0; i < w; i++, s += 2) {
          const v = (fb[s] ?? 0) | ((fb[s + 1] ?? 0) << 8)
          const r = six ? (v >> 11) & 0x1f : (v >> 10) & 0x1f
          const g = six ? (v >> 5) & 0x3f : (v >> 5) & 0x1f
          const b = v & 0x1f
          const o = d + i * 4
          dst[o] = (b << 3) | (b >> 2)
          dst[o + 1] = six ? (g << 2) | (g >> 4) : (g << 3) | (g >> 2)
          dst[o + 2] = (r << 3) | (r >> 2)
          dst[o + 3] = 0
        }
        break
      }
      case 'indexed8': {
        const pal = source.palette?.()
        let s = lineStart + rect.x
        for (let i = 0; i < w; i++, s++) {
          const c = pal?.[fb[s] ?? 0] ?? 0
          const o = d + i * 4
          dst[o] = c & 0xff
          dst[o + 1] = (c >> 8) & 0xff
          dst[o + 2] = (c >> 16) & 0xff
          dst[o + 3] = 0
        }
        break
      }
    }
  }
  return dst
}
