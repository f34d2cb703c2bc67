// Saved-state fuzzing for device tests (VirtualBox tstDeviceSsmFuzz): loads mutated copies of a device's saved
// state. Every load must either succeed — after which the machine keeps working and saves again — or fail with
// a SavedStateError; no other exception, and a failed load leaves the device unchanged.
import fc from 'fast-check'
import { readSavedState, writeSavedState } from '@boxwood/vmm'
import { SavedStateError } from '@boxwood/vmm/device-api'
import type { TestMachine } from './test-machine'

/** Options of {@link fuzzSavedState}. */
export interface StateFuzzOptions {
  readonly seed?: number
  /** Mutated streams to load (default 300). */
  readonly runs?: number
  /** Drives the machine into an interesting state before the reference save. */
  readonly drive?: (m: TestMachine) => void
}

/** What the fuzzer saw. */
export interface StateFuzzReport {
  readonly loaded: number
  readonly rejected: number
}

type Mutation =
  | { readonly kind: 'flip'; readonly unit: number; readonly at: number; readonly xor: number }
  | { readonly kind: 'truncate'; readonly unit: number; readonly length: number }
  | { readonly kind: 'extend'; readonly unit: number; readonly extra: Uint8Array }
  | { readonly kind: 'version'; readonly unit: number; readonly version: number }

/**
 * Saves a driven machine, then loads mutated units (bit flips, truncation, extension, other versions) into
 * fresh machines from `makeMachine`. Throws fast-check's report on a property failure.
 */
export function fuzzSavedState(makeMachine: () => TestMachine, options: StateFuzzOptions = {}): StateFuzzReport {
  const reference = makeMachine()
  options.drive?.(reference)
  const units = readSavedState(reference.saveState())
  const deviceUnits = units.map((u, i) => ({ u, i })).filter(({ u }) => u.name !== 'testkit-clock')
  if (deviceUnits.length === 0) throw new Error('fuzzSavedState: the machine saved no device unit')
  const pick = fc.nat(deviceUnits.length - 1)
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      unit: pick,
      at: fc.nat(0xffff),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), unit: pick, length: fc.nat(0xffff) }),
    fc.record({
      kind: fc.constant('extend' as const),
      unit: pick,
      extra: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({ kind: fc.constant('version' as const), unit: pick, version: fc.nat(10) }),
  )
  let loaded = 0
  let rejected = 0
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      const mutated = units.map((u) => ({ ...u, bytes: u.bytes.slice() }))
      for (const m of mutations) {
        const target = mutated[deviceUnits[m.unit]!.i]!
        if (m.kind === 'flip') {
          if (target.bytes.length > 0) target.bytes[m.at % target.bytes.length]! ^= m.xor
        } else if (m.kind === 'truncate') {
          target.bytes = target.bytes.slice(0, m.length % (target.bytes.length + 1))
        } else if (m.kind === 'extend') {
          const bytes = new Uint8Array(target.bytes.length + m.extra.length)
          bytes.set(target.bytes)
          bytes.set(m.extra, target.bytes.length)
          target.bytes = bytes
        } else {
          target.version = m.version
        }
      }
      const m = makeMachine()
      const before = m.saveState()
      try {
        m.loadState(writeSavedState(mutated))
      } catch (error) {
        if (!(error instanceof SavedStateError)) throw error
        rejected++
        const after = m.saveState()
        if (after.length !== before.length || after.some((b, i) => b !== before[i])) {
          throw new Error(`a rejected load (${error.code}) changed the machine`)
        }
        return
      }
      loaded++
      // A loaded state must be usable: time moves, and the machine saves again.
      m.clock.advanceNs(1_000_000)
      m.saveState()
    }),
    { seed: options.seed ?? 0x55f, numRuns: options.runs ?? 300, includeErrorInReport: true },
  )
  return { loaded, rejected }
}
