// Growable byte writer and bounds-checked reader for building and parsing RDP PDUs.
import { ProtocolError } from '../errors'

/** Appends integers and bytes; `finish()` returns exactly the written bytes. */
export class ByteWriter {
  #buf: Buffer
  #pos = 0

  constructor(initial = 256) {
    this.#buf = Buffer.alloc(initial)
  }

  get length(): number {
    return this.#pos
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    const next = Buffer.alloc(Math.max(this.#buf.length * 2, this.#pos + n))
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
  }

  u8(v: number): this {
    this.#ensure(1)
    this.#buf[this.#pos++] = v & 0xff
    return this
  }

  u16le(v: number): this {
    this.#ensure(2)
    this.#buf.writeUInt16LE(v & 0xffff, this.#pos)
    this.#pos += 2
    return this
  }

  u16be(v: number): this {
    this.#ensure(2)
    this.#buf.writeUInt16BE(v & 0xffff, this.#pos)
    this.#pos += 2
    return this
  }

  u32le(v: number): this {
    this.#ensure(4)
    this.#buf.writeUInt32LE(v >>> 0, this.#pos)
    this.#pos += 4
    return this
  }

  bytes(b: Uint8Array | readonly number[]): this {
    this.#ensure(b.length)
    this.#buf.set(b, this.#pos)
    this.#pos += b.length
    return this
  }

  zeros(n: number): this {
    this.#ensure(n)
    this.#buf.fill(0, this.#pos, this.#pos + n)
    this.#pos += n
    return this
  }

  /** Overwrites a little-endian u16 at an earlier position (for length fields). */
  patchU16le(at: number, v: number): this {
    this.#buf.writeUInt16LE(v & 0xffff, at)
    return this
  }

  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos)
  }
}

/** A bounds-checked little-endian reader; any read past the end throws a ProtocolError. */
export class ByteReader {
  readonly buf: Uint8Array
  pos: number
  readonly end: number
  readonly #dv: DataView
  readonly #what: string

  constructor(buf: Uint8Array, what: string, start = 0, end = buf.length) {
    this.buf = buf
    this.pos = start
    this.end = end
    this.#dv = new DataView(buf.buffer, buf.byteOffset, buf.length)
    this.#what = what
  }

  get remaining(): number {
    return this.end - this.pos
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end)
      throw new ReadPastEndError(`${this.#what}: truncated (need ${n} bytes at ${this.pos})`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++] ?? 0
  }

  u16le(): number {
    this.need(2)
    const v = this.#dv.getUint16(this.pos, true)
    this.pos += 2
    return v
  }

  u16be(): number {
    this.need(2)
    const v = this.#dv.getUint16(this.pos, false)
    this.pos += 2
    return v
  }

  u32le(): number {
    this.need(4)
    const v = this.#dv.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  bytes(n: number): Uint8Array {
    this.need(n)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }

  skip(n: number): void {
    this.need(n)
    this.pos += n
  }
}

/** Thrown by {@link ByteReader} when a PDU is shorter than its fields. */
export class ReadPastEndError extends ProtocolError {}
