// Saved-state round trip for device tests: drive the machine, then save → load → save must be byte-identical
// and the loaded machine must save exactly what the original saved.
import type { TestMachine } from './test-machine'

/**
 * Runs `drive` on `machine`, saves it, loads the result into `fresh` (an identically configured machine), and
 * checks that `fresh` saves the same bytes. Returns the saved bytes. Throws with the first differing offset.
 */
export function expectSaveLoadIdentity(
  machine: TestMachine,
  fresh: TestMachine,
  drive: (m: TestMachine) => void = () => {},
): Uint8Array {
  drive(machine)
  const saved = machine.saveState()
  fresh.loadState(saved)
  const again = fresh.saveState()
  const n = Math.max(saved.length, again.length)
  for (let i = 0; i < n; i++) {
    if (saved[i] !== again[i]) {
      throw new Error(`saved state differs after load at byte ${i} (of ${saved.length} / ${again.length})`)
    }
  }
  return saved
}
