// An in-memory Transport for driving a protocol connection directly from tests (no sockets).
import type { Transport, TransportHandlers } from '../../src/transport/transport'

/** Records what the server sends; `feed` delivers client bytes. */
export class MemoryTransport implements Transport {
  readonly sent: Uint8Array[] = []
  readonly remoteAddress = 'memory:1'
  backlog = 0
  closed = false
  #handlers: TransportHandlers | null = null

  setHandlers(handlers: TransportHandlers): void {
    this.#handlers = handlers
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.sent.push(Uint8Array.from(data))
  }

  feed(data: Uint8Array): void {
    if (!this.closed) this.#handlers?.onData(data)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.#handlers?.onClose()
  }

  get sentBytes(): Buffer {
    return Buffer.concat(this.sent)
  }
}
