// Polling helpers for tests that wait on sockets and timers, and a noisy picture that no codec can shrink.
import type { MemoryDisplaySource } from '../../src/display/memory-display'

/** Polls `probe` every 20 ms until it is true or `ms` pass; returns its last answer. */
export async function until(probe: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (probe()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return probe()
}

/** Fills the whole display with seeded noise and announces it. */
export function noise(d: MemoryDisplaySource, seed: number): void {
  const fb = d.framebuffer()
  let s = seed >>> 0
  for (let i = 0; i < fb.length; i++) fb[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24
  d.invalidate()
}
