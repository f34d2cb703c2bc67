// Runs a machine in virtual-time steps until a condition holds, the machine stops, or a virtual-time budget
// runs out; returns what happened so tests can report exactly how far a guest got. The async variant yields
// to the event loop between steps so asynchronous backends (disk media, sockets) complete their requests.
import type { Vm } from '@boxwood/vmm'

/** Outcome of {@link runUntil}. */
export interface RunOutcome {
  readonly reached: boolean
  readonly state: Vm['state']
  readonly virtualMs: number
  readonly tripleFaults: number
}

const outcome = (vm: Vm, reached: boolean): RunOutcome => ({
  reached,
  state: vm.state,
  virtualMs: vm.nowNs() / 1e6,
  tripleFaults: vm.tripleFaults,
})

/** Runs `vm` in `stepNs` slices of virtual time until `done()` or `budgetNs` of virtual time elapse. */
export function runUntil(vm: Vm, done: () => boolean, budgetNs: number, stepNs = 20_000_000): RunOutcome {
  const end = vm.nowNs() + budgetNs
  while (!done() && vm.state === 'running' && vm.nowNs() < end) {
    vm.runFor(Math.min(stepNs, end - vm.nowNs()))
  }
  return outcome(vm, done())
}

/** {@link runUntil}, yielding to the event loop after every step. */
export async function runUntilAsync(
  vm: Vm,
  done: () => boolean,
  budgetNs: number,
  stepNs = 10_000_000,
): Promise<RunOutcome> {
  const end = vm.nowNs() + budgetNs
  while (!done() && vm.state === 'running' && vm.nowNs() < end) {
    vm.runFor(Math.min(stepNs, end - vm.nowNs()))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return outcome(vm, done())
}
