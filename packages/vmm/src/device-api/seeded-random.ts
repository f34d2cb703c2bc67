// Deterministic random numbers for devices and fuzzers: xoshiro128** seeded through splitmix32 from the machine
// seed and a stream name (device name + instance), so streams are independent and reproducible.
import type { RandomSource } from './device'

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0
  let z = state.s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** A seeded random source for `stream` (independent sequences per stream name). */
export function createSeededRandom(seed: number, stream = ''): RandomSource {
  const init = { s: (seed ^ hashString(stream)) | 0 }
  let a = splitmix32(init)
  let b = splitmix32(init)
  let c = splitmix32(init)
  let d = splitmix32(init)
  if ((a | b | c | d) === 0) a = 1
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }
  return { nextU32, nextFloat: () => nextU32() / 0x1_0000_0000 }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
