/**
 * The PC machine assembly (VirtualBox ConsoleImpl2 + PDM device instantiation): a config tree becomes device
 * instances on a VMM machine with the default i686 CPU. Devices come from a registry (the package's
 * `builtinDevices`); adding a device to the PC is one registry entry plus one node in the tree.
 */
import { createVm } from '@boxwood/vmm'
import type { CpuWiring, LogEntry, TimeMode, Vm, VmDeviceSpec } from '@boxwood/vmm'
import type { DeviceDefinition } from '@boxwood/vmm/device-api'
import { MachineConfigError, planDevices } from './config-tree'
import type { DevicesTree } from './config-tree'

/** Everything a PC machine is made of. */
export interface PcMachineConfig {
  /** Guest RAM in bytes (a multiple of 4 KiB, at least 1 MiB). */
  readonly ramBytes: number
  /** `Devices/<name>/<instance>/{config, luns}`. */
  readonly devices: DevicesTree
  /** Default: deterministic, 10 ns per instruction. */
  readonly time?: TimeMode
  readonly seed?: number
  readonly log?: (entry: LogEntry) => void
  /** Back RAM with a SharedArrayBuffer (display or debugger on another thread). */
  readonly sharedMemory?: boolean
  /** A CPU factory (default: the VMM's i686 `Cpu`), e.g. to attach an FPU or a tracing CPU. */
  readonly cpu?: (wiring: CpuWiring) => Vm['cpu']
  /** The default CPU's experimental wasm tier (VmConfig.wasmTier). */
  readonly wasmTier?: boolean
}

/** An assembled PC: the VMM machine plus what was instantiated. */
export interface PcMachine {
  readonly vm: Vm
  /** Device names and instances, in creation order. */
  readonly devices: readonly { readonly name: string; readonly instance: number }[]
}

/** Builds the machine (state 'created'; call `vm.powerOn()`). */
export function assemblePcMachine(
  config: PcMachineConfig,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  registry: readonly DeviceDefinition<any, any>[],
): PcMachine {
  if (!Number.isInteger(config.ramBytes) || config.ramBytes < 0x10_0000 || config.ramBytes % 4096 !== 0) {
    throw new MachineConfigError('MACHINE_RAM', `ramBytes must be a multiple of 4 KiB ≥ 1 MiB, got ${config.ramBytes}`)
  }
  const plan = planDevices(config.devices, registry)
  const devices: VmDeviceSpec[] = plan.map((p) => ({
    definition: p.definition,
    instance: p.instance,
    ...(p.node.config ? { config: p.node.config } : {}),
    ...(p.node.luns ? { luns: p.node.luns } : {}),
  }))
  const vm = createVm({
    ramBytes: config.ramBytes,
    devices,
    ...(config.time ? { time: config.time } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    ...(config.log ? { log: config.log } : {}),
    ...(config.sharedMemory ? { sharedMemory: true } : {}),
    ...(config.cpu ? { cpu: config.cpu } : {}),
    ...(config.wasmTier === true ? { wasmTier: true } : {}),
  })
  return { vm, devices: plan.map((p) => ({ name: p.definition.name, instance: p.instance })) }
}
