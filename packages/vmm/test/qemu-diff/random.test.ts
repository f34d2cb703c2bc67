// Differential test: seeded random integer instruction sequences, run in QEMU and in Boxwood, must leave the
// same registers, defined flags, fault record and memory.
import { describe, expect, it } from 'vitest'
import { firstMismatch, parseDumps } from './dumps'
import { Rng, randomCase } from './random-cases'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'

const SEEDS = [0x1234, 0xbeef, 0x5eed5]
const CASES_PER_IMAGE = 250
const INSNS_PER_CASE = 12

describe('random instruction sequences vs QEMU', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed.toString(16)}: ${CASES_PER_IMAGE} cases of ${INSNS_PER_CASE} instructions`, async () => {
      const rng = new Rng(seed)
      const cases = Array.from({ length: CASES_PER_IMAGE }, () => randomCase(rng, INSNS_PER_CASE))
      const image = buildImage(cases.map((c) => c.asm).join('\n'))
      const masks = cases.map((c) => c.flagMask)
      const [q, b] = [await runQemu(image), runBoxwood(image)]
      const qd = parseDumps(q, masks)
      const bd = parseDumps(b, masks)
      expect(qd.length).toBe(CASES_PER_IMAGE)
      expect(
        firstMismatch(
          qd,
          bd,
          cases.map((c) => c.asm),
        ),
      ).toBeNull()
      expect(bd.length).toBe(qd.length)
    }, 60_000)
  }
})
