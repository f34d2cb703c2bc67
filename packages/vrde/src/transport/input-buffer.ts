// Collects incoming bytes until a whole protocol message is there, with a hard cap so that a client cannot make
// the server buffer without limit.
import { ProtocolError } from '../errors'

/** A growable byte queue with a read cursor. */
export class InputBuffer {
  #buf: Uint8Array = new Uint8Array(0)
  #start = 0
  #end = 0
  readonly #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  get length(): number {
    return this.#end - this.#start
  }

  /** Appends a chunk; throws when more than the limit would be pending. */
  push(chunk: Uint8Array): void {
    const len = this.length
    if (len + chunk.length > this.#limit) {
      throw new ProtocolError(`more than ${this.#limit} bytes of unprocessed input`, 'TOO_LARGE')
    }
    if (this.#end + chunk.length > this.#buf.length) {
      const next = new Uint8Array(Math.max(len + chunk.length, Math.min(this.#limit, this.#buf.length * 2), 4096))
      next.set(this.#buf.subarray(this.#start, this.#end))
      this.#buf = next
      this.#start = 0
      this.#end = len
    }
    this.#buf.set(chunk, this.#end)
    this.#end += chunk.length
  }

  /** The byte at `i` past the cursor (caller checked {@link length}). */
  at(i: number): number {
    return this.#buf[this.#start + i] ?? 0
  }

  /** A view of the next `n` bytes without consuming them (valid until the next push). */
  peek(n: number): Uint8Array {
    return this.#buf.subarray(this.#start, this.#start + n)
  }

  /** Consumes and returns (a copy of) the next `n` bytes. */
  take(n: number): Uint8Array {
    const out = this.#buf.slice(this.#start, this.#start + n)
    this.#start += n
    if (this.#start === this.#end) this.#start = this.#end = 0
    return out
  }

  skip(n: number): void {
    this.#start += n
    if (this.#start === this.#end) this.#start = this.#end = 0
  }
}
