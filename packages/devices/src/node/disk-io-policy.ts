// When a Node disk file does a request on the calling thread and when through libuv's thread pool. A positional
// read or write that hits the host page cache costs a few microseconds on the calling thread; the thread-pool round
// trip (queue, worker wake-up, completion wake-up of the event loop) costs 10–200 µs on a busy host, which is most
// of a 4 KiB request. The hybrid policy takes the fast path while it is fast and bounded, and the thread pool
// otherwise: for large requests (bulk copies, where workers also overlap reads with writes) and for a device that
// proved slow (page-cache misses on a spinning disk). When the event loop has not turned for a while, the next
// request first lets it turn (one setImmediate, far cheaper than a thread hand-off) and then runs as before.

import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers'

/** {@link HybridIoPolicy.begin}: do the request on the thread pool. */
export const IO_POOL = -1
/** {@link HybridIoPolicy.begin}: let the event loop turn once, then ask again. */
export const IO_YIELD = -2

/** Tunables of {@link HybridIoPolicy}; the defaults suit an emulated IDE/floppy controller and media tools. */
export interface HybridIoOptions {
  /** Largest request done on the calling thread (default 64 KiB: one IDE DMA chunk). */
  readonly maxSyncBytes?: number
  /**
   * Two calling-thread requests in a row slower than this (ms) mark the device slow (default 2 ms: page-cache
   * misses on a spinning disk). One alone may just be the host preempting the thread.
   */
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
  /** Slow calling-thread requests in a row. */
  private slowInRow = 0

  constructor(options: HybridIoOptions = {}) {
    this.maxSyncBytes = options.maxSyncBytes ?? 64 * 1024
    this.slowMs = options.slowMs ?? 2
    this.backoffMs = options.backoffMs ?? 50
    this.maxBackoffMs = options.maxBackoffMs ?? 5000
    this.maxStreakMs = options.maxStreakMs ?? 4
    this.backoff = this.backoffMs
  }

  /**
   * Returns the start time (ms, at least 0) when a request of `length` bytes should run on the calling thread
   * (pass it to {@link finish}), {@link IO_POOL} for the thread pool, or {@link IO_YIELD}.
   */
  begin(length: number): number {
    if (length > this.maxSyncBytes) return IO_POOL
    const now = performance.now()
    if (now < this.slowUntil) return IO_POOL
    if (streakStart >= 0 && now - streakStart > this.maxStreakMs) return IO_YIELD
    markSyncRequest(now)
    return now
  }

  /** Records how long the calling-thread request begun at `start` took. */
  finish(start: number): void {
    const now = performance.now()
    if (now - start <= this.slowMs) {
      this.slowInRow = 0
      // Fast again after a backoff: the next slow spell starts from the shortest backoff.
      if (this.slowUntil >= 0) {
        this.slowUntil = -1
        this.backoff = this.backoffMs
      }
      return
    }
    // A slow probe after a backoff extends it at once; otherwise wait for a second slow request in a row.
    if (this.slowUntil < 0 && ++this.slowInRow < 2) return
    this.slowInRow = 0
    this.slowUntil = now + this.backoff
    this.backoff = Math.min(this.backoff * 2, this.maxBackoffMs)
  }
}
