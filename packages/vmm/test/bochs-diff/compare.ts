// Runs scenarios in Bochs (the oracle) and in every Boxwood engine and expects identical dumps (registers,
// fault record, data area); shared by the Bochs differential suites.
import { expect } from 'vitest'
import { type CaseDump, firstMismatch, parseDumps } from '../qemu-diff/dumps'
import { type BoxwoodDevices, buildImage, ENGINES, runBoxwood } from '../qemu-diff/run-both'
import type { Scenario } from '../qemu-diff/scenarios'
import { buildBochsImage, runBochs } from './run-bochs'

/**
 * Runs `scenarios` after the shared `prelude` code in Bochs and in every engine, expects identical dumps, and
 * returns the oracle's dumps. `label` names the cases' local labels; `devices` makes the extra devices of each
 * Boxwood run (Bochs has its own).
 */
export async function compareWithBochs(
  prelude: string,
  scenarios: readonly Scenario[],
  label: string,
  devices: () => BoxwoodDevices = () => ({}),
): Promise<CaseDump[]> {
  const cases = [prelude, ...scenarios.map((s, i) => `${label}_${i}:\n${s.asm}`)].join('\n')
  const oracle = parseDumps(await runBochs(buildBochsImage(cases), scenarios.length))
  expect(oracle.length).toBe(scenarios.length)
  const image = buildImage(cases)
  for (const engine of ENGINES) {
    const mismatch = firstMismatch(
      oracle,
      parseDumps(runBoxwood(image, engine, undefined, devices())),
      scenarios.map((s) => s.asm),
    )
    expect({ engine: engine.engine, mismatch: mismatch?.replaceAll('QEMU', 'Bochs') ?? null }).toEqual({
      engine: engine.engine,
      mismatch: null,
    })
  }
  return oracle
}

/** The little-endian dword at byte `offset` of a dump's 64-byte data area. */
export function dataDword(dump: CaseDump, offset: number): number {
  return Buffer.from(dump.data!, 'hex').readUInt32LE(offset)
}
