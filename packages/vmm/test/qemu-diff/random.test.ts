// Differential test: seeded random integer instruction sequences, run in QEMU and in Boxwood, must leave the
// same registers, defined flags, fault record and memory.
import { describe, expect, it } from 'vitest'
import { firstMismatch, parseDumps } from './dumps'
import { Rng, randomCase } from './random-cases'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'

/** Seeds, and whether the case bodies run in a 16-bit code segment. */
const SEEDS: [number, boolean][] = [
  [0x1234, false],
  [0xbeef, false],
  [0x5eed5, false],
  [0x1616, true],
  [0xc0ffee, false],
  [0x16b17, true],
]
const CASES_PER_IMAGE = 250
const INSNS_PER_CASE = 12

describe('random instruction sequences vs QEMU', () => {
  it('seed 1006, 32-bit code: 120 cases of 40 instructions (long lazy-flag chains)', async () => {
    const rng = new Rng(0x1006)
    const cases = Array.from({ length: 120 }, () => randomCase(rng, 40))
    const image = buildImage(cases.map((c) => c.asm).join('\n'))
    const masks = cases.map((c) => c.flagMask)
    const qd = parseDumps(await runQemu(image), masks)
    expect(qd.length).toBe(120)
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

  // Real-mode cases run from the image's last 64 KB (CS = F000), which holds about 150 of them.
  const REAL_CASES = 150
  it(`seed 7ea1, real mode: ${REAL_CASES} cases of ${INSNS_PER_CASE} instructions`, async () => {
    const rng = new Rng(0x7ea1)
    const cases = Array.from({ length: REAL_CASES }, () => randomCase(rng, INSNS_PER_CASE, false, true))
    const image = buildImage('', cases.map((c) => c.asm).join('\n'))
    const masks = cases.map((c) => c.flagMask)
    const qd = parseDumps(await runQemu(image), masks)
    expect(qd.length).toBe(REAL_CASES)
    expect(qd.filter((d) => d.vector === 'none').length).toBeGreaterThan(REAL_CASES * 0.6)
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

  for (const [seed, code16] of SEEDS) {
    const mode = code16 ? '16-bit code' : '32-bit code'
    it(`seed ${seed.toString(16)}, ${mode}: ${INSNS_PER_CASE}-instruction cases`, async () => {
      const rng = new Rng(seed)
      // 16-bit cases must stay within the 64 KB code segment (QEMU wraps IP there, the SDM says #GP).
      const count = code16 ? 200 : CASES_PER_IMAGE
      const cases = Array.from({ length: count }, () => randomCase(rng, INSNS_PER_CASE, code16))
      // Selector 0x40: a 16-bit code segment based at the cases' copy in RAM.
      const setup = code16 ? '  SETDESC 0x40, CASES_RAM, 0xffff, 0x9b, 0\n' : ''
      const image = buildImage(setup + cases.map((c) => c.asm).join('\n'))
      const masks = cases.map((c) => c.flagMask)
      const qd = parseDumps(await runQemu(image), masks)
      expect(qd.length).toBe(count)
      // Most cases must run to completion (a setup mistake would make every case fault the same way).
      expect(qd.filter((d) => d.vector === 'none').length).toBeGreaterThan(count * 0.6)
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
