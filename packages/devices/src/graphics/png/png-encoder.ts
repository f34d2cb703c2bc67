// PNG encoding (ISO/IEC 15948, PNG 1.2: signature, IHDR, IDAT, IEND, CRC-32 per chunk) of 8-bit RGB images,
// and a screenshot of any DisplaySource (every pixel format of backends/display.ts converted to RGB).
import type { DisplaySource } from '../../backends/display'
import { zlibCompress } from './deflate'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** An RGB image: `width × height × 3` bytes, row-major, R,G,B. */
export interface RgbImage {
  readonly width: number
  readonly height: number
  readonly rgb: Uint8Array
}

/** Encodes an 8-bit RGB image as PNG (colour type 2, no interlace, filter 0 on every row). */
export function encodePng(image: RgbImage): Uint8Array {
  const { width, height, rgb } = image
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size ${width}×${height} is invalid`)
  }
  if (rgb.length < width * height * 3) throw new RangeError('PNG pixel data is shorter than width × height × 3')
  const raw = new Uint8Array((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1)
  }
  const idat = zlibCompress(raw)
  const ihdr = new Uint8Array(13)
  const v = new DataView(ihdr.buffer)
  v.setUint32(0, width)
  v.setUint32(4, height)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['IDAT', idat],
    ['IEND', new Uint8Array(0)],
  ]
  const total = 8 + chunks.reduce((n, [, d]) => n + 12 + d.length, 0)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  let p = 8
  for (const [type, data] of chunks) {
    view.setUint32(p, data.length)
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i)
    out.set(data, p + 8)
    view.setUint32(p + 8 + data.length, crc32(out, p + 4, p + 8 + data.length))
    p += 12 + data.length
  }
  return out
}

/** Reads the current screen of `source` into an RGB image (all pixel formats, palette for indexed8). */
export function captureRgb(source: DisplaySource): RgbImage {
  const { width, height, stride, offset, format } = source.mode
  const fb = source.framebuffer()
  const palette = source.palette?.()
  const rgb = new Uint8Array(width * height * 3)
  let o = 0
  for (let y = 0; y < height; y++) {
    let p = offset + y * stride
    for (let x = 0; x < width; x++) {
      let r = 0
      let g = 0
      let b = 0
      switch (format) {
        case 'x8r8g8b8':
          b = fb[p]!
          g = fb[p + 1]!
          r = fb[p + 2]!
          p += 4
          break
        case 'r8g8b8':
          b = fb[p]!
          g = fb[p + 1]!
          r = fb[p + 2]!
          p += 3
          break
        case 'r5g6b5': {
          const w = fb[p]! | (fb[p + 1]! << 8)
          r = (((w >> 11) & 0x1f) * 255) / 31
          g = (((w >> 5) & 0x3f) * 255) / 63
          b = ((w & 0x1f) * 255) / 31
          p += 2
          break
        }
        case 'x1r5g5b5': {
          const w = fb[p]! | (fb[p + 1]! << 8)
          r = (((w >> 10) & 0x1f) * 255) / 31
          g = (((w >> 5) & 0x1f) * 255) / 31
          b = ((w & 0x1f) * 255) / 31
          p += 2
          break
        }
        default: {
          const c = palette?.[fb[p]!] ?? 0
          r = (c >> 16) & 0xff
          g = (c >> 8) & 0xff
          b = c & 0xff
          p += 1
        }
      }
      rgb[o++] = r
      rgb[o++] = g
      rgb[o++] = b
    }
  }
  return { width, height, rgb }
}

/** A PNG screenshot of `source` as it is now. */
export function screenshotPng(source: DisplaySource): Uint8Array {
  return encodePng(captureRgb(source))
}
