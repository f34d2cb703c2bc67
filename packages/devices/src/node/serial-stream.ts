// Shared plumbing of the Node char backends (VirtualBox DrvChar + DrvHostSerial/DrvNamedPipe/DrvTCP): host →
// guest bytes are queued for the device to pull; guest → host bytes are written to whatever stream is
// currently connected, or dropped (counted) while nothing is.
import type { Readable, Writable } from 'node:stream'
import { CharInputQueue } from '../backends/char-backend'
import type { CharBackend, CharBackendListener } from '../backends/char-backend'

/** A Node char backend: the contract plus connection state and counters. */
export interface NodeCharBackend extends CharBackend {
  /** Whether a peer (socket, stream) is attached right now. */
  readonly connected: boolean
  /** Guest bytes dropped because no peer was connected. */
  readonly droppedOutput: number
  /** Resolves once the backend is ready (listening, connected or opened). */
  readonly ready: Promise<void>
}

/** The common core: attach/detach streams, queue input, write output. */
export class StreamCharBackend implements NodeCharBackend {
  protected readonly input = new CharInputQueue()
  protected output: Writable | undefined
  private detachInput: (() => void) | undefined
  private isClosed = false
  droppedOutput = 0
  ready: Promise<void> = Promise.resolve()
  private readonly onClose: () => void

  constructor(onClose: () => void = () => {}) {
    this.onClose = onClose
  }

  get connected(): boolean {
    return this.output !== undefined
  }

  get available(): number {
    return this.input.available
  }

  read(max: number): Uint8Array {
    return this.input.read(max)
  }

  setListener(listener: CharBackendListener | undefined): void {
    this.input.setListener(listener)
  }

  write(data: Uint8Array): void {
    const out = this.output
    if (!out || out.destroyed || !out.writable) {
      this.droppedOutput += data.length
      return
    }
    out.write(Buffer.from(data))
  }

  /** Connects a peer: `source` feeds the guest, `sink` takes the guest's output (either may be absent). */
  attach(source: Readable | undefined, sink: Writable | undefined): void {
    this.detach()
    if (this.isClosed) return
    this.output = sink
    if (source) {
      const onData = (chunk: Buffer | string) => this.input.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      const onEnd = () => this.detach()
      source.on('data', onData)
      source.on('end', onEnd)
      source.on('error', onEnd)
      this.detachInput = () => {
        source.off('data', onData)
        source.off('end', onEnd)
        source.off('error', onEnd)
      }
    }
    sink?.on('error', () => this.detach())
  }

  /** Drops the current peer (its later bytes are ignored; output is dropped until the next attach). */
  detach(): void {
    this.detachInput?.()
    this.detachInput = undefined
    this.output = undefined
  }

  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.detach()
    this.input.setListener(undefined)
    this.onClose()
  }
}
