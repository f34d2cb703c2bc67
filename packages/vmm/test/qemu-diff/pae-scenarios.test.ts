// Differential test of the PAE/NX paging scenarios (pae-scenarios.ts) against QEMU (pentium3 with NX).
import { describe, expect, it } from 'vitest'
import { firstMismatch, parseDumps } from './dumps'
import { addPresentToQemuRsvd, PAE_MACROS, PAE_QEMU_CPU, PAE_SCENARIOS } from './pae-scenarios'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'

describe('PAE paging scenarios vs QEMU', () => {
  it(`${PAE_SCENARIOS.length} scenarios leave the same state`, async () => {
    const image = buildImage(PAE_MACROS + PAE_SCENARIOS.map((s, i) => `pae_scenario_${i}:\n${s.asm}`).join('\n'))
    const qd = parseDumps(await runQemu(image, PAE_QEMU_CPU))
    expect(qd.length).toBe(PAE_SCENARIOS.length)
    // QEMU omits P from reserved-bit error codes (see pae-scenarios.ts); every such case must still fault.
    expect(addPresentToQemuRsvd(PAE_SCENARIOS, qd)).toEqual([])
    for (const engine of ENGINES) {
      const bd = parseDumps(runBoxwood(image, engine))
      const mismatch = firstMismatch(
        qd,
        bd,
        PAE_SCENARIOS.map((s) => s.asm),
      )
      expect({ engine: engine.engine, mismatch }).toEqual({ engine: engine.engine, mismatch: null })
    }
  }, 60_000)
})
