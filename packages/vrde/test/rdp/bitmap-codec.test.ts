import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeInterleaved, encodePlanar, encodeUncompressed, uncompressedWidth } from '../../src/rdp/bitmap-codec'

/** Decoder written from MS-RDPEGDI 2.2.2.5.1 / 3.1.9 to check the encoder: returns B,G,R,X pixels top-down. */
function decodePlanar(data: Uint8Array, w: number, h: number): Uint8Array {
  expect(data[0]).toBe(0x30) // RLE | NA
  let p = 1
  const out = new Uint8Array(w * h * 4)
  for (const channel of [2, 1, 0]) {
    const plane = new Uint8Array(w * h) // in stream order: bottom-up
    for (let row = 0; row < h; row++) {
      let x = 0
      let value = 0
      while (x < w) {
        const control = data[p++] ?? 0
        let run = control & 0x0f
        let raw = control >> 4
        if (run === 1) [run, raw] = [16 + raw, 0]
        else if (run === 2) [run, raw] = [32 + raw, 0]
        for (let i = 0; i < raw; i++) {
          value = data[p++] ?? 0
          plane[row * w + x++] = value
        }
        for (let i = 0; i < run; i++) plane[row * w + x++] = value
        expect(x).toBeLessThanOrEqual(w)
      }
      if (row > 0) {
        for (let i = 0; i < w; i++) {
          const v = plane[row * w + i] ?? 0
          const delta = v & 1 ? -((v >> 1) + 1) : v >> 1
          plane[row * w + i] = ((plane[(row - 1) * w + i] ?? 0) + delta) & 0xff
        }
      }
    }
    for (let row = 0; row < h; row++) {
      const y = h - 1 - row
      for (let i = 0; i < w; i++) out[(y * w + i) * 4 + channel] = plane[row * w + i] ?? 0
    }
  }
  expect(p).toBe(data.length)
  return out
}

const tile = fc
  .record({
    w: fc.integer({ min: 1, max: 64 }),
    h: fc.integer({ min: 1, max: 64 }),
    colours: fc.integer({ min: 1, max: 6 }),
    seed: fc.nat(),
  })
  .map(({ w, h, colours, seed }) => {
    // Few colours in runs, so RLE wins and every segment shape (long runs, raw stretches) appears.
    const px = new Uint8Array(w * h * 4)
    let s = seed
    let c = 0
    for (let i = 0; i < w * h; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      if (s >>> 28 < 3) c = (s >>> 8) % colours
      px[i * 4] = (c * 53) & 0xff
      px[i * 4 + 1] = (c * 97 + (s >>> 31) * (colours > 4 ? 1 : 0)) & 0xff
      px[i * 4 + 2] = (c * 151) & 0xff
    }
    return { w, h, px }
  })

/**
 * Index of the first element where `a` and `b` differ (-1: none). Property runs compare whole tiles with one
 * assertion: an element-wise expect per pixel made these tests take 20–50 s on a loaded 2-core machine.
 */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return -1
}

describe('RDP 6.0 planar codec', () => {
  it('round-trips through a decoder written from the spec', () => {
    fc.assert(
      fc.property(tile, ({ w, h, px }) => {
        const enc = encodePlanar(px, w, h)
        if (enc === null) return // raw would be smaller: the caller sends uncompressed instead
        const got = decodePlanar(enc, w, h)
        expect(got.length).toBe(px.length)
        expect(firstDifference(got, px)).toBe(-1)
      }),
      { seed: 2024, numRuns: 400 },
    )
  })
  it('compresses flat tiles to a few bytes per line', () => {
    const px = new Uint8Array(64 * 64 * 4).fill(0x40)
    const enc = encodePlanar(px, 64, 64)
    expect(enc).not.toBeNull()
    expect(enc?.length).toBeLessThan(3 * 64 * 12)
  })
})

describe('uncompressed bitmaps', () => {
  it('writes rows bottom-up, padded to 4 bytes, in the session depth', () => {
    const px = Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 10, 11, 12, 0, 13, 14, 15, 0, 16, 17, 18, 0])
    expect([...encodeUncompressed(px, 3, 2, 32)]).toEqual([
      10, 11, 12, 0, 13, 14, 15, 0, 16, 17, 18, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0,
    ])
    expect(uncompressedWidth(3, 24)).toBe(4)
    const b24 = encodeUncompressed(px, 3, 2, 24)
    expect(b24.length).toBe(2 * 12)
    expect([...b24.subarray(0, 9)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18])
    const white = new Uint8Array(4).fill(255)
    expect([...encodeUncompressed(white, 1, 1, 16).subarray(0, 2)]).toEqual([0xff, 0xff])
    expect([...encodeUncompressed(white, 1, 1, 15).subarray(0, 2)]).toEqual([0xff, 0x7f])
  })
})

/** Decodes the colour-run / colour-image subset of interleaved RLE (MS-RDPBCGR 2.2.9.1.1.3.1.2.4) at 24 bpp. */
function decodeInterleaved24(data: Uint8Array, count: number): number[] {
  const px: number[] = []
  let p = 0
  const pixel = () => (data[p++] ?? 0) | ((data[p++] ?? 0) << 8) | ((data[p++] ?? 0) << 16)
  while (p < data.length) {
    const h = data[p++] ?? 0
    let n: number
    let kind: 'run' | 'image'
    if (h === 0xf3 || h === 0xf4) {
      n = (data[p++] ?? 0) | ((data[p++] ?? 0) << 8)
      kind = h === 0xf3 ? 'run' : 'image'
    } else {
      expect([0x60, 0x80]).toContain(h & 0xe0)
      kind = (h & 0xe0) === 0x60 ? 'run' : 'image'
      n = h & 0x1f
      if (n === 0) n = (data[p++] ?? 0) + 32
    }
    if (kind === 'run') {
      const v = pixel()
      for (let i = 0; i < n; i++) px.push(v)
    } else for (let i = 0; i < n; i++) px.push(pixel())
  }
  expect(px.length).toBe(count)
  return px
}

describe('interleaved RLE', () => {
  it('round-trips 24 bpp tiles (bottom-up, width padded to 4 by repeating the last pixel)', () => {
    fc.assert(
      fc.property(tile, ({ w, h, px }) => {
        const enc = encodeInterleaved(px, w, h, 24)
        if (enc === null) return
        const wp = uncompressedWidth(w, 24)
        const got = decodeInterleaved24(enc, wp * h)
        const want: number[] = []
        for (let y = 0; y < h; y++)
          for (let x = 0; x < wp; x++) {
            const s = ((h - 1 - y) * w + Math.min(x, w - 1)) * 4
            want.push((px[s] ?? 0) | ((px[s + 1] ?? 0) << 8) | ((px[s + 2] ?? 0) << 16))
          }
        expect(firstDifference(got, want)).toBe(-1)
      }),
      { seed: 77, numRuns: 300 },
    )
  })
})
