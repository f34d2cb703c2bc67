// Bitmap encodings for RDP Bitmap Updates: uncompressed 16/24/32 bpp (MS-RDPBCGR 2.2.9.1.1.3.1.2.2, rows
// bottom-up, padded to 4 bytes) and the RDP 6.0 planar codec with per-plane RLE (MS-RDPEGDI 2.2.2.5.1, 3.1.9).

/** Colour depths the server can send. */
export type RdpBpp = 15 | 16 | 24 | 32

/**
 * Bitmap width on the wire for an uncompressed tile `w` pixels wide: below 32 bpp it is rounded up to a multiple
 * of 4 so each scan line is whole 4-byte units without ambiguity; the destination rectangle clips the extra.
 */
export function uncompressedWidth(w: number, bpp: RdpBpp): number {
  return bpp === 32 ? w : Math.ceil(w / 4) * 4
}

/** Uncompressed pixels of a `w`×`h` B,G,R,X tile in the session depth (rows of {@link uncompressedWidth}). */
export function encodeUncompressed(bgrx: Uint8Array, w: number, h: number, bpp: RdpBpp): Uint8Array {
  const bytes = bpp === 32 ? 4 : bpp === 24 ? 3 : 2
  const rowBytes = uncompressedWidth(w, bpp) * bytes
  const out = new Uint8Array(rowBytes * h)
  for (let y = 0; y < h; y++) {
    const src = y * w * 4
    const dst = (h - 1 - y) * rowBytes
    if (bpp === 32) {
      out.set(bgrx.subarray(src, src + w * 4), dst)
      continue
    }
    for (let x = 0; x < w; x++) {
      const s = src + x * 4
      const b = bgrx[s] ?? 0
      const g = bgrx[s + 1] ?? 0
      const r = bgrx[s + 2] ?? 0
      if (bpp === 24) {
        const d = dst + x * 3
        out[d] = b
        out[d + 1] = g
        out[d + 2] = r
      } else {
        const v =
          bpp === 16 ? ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3) : ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
        out[dst + x * 2] = v & 0xff
        out[dst + x * 2 + 1] = v >> 8
      }
    }
  }
  return out
}

/** FormatHeader bits of the planar stream (MS-RDPEGDI 2.2.2.5.1). */
const PLANAR_RLE = 0x10
const PLANAR_NO_ALPHA = 0x20

/**
 * RDP 6.0 planar encoding of a `w`×`h` B,G,R,X tile: no alpha plane, no colour loss, each of R, G, B run-length
 * encoded, scan lines bottom-up (the order Bitmap Updates use). Returns null when RLE would be larger than raw.
 */
export function encodePlanar(bgrx: Uint8Array, w: number, h: number): Uint8Array | null {
  // Worst case per scan line: ceil(w/15) control bytes + w raw bytes.
  const maxPlane = h * (w + Math.ceil(w / 15) + 1)
  const out = new Uint8Array(1 + 3 * maxPlane)
  out[0] = PLANAR_RLE | PLANAR_NO_ALPHA
  let pos = 1
  const line = new Uint8Array(w)
  for (const channel of [2, 1, 0]) {
    for (let row = 0; row < h; row++) {
      const y = h - 1 - row // bottom-up
      const cur = y * w * 4 + channel
      if (row === 0) {
        for (let x = 0; x < w; x++) line[x] = bgrx[cur + x * 4] ?? 0
      } else {
        const prev = (y + 1) * w * 4 + channel
        for (let x = 0; x < w; x++) {
          // Signed byte delta, mapped so small magnitudes become small codes (3.1.9.1.3).
          const d = (((bgrx[cur + x * 4] ?? 0) - (bgrx[prev + x * 4] ?? 0)) << 24) >> 24
          line[x] = d >= 0 ? d << 1 : (-d << 1) - 1
        }
      }
      pos = rleScanLine(line, w, out, pos)
    }
  }
  const raw = 1 + 3 * w * h + 1
  return pos < raw ? out.subarray(0, pos) : null
}

/**
 * Encodes one scan line as RDP6 RLE segments (control byte: raw count in the high nibble, run length in the
 * low nibble — the spec's example 0x13 is "1 raw value, run of 3"). Every segment that has a run also has at least one raw byte (the
 * run's value), so no decoder needs to guess what a raw-less run repeats; runs are 3..15 per segment.
 */
