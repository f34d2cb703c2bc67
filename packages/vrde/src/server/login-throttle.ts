// Slows down repeated failed logins from one address (each failure doubles the delay before the answer, up to a
// cap) and forgets an address after a quiet period. Memory is bounded by evicting the oldest entries.

const BASE_DELAY_MS = 500
const MAX_DELAY_MS = 16_000
const FORGET_AFTER_MS = 10 * 60_000
const MAX_TRACKED = 4096

/**
 * The host part of a connection's address as the servers write it (`host:port`, optionally followed by a
 * ` (websocket)` note): failures are counted per host, since every new connection comes from a new port.
 */
export function clientHost(remoteAddress: string): string {
  return remoteAddress.replace(/ \(.*\)$/, '').replace(/:\d+$/, '')
}

/** Per-address failure counter with exponential back-off. */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; last: number }>()
  readonly #baseDelayMs: number

  constructor(baseDelayMs = BASE_DELAY_MS) {
    this.#baseDelayMs = baseDelayMs
  }

  /** Records a failure and returns how long to wait before telling the client. */
  fail(address: string): number {
    const now = Date.now()
    const entry = this.#failures.get(address)
    const count = entry && now - entry.last < FORGET_AFTER_MS ? entry.count + 1 : 1
    this.#failures.delete(address)
    this.#failures.set(address, { count, last: now })
    if (this.#failures.size > MAX_TRACKED) {
      const oldest = this.#failures.keys().next().value
      if (oldest !== undefined) this.#failures.delete(oldest)
    }
    return Math.min(MAX_DELAY_MS, this.#baseDelayMs * 2 ** (count - 1))
  }

  /** Failures recorded for an address (0 after success or when forgotten). */
  failures(address: string): number {
    return this.#failures.get(address)?.count ?? 0
  }

  succeed(address: string): void {
    this.#failures.delete(address)
  }
}
