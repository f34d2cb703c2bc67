// A ZRLE tile-stream decoder written from RFC 6143 §7.7.6 for tests: turns uncompressed tile data back into the
// client's pixel values, so that encoder output can be checked pixel by pixel.
import { cpixelLayout } from '../../src/rfb/pixel-format'
import type { RfbPixelFormat } from '../../src/rfb/pixel-format'

/** Decodes `w`×`h` pixels of ZRLE tile data; throws on any inconsistency, including trailing bytes. */
export function decodeZrleTiles(pf: RfbPixelFormat, data: Uint8Array, w: number, h: number): number[] {
  const { bytes: cb, skipHigh } = cpixelLayout(pf)
  const out = new Array<number>(w * h).fill(-1)
  let p = 0
  const byte = (): number => {
    if (p >= data.length) throw new Error('truncated tile data')
    return data[p++] as number
  }
  const cpixel = (): number => {
    let v = 0
    for (let k = 0; k < cb; k++) {
      const b = byte()
      v = pf.bigEndian ? v * 256 + b : v + b * 2 ** (8 * k)
    }
    return cb === 3 && !skipHigh ? v * 256 : v
  }
  const runLength = (): number => {
    let len = 1
    for (;;) {
      const b = byte()
      len += b
      if (b !== 255) return len
    }
  }
  for (let ty = 0; ty < h; ty += 64) {
    for (let tx = 0; tx < w; tx += 64) {
      const tw = Math.min(64, w - tx)
      const th = Math.min(64, h - ty)
      const n = tw * th
      const tile: number[] = []
      const sub = byte()
      const palette: number[] = []
      const paletteSize = sub & 127
      for (let i = 0; i < paletteSize && sub !== 0 && sub !== 128; i++) palette.push(cpixel())
      if (sub === 0) for (let i = 0; i < n; i++) tile.push(cpixel())
      else if (sub === 1) for (let i = 0; i < n; i++) tile.push(palette[0] as number)
      else if (sub <= 16) {
        const bits = sub === 2 ? 1 : sub <= 4 ? 2 : 4
        for (let y = 0; y < th; y++) {
          let acc = 0
          let left = 0
          for (let x = 0; x < tw; x++) {
            if (left === 0) {
              acc = byte()
              left = 8
            }
            left -= bits
            const ix = (acc >> left) & ((1 << bits) - 1)
            if (ix >= palette.length) throw new Error(`palette index ${ix} of ${palette.length}`)
            tile.push(palette[ix] as number)
          }
        }
      } else if (sub === 128) {
        while (tile.length < n) {
          const v = cpixel()
          const len = runLength()
          for (let i = 0; i < len; i++) tile.push(v)
        }
      } else if (sub >= 130) {
        while (tile.length < n) {
          const b = byte()
          const v = palette[b & 127]
          if (v === undefined) throw new Error(`palette index ${b & 127} of ${palette.length}`)
          const len = b & 128 ? runLength() : 1
          for (let i = 0; i < len; i++) tile.push(v)
        }
      } else throw new Error(`unused subencoding ${sub}`)
      if (tile.length !== n) throw new Error(`tile at ${tx},${ty}: ${tile.length} pixels, expected ${n}`)
      for (let i = 0; i < n; i++) out[(ty + Math.floor(i / tw)) * w + tx + (i % tw)] = tile[i] as number
    }
  }
  if (p !== data.length) throw new Error(`${data.length - p} bytes after the last tile`)
  return out
}
