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

/** Scratch buffers of the planar encoder, grown on demand and reused (tiles are encoded one at a time). */
let planarOut = new Uint8Array(0)
let planarPlanes = new Uint8Array(0)

/** Maps a signed byte delta so small magnitudes become small codes (MS-RDPEGDI 3.1.9.1.3). */
function deltaCode(cur: number, prev: number): number {
  const d = ((cur - prev) << 24) >> 24
  return d >= 0 ? d << 1 : (-d << 1) - 1
}

/**
 * RDP 6.0 planar encoding of a `w`×`h` B,G,R,X tile: no alpha plane, no colour loss, each of R, G, B run-length
 * encoded, scan lines bottom-up (the order Bitmap Updates use). Returns null when RLE would be larger than raw,
 * giving up as soon as the output reaches that size.
 */
export function encodePlanar(bgrx: Uint8Array, w: number, h: number): Uint8Array | null {
  const n = w * h
  // Worst case per scan line: ceil(w/15) control bytes + w raw bytes.
  const maxPlane = h * (w + Math.ceil(w / 15) + 1)
  if (planarOut.length < 1 + 3 * maxPlane) planarOut = new Uint8Array(1 + 3 * maxPlane)
  if (planarPlanes.length < 3 * n) planarPlanes = new Uint8Array(3 * n)
  const out = planarOut
  const planes = planarPlanes
  // One pass over the pixels (through a 32-bit view; an unaligned input is copied once) fills the three planes of
  // scan-line codes, bottom-up: the first line as values, every later one as deltas to the line before it.
  const aligned = bgrx.byteOffset % 4 === 0 ? bgrx : bgrx.slice(0, n * 4)
  const px = new Uint32Array(aligned.buffer, aligned.byteOffset, n)
  const g0 = n
  const b0 = 2 * n
  for (let row = 0; row < h; row++) {
    const cur = (h - 1 - row) * w
    const o = row * w
    if (row === 0) {
      for (let x = 0; x < w; x++) {
        const p = px[cur + x] as number
        planes[o + x] = p >>> 16
        planes[g0 + o + x] = p >>> 8
        planes[b0 + o + x] = p
      }
      continue
    }
    const prev = cur + w
    for (let x = 0; x < w; x++) {
      const p = px[cur + x] as number
      const q = px[prev + x] as number
      if (p === q) {
        planes[o + x] = 0
        planes[g0 + o + x] = 0
        planes[b0 + o + x] = 0
        continue
      }
      planes[o + x] = deltaCode(p >>> 16, q >>> 16)
      planes[g0 + o + x] = deltaCode(p >>> 8, q >>> 8)
      planes[b0 + o + x] = deltaCode(p, q)
    }
  }
  const raw = 1 + 3 * n + 1
  out[0] = PLANAR_RLE | PLANAR_NO_ALPHA
  let pos = 1
  for (let line = 0; line < 3 * h; line++) {
    pos = rleScanLine(planes, line * w, w, out, pos)
    if (pos >= raw) return null
  }
  return out.slice(0, pos)
}

/**
 * Encodes one scan line (`w` codes of `line` from `at`) as RDP6 RLE segments (control byte: raw count in the high
 * nibble, run length in the low nibble — the spec's example 0x13 is "1 raw value, run of 3"). Every segment that
 * has a run also has at least one raw byte (the run's value), so no decoder needs to guess what a raw-less run
 * repeats; runs are 3..15 per segment. Raw bytes go straight to `out` behind a reserved control byte.
 */
function rleScanLine(line: Uint8Array, at: number, w: number, out: Uint8Array, pos: number): number {
  const end = at + w
  let ctrl = -1 // control byte of the open segment
  let nraw = 0
  let x = at
  while (x < end) {
    const v = line[x] as number
    let run = 1
    while (x + run < end && line[x + run] === v) run++
    const raws = run >= 4 ? 1 : run
    for (let k = 0; k < raws; k++) {
      if (ctrl < 0 || nraw === 15) {
        if (ctrl >= 0) out[ctrl] = 15 << 4
        ctrl = pos++
        nraw = 0
      }
      out[pos++] = v
      nraw++
    }
    if (run < 4) {
      x += run
      continue
    }
    // The open segment ends with a run of up to 15 more copies of v; longer runs continue as [1 raw v + run].
    let rest = run - 1
    const first = Math.min(15, rest)
    out[ctrl] = (nraw << 4) | first
    ctrl = -1
    rest -= first
    while (rest >= 4) {
      const k = Math.min(15, rest - 1)
      out[pos++] = (1 << 4) | k
      out[pos++] = v
      rest -= k + 1
    }
    x += run - rest // up to 3 copies left over start the next raw bytes
  }
  if (ctrl >= 0) out[ctrl] = nraw << 4
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
