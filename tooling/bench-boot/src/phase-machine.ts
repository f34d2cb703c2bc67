// The machine that phase-bench.ts and phase-ir.ts replay saved phases on: the benchmark's PC in deterministic time,
// run synchronously.
import { createMemoryCharBackend } from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'
import { createBootMachine } from './boxwood-boot'
import { loadGuest } from './guest'

/** Virtual nanoseconds per synchronous step (a step ends earlier when the machine stops). */
const STEP_NS = 1_000_000

/** The benchmark's PC in deterministic time (10 ns per instruction), COM1 into memory. */
export function phaseMachine(): Vm {
  return createBootMachine(loadGuest(), createMemoryCharBackend(), 'deterministic')
}

/** Runs `vm` synchronously until it retired `target` instructions in all; fails if it stops first. */
export function runTo(vm: Vm, target: number): void {
  while (vm.cpu.instructionsRetired < target) {
    const status = vm.runFor(STEP_NS)
    if (status === 'stopped') throw new Error(`the machine stopped (${vm.state}) before ${target} instructions`)
  }
}
