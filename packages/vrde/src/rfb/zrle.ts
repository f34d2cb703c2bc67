// ZRLE rectangle data before zlib (RFC 6143 §7.7.6): 64×64 tiles, each solid, packed palette, palette RLE,
// plain RLE or raw — whichever is smallest. The caller compresses the result with the connection's zlib stream.
// Hot loop: pixel values come from per-channel lookup tables, palettes from a Map only until they exceed 127.
import { cpixelLayout } from './pixel-format'
import type { RfbPixelFormat } from './pixel-format'

const TILE = 64

/** Per-channel tables turning 8-bit B, G, R into the client's shifted, scaled components. */
function channelTables(pf: RfbPixelFormat): [Uint32Array, Uint32Array, Uint32Array] {
  const make = (max: number, shift: number) => {
    const t = new Uint32Array(256)
    for (let v = 0; v < 256; v++) t[v] = ((((v * max + 127) / 255) | 0) * 2 ** shift) >>> 0
    return t
  }
  return [make(pf.blueMax, pf.blueShift), make(pf.greenMax, pf.greenShift), make(pf.redMax, pf.redShift)]
}

/**
 * Encodes a `w`×`h` B,G,R,X rectangle as uncompressed ZRLE tile data. `scratch` (optional) is reused as the
 * output buffer when big enough, sparing the garbage collector a multi-megabyte allocation per update.
 */
export function encodeZrleTiles(
  pf: RfbPixelFormat,
  bgrx: Uint8Array,
  w: number,
  h: number,
  scratch?: Uint8Array,
): Uint8Array {
  const { bytes: cb, skipHigh } = cpixelLayout(pf)
  const [tb, tg, tr] = channelTables(pf)
  const big = pf.bigEndian
  const size = Math.max(1024, w * h * cb + Math.ceil(w / TILE) * Math.ceil(h / TILE) * 8)
  let out = scratch && scratch.length >= size ? scratch : new Uint8Array(size)
  let pos = 0
  const ensure = (n: number) => {
    if (pos + n <= out.length) return
    const next = new Uint8Array(Math.max(out.length * 2, pos + n))
    next.set(out.subarray(0, pos))
    out = next
  }
  // CPIXEL writer, specialised once per call.
  const shift = cb === 3 && !skipHigh ? 8 : 0
  const threeLittle = cb === 3 && !big && shift === 0 // the usual case: 24-bit colour, little-endian
  const put = (v: number) => {
    if (threeLittle) {
      out[pos] = v & 0xff
      out[pos + 1] = (v >>> 8) & 0xff
      out[pos + 2] = (v >>> 16) & 0xff
      pos += 3
      return
    }
    const x = v >>> shift
    if (big) for (let k = cb - 1; k >= 0; k--) out[pos++] = (x >>> (k * 8)) & 0xff
    else for (let k = 0; k < cb; k++) out[pos++] = (x >>> (k * 8)) & 0xff
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
      let k = 0
      for (let y = 0; y < th; y++) {
        let o = ((ty + y) * w + tx) * 4
        for (let x = 0; x < tw; x++, o += 4, k++) {
          const v =
            ((tb[bgrx[o] as number] as number) |
              (tg[bgrx[o + 1] as number] as number) |
              (tr[bgrx[o + 2] as number] as number)) >>>
            0
          vals[k] = v
          if (v === prev) {
            runLen++
            continue
          }
          if (runLen > 0) {
            runs++
            if (runLen > 1) runBytes += ((runLen - 1) / 255 + 1) | 0
          }
          prev = v
          runLen = 1
          if (paletteList.length <= 127 && !palette.has(v)) {
            palette.set(v, paletteList.length)
            paletteList.push(v)
          }
        }
      }
      runs++
      if (runLen > 1) runBytes += ((runLen - 1) / 255 + 1) | 0
      const np = paletteList.length
      if (np === 1) {
        ensure(1 + cb)
        out[pos++] = 1
        put(paletteList[0] ?? 0)
        continue
      }
      const rawSize = n * cb
      const plainRle = runs * (cb + 1) + runBytes // upper bound: each run has ≥ 1 length byte
      const bits = np <= 2 ? 1 : np <= 4 ? 2 : 4
      const packed = np <= 16 ? np * cb + th * Math.ceil((tw * bits) / 8) : Infinity
      const palRle = np <= 127 ? np * cb + runs + runBytes : Infinity
      const best = Math.min(rawSize, plainRle, packed, palRle)
      ensure(1 + best + 16)
      if (best === packed) {
        out[pos++] = np
        for (const c of paletteList) put(c)
        for (let y = 0; y < th; y++) {
          let acc = 0
          let nbits = 0
          for (let x = 0; x < tw; x++) {
            acc = (acc << bits) | (palette.get(vals[y * tw + x] as number) as number)
            nbits += bits
            if (nbits === 8) {
              out[pos++] = acc
              acc = 0
              nbits = 0
            }
          }
          if (nbits > 0) out[pos++] = (acc << (8 - nbits)) & 0xff
        }
      } else if (best === palRle || best === plainRle) {
        const paletted = best === palRle
        if (paletted) {
          out[pos++] = 128 + np
          for (const c of paletteList) put(c)
        } else out[pos++] = 128
        let i = 0
        while (i < n) {
          const v = vals[i] as number
          let j = i + 1
          while (j < n && vals[j] === v) j++
          const len = j - i
          i = j
          if (paletted) {
            const idx = palette.get(v) as number
            if (len === 1) {
              out[pos++] = idx
              continue
            }
            out[pos++] = idx | 0x80
          } else put(v)
          let rest = len - 1
          while (rest >= 255) {
            out[pos++] = 255
            rest -= 255
          }
          out[pos++] = rest
        }
      } else {
        out[pos++] = 0
        for (let i = 0; i < n; i++) put(vals[i] as number)
      }
    }
  }
  return out.subarray(0, pos)
}
