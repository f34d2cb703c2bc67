// What Boxwood reads and writes in settings files: every other element or attribute is foreign and is preserved
// on save (see xml-merge.ts). Mirrors the elements handled by machine-settings-read/-write and global-settings.
import type { ElementSchema } from './xml-merge'

const leaf = (...attrs: string[]): ElementSchema => ({ attrs, children: {} })
const flagEl = leaf('enabled')
const description: ElementSchema = { attrs: [], children: {}, text: true }

const mediumEntry = (item: string): ElementSchema => {
  const schema: { attrs: string[]; children: Record<string, ElementSchema>; key: string[] } = {
    attrs: ['uuid', 'location', 'format', 'type'],
    children: { Description: description },
    key: ['uuid'],
  }
  schema.children[item] = schema
  return schema
}

const mediaRegistry: ElementSchema = {
  attrs: [],
  children: {
    HardDisks: { attrs: [], children: { HardDisk: mediumEntry('HardDisk') } },
    DVDImages: { attrs: [], children: { Image: mediumEntry('Image') } },
    FloppyImages: { attrs: [], children: { Image: mediumEntry('Image') } },
  },
}

const extraData: ElementSchema = {
  attrs: [],
  children: { ExtraDataItem: { attrs: ['name', 'value'], children: {}, key: ['name'] } },
}

const hardware: ElementSchema = {
  attrs: ['uuid'],
  children: {
    CPU: {
      attrs: ['count', 'hotplug', 'executionCap'],
      children: {
        PAE: flagEl,
        LongMode: flagEl,
        X2APIC: flagEl,
        HardwareVirtEx: flagEl,
        HardwareVirtExNestedPaging: flagEl,
        HardwareVirtExLargePages: flagEl,
      },
    },
    Memory: leaf('RAMSize'),
    HID: leaf('Pointing', 'Keyboard'),
    HPET: flagEl,
    Chipset: leaf('type'),
    Boot: { attrs: [], children: { Order: { attrs: ['position', 'device'], children: {}, key: ['position'] } } },
    Display: leaf('controller', 'VRAMSize', 'monitorCount', 'accelerate3D'),
    RemoteDisplay: {
      attrs: [
        'enabled',
        'authType',
        'authTimeout',
        'allowMultiConnection',
        'reuseSingleConnection',
        'authLibrary',
        'VRDEExtPack',
      ],
      children: {
        VRDEProperties: {
          attrs: [],
          children: { Property: { attrs: ['name', 'value'], children: {}, key: ['name'] } },
        },
      },
    },
    Firmware: { attrs: ['type'], children: { ACPI: flagEl, IOAPIC: flagEl, SmbiosUuidLittleEndian: flagEl } },
    BIOS: { attrs: [], children: { ACPI: flagEl, IOAPIC: flagEl, SmbiosUuidLittleEndian: flagEl } },
    Network: {
      attrs: [],
      children: {
        Adapter: {
          attrs: ['slot', 'enabled', 'MACAddress', 'type', 'cable', 'speed'],
          key: ['slot'],
          children: {
            NAT: {
              attrs: [],
              children: {
                Forwarding: {
                  attrs: ['name', 'proto', 'hostip', 'hostport', 'guestip', 'guestport'],
                  children: {},
                  key: ['name'],
                },
              },
            },
            BridgedInterface: leaf('name'),
            InternalNetwork: leaf('name'),
            HostOnlyInterface: leaf('name'),
            GenericInterface: leaf('driver'),
            NATNetwork: leaf('name'),
          },
        },
      },
    },
    UART: {
      attrs: [],
      children: {
        Port: {
          attrs: ['slot', 'enabled', 'IOBase', 'IOAddress', 'IRQ', 'hostMode', 'server', 'path', 'uartType'],
          children: {},
          key: ['slot'],
        },
      },
    },
    AudioAdapter: leaf('controller', 'driver', 'enabled'),
    RTC: leaf('localOrUTC'),
    StorageControllers: {
      attrs: [],
      children: {
        StorageController: {
          attrs: ['name', 'type', 'PortCount', 'useHostIOCache', 'Bootable'],
          key: ['name'],
          children: {
            AttachedDevice: {
              attrs: ['passthrough', 'tempeject', 'nonrotational', 'discard', 'type', 'hotpluggable', 'port', 'device'],
              key: ['port', 'device'],
              children: { Image: leaf('uuid') },
            },
          },
        },
      },
    },
  },
}

/** The 1.20 <Platform> element is read and folded into Hardware; Boxwood writes 1.19, so it is dropped on save. */
const platform: ElementSchema = { attrs: [], children: {} }

const snapshot: { attrs: string[]; children: Record<string, ElementSchema>; key: string[] } = {
  attrs: ['uuid', 'name', 'timeStamp', 'stateFile'],
  key: ['uuid'],
  children: { Description: description, Hardware: hardware, Platform: platform },
}
snapshot.children.Snapshots = { attrs: [], children: { Snapshot: snapshot } }

/** Schema of `<Machine>`. */
export const machineSchema: ElementSchema = {
  attrs: [
    'uuid',
    'name',
    'OSType',
    'stateFile',
    'currentSnapshot',
    'snapshotFolder',
    'currentStateModified',
    'lastStateChange',
    'aborted',
  ],
  children: {
    Description: description,
    MediaRegistry: mediaRegistry,
    ExtraData: extraData,
    Snapshot: snapshot,
    Hardware: hardware,
    Platform: platform,
    StorageControllers: hardware.children.StorageControllers as ElementSchema,
    Groups: { attrs: [], children: { Group: { attrs: ['name'], children: {}, key: ['name'] } } },
  },
}

/** Schema of `<Global>` in VirtualBox.xml. */
export const globalSchema: ElementSchema = {
  attrs: [],
  children: {
    ExtraData: extraData,
    MachineRegistry: {
      attrs: [],
      children: { MachineEntry: { attrs: ['uuid', 'src'], children: {}, key: ['uuid'] } },
    },
    MediaRegistry: mediaRegistry,
    SystemProperties: leaf(
      'defaultMachineFolder',
      'defaultHardDiskFormat',
      'VRDEAuthLibrary',
      'LogHistoryCount',
      'defaultFrontend',
    ),
  },
}

/** Schema of the `<VirtualBox>` root of either file. */
export function rootSchema(inner: 'Machine' | 'Global'): ElementSchema {
  return { attrs: ['xmlns', 'version'], children: { [inner]: inner === 'Machine' ? machineSchema : globalSchema } }
}
