// ZRLE rectangle data before zlib (RFC 6143 §7.7.6): 64×64 tiles, each solid, packed palette, palette RLE,
// plain RLE or raw — whichever is smallest. The caller compresses the result with the connection's zlib stream.
// Hot loop: one pass per tile computes pixel values (a masked 32-bit read for the server's own layout, per-channel
// lookup tables otherwise), runs and a palette kept in a small open-addressed hash table; every buffer is owned
// by the encoder and reused, so an update allocates nothing per tile.
import { cpixelLayout, isServerFormat } from './pixel-format'
import type { RfbPixelFormat } from './pixel-format'

const TILE = 64
/** Hash slots for a palette of at most 128 colours (load ≤ 1/2). */
const SLOTS = 256

/** Tile data of one rectangle, and where its raw tiles are (the caller may skip compressing those). */
export interface ZrleTiles {
  /** The uncompressed ZRLE tile stream; valid until the encoder's next `encode`. */
  readonly data: Uint8Array
  /**
   * Byte ranges `[start, end)` of `data`, flattened into pairs, holding consecutive raw tiles: tiles with more
   * than 127 colours and no useful runs (photos, gradients, noise), which zlib shrinks by a few percent at most.
   */
  readonly rawSpans: readonly number[]
}

/** Per-channel tables turning 8-bit B, G, R into the client's shifted, scaled components. */
function channelTables(pf: RfbPixelFormat): [Uint32Array, Uint32Array, Uint32Array] {
  const make = (max: number, shift: number) => {
    const t = new Uint32Array(256)
    for (let v = 0; v < 256; v++) t[v] = ((((v * max + 127) / 255) | 0) * 2 ** shift) >>> 0
    return t
  }
  return [make(pf.blueMax, pf.blueShift), make(pf.greenMax, pf.greenShift), make(pf.redMax, pf.redShift)]
}

/** Encodes B,G,R,X rectangles as ZRLE tile data for one client pixel format, reusing its buffers. */
export class ZrleEncoder {
  readonly #cb: number
  readonly #big: boolean
  /** Right shift applied to a pixel value before writing its CPIXEL bytes. */
  readonly #shift: number
  readonly #direct: boolean
  readonly #tb: Uint32Array
  readonly #tg: Uint32Array
  readonly #tr: Uint32Array
  readonly #vals = new Int32Array(TILE * TILE)
  /** Palette index of each pixel of the current tile (valid while the palette has at most 127 colours). */
  readonly #idx = new Uint8Array(TILE * TILE)
  readonly #palette = new Int32Array(128)
  readonly #slotKey = new Int32Array(SLOTS)
  readonly #slotIdx = new Uint8Array(SLOTS)
  /** Slot `i` is in use for the current tile when `#slotGen[i] === #gen` (no clearing per tile). */
  readonly #slotGen = new Uint32Array(SLOTS)
  #gen = 0
  #out = new Uint8Array(64 * 1024)
  #pos = 0
  readonly #spans: number[] = []

