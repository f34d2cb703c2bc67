// The seeded write plan shared by the crash test and its writer child process.

/** One planned write: where, how long, and the seed of its bytes. */
export interface PlannedWrite {
  readonly offset: number
  readonly length: number
  readonly seed: number
  /** Flush after this write. */
  readonly flush: boolean
}

/** Deterministic bytes for a planned write. */
export function planBytes(write: PlannedWrite): Uint8Array {
  const bytes = new Uint8Array(write.length)
  let x = write.seed >>> 0 || 1
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    bytes[i] = x & 0xff
  }
  return bytes
}

/** `count` writes over a disk of `size` bytes: unaligned, overlapping, crossing block boundaries. */
export function makePlan(seed: number, size: number, count: number): PlannedWrite[] {
  let x = seed >>> 0 || 7
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0)
  const plan: PlannedWrite[] = []
  for (let i = 0; i < count; i++) {
    const length = 1 + (next() % (next() % 4 === 0 ? 1_500_000 : 40_000))
    plan.push({ offset: next() % (size - length), length, seed: next(), flush: next() % 3 === 0 })
  }
  return plan
}
