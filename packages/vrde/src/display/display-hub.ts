// Fans one display source out to many client connections. It subscribes to the source only while a client is
// attached (an idle server costs nothing) and does O(1) work per client per change: clients only accumulate
// dirty regions, and read pixels when their own socket can take them.
import type { CursorShape, DisplayListener, DisplayMode, DisplayRect, DisplaySource } from '@boxwood/devices'
import { DirtyRegion } from './dirty-region'

/** A copy hint kept for a client until its next update. */
export interface PendingCopy {
  readonly rect: DisplayRect
  readonly srcX: number
  readonly srcY: number
}

/**
 * What one client still has to be sent: a dirty region, at most one copy, a mode change, a pointer change.
 * `schedule` is called whenever something becomes pending; the connection decides when to send.
 */
export class ClientDisplayState implements DisplayListener {
  readonly region = new DirtyRegion()
  copy: PendingCopy | null = null
  modeChanged = false
  cursorChanged = false
  readonly #source: DisplaySource
  readonly #schedule: () => void

  constructor(source: DisplaySource, schedule: () => void) {
    this.#source = source
    this.#schedule = schedule
  }

  onUpdate(rect: DisplayRect): void {
    this.region.add(rect)
    this.#schedule()
  }

  onCopy(rect: DisplayRect, srcX: number, srcY: number): void {
    // A copy is only exact if the client's picture is otherwise current; else send the pixels.
    if (this.copy === null && this.region.empty && !this.modeChanged) this.copy = { rect, srcX, srcY }
    else this.region.add(rect)
    this.#schedule()
  }

  onModeChange(_mode: DisplayMode): void {
    this.modeChanged = true
    this.copy = null
    this.region.clear()
    this.#schedule()
  }

  onCursorShape(_shape: CursorShape | null): void {
    this.cursorChanged = true
    this.#schedule()
  }

  /** Set by protocols that forward pointer warps; absent = ignored. */
  onCursorPosition?: (x: number, y: number) => void

  /** Marks the whole screen dirty (a client's full refresh). */
  invalidateAll(): void {
    const { width, height } = this.#source.mode
    this.copy = null
    this.region.addAll(width, height)
    this.#schedule()
  }

  get pending(): boolean {
    return this.modeChanged || this.cursorChanged || this.copy !== null || !this.region.empty
  }
}

/** Subscribes to a display source on behalf of all connected clients. */
export class DisplayHub {
  readonly source: DisplaySource
  readonly #clients = new Set<DisplayListener>()
  #unsubscribe: (() => void) | null = null

  constructor(source: DisplaySource) {
    this.source = source
  }

  /** Starts forwarding changes to `client`; returns the detach function. */
  attach(client: DisplayListener): () => void {
    this.#clients.add(client)
    if (this.#unsubscribe === null) this.#unsubscribe = this.source.subscribe(this.#fanOut)
    return () => {
      this.#clients.delete(client)
      if (this.#clients.size === 0 && this.#unsubscribe) {
        this.#unsubscribe()
        this.#unsubscribe = null
      }
    }
  }

  readonly #fanOut: DisplayListener = {
    onUpdate: (rect) => {
      for (const c of this.#clients) c.onUpdate?.(rect)
    },
    onCopy: (rect, sx, sy) => {
      for (const c of this.#clients) c.onCopy?.(rect, sx, sy)
    },
    onModeChange: (mode) => {
      for (const c of this.#clients) c.onModeChange?.(mode)
    },
    onCursorShape: (shape) => {
      for (const c of this.#clients) c.onCursorShape?.(shape)
    },
    onCursorPosition: (x, y) => {
      for (const c of this.#clients) c.onCursorPosition?.(x, y)
    },
  }
}
