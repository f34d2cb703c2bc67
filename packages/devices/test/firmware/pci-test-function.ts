// A PCI function for the firmware tests: 00:05.0 with INTA, a 256-byte I/O BAR answering 5Ah and a 64 KB memory
// BAR answering A5h (PCI Local Bus Specification 3.0 §6.1 configuration header, §6.2.4 interrupt pin).
import { defineDevice, defineState } from '@boxwood/vmm/device-api'
import { attachPciFunction, pciConfigField } from '../../src/bus/pci/pci-function'

/** The slot (device number) of {@link pciTestFunction} on bus 0. */
export const TEST_SLOT = 5

/** The device definition ('pcitest'); add it to a machine's device list or registry. */
export const pciTestFunction = defineDevice({
  name: 'pcitest',
  maxInstances: 1,
  config: {},
  savedState: defineState({ unit: 'pcitest', version: 1, fields: { config: pciConfigField } }),
  create(ctx) {
    const state = { config: new Uint8Array(256) }
    const io = ctx.ioPorts(256, { sizes: [1], read: () => 0x5a }, 'pcitest I/O')
    const mem = ctx.mmio(0x1_0000, { sizes: [1, 2, 4], read: () => 0xa5 }, 'pcitest memory')
    const pci = attachPciFunction(ctx, state.config, {
      name: 'pcitest',
      devfn: TEST_SLOT << 3,
      vendorId: 0x1af4,
      deviceId: 0x10f0,
      classCode: 0xff_0000,
      interruptPin: 1,
      bars: [
        { kind: 'io', size: 256, region: io },
        { kind: 'memory', size: 0x1_0000, region: mem },
      ],
    })
    return { state, reset: () => pci.reset(), afterLoad: () => pci.afterLoad() }
  },
})
