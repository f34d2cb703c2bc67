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
      const qd = parseDumps(await runQemu(image), masks)
      expect(qd.length).toBe(CASES_PER_IMAGE)
      for (const engine of ENGINES) {
        const bd = parseDumps(runBoxwood(image, engine), masks)
        const mismatch = firstMismatch(
          qd,
          bd,
          cases.map((c) => c.asm),
        )
        expect({ engine: engine.engine, mismatch }).toEqual({ engine: engine.engine, mismatch: null })
      }
    }, 60_000)
  }
})
