// RFB PIXEL_FORMAT (RFC 6143 §7.4) and the translation from the server's B,G,R,X pixels to a client's format.
import { ProtocolError } from '../errors'

/** A client's pixel format. Only true colour is supported (colour maps are refused). */
export interface RfbPixelFormat {
  readonly bitsPerPixel: 8 | 16 | 32
  readonly depth: number
  readonly bigEndian: boolean
  readonly trueColour: boolean
  readonly redMax: number
  readonly greenMax: number
  readonly blueMax: number
  readonly redShift: number
  readonly greenShift: number
  readonly blueShift: number
}

/** The server's own format: 32 bpp, depth 24, little-endian, R/G/B at shifts 16/8/0 — B,G,R,X in memory. */
export const SERVER_PIXEL_FORMAT: RfbPixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
}

/** Writes the 16-byte PIXEL_FORMAT. */
export function encodePixelFormat(pf: RfbPixelFormat): Uint8Array {
  const b = Buffer.alloc(16)
  b[0] = pf.bitsPerPixel
  b[1] = pf.depth
  b[2] = pf.bigEndian ? 1 : 0
  b[3] = pf.trueColour ? 1 : 0
  b.writeUInt16BE(pf.redMax, 4)
  b.writeUInt16BE(pf.greenMax, 6)
  b.writeUInt16BE(pf.blueMax, 8)
  b[10] = pf.redShift
  b[11] = pf.greenShift
  b[12] = pf.blueShift
  return b
}

/** Parses and validates a client's PIXEL_FORMAT. */
export function decodePixelFormat(b: Uint8Array): RfbPixelFormat {
  const dv = new DataView(b.buffer, b.byteOffset, 16)
  const bpp = b[0] ?? 0
  if (bpp !== 8 && bpp !== 16 && bpp !== 32) throw new ProtocolError(`unsupported bits-per-pixel ${bpp}`)
  if ((b[3] ?? 0) === 0) throw new ProtocolError('colour-map pixel formats are not supported')
  const pf: RfbPixelFormat = {
    bitsPerPixel: bpp,
    depth: b[1] ?? 0,
    bigEndian: (b[2] ?? 0) !== 0,
    trueColour: true,
    redMax: dv.getUint16(4),
    greenMax: dv.getUint16(6),
    blueMax: dv.getUint16(8),
    redShift: b[10] ?? 0,
    greenShift: b[11] ?? 0,
    blueShift: b[12] ?? 0,
  }
  for (const [max, shift] of [
    [pf.redMax, pf.redShift],
    [pf.greenMax, pf.greenShift],
    [pf.blueMax, pf.blueShift],
  ] as const) {
    if (max === 0 || (max & (max + 1)) !== 0 || shift >= bpp || max * 2 ** shift >= 2 ** bpp) {
      throw new ProtocolError(`invalid colour max/shift ${max}/${shift} for ${bpp} bpp`)
    }
  }
  return pf
}

/** True when `pf` is byte-identical to the server's B,G,R,X layout. */
export function isServerFormat(pf: RfbPixelFormat): boolean {
  return (
    pf.bitsPerPixel === 32 &&
    !pf.bigEndian &&
    pf.redMax === 255 &&
    pf.greenMax === 255 &&
    pf.blueMax === 255 &&
    pf.redShift === 16 &&
    pf.greenShift === 8 &&
    pf.blueShift === 0
  )
}

/** Converts pixel `i` of a B,G,R,X buffer into the client's pixel value. */
export function pixelValue(pf: RfbPixelFormat, bgrx: Uint8Array, i: number): number {
  const o = i * 4
  const b = bgrx[o] ?? 0
  const g = bgrx[o + 1] ?? 0
  const r = bgrx[o + 2] ?? 0
  return (
    ((((r * pf.redMax + 127) / 255) | 0) * 2 ** pf.redShift +
      (((g * pf.greenMax + 127) / 255) | 0) * 2 ** pf.greenShift +
      (((b * pf.blueMax + 127) / 255) | 0) * 2 ** pf.blueShift) >>>
    0
  )
}

/** Writes pixel value `v` as `bytes` bytes at `out[o]`, in the client's byte order. */
export function writePixel(out: Uint8Array, o: number, v: number, bytes: number, bigEndian: boolean): void {
  for (let k = 0; k < bytes; k++) out[o + k] = bigEndian ? (v >>> ((bytes - 1 - k) * 8)) & 0xff : (v >>> (k * 8)) & 0xff
}

/** Translates `count` B,G,R,X pixels to the client's PIXEL format (Raw encoding layout). */
export function translatePixels(pf: RfbPixelFormat, bgrx: Uint8Array, count: number): Uint8Array {
  if (isServerFormat(pf)) return bgrx.subarray(0, count * 4)
  const bytes = pf.bitsPerPixel / 8
  const out = new Uint8Array(count * bytes)
  for (let i = 0; i < count; i++) writePixel(out, i * bytes, pixelValue(pf, bgrx, i), bytes, pf.bigEndian)
  return out
}

/**
 * ZRLE/TRLE compressed pixel (CPIXEL, RFC 6143 §7.7.5): 3 bytes instead of 4 when a 32 bpp true-colour format
 * of depth ≤ 24 keeps all colour bits in the low or the high three bytes. Returns its size and which bytes.
 */
export function cpixelLayout(pf: RfbPixelFormat): { bytes: number; skipHigh: boolean } {
  if (pf.bitsPerPixel === 32 && pf.depth <= 24) {
    const mask =
      (pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift) >>> 0
    if (mask <= 0xffffff) return { bytes: 3, skipHigh: true }
    if ((mask & 0xff) === 0) return { bytes: 3, skipHigh: false }
  }
  return { bytes: pf.bitsPerPixel / 8, skipHigh: false }
}

/** Writes pixel value `v` as a CPIXEL. */
export function writeCpixel(
  out: Uint8Array,
  o: number,
  v: number,
  pf: RfbPixelFormat,
  bytes: number,
  skipHigh: boolean,
): void {
  if (bytes === 3) {
    const w = skipHigh ? v : v >>> 8
    writePixel(out, o, w, 3, pf.bigEndian)
  } else writePixel(out, o, v, bytes, pf.bigEndian)
}
