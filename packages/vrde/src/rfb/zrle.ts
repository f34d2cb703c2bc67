// ZRLE rectangle data before zlib (RFC 6143 §7.7.6): 64×64 tiles, each solid, packed palette, palette RLE,
// plain RLE or raw — whichever is smallest. The caller compresses the result with the connection's zlib stream.
import { cpixelLayout, pixelValue, writeCpixel } from './pixel-format'
import type { RfbPixelFormat } from './pixel-format'

const TILE = 64

/** Encodes a `w`×`h` B,G,R,X rectangle as uncompressed ZRLE tile data. */
export function encodeZrleTiles(pf: RfbPixelFormat, bgrx: Uint8Array, w: number, h: number): Uint8Array {
  const { bytes: cb, skipHigh } = cpixelLayout(pf)
  let out = new Uint8Array(Math.max(1024, w * h * cb + Math.ceil(w / TILE) * Math.ceil(h / TILE) * 8))
  let pos = 0
  const ensure = (n: number) => {
    if (pos + n <= out.length) return
    const next = new Uint8Array(Math.max(out.length * 2, pos + n))
    next.set(out.subarray(0, pos))
    out = next
  }
  const vals = new Uint32Array(TILE * TILE)
  const palette = new Map<number, number>()
  const paletteList: number[] = []
  for (let ty = 0; ty < h; ty += TILE) {
    const th = Math.min(TILE, h - ty)
    for (let tx = 0; tx < w; tx += TILE) {
      const tw = Math.min(TILE, w - tx)
      const n = tw * th
      palette.clear()
      paletteList.length = 0
      let runs = 0
      let runBytes = 0
      let prev = -1
      let runLen = 0
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const v = pixelValue(pf, bgrx, (ty + y) * w + tx + x)
          vals[y * tw + x] = v
          if (paletteList.length <= 127 && !palette.has(v)) {
            palette.set(v, paletteList.length)
            paletteList.push(v)
          }
          if (v === prev) runLen++
          else {
            if (runLen > 0) {
              runs++
              runBytes += runLen === 1 ? 0 : Math.floor((runLen - 1) / 255) + 1
            }
            prev = v
            runLen = 1
          }
        }
      }
      runs++
      runBytes += runLen === 1 ? 0 : Math.floor((runLen - 1) / 255) + 1
      const np = paletteList.length
      if (np === 1) {
        ensure(1 + cb)
        out[pos++] = 1
        writeCpixel(out, pos, paletteList[0] ?? 0, pf, cb, skipHigh)
        pos += cb
        continue
      }
      const rawSize = n * cb
      const plainRle = runs * cb + runBytes + runs // each run: pixel + length bytes (≥1)
      const bits = np <= 2 ? 1 : np <= 4 ? 2 : 4
      const packed = np <= 16 ? np * cb + th * Math.ceil((tw * bits) / 8) : Infinity
      const palRle = np <= 127 ? np * cb + runs + runBytes : Infinity
      const best = Math.min(rawSize, plainRle, packed, palRle)
      ensure(1 + best + 16)
      if (best === packed) {
        out[pos++] = np
        for (const c of paletteList) {
          writeCpixel(out, pos, c, pf, cb, skipHigh)
          pos += cb
        }
        for (let y = 0; y < th; y++) {
          let acc = 0
          let nbits = 0
          for (let x = 0; x < tw; x++) {
            acc = (acc << bits) | (palette.get(vals[y * tw + x] ?? 0) ?? 0)
            nbits += bits
            if (nbits === 8) {
              out[pos++] = acc
              acc = 0
              nbits = 0
            }
          }
          if (nbits > 0) out[pos++] = (acc << (8 - nbits)) & 0xff
        }
      } else if (best === palRle) {
        out[pos++] = 128 + np
        for (const c of paletteList) {
          writeCpixel(out, pos, c, pf, cb, skipHigh)
          pos += cb
        }
        pos = writeRuns(
          out,
          pos,
          vals,
          n,
          (v, o) => {
            out[o] = palette.get(v) ?? 0
            return 1
          },
          true,
        )
      } else if (best === plainRle) {
        out[pos++] = 128
        pos = writeRuns(
          out,
          pos,
          vals,
          n,
          (v, o) => {
            writeCpixel(out, o, v, pf, cb, skipHigh)
            return cb
          },
          false,
        )
      } else {
        out[pos++] = 0
        for (let i = 0; i < n; i++) {
          writeCpixel(out, pos, vals[i] ?? 0, pf, cb, skipHigh)
          pos += cb
        }
      }
    }
  }
  return out.subarray(0, pos)
}

/** Writes runs of equal values; with `paletteMode` a run of one is a bare index (RFC 6143 §7.7.6, 130–255). */
function writeRuns(
  out: Uint8Array,
  pos: number,
  vals: Uint32Array,
  n: number,
  put: (v: number, o: number) => number,
  paletteMode: boolean,
): number {
  let i = 0
  while (i < n) {
    const v = vals[i] ?? 0
    let j = i + 1
    while (j < n && vals[j] === v) j++
    const len = j - i
    const at = pos
    pos += put(v, pos)
    if (paletteMode && len === 1) {
      i = j
      continue
    }
    if (paletteMode) out[at] = (out[at] ?? 0) | 0x80
    let rest = len - 1
    while (rest >= 255) {
      out[pos++] = 255
      rest -= 255
    }
    out[pos++] = rest
    i = j
  }
  return pos
}
