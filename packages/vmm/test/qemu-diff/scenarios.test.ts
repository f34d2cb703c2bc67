// Differential test of the hand-written protected-mode scenarios (scenarios.ts) against QEMU.
import { describe, expect, it } from 'vitest'
import { firstMismatch, parseDumps } from './dumps'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'
import { SCENARIOS } from './scenarios'

describe('protected-mode scenarios vs QEMU', () => {
  it(`${SCENARIOS.length} scenarios leave the same state`, async () => {
    const image = buildImage(SCENARIOS.map((s, i) => `scenario_${i}:\n${s.asm}`).join('\n'))
    const masks = SCENARIOS.map((s) => s.flagMask ?? 0)
    const qd = parseDumps(await runQemu(image), masks)
    expect(qd.length).toBe(SCENARIOS.length)
    for (const engine of ENGINES) {
      const bd = parseDumps(runBoxwood(image, engine), masks)
      const mismatch = firstMismatch(
        qd,
        bd,
        SCENARIOS.map((s) => s.asm),
      )
      expect({ engine: engine.engine, mismatch }).toEqual({ engine: engine.engine, mismatch: null })
    }
  }, 60_000)
})
