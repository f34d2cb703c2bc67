// The random values a Vm's CPU returns for RDRAND. A real-time machine draws them from the host's cryptographic
// random generator (Web Crypto, in Node and browsers), as VirtualBox and KVM pass the host's RDRAND through: a guest
// that trusts RDRAND (Linux seeds its CRNG from it at boot) gets real entropy. A deterministic machine replays
// exactly, so its values come from the machine seed instead — reproducible, and as predictable as the rest of a
// deterministic run.
import { createSeededRandom } from '../device-api/seeded-random'

/** Values fetched from the host per refill (one Web Crypto call per 1 KiB). */
const BATCH = 256

/** A source of uniformly random 32-bit integers from the host's cryptographic generator. */
export function hostRandomSource(): () => number {
  const words = new Uint32Array(BATCH)
  let next = BATCH
  return () => {
    if (next === BATCH) {
      globalThis.crypto.getRandomValues(words)
      next = 0
    }
    return words[next++]!
  }
}

/** The RDRAND source of a machine: the host's generator in real time, the machine seed's stream otherwise. */
export function rdrandSource(realtime: boolean, seed: number): () => number {
  return realtime ? hostRandomSource() : createSeededRandom(seed, 'cpu.rdrand').nextU32
}
