// A small portable DEFLATE compressor (RFC 1951) in a zlib wrapper (RFC 1950): LZ77 with hash chains and one
// fixed-Huffman block (§3.2.6). Portable core code, so no node:zlib; good enough for screenshots, whose
// pixels repeat heavily.

const MIN_MATCH = 3
const MAX_MATCH = 258
const WINDOW = 32768
const MAX_CHAIN = 48
const HASH_BITS = 15

/** Length codes 257..285: base lengths and extra bits (RFC 1951 §3.2.5). */
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
]
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

/** LSB-first bit writer into a growing buffer. */
class BitWriter {
  private out = new Uint8Array(1 << 16)
  private length = 0
  private bits = 0
  private count = 0
  write(value: number, n: number): void {
    this.bits |= value << this.count
    this.count += n
    while (this.count >= 8) {
      this.byte(this.bits & 0xff)
      this.bits >>>= 8
      this.count -= 8
    }
  }
  /** Writes a Huffman code, which DEFLATE packs starting from its most significant bit. */
  code(code: number, n: number): void {
    let reversed = 0
    for (let i = 0; i < n; i++) reversed |= ((code >> i) & 1) << (n - 1 - i)
    this.write(reversed, n)
  }
  byte(b: number): void {
    if (this.length === this.out.length) {
      const bigger = new Uint8Array(this.out.length * 2)
      bigger.set(this.out)
      this.out = bigger
    }
    this.out[this.length++] = b
  }
  finish(): Uint8Array {
    if (this.count > 0) this.byte(this.bits & 0xff)
    this.bits = 0
    this.count = 0
    return this.out.subarray(0, this.length)
  }
}

function writeLiteral(w: BitWriter, symbol: number): void {
  if (symbol < 144) w.code(0x30 + symbol, 8)
  else if (symbol < 256) w.code(0x190 + symbol - 144, 9)
  else if (symbol < 280) w.code(symbol - 256, 7)
  else w.code(0xc0 + symbol - 280, 8)
}

function writeMatch(w: BitWriter, length: number, distance: number): void {
  let l = LENGTH_BASE.length - 1
  while (LENGTH_BASE[l]! > length) l--
  writeLiteral(w, 257 + l)
  if (LENGTH_EXTRA[l]! > 0) w.write(length - LENGTH_BASE[l]!, LENGTH_EXTRA[l]!)
  let d = DIST_BASE.length - 1
  while (DIST_BASE[d]! > distance) d--
  w.code(d, 5)
  if (DIST_EXTRA[d]! > 0) w.write(distance - DIST_BASE[d]!, DIST_EXTRA[d]!)
}

function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + 5552)
    for (; i < end; i++) {
      a += data[i]!
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/** Compresses `data` into a zlib stream (CMF 0x78, one fixed-Huffman DEFLATE block, Adler-32). */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const w = new BitWriter()
  w.byte(0x78)
  w.byte(0x01)
  w.write(1, 1) // BFINAL
  w.write(1, 2) // BTYPE = 01, fixed Huffman
  const head = new Int32Array(1 << HASH_BITS).fill(-1)
  const prev = new Int32Array(WINDOW)
  const hash = (i: number): number =>
    (((data[i]! << 10) ^ (data[i + 1]! << 5) ^ data[i + 2]!) * 2654435761) >>> (32 - HASH_BITS)
  const insert = (i: number): void => {
    if (i + MIN_MATCH > data.length) return
    const h = hash(i)
    prev[i & (WINDOW - 1)] = head[h]!
    head[h] = i
  }
  let i = 0
  while (i < data.length) {
    let bestLength = 0
    let bestDistance = 0
    if (i + MIN_MATCH <= data.length) {
      let candidate = head[hash(i)]!
      const limit = Math.min(MAX_MATCH, data.length - i)
      for (let chain = 0; candidate >= 0 && i - candidate <= WINDOW && chain < MAX_CHAIN; chain++) {
        if (data[candidate + bestLength] === data[i + bestLength]) {
          let n = 0
          while (n < limit && data[candidate + n] === data[i + n]) n++
          if (n > bestLength) {
            bestLength = n
            bestDistance = i - candidate
            if (n === limit) break
          }
        }
        const next = prev[candidate & (WINDOW - 1)]!
        if (next >= candidate) break
        candidate = next
      }
    }
    if (bestLength >= MIN_MATCH) {
      writeMatch(w, bestLength, bestDistance)
      for (let k = 0; k < bestLength; k++) insert(i + k)
      i += bestLength
    } else {
      writeLiteral(w, data[i]!)
      insert(i)
      i++
    }
  }
  writeLiteral(w, 256)
  const body = w.finish()
  const out = new Uint8Array(body.length + 4)
  out.set(body)
  new DataView(out.buffer).setUint32(body.length, adler32(data))
  return out
}
