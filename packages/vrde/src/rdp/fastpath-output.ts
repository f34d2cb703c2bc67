// Fast-path server output (MS-RDPBCGR 2.2.9.1.2): bitmap updates from screen tiles and pointer updates.
import type { CursorShape } from '@boxwood/devices'
import type { Rect } from '../display/dirty-region'
import { encodeInterleaved, encodePlanar, encodeUncompressed, uncompressedWidth } from './bitmap-codec'
import type { RdpBpp } from './bitmap-codec'
import { ByteWriter } from './byte-writer'

/** Tiles are at most 64×64 so an uncompressed 32 bpp tile fits one fast-path PDU (vrde.md §1.4). */
export const TILE = 64
/** Bitmap data packed into one PDU before starting the next (FreeRDP caps server PDUs near 16 KiB). */
const PDU_BUDGET = 15_000

/** Fast-path update codes (2.2.9.1.2.1). */
export const FP_UPDATE = {
  orders: 0x0,
  bitmap: 0x1,
  ptrNull: 0x5,
  ptrDefault: 0x6,
  ptrPosition: 0x8,
  ptrNew: 0xb,
} as const

/** One fast-path PDU with one update. */
export function fastPathPdu(updateCode: number, data: Uint8Array): Buffer {
  const total = 3 + 3 + data.length
  const w = new ByteWriter(total)
  w.u8(0)
    .u16be(0x8000 | total)
    .u8(updateCode)
    .u16le(data.length)
    .bytes(data)
  return w.finish()
}

/** A tile ready to send. */
interface EncodedTile {
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  /** Bitmap width on the wire (≥ w). */
  readonly wireWidth: number
  readonly compressed: boolean
  readonly data: Uint8Array
}

/** Splits rectangles into tiles no larger than {@link TILE}. */
export function tiles(rects: readonly Rect[]): Rect[] {
  const out: Rect[] = []
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.height; y += TILE) {
      for (let x = r.x; x < r.x + r.width; x += TILE) {
        out.push({ x, y, width: Math.min(TILE, r.x + r.width - x), height: Math.min(TILE, r.y + r.height - y) })
      }
    }
  }
  return out
}

/**
 * Encodes one tile of B,G,R,X pixels. With `compress`: planar at 32 bpp, interleaved RLE below, each only when it
 * is smaller than the uncompressed bitmap.
 */
export function encodeTile(rect: Rect, bgrx: Uint8Array, bpp: RdpBpp, compress: boolean): EncodedTile {
  const { x, y, width: w, height: h } = rect
  if (compress && bpp === 32) {
    const planar = encodePlanar(bgrx, w, h)
    if (planar) return { x, y, w, h, wireWidth: w, compressed: true, data: planar }
  } else if (compress && bpp !== 32) {
    const rle = encodeInterleaved(bgrx, w, h, bpp)
    if (rle) return { x, y, w, h, wireWidth: uncompressedWidth(w, bpp), compressed: true, data: rle }
  }
  return {
    x,
    y,
    w,
    h,
    wireWidth: uncompressedWidth(w, bpp),
    compressed: false,
    data: encodeUncompressed(bgrx, w, h, bpp),
  }
}

/** Packs encoded tiles into fast-path Bitmap Update PDUs (TS_UPDATE_BITMAP_DATA, 2.2.9.1.1.3.1.2). */
export function bitmapPdus(encoded: readonly EncodedTile[], bpp: RdpBpp): Buffer[] {
  const pdus: Buffer[] = []
  let batch: EncodedTile[] = []
  let size = 0
  const flush = () => {
    if (batch.length === 0) return
    // The fast-path header (as fastPathPdu writes it) and the update go into one buffer: no extra copy.
    const data = size + 4
    const w = new ByteWriter(6 + data)
    w.u8(0)
      .u16be(0x8000 | (6 + data))
      .u8(FP_UPDATE.bitmap)
      .u16le(data)
    w.u16le(1).u16le(batch.length)
    for (const t of batch) {
      w.u16le(t.x)
        .u16le(t.y)
        .u16le(t.x + t.w - 1)
        .u16le(t.y + t.h - 1)
      w.u16le(t.wireWidth).u16le(t.h).u16le(bpp)
      // BITMAP_COMPRESSION | NO_BITMAP_COMPRESSION_HDR (both sides advertised it in the General caps).
      w.u16le(t.compressed ? 0x0401 : 0)
        .u16le(t.data.length)
        .bytes(t.data)
    }
    pdus.push(w.finish())
    batch = []
    size = 0
  }
  for (const t of encoded) {
    const tileSize = 18 + t.data.length
    if (size + tileSize > PDU_BUDGET) flush()
    batch.push(t)
    size += tileSize
  }
  flush()
  return pdus
}

