// Differential test of the virtual-8086 mode extensions and protected-mode virtual interrupts against Bochs:
// QEMU's TCG does not implement VME (its CPUID lacks the bit and it ignores CR4.VME), Bochs does. The same
// firmware and cases run in Bochs and in each Boxwood engine; registers, fault records, the interrupted EFLAGS
// and the data area must match.
import { describe, expect, it } from 'vitest'
import type { Scenario } from '../qemu-diff/scenarios'
import { compareWithBochs, dataDword } from './compare'
import { haveBochs } from './run-bochs'
import { randomPviScenarios, randomVmeScenarios } from './vme-random'
import { VME_PRELUDE, VME_SCENARIOS } from './vme-scenarios'

/** The VME cases with their shared recorders and macros in front. */
const compare = (scenarios: readonly Scenario[], label: string) => compareWithBochs(VME_PRELUDE, scenarios, label)

describe.skipIf(!haveBochs())('VME and PVI vs Bochs', () => {
  it(`${VME_SCENARIOS.length} scenarios leave the same state in Bochs and in every engine`, async () => {
    const oracle = await compare(VME_SCENARIOS, 'vme_scenario')
    // The oracle really redirects (method 6 reaches the IVT handler's INT3, not a #GP) and faults on STI with VIP.
    const byName = (prefix: string) => oracle[VME_SCENARIOS.findIndex((s) => s.name.startsWith(prefix))]!
    expect(byName('table 20-2 method 6: VME').vector).toBe('3')
    expect(Number.parseInt(byName('table 20-2 method 6: VME').ecx!, 16) & 0x3200).toBe(0x3200)
    expect(byName('VME, IOPL 0: STI with VIP').vector).toBe('d')
    // The #GP's EFLAGS image carries RF (a fault; SDM vol. 3A 17.3.1.1), the #BP's (a trap) does not.
    expect(dataDword(byName('VME, IOPL 0: STI with VIP'), 56) & 0x10000).toBe(0x10000)
    expect(dataDword(byName('table 20-2 method 6: VME'), 56) & 0x10000).toBe(0)
    expect(byName('VME, IOPL 0: entering the task').vector).toBe('d')
    expect(byName('VME, IOPL 0: entering the task').eip).toBe('0')
    expect(byName('JMP to a V86 task with VIF and VIP').vector).toBe('d')
    expect(byName('JMP to a V86 task with VIF set').vector).toBe('3')
  }, 60_000)

  it('seeded random V86 programs leave the same state in Bochs and in every engine', async () => {
    const oracle = await compare(randomVmeScenarios(0x5eed_0e, 64), 'vme_random')
    // Many programs run to their final INT3; the others end in a #GP (or #UD) that the oracle raised too.
    expect(oracle.filter((d) => d.vector === '3').length).toBeGreaterThan(oracle.length / 8)
  }, 60_000)

  it('seeded random ring-3 programs under CR4.PVI leave the same state in Bochs and in every engine', async () => {
    const oracle = await compare(randomPviScenarios(0x9b1, 48), 'pvi_random')
    expect(oracle.filter((d) => d.vector === '3').length).toBeGreaterThan(oracle.length / 8)
  }, 60_000)
})
