/**
 * Char backend contract (VirtualBox PDMISTREAM / the "Char" driver chain; QEMU chardev): a byte stream between
 * a character device (UART, debug console) and the host. Host → guest data is pulled by the device when it has
 * room, so a slow guest never loses bytes the backend still holds; guest → host data is pushed.
 * Also: an in-memory backend for tests and embedders (portable; Node backends live in `devices/node`).
 */
import { defineContract } from '@boxwood/vmm/device-api'

/** What a char backend tells the device attached to it. */
export interface CharBackendListener {
  /** Bytes became available to {@link CharBackend.read} (called on the host side, between emulation slices). */
  onReadable(): void
}

/** A host byte stream a character device is attached to (at LUN 0). */
export interface CharBackend {
  /** Guest → host bytes. Never blocks; a backend that cannot keep up buffers or drops (and says which). */
  write(data: Uint8Array): void
  /** Host → guest bytes waiting to be read. */
  readonly available: number
  /** Takes up to `max` waiting bytes (possibly none). */
  read(max: number): Uint8Array
  /** Sets (or clears) the one listener; the device sets it at creation. */
  setListener(listener: CharBackendListener | undefined): void
  /** Releases host resources (sockets, files). Idempotent. */
  close(): void
}

/** The LUN contract devices attach char backends with. */
export const charBackendContract = defineContract<CharBackend>(
  'CharBackend',
  (value): value is CharBackend =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CharBackend).write === 'function' &&
    typeof (value as CharBackend).read === 'function' &&
    typeof (value as CharBackend).setListener === 'function',
)

/**
 * The queue every backend needs for host → guest bytes: pushes from the host, pulls by the device, a capacity
 * after which pushes are dropped (counted), and the readable notification.
 */
export class CharInputQueue {
  private chunks: Uint8Array[] = []
  private head = 0
  private size = 0
  private listener: CharBackendListener | undefined
  /** Bytes dropped because the queue was full. */
  dropped = 0
  readonly capacity: number

  constructor(capacity = 1 << 20) {
    this.capacity = capacity
  }

  get available(): number {
    return this.size
  }

  setListener(listener: CharBackendListener | undefined): void {
    this.listener = listener
    if (listener && this.size > 0) listener.onReadable()
  }

  /** Host side: queues bytes and notifies the device. */
  push(data: ArrayLike<number>): void {
    const room = this.capacity - this.size
    const take = Math.min(room, data.length)
    this.dropped += data.length - take
    if (take === 0) return
    this.chunks.push(Uint8Array.from({ length: take }, (_, i) => data[i]! & 0xff))
    this.size += take
    this.listener?.onReadable()
  }

  read(max: number): Uint8Array {
    const n = Math.max(0, Math.min(Math.floor(max), this.size))
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0]!
      const part = Math.min(n - filled, chunk.length - this.head)
      out.set(chunk.subarray(this.head, this.head + part), filled)
      filled += part
      this.head += part
      if (this.head === chunk.length) {
        this.chunks.shift()
        this.head = 0
      }
    }
    this.size -= n
    return out
  }
}

/** An in-memory char backend: the guest's output is collected, input is pushed by the caller. */
export interface MemoryCharBackend extends CharBackend {
  /** Everything the guest wrote, as bytes. */
  readonly output: Uint8Array
  /** The guest's output decoded as Latin-1 text (serial consoles). */
  text(): string
  /** Queues host → guest bytes (a string is sent as Latin-1/UTF-16 code units & 0xFF). */
  push(data: string | ArrayLike<number>): void
  /** Called with each chunk the guest writes. */
  onOutput(listener: (data: Uint8Array) => void): () => void
}

/** Creates an in-memory char backend (tests, embedders, boot harnesses). */
export function createMemoryCharBackend(): MemoryCharBackend {
  const queue = new CharInputQueue()
  let output = new Uint8Array(4096)
  let length = 0
  const listeners = new Set<(data: Uint8Array) => void>()
  return {
    write(data) {
      if (length + data.length > output.length) {
        const grown = new Uint8Array(Math.max(output.length * 2, length + data.length))
        grown.set(output.subarray(0, length))
        output = grown
      }
      output.set(data, length)
      length += data.length
      for (const listener of listeners) listener(data.slice())
    },
    get available() {
      return queue.available
    },
    read: (max) => queue.read(max),
    setListener: (listener) => queue.setListener(listener),
    close() {},
    get output() {
      return output.slice(0, length)
    },
    text() {
      let s = ''
      for (let i = 0; i < length; i += 8192) s += String.fromCharCode(...output.subarray(i, Math.min(length, i + 8192)))
      return s
    },
    push(data) {
      queue.push(typeof data === 'string' ? Array.from(data, (c) => c.charCodeAt(0) & 0xff) : data)
    },
    onOutput(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
