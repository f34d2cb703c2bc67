// Little-endian byte writer and bounds-checked reader for saved-state payloads and the container.
import { SavedStateFormatError } from './state-errors'

/** A growable little-endian byte writer. */
export class ByteWriter {
  private buffer = new Uint8Array(256)
  private view = new DataView(this.buffer.buffer)
  private length = 0

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < this.length + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buffer.subarray(0, this.length))
    this.buffer = next
    this.view = new DataView(next.buffer)
  }

  u8(value: number): void {
    this.ensure(1)
    this.view.setUint8(this.length, value)
    this.length += 1
  }
  u16(value: number): void {
    this.ensure(2)
    this.view.setUint16(this.length, value, true)
    this.length += 2
  }
  u32(value: number): void {
    this.ensure(4)
    this.view.setUint32(this.length, value >>> 0, true)
    this.length += 4
  }
  i32(value: number): void {
    this.ensure(4)
    this.view.setInt32(this.length, value, true)
    this.length += 4
  }
  f64(value: number): void {
    this.ensure(8)
    this.view.setFloat64(this.length, value, true)
    this.length += 8
  }
  /** A safe integer as 64-bit two's complement (low dword first). */
  i64(value: number): void {
    const hi = Math.floor(value / 0x1_0000_0000)
    this.u32(value - hi * 0x1_0000_0000)
    this.i32(hi)
  }
  bytes(source: Uint8Array): void {
    this.ensure(source.length)
    this.buffer.set(source, this.length)
    this.length += source.length
  }
  get size(): number {
    return this.length
  }
  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}

/** A bounds-checked little-endian reader; running past the end throws `SAVED_STATE_TRUNCATED`. */
export class ByteReader {
  private readonly view: DataView
  offset = 0

  readonly data: Uint8Array
  private readonly what: string
  constructor(data: Uint8Array, what: string) {
    this.data = data
    this.what = what
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  }

  private need(count: number): number {
    const at = this.offset
    if (at + count > this.data.length) {
      throw new SavedStateFormatError(
        'SAVED_STATE_TRUNCATED',
        `${this.what}: truncated at byte ${at} (needed ${count} more, ${this.data.length - at} left)`,
      )
    }
    this.offset += count
    return at
  }

  u8(): number {
    return this.view.getUint8(this.need(1))
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true)
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true)
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true)
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true)
  }
  i64(): number {
    const lo = this.u32()
    const hi = this.i32()
    return hi * 0x1_0000_0000 + lo
  }
  bytes(count: number): Uint8Array {
    const at = this.need(count)
    return this.data.subarray(at, at + count)
  }
  get remaining(): number {
    return this.data.length - this.offset
  }
}