function rleScanLine(line: Uint8Array, w: number, out: Uint8Array, pos: number): number {
  let x = 0
  let rawStart = 0
  while (x < w) {
    // Length of the run starting at x.
    const v = line[x] ?? 0
    let run = 1
    while (x + run < w && line[x + run] === v) run++
    if (run >= 4) {
      // Raw bytes [rawStart, x] (including v), then a run of up to 15 more copies of v.
      let rawCount = x - rawStart + 1
      let rawAt = rawStart
      while (rawCount > 15) {
        out[pos++] = 15 << 4 // 15 raw, no run
        out.set(line.subarray(rawAt, rawAt + 15), pos)
        pos += 15
        rawAt += 15
        rawCount -= 15
      }
      let rest = run - 1
      const first = Math.min(15, rest)
      out[pos++] = (rawCount << 4) | first
      out.set(line.subarray(rawAt, rawAt + rawCount), pos)
      pos += rawCount
      rest -= first
      // Longer runs continue as [1 raw v + up to 15 run] segments.
      while (rest >= 4) {
        const n = Math.min(15, rest - 1)
        out[pos++] = (1 << 4) | n
        out[pos++] = v
        rest -= n + 1
      }
      x += run - rest
      rawStart = x
      continue
    }
    x += run
  }
  // Trailing raw bytes.
  let rawAt = rawStart
  let rawCount = w - rawStart
  while (rawCount > 0) {
    const n = Math.min(15, rawCount)
    out[pos++] = n << 4
    out.set(line.subarray(rawAt, rawAt + n), pos)
    pos += n
    rawAt += n
    rawCount -= n
  }
  return pos
}

/**
 * Interleaved RLE (MS-RDPBCGR 2.2.9.1.1.3.1.2.4) for 15/16/24 bpp tiles, using only colour runs and colour
 * images (no background/foreground orders, whose meaning depends on the previous scan line). Scan lines run
 * bottom-up with the width of {@link uncompressedWidth} (the padding repeats each line's last pixel). Returns null
 * when it would not be smaller than the uncompressed bitmap.
 */
export function encodeInterleaved(bgrx: Uint8Array, w: number, h: number, bpp: 15 | 16 | 24): Uint8Array | null {
  const wp = uncompressedWidth(w, bpp)
  const bytes = bpp === 24 ? 3 : 2
  const limit = wp * h * bytes
  const px = new Uint32Array(wp * h)
  for (let row = 0; row < h; row++) {
    const y = h - 1 - row
    for (let x = 0; x < wp; x++) {
      const s = (y * w + Math.min(x, w - 1)) * 4
      const b = bgrx[s] ?? 0
      const g = bgrx[s + 1] ?? 0
      const r = bgrx[s + 2] ?? 0
      px[row * wp + x] =
        bpp === 24
          ? (r << 16) | (g << 8) | b
          : bpp === 16
            ? ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
            : ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    }
  }
  const out = new Uint8Array(limit + 16)
  let pos = 0
  const putPixel = (v: number) => {
    out[pos++] = v & 0xff
    out[pos++] = (v >> 8) & 0xff
    if (bytes === 3) out[pos++] = (v >> 16) & 0xff
  }
  // Order header with its length: regular (5-bit count, 0 = next byte + 32) or MEGA_MEGA (16-bit count).
  const header = (regular: number, megaMega: number, n: number) => {
    if (n < 32) out[pos++] = regular | n
    else if (n < 32 + 256) {
      out[pos++] = regular
      out[pos++] = n - 32
    } else {
      out[pos++] = megaMega
      out[pos++] = n & 0xff
      out[pos++] = n >> 8
    }
  }
  const total = wp * h
  let i = 0
  let imageStart = 0
  const flushImage = (end: number) => {
    let at = imageStart
    while (at < end) {
      const n = Math.min(0xffff, end - at)
      header(0x80, 0xf4, n) // COLOR_IMAGE
      for (let k = 0; k < n; k++) putPixel(px[at + k] ?? 0)
      at += n
    }
  }
  while (i < total) {
    if (pos > limit) return null
    const v = px[i] ?? 0
    let j = i + 1
    while (j < total && px[j] === v && j - i < 0xffff) j++
    if (j - i >= 3) {
      flushImage(i)
      header(0x60, 0xf3, j - i) // COLOR_RUN
      putPixel(v)
      imageStart = j
    }
    i = j
  }
  flushImage(total)
  return pos < limit ? out.subarray(0, pos) : null
}
