// The byte pipe a protocol connection talks through: a TCP or TLS socket, or a WebSocket (noVNC). It counts the
// bytes handed over but not yet flushed, which is what the servers use for per-client flow control.
import type { Duplex } from 'node:stream'

/** The part of a `ws` WebSocket the transport uses (structural, so users need no `ws` types). */
export interface WebSocketLike {
  binaryType: string
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown
  on(event: 'close' | 'error', listener: () => void): unknown
  send(data: Uint8Array, options: { binary: boolean }, cb: (err?: Error) => void): void
  close(): void
  terminate(): void
}

/** Handlers a connection installs on its transport. */
export interface TransportHandlers {
  onData(chunk: Uint8Array): void
  onClose(): void
  /** The backlog fell to zero: the client has read everything sent so far. */
  onDrain(): void
}

/** A bidirectional byte stream with a flow-control counter. */
export interface Transport {
  /** Queues bytes for the peer. */
  send(data: Uint8Array): void
  /** Bytes queued but not yet written to the network. */
  readonly backlog: number
  /** Peer address for logs and connection info. */
  readonly remoteAddress: string
  setHandlers(handlers: TransportHandlers): void
  /** Closes the connection (no more data is delivered). */
  close(): void
  readonly closed: boolean
}

/** Common counting logic; subclasses do the actual writes. */
abstract class CountingTransport implements Transport {
  #backlog = 0
  #handlers: TransportHandlers | null = null
  #early: Uint8Array[] = []
  #closed = false
  abstract readonly remoteAddress: string

  get backlog(): number {
    return this.#backlog
  }

  get closed(): boolean {
    return this.#closed
  }

  setHandlers(handlers: TransportHandlers): void {
    this.#handlers = handlers
    const early = this.#early
    this.#early = []
    for (const c of early) handlers.onData(c)
  }

  send(data: Uint8Array): void {
    if (this.#closed || data.length === 0) return
    const n = data.length
    this.#backlog += n
    this.write(data, () => {
      this.#backlog -= n
      if (this.#backlog === 0 && !this.#closed) this.#handlers?.onDrain()
    })
  }

  protected abstract write(data: Uint8Array, done: () => void): void
  protected abstract end(): void

  protected deliver(chunk: Uint8Array): void {
    if (this.#closed) return
    if (this.#handlers) this.#handlers.onData(chunk)
    else this.#early.push(chunk)
  }

  protected closedByPeer(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handlers?.onClose()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.end()
    this.#handlers?.onClose()
  }
}

/** A transport over a Node stream socket (net.Socket or tls.TLSSocket). */
export class StreamTransport extends CountingTransport {
  readonly remoteAddress: string
  readonly #stream: Duplex

  constructor(stream: Duplex, remoteAddress: string) {
    super()
    this.#stream = stream
    this.remoteAddress = remoteAddress
    stream.on('data', (c: Buffer) => this.deliver(c))
    stream.on('close', () => this.closedByPeer())
    stream.on('end', () => this.closedByPeer())
    stream.on('error', () => this.closedByPeer())
  }

  protected write(data: Uint8Array, done: () => void): void {
    this.#stream.write(data, () => done())
  }

  protected end(): void {
    this.#stream.end()
    // A peer that never reads would keep an ended socket open forever: destroy soon after.
    setTimeout(() => this.#stream.destroy(), 2000).unref()
  }
}

/** A transport over a WebSocket carrying binary frames (the websockify convention noVNC uses). */
export class WebSocketTransport extends CountingTransport {
  readonly remoteAddress: string
  readonly #ws: WebSocketLike

  constructor(ws: WebSocketLike, remoteAddress: string) {
    super()
    this.#ws = ws
    this.remoteAddress = remoteAddress
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) {
        this.close()
        return
      }
      const chunks = Array.isArray(data) ? data : [data]
      for (const c of chunks) this.deliver(c instanceof ArrayBuffer ? new Uint8Array(c) : c)
    })
    ws.on('close', () => this.closedByPeer())
    ws.on('error', () => this.closedByPeer())
  }

  protected write(data: Uint8Array, done: () => void): void {
    this.#ws.send(data, { binary: true }, () => done())
  }

  protected end(): void {
    this.#ws.close()
    setTimeout(() => this.#ws.terminate(), 2000).unref()
  }
}
