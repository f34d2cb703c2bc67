/**
 * The machine config tree (VirtualBox CFGM's `Devices/<name>/<instance>/{Config, LUN#n}`): which devices a
 * machine has, each instance's config keys and the backends attached at its LUNs. `main-api`'s config builder
 * produces it from machine settings; embedders and tests write it by hand or start from {@link buildPcConfig}.
 */
import type { DeviceDefinition } from '@boxwood/vmm/device-api'

/** One device instance's node: `Config` keys (validated by the device's schema) and backends by LUN. */
export interface DeviceNode {
  readonly config?: Readonly<Record<string, unknown>>
  readonly luns?: Readonly<Record<number, unknown>>
}

/** `Devices`: device name → instance number → node. */
export type DevicesTree = Readonly<Record<string, Readonly<Record<number, DeviceNode>>>>

/** A machine config error: an unknown device name or a bad instance number. */
export class MachineConfigError extends Error {
  override readonly name = 'MachineConfigError'
  readonly code: 'MACHINE_UNKNOWN_DEVICE' | 'MACHINE_BAD_INSTANCE' | 'MACHINE_RAM'
  constructor(code: 'MACHINE_UNKNOWN_DEVICE' | 'MACHINE_BAD_INSTANCE' | 'MACHINE_RAM', message: string) {
    super(message)
    this.code = code
  }
}

/** A device instance to create, in creation order. */
export interface PlannedDevice {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  readonly definition: DeviceDefinition<any, any>
  readonly instance: number
  readonly node: DeviceNode
}

/**
 * Resolves a devices tree against a registry. Creation order is registry order, then instance number, so
 * service providers (interrupt controllers, buses, DMA) come first by being listed first in the registry.
 */
export function planDevices(
  tree: DevicesTree,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  registry: readonly DeviceDefinition<any, any>[],
): PlannedDevice[] {
  for (const name of Object.keys(tree)) {
    if (!registry.some((d) => d.name === name)) {
      const known = registry.map((d) => d.name).join(', ')
      throw new MachineConfigError('MACHINE_UNKNOWN_DEVICE', `Devices/${name}: no such device (known: ${known})`)
    }
  }
  const plan: PlannedDevice[] = []
  for (const definition of registry) {
    const instances = tree[definition.name]
    if (!instances) continue
    const numbers = Object.keys(instances)
      .map((key) => {
        const n = Number(key)
        if (!Number.isInteger(n) || n < 0 || n >= definition.maxInstances) {
          throw new MachineConfigError(
            'MACHINE_BAD_INSTANCE',
            `Devices/${definition.name}/${key}: instance must be 0..${definition.maxInstances - 1}`,
          )
        }
        return n
      })
      .sort((a, b) => a - b)
    for (const instance of numbers) plan.push({ definition, instance, node: instances[instance]! })
  }
  return plan
}
