// The hybrid I/O policy of Node disk files: which requests run on the calling thread and when the thread pool
// takes over (large requests, a device that proved slow, an event loop that has not turned for too long).

import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers'
import { describe, expect, it } from 'vitest'
import { HybridIoPolicy, IO_POOL, IO_YIELD } from '../../src/node/disk-io-policy'

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
/** Busy-waits until the clock has moved on by `ms` (a request that held the calling thread that long). */
function spin(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // holding the thread on purpose
  }
}

describe('HybridIoPolicy', () => {
  it('runs requests up to maxSyncBytes on the calling thread and larger ones on the thread pool', async () => {
    await nextTurn()
    const policy = new HybridIoPolicy({ maxSyncBytes: 4096, maxStreakMs: 60_000 })
    const start = policy.begin(4096)
    expect(start).toBeGreaterThanOrEqual(0)
    policy.finish(start)
    expect(policy.begin(4097)).toBe(IO_POOL)
    expect(policy.begin(0)).toBeGreaterThanOrEqual(0)
  })

  /** Two slow calling-thread requests in a row: what makes the policy call a device slow. */
  function twoSlow(policy: HybridIoPolicy): void {
    for (let i = 0; i < 2; i++) {
      const start = policy.begin(512)
      expect(start).toBeGreaterThanOrEqual(0)
      spin(30)
      policy.finish(start)
    }
  }

  it('takes one slow request for a preempted thread, not a slow device', async () => {
    await nextTurn()
    const policy = new HybridIoPolicy({ slowMs: 20, backoffMs: 300, maxStreakMs: 60_000 })
    const slow = policy.begin(512)
    spin(30)
    policy.finish(slow)
    const fast = policy.begin(512)
    expect(fast).toBeGreaterThanOrEqual(0)
    policy.finish(fast)
    const slowAgain = policy.begin(512)
    spin(30)
    policy.finish(slowAgain)
    expect(policy.begin(512)).toBeGreaterThanOrEqual(0)
  })

  it('sends requests to the thread pool after two slow ones, for the backoff, then probes again', async () => {
    await nextTurn()
    const policy = new HybridIoPolicy({ slowMs: 20, backoffMs: 300, maxStreakMs: 60_000 })
    twoSlow(policy)
    expect(policy.begin(512)).toBe(IO_POOL)
    await sleep(400)
    const probe = policy.begin(512)
    expect(probe).toBeGreaterThanOrEqual(0)
    policy.finish(probe) // fast: back to the calling thread
    expect(policy.begin(512)).toBeGreaterThanOrEqual(0)
  })

  it('doubles the backoff while probes stay slow, and starts over once one is fast', async () => {
    await nextTurn()
    // Generous margins: timers on a busy shared machine fire late, never early.
    const policy = new HybridIoPolicy({ slowMs: 20, backoffMs: 300, maxBackoffMs: 10_000, maxStreakMs: 60_000 })
    twoSlow(policy) // backoff 300 ms
    await sleep(400)
    const probe = policy.begin(512)
    expect(probe).toBeGreaterThanOrEqual(0)
    spin(30)
    policy.finish(probe) // slow again: 600 ms this time
    await sleep(400)
    expect(policy.begin(512)).toBe(IO_POOL)
    await sleep(300)
    const fast = policy.begin(512)
    expect(fast).toBeGreaterThanOrEqual(0)
    policy.finish(fast)
    twoSlow(policy) // back to the shortest backoff: 300 ms
    await sleep(400)
    expect(policy.begin(512)).toBeGreaterThanOrEqual(0)
  })

  it('lets the event loop turn once it has not turned for maxStreakMs', async () => {
    await nextTurn()
    const policy = new HybridIoPolicy({ maxStreakMs: 2, slowMs: 60_000 })
    const first = policy.begin(512)
    expect(first).toBeGreaterThanOrEqual(0)
    spin(30)
    policy.finish(first)
    expect(policy.begin(512)).toBe(IO_YIELD)
    // Another file's policy shares the streak: the event loop is one per thread.
    expect(new HybridIoPolicy({ maxStreakMs: 2 }).begin(512)).toBe(IO_YIELD)
    await nextTurn()
    expect(policy.begin(512)).toBeGreaterThanOrEqual(0)
  })
})
