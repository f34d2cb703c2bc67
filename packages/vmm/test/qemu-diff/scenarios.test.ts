// Differential test of the hand-written protected-mode scenarios (scenarios.ts) against QEMU.
import { describe, expect, it } from 'vitest'
import { firstMismatch, parseDumps } from './dumps'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'
import { REAL_SCENARIOS, SCENARIOS } from './scenarios'

describe('protected-mode scenarios vs QEMU', () => {
  it(`${SCENARIOS.length + REAL_SCENARIOS.length} scenarios leave the same state`, async () => {
    const all = [...REAL_SCENARIOS, ...SCENARIOS]
    const image = buildImage(
      SCENARIOS.map((s, i) => `scenario_${i}:\n${s.asm}`).join('\n'),
      REAL_SCENARIOS.map((s, i) => `real_scenario_${i}:\n${s.asm}`).join('\n'),
    )
    const masks = all.map((s) => s.flagMask ?? 0)
    const qd = parseDumps(await runQemu(image), masks)
    expect(qd.length).toBe(all.length)
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