  constructor(pf: RfbPixelFormat) {
    const { bytes, skipHigh } = cpixelLayout(pf)
    this.#cb = bytes
    this.#big = pf.bigEndian
    this.#shift = bytes === 3 && !skipHigh ? 8 : 0
    // A CPIXEL is then exactly the low three bytes (B, G, R) of the server's B,G,R,X pixel.
    this.#direct = isServerFormat(pf) && pf.depth <= 24
    ;[this.#tb, this.#tg, this.#tr] = channelTables(pf)
  }

  /** Encodes a `w`×`h` rectangle of B,G,R,X pixels (rows top-down, no padding). */
  encode(bgrx: Uint8Array, w: number, h: number): ZrleTiles {
    // Read whole pixels through a 32-bit view; an unaligned input is copied once.
    const aligned = bgrx.byteOffset % 4 === 0 ? bgrx : bgrx.slice()
    const px = new Uint32Array(aligned.buffer, aligned.byteOffset, w * h)
    const worst = w * h * this.#cb + Math.ceil(w / TILE) * Math.ceil(h / TILE) * (1 + 128 * 4)
    if (this.#out.length < worst) this.#out = new Uint8Array(worst)
    this.#pos = 0
    this.#spans.length = 0
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty)
      for (let tx = 0; tx < w; tx += TILE) this.#tile(px, w, tx, ty, Math.min(TILE, w - tx), th)
    }
    return { data: this.#out.subarray(0, this.#pos), rawSpans: this.#spans }
  }

  /** Encodes one tile at (`tx`, `ty`) of size `tw`×`th` of the `w`-pixel-wide rectangle `px`. */
  #tile(px: Uint32Array, w: number, tx: number, ty: number, tw: number, th: number): void {
    const vals = this.#vals
    const idx = this.#idx
    const pal = this.#palette
    const slotKey = this.#slotKey
    const slotIdx = this.#slotIdx
    const slotGen = this.#slotGen
    const gen = (this.#gen = (this.#gen + 1) >>> 0 || 1)
    const direct = this.#direct
    const tb = this.#tb
    const tg = this.#tg
    const tr = this.#tr
    let np = 0
    let runs = 0
    let runBytes = 0
    let prev = -1
    let prevIdx = 0
    let runLen = 0
    let lastPixel = -1
    let lastVal = 0
    let k = 0
    for (let y = 0; y < th; y++) {
      let o = (ty + y) * w + tx
      const end = o + tw
      for (; o < end; o++, k++) {
        const p = px[o] as number
        let v: number
        if (direct) v = p & 0xffffff
        else if (p === lastPixel) v = lastVal
        else {
          v = (tb[p & 0xff] as number) | (tg[(p >>> 8) & 0xff] as number) | (tr[(p >>> 16) & 0xff] as number) | 0
          lastPixel = p
          lastVal = v
        }
        vals[k] = v
        if (v === prev && runLen > 0) {
          runLen++
          idx[k] = prevIdx
          continue
        }
        if (runLen > 0) {
          runs++
          if (runLen > 1) runBytes += ((runLen - 1) / 255 + 1) | 0
        }
        prev = v
        runLen = 1
        if (np <= 127) {
          let s = Math.imul(v, 0x9e3779b1) >>> 24
          while (slotGen[s] === gen && slotKey[s] !== v) s = (s + 1) & (SLOTS - 1)
          if (slotGen[s] !== gen) {
            slotGen[s] = gen
            slotKey[s] = v
            slotIdx[s] = np
            pal[np++] = v
          }
          prevIdx = slotIdx[s] as number
          idx[k] = prevIdx
        }
      }
    }
    runs++
    if (runLen > 1) runBytes += ((runLen - 1) / 255 + 1) | 0
    const n = tw * th
    const cb = this.#cb
    if (np === 1) {
      this.#out[this.#pos++] = 1
      this.#cpixel(pal[0] as number)
      return
    }
    // Sizes of each sub-encoding; plain RLE's is an upper bound (one length byte too many per run longer than 1).
    const rawSize = n * cb
    const plainRle = runs * (cb + 1) + runBytes
    const bits = np <= 2 ? 1 : np <= 4 ? 2 : 4
    const packed = np <= 16 ? np * cb + th * Math.ceil((tw * bits) / 8) : Infinity
    const palRle = np <= 127 ? np * cb + runs + runBytes : Infinity
    const best = Math.min(rawSize, plainRle, packed, palRle)
    const out = this.#out
    if (best === packed) {
      out[this.#pos++] = np
      for (let i = 0; i < np; i++) this.#cpixel(pal[i] as number)
      let pos = this.#pos
      for (let y = 0, i = 0; y < th; y++) {
        let acc = 0
        let nbits = 0
        for (let x = 0; x < tw; x++, i++) {
          acc = (acc << bits) | (idx[i] as number)
          nbits += bits
          if (nbits === 8) {
            out[pos++] = acc
            acc = 0
            nbits = 0
          }
        }
        if (nbits > 0) out[pos++] = (acc << (8 - nbits)) & 0xff
      }
      this.#pos = pos
    } else if (best === palRle) {
      out[this.#pos++] = 128 + np
      for (let i = 0; i < np; i++) this.#cpixel(pal[i] as number)
      let pos = this.#pos
      let i = 0
      while (i < n) {
        const v = vals[i] as number
        let j = i + 1
        while (j < n && vals[j] === v) j++
        const len = j - i
        const ix = idx[i] as number
        i = j
        if (len === 1) {
          out[pos++] = ix
          continue
        }
        out[pos++] = ix | 0x80
        let rest = len - 1
        while (rest >= 255) {
          out[pos++] = 255
          rest -= 255
        }
        out[pos++] = rest
      }
      this.#pos = pos
    } else if (best === plainRle) {
      out[this.#pos++] = 128
      let i = 0
      while (i < n) {
        const v = vals[i] as number
        let j = i + 1
        while (j < n && vals[j] === v) j++
        let rest = j - i - 1
        i = j
        this.#cpixel(v)
        let pos = this.#pos
        while (rest >= 255) {
          out[pos++] = 255
          rest -= 255
        }
        out[pos++] = rest
        this.#pos = pos
      }
    } else {
      const start = this.#pos
      out[this.#pos++] = 0
      if (cb === 3 && !this.#big && this.#shift === 0) {
        let pos = this.#pos
        for (let i = 0; i < n; i++) {
          const v = vals[i] as number
          out[pos] = v
          out[pos + 1] = v >>> 8
          out[pos + 2] = v >>> 16
          pos += 3
        }
        this.#pos = pos
      } else for (let i = 0; i < n; i++) this.#cpixel(vals[i] as number)
      const spans = this.#spans
      if (spans.length > 0 && spans[spans.length - 1] === start) spans[spans.length - 1] = this.#pos
      else spans.push(start, this.#pos)
    }
  }

  /** Writes pixel value `v` as a CPIXEL in the client's byte order. */
  #cpixel(v: number): void {
    const out = this.#out
    let pos = this.#pos
    const cb = this.#cb
    const x = v >>> this.#shift
    if (cb === 3 && !this.#big) {
      out[pos] = x
      out[pos + 1] = x >>> 8
      out[pos + 2] = x >>> 16
      pos += 3
    } else if (this.#big) for (let k = cb - 1; k >= 0; k--) out[pos++] = (x >>> (k * 8)) & 0xff
    else for (let k = 0; k < cb; k++) out[pos++] = (x >>> (k * 8)) & 0xff
    this.#pos = pos
  }
}
