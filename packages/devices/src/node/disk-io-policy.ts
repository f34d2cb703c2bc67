// When a Node disk file does a request on the calling thread and when through libuv's thread pool. A positional
// read or write that hits the host page cache costs a few microseconds on the calling thread; the thread-pool round
// trip (queue, worker wake-up, completion wake-up of the event loop) costs 10–200 µs on a busy host, which is most
// of a 4 KiB request. The hybrid policy takes the fast path while it is fast and bounded, and the thread pool
// otherwise: for large requests (bulk copies, where workers also overlap reads with writes), for a device that just
// proved slow (a page-cache miss on a spinning disk), and whenever the event loop has not turned for a while.

import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers'

/** Tunables of {@link HybridIoPolicy}; the defaults suit an emulated IDE/floppy controller and media tools. */
export interface HybridIoOptions {
  /** Largest request done on the calling thread (default 64 KiB: one IDE DMA chunk). */
  readonly maxSyncBytes?: number
  /** A calling-thread request slower than this (ms) marks the device slow (default 2 ms: a page-cache miss). */
  readonly slowMs?: number
  /** How long (ms) a slow device stays on the thread pool before the calling thread is tried again (default 50). */
  readonly backoffMs?: number
  /** Longest backoff after repeatedly slow probes (default 5000 ms). */
  readonly maxBackoffMs?: number
  /** Longest run of calling-thread requests without the event loop turning (default 4 ms). */
  readonly maxStreakMs?: number
}

/**
 * Tracks, per thread, since when requests have run on the calling thread without the event loop turning. A chain of
 * awaited requests that all complete synchronously runs entirely in microtasks and would otherwise starve timers,
 * sockets and the VRDE server for as long as the chain lasts.
 */
let streakStart = -1
function markSyncRequest(now: number): void {
  if (streakStart >= 0) return
  streakStart = now
  // Fires on the next turn of the event loop, which is exactly what the streak waits for.
  setImmediate(() => {
    streakStart = -1
  })
}

/** The per-file decision of {@link NodeBlockFile}: calling thread or thread pool, request by request. */
export class HybridIoPolicy {
  private readonly maxSyncBytes: number
  private readonly slowMs: number
  private readonly backoffMs: number
  private readonly maxBackoffMs: number
  private readonly maxStreakMs: number
  /** Until when (performance.now() ms) the device counts as slow. */
  private slowUntil = -1
  private backoff: number

  constructor(options: HybridIoOptions = {}) {
    this.maxSyncBytes = options.maxSyncBytes ?? 64 * 1024
    this.slowMs = options.slowMs ?? 2
    this.backoffMs = options.backoffMs ?? 50
    this.maxBackoffMs = options.maxBackoffMs ?? 5000
    this.maxStreakMs = options.maxStreakMs ?? 4
    this.backoff = this.backoffMs
  }

  /**
   * Returns the start time (ms) when a request of `length` bytes should run on the calling thread (pass it to
   * {@link finish}), or -1 for the thread pool.
   */
  begin(length: number): number {
    if (length > this.maxSyncBytes) return -1
    const now = performance.now()
    if (now < this.slowUntil) return -1
    if (streakStart >= 0 && now - streakStart > this.maxStreakMs) return -1
    markSyncRequest(now)
    return now
  }

  /** Records how long the calling-thread request begun at `start` took. */
  finish(start: number): void {
    const now = performance.now()
    if (now - start <= this.slowMs) {
      // Fast again after a backoff: the next slow spell starts from the shortest backoff.
      if (this.slowUntil >= 0) {
        this.slowUntil = -1
        this.backoff = this.backoffMs
      }
      return
    }
    this.slowUntil = now + this.backoff
    this.backoff = Math.min(this.backoff * 2, this.maxBackoffMs)
  }
}
