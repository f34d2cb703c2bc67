// The random values a Vm's CPU returns for RDRAND. A real-time machine draws them from the host's cryptographic
// random generator (Web Crypto, in Node and browsers), as VirtualBox and KVM pass the host's RDRAND through: a guest
// that trusts RDRAND (Linux seeds its CRNG from it at boot) gets real entropy. A deterministic machine replays
// exactly, so its values come from the machine seed and the virtual time instead — reproducible, also across a save
// and restore, and as predictable as the rest of a deterministic run.
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

/**
 * A deterministic machine's RDRAND: the machine seed mixed with the virtual time of the call. It has no state of its
 * own, so a machine restored from a saved state draws what the saved one would have drawn next (virtual time moves
 * on every instruction there, so no two RDRANDs share a time).
 */
export function seededRdrand(seed: number, nowNs: () => number): () => number {
  return () => {
    const ns = nowNs()
    return mix32(seed, ns % 0x1_0000_0000, Math.floor(ns / 0x1_0000_0000))
  }
}

/** Three 32-bit words hashed to one (murmur3-style finalising rounds). */
function mix32(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2f)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  return (h ^ (h >>> 13)) >>> 0
}
