// Differential test of the virtual-8086 mode extensions and protected-mode virtual interrupts against Bochs:
// QEMU's TCG does not implement VME (its CPUID lacks the bit and it ignores CR4.VME), Bochs does. The same
// firmware and cases run in Bochs and in each Boxwood engine; registers, fault records, the interrupted EFLAGS
// and the data area must match.
import { describe, expect, it } from 'vitest'
import { type CaseDump, firstMismatch, parseDumps } from '../qemu-diff/dumps'
import { buildImage, ENGINES, runBoxwood } from '../qemu-diff/run-both'
import type { Scenario } from '../qemu-diff/scenarios'
import { buildBochsImage, haveBochs, runBochs } from './run-bochs'
import { randomPviScenarios, randomVmeScenarios } from './vme-random'
import { VME_PRELUDE, VME_SCENARIOS } from './vme-scenarios'

/** Runs `scenarios` in Bochs and in every engine, expects identical dumps, and returns the oracle's dumps. */
async function compareWithBochs(scenarios: readonly Scenario[], label: string): Promise<CaseDump[]> {
  const cases = [VME_PRELUDE, ...scenarios.map((s, i) => `${label}_${i}:\n${s.asm}`)].join('\n')
  const oracle = parseDumps(await runBochs(buildBochsImage(cases), scenarios.length))
  expect(oracle.length).toBe(scenarios.length)
  const image = buildImage(cases)
  for (const engine of ENGINES) {
    const mismatch = firstMismatch(
      oracle,
      parseDumps(runBoxwood(image, engine)),
      scenarios.map((s) => s.asm),
    )
    expect({ engine: engine.engine, mismatch: mismatch?.replaceAll('QEMU', 'Bochs') ?? null }).toEqual({
      engine: engine.engine,
      mismatch: null,
    })
  }
  return oracle
}

describe.skipIf(!haveBochs())('VME and PVI vs Bochs', () => {
  it(`${VME_SCENARIOS.length} scenarios leave the same state in Bochs and in every engine`, async () => {
    const oracle = await compareWithBochs(VME_SCENARIOS, 'vme_scenario')
    // The oracle really redirects (method 6 reaches the IVT handler's INT3, not a #GP) and faults on STI with VIP.
    const byName = (prefix: string) => oracle[VME_SCENARIOS.findIndex((s) => s.name.startsWith(prefix))]!
    expect(byName('table 20-2 method 6: VME').vector).toBe('3')
    expect(Number.parseInt(byName('table 20-2 method 6: VME').ecx!, 16) & 0x3200).toBe(0x3200)
    expect(byName('VME, IOPL 0: STI with VIP').vector).toBe('d')
    expect(byName('VME, IOPL 0: entering the task').vector).toBe('d')
    expect(byName('VME, IOPL 0: entering the task').eip).toBe('0')
    expect(byName('JMP to a V86 task with VIF and VIP').vector).toBe('d')
    expect(byName('JMP to a V86 task with VIF set').vector).toBe('3')
  }, 60_000)

  it('seeded random V86 programs leave the same state in Bochs and in every engine', async () => {
    const oracle = await compareWithBochs(randomVmeScenarios(0x5eed_0e, 64), 'vme_random')
    // Many programs run to their final INT3; the others end in a #GP (or #UD) that the oracle raised too.
    expect(oracle.filter((d) => d.vector === '3').length).toBeGreaterThan(oracle.length / 8)
  }, 60_000)

  it('seeded random ring-3 programs under CR4.PVI leave the same state in Bochs and in every engine', async () => {
    const oracle = await compareWithBochs(randomPviScenarios(0x9b1, 48), 'pvi_random')
    expect(oracle.filter((d) => d.vector === '3').length).toBeGreaterThan(oracle.length / 8)
  }, 60_000)
})
