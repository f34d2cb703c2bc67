// The machine configuration tree (VirtualBox CFGM, as ConsoleImplConfigX86.cpp builds it):
//   Devices/<device name>/<instance>/Config/<key> = value     (validated by the device's config schema)
//   Devices/<device name>/<instance>/LUN#<n>        = backend  (what ctx.attach(n, contract) returns)
// Main builds this from the machine settings; the VMM turns it into device specs. A device reads only its node.
import type { DeviceDefinition } from '../device-api/device'
import type { VmDeviceSpec } from '../em/vm'

/** A config value: what CFGM holds (integers, strings, bytes) plus booleans. */
export type ConfigValue = number | boolean | string | Uint8Array

/** The node of one device instance. */
export interface DeviceInstanceNode {
  readonly Config?: Readonly<Record<string, ConfigValue>>
  /** Backends by LUN: `{ 'LUN#0': charBackend }`. */
  readonly [lun: `LUN#${number}`]: unknown
}

/** The machine's configuration tree. */
export interface MachineConfigTree {
  /** `Devices/<name>/<instance>`; instance keys are decimal numbers ('0', '1', …). */
  readonly Devices: Readonly<Record<string, Readonly<Record<string, DeviceInstanceNode>>>>
}

/** A node of the tree names an unknown device, a bad instance or an unknown key. */
export class ConfigTreeError extends Error {
  override readonly name = 'ConfigTreeError'
  readonly code: 'CONFIG_TREE_UNKNOWN_DEVICE' | 'CONFIG_TREE_INSTANCE' | 'CONFIG_TREE_KEY'
  /** Path of the offending node, e.g. `Devices/serial/1/LUN#x`. */
  readonly path: string
  constructor(code: ConfigTreeError['code'], path: string, message: string) {
    super(`${path}: ${message}`)
    this.code = code
    this.path = path
  }
}

/**
 * Turns the tree into device specs for `createVm`, in registry order and then instance order (so providers
 * such as the PCI bus, listed first in the registry, are created before their users). Config values are
 * validated later, against each device's schema, when the machine is built.
 */
export function devicesFromConfigTree(
  tree: MachineConfigTree,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  registry: readonly DeviceDefinition<any, any>[],
): VmDeviceSpec[] {
  const byName = new Map(registry.map((d) => [d.name, d]))
  for (const name of Object.keys(tree.Devices)) {
    if (!byName.has(name)) {
      const known = registry.map((d) => d.name).join(', ')
      throw new ConfigTreeError('CONFIG_TREE_UNKNOWN_DEVICE', `Devices/${name}`, `no such device (known: ${known})`)
    }
  }
  const specs: VmDeviceSpec[] = []
  for (const definition of registry) {
    const instances = tree.Devices[definition.name]
    if (instances === undefined) continue
    const numbered = Object.entries(instances).map(([key, node]) => {
      if (!/^(0|[1-9]\d{0,5})$/.test(key)) {
        throw new ConfigTreeError(
          'CONFIG_TREE_INSTANCE',
          `Devices/${definition.name}/${key}`,
          'instance must be a number',
        )
      }
      return [Number(key), node] as const
    })
    numbered.sort((a, b) => a[0] - b[0])
    for (const [instance, node] of numbered) {
      const path = `Devices/${definition.name}/${instance}`
      const luns: Record<number, unknown> = {}
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Config') continue
        const m = /^LUN#(0|[1-9]\d{0,3})$/.exec(key)
        if (!m) throw new ConfigTreeError('CONFIG_TREE_KEY', `${path}/${key}`, 'expected Config or LUN#<n>')
        luns[Number(m[1])] = value
      }
      specs.push({ definition, instance, config: node.Config ?? {}, luns })
    }
  }
  return specs
}
