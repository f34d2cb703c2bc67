// The embedder's front door: build a machine from a config (devices, RAM, CPU, time mode).
import type { Cpu } from '../cpu/cpu'
import type { ExecutionCpu } from './cpu-contract'
import { Vm } from './vm'
import type { VmConfig } from './vm'

/**
 * Creates a machine (state 'created'). Call `powerOn()` and then either drive it synchronously with
 * `runFor`/`runSlice` (tests, embedding, deterministic time) or hand it to a `VmRunner` (real time).
 */
export function createVm<C extends ExecutionCpu = Cpu>(config: VmConfig<C>): Vm<C> {
  return new Vm<C>(config)
}