/** Largest pointer sent (bigger shapes are cropped) so a New Pointer update stays in one PDU. */
const MAX_POINTER = 64

/** Pointer update for a shape (New Pointer, 32 bpp XOR with alpha + AND mask; 2.2.9.1.2.1.11) or hidden. */
export function pointerPdu(shape: CursorShape | null): Buffer {
  if (!shape || shape.width === 0 || shape.height === 0) return fastPathPdu(FP_UPDATE.ptrNull, new Uint8Array(0))
  const w = Math.min(MAX_POINTER, shape.width)
  const h = Math.min(MAX_POINTER, shape.height)
  const xor = new Uint8Array(w * h * 4)
  const andRow = Math.ceil(Math.ceil(w / 8) / 2) * 2
  const and = new Uint8Array(andRow * h)
  for (let y = 0; y < h; y++) {
    const row = h - 1 - y // bottom-up
    for (let x = 0; x < w; x++) {
      const s = (y * shape.width + x) * 4
      const d = (row * w + x) * 4
      xor[d] = shape.pixels[s] ?? 0
      xor[d + 1] = shape.pixels[s + 1] ?? 0
      xor[d + 2] = shape.pixels[s + 2] ?? 0
      xor[d + 3] = shape.pixels[s + 3] ?? 0
      if ((shape.pixels[s + 3] ?? 0) === 0)
        and[row * andRow + (x >> 3)] = (and[row * andRow + (x >> 3)] ?? 0) | (0x80 >> (x & 7))
    }
  }
  const b = new ByteWriter(16 + xor.length + and.length)
  b.u16le(32) // xorBpp
  b.u16le(0)
    .u16le(Math.min(shape.hotX, w - 1))
    .u16le(Math.min(shape.hotY, h - 1))
    .u16le(w)
    .u16le(h)
  b.u16le(and.length).u16le(xor.length).bytes(xor).bytes(and)
  return fastPathPdu(FP_UPDATE.ptrNew, b.finish())
}

/** Pointer position update (2.2.9.1.2.1.6): the guest warped the pointer. */
export function pointerPositionPdu(x: number, y: number): Buffer {
  return fastPathPdu(FP_UPDATE.ptrPosition, new ByteWriter(4).u16le(x).u16le(y).finish())
}

/**
 * A ScrBlt primary drawing order with SRCCOPY (MS-RDPEGDI 2.2.2.2.1.1.2.7) in a fast-path Orders update: the
 * client copies `rect` from (`srcX`, `srcY`) of its own screen — a scroll costs 20 bytes instead of the pixels.
 * Every field is sent and the order type is announced each time, so no order state is assumed on the client.
 */
export function scrBltPdu(rect: Rect, srcX: number, srcY: number): Buffer {
  const w = new ByteWriter(20)
  w.u16le(1) // numberOrders
  w.u8(0x01 | 0x08) // TS_STANDARD | TS_TYPE_CHANGE
  w.u8(0x02) // TS_ENC_SCRBLT_ORDER
  w.u8(0x7f) // all seven fields present
  w.u16le(rect.x).u16le(rect.y).u16le(rect.width).u16le(rect.height)
  w.u8(0xcc) // SRCCOPY
  w.u16le(srcX).u16le(srcY)
  return fastPathPdu(FP_UPDATE.orders, w.finish())
}
