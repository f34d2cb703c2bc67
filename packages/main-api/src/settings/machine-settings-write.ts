// Writes MachineSettings as a settings 1.19 <Machine> element, omitting defaults the way Settings.cpp does
// (MachineConfigFile::buildMachineXML/buildHardwareXML; vbox-api.md §4.3–4.4).
import { NetworkAttachmentType } from '../api/machine-enums'
import type { HardwareSettings, MachineSettings, MediaRegistrySettings, MediumEntry } from './machine-settings'
import type { NetworkAdapterSettings, SnapshotSettings, StorageControllerSettings } from './machine-settings'
import { defaultHardware, defaultSerialPort } from './machine-settings'
import * as names from './xml-names'
import { uuidToXml } from './xml-names'
import { el, text, type XmlElement } from './xml-tree'

const onlyIf = <T>(condition: boolean, value: T): T | undefined => (condition ? value : undefined)

/** Builds `<Machine>`. */
export function writeMachine(s: MachineSettings): XmlElement {
  const m = el('Machine', {
    uuid: uuidToXml(s.uuid),
    name: s.name,
    OSType: s.osType,
    stateFile: s.stateFile,
    currentSnapshot: s.currentSnapshot ? uuidToXml(s.currentSnapshot) : undefined,
    snapshotFolder: s.snapshotFolder,
    currentStateModified: onlyIf(!s.currentStateModified, 'false'),
    lastStateChange: s.lastStateChange,
    aborted: onlyIf(s.aborted, 'true'),
  })
  if (s.description) m.children.push(el('Description', {}, [text(s.description)]))
  const registry = writeMediaRegistry(s.mediaRegistry)
  if (registry) m.children.push(registry)
  if (s.extraData.length > 0) m.children.push(writeExtraData(s.extraData))
  if (s.snapshot) m.children.push(writeSnapshot(s.snapshot))
  m.children.push(writeHardware(s.hardware))
  if (s.groups.length > 0 && !(s.groups.length === 1 && s.groups[0] === '/'))
    m.children.push(
      el(
        'Groups',
        {},
        s.groups.map((g) => el('Group', { name: g })),
      ),
    )
  return m
}

/** Builds `<ExtraData>`. */
export function writeExtraData(items: ReadonlyArray<readonly [string, string]>): XmlElement {
  return el(
    'ExtraData',
    {},
    items.map(([name, value]) => el('ExtraDataItem', { name, value })),
  )
}

/** Builds `<MediaRegistry>`, or undefined when it would be empty. */
export function writeMediaRegistry(r: MediaRegistrySettings): XmlElement | undefined {
  const reg = el('MediaRegistry')
  const group = (tag: string, item: string, list: MediumEntry[], base: boolean) => {
    if (list.length > 0)
      reg.children.push(
        el(
          tag,
          {},
          list.map((e) => writeMediumEntry(e, item, base)),
        ),
      )
  }
  group('HardDisks', 'HardDisk', r.hardDisks, true)
  group('DVDImages', 'Image', r.dvdImages, false)
  group('FloppyImages', 'Image', r.floppyImages, false)
  return reg.children.length > 0 ? reg : undefined
}

function writeMediumEntry(e: MediumEntry, item: string, base: boolean): XmlElement {
  const node = el(item, {
    uuid: uuidToXml(e.uuid),
    location: e.location,
    format: onlyIf(item === 'HardDisk' || e.format.toUpperCase() !== 'RAW', e.format),
    // The type is written only on base hard disks (children inherit it).
    type: base && e.type !== undefined ? names.mediumTypeNames.toXml(e.type) : undefined,
  })
  if (e.description) node.children.push(el('Description', {}, [text(e.description)]))
  for (const c of e.children) node.children.push(writeMediumEntry(c, item, false))
  return node
}

function writeSnapshot(s: SnapshotSettings): XmlElement {
  const node = el('Snapshot', { uuid: uuidToXml(s.uuid), name: s.name, timeStamp: s.timeStamp, stateFile: s.stateFile })
  if (s.description) node.children.push(el('Description', {}, [text(s.description)]))
  node.children.push(writeHardware(s.hardware))
  if (s.children.length > 0) node.children.push(el('Snapshots', {}, s.children.map(writeSnapshot)))
  return node
}

const flag = (name: string, on: boolean) => el(name, { enabled: on ? 'true' : 'false' })

/** Builds `<Hardware>` in Settings.cpp's element order. */
export function writeHardware(h: HardwareSettings): XmlElement {
  const d = defaultHardware()
  const hw = el('Hardware', { uuid: h.hardwareUuid ? uuidToXml(h.hardwareUuid) : undefined })
  const cpu = el('CPU', {
    count: onlyIf(h.cpuCount > 1, h.cpuCount),
    hotplug: onlyIf(h.cpuHotPlug, 'true'),
    executionCap: onlyIf(h.cpuExecutionCap !== 100, h.cpuExecutionCap),
  })
  if (h.pae) cpu.children.push(flag('PAE', true))
  if (h.longMode) cpu.children.push(flag('LongMode', true))
  if (h.x2apic) cpu.children.push(flag('X2APIC', true))
  if (!h.hwVirtEx) cpu.children.push(flag('HardwareVirtEx', false))
  if (!h.nestedPaging) cpu.children.push(flag('HardwareVirtExNestedPaging', false))
  if (h.largePages) cpu.children.push(flag('HardwareVirtExLargePages', true))
  hw.children.push(cpu)
  hw.children.push(el('Memory', { RAMSize: h.memorySize }))
  if (h.pointingHID !== d.pointingHID || h.keyboardHID !== d.keyboardHID)
    hw.children.push(
      el('HID', {
        Pointing: onlyIf(h.pointingHID !== d.pointingHID, names.pointingHIDNames.toXml(h.pointingHID)),
        Keyboard: onlyIf(h.keyboardHID !== d.keyboardHID, names.keyboardHIDNames.toXml(h.keyboardHID)),
      }),
    )
  if (h.hpet) hw.children.push(flag('HPET', true))
  if (h.chipset !== d.chipset) hw.children.push(el('Chipset', { type: names.chipsetNames.toXml(h.chipset) }))
  hw.children.push(
    el(
      'Boot',
      {},
      h.bootOrder.map((device, i) => el('Order', { position: i + 1, device: names.bootDeviceNames.toXml(device) })),
    ),
  )
  if (
    h.graphicsController !== d.graphicsController ||
    h.vramSize !== d.vramSize ||
    h.monitorCount !== 1 ||
    h.accelerate3D
  )
    hw.children.push(
      el('Display', {
        controller: onlyIf(
          h.graphicsController !== d.graphicsController,
          names.graphicsControllerNames.toXml(h.graphicsController),
        ),
        VRAMSize: onlyIf(h.vramSize !== d.vramSize, h.vramSize),
        monitorCount: onlyIf(h.monitorCount !== 1, h.monitorCount),
        accelerate3D: onlyIf(h.accelerate3D, 'true'),
      }),
    )
  const vrde = writeVrde(h)
  if (vrde) hw.children.push(vrde)
  if (h.firmware !== d.firmware) hw.children.push(el('Firmware', { type: names.firmwareNames.toXml(h.firmware) }))
  const bios = el('BIOS')
  if (!h.acpi) bios.children.push(flag('ACPI', false))
  if (h.ioapic) bios.children.push(flag('IOAPIC', true))
  if (h.smbiosUuidLittleEndian) bios.children.push(flag('SmbiosUuidLittleEndian', true))
  if (bios.children.length > 0) hw.children.push(bios)
  const adapters = h.network.filter(isNonDefaultAdapter).map(writeAdapter)
  if (adapters.length > 0) hw.children.push(el('Network', {}, adapters))
  const ports = h.serial
    .filter((p) => JSON.stringify(p) !== JSON.stringify(defaultSerialPort(p.slot)))
    .map((p) =>
      el('Port', {
        slot: p.slot,
        enabled: p.enabled ? 'true' : 'false',
        IOBase: `0x${p.ioAddress.toString(16)}`,
        IRQ: p.irq,
        hostMode: names.portModeNames.toXml(p.hostMode),
        server: onlyIf(p.server, 'true'),
        path: onlyIf(p.path !== '', p.path),
        uartType: onlyIf(p.uartType !== 1, names.uartTypeNames.toXml(p.uartType)),
      }),
    )
  if (ports.length > 0) hw.children.push(el('UART', {}, ports))
  if (h.audioEnabled || h.audioController !== d.audioController || h.audioDriver !== d.audioDriver)
    hw.children.push(
      el('AudioAdapter', {
        controller: onlyIf(
          h.audioController !== d.audioController,
          names.audioControllerNames.toXml(h.audioController),
        ),
        driver: h.audioDriver,
        enabled: h.audioEnabled ? 'true' : 'false',
      }),
    )
  if (h.rtcUseUTC) hw.children.push(el('RTC', { localOrUTC: 'UTC' }))
  hw.children.push(el('StorageControllers', {}, h.storageControllers.map(writeController)))
  return hw
}

function writeVrde(h: HardwareSettings): XmlElement | undefined {
  const v = h.vrde
  const d = defaultHardware().vrde
  if (JSON.stringify(v) === JSON.stringify(d)) return undefined
  const node = el('RemoteDisplay', {
    enabled: v.enabled ? 'true' : 'false',
    authType: onlyIf(v.authType !== d.authType, names.authTypeNames.toXml(v.authType)),
    authTimeout: onlyIf(v.authTimeout !== d.authTimeout, v.authTimeout),
    allowMultiConnection: onlyIf(v.allowMultiConnection, 'true'),
    reuseSingleConnection: onlyIf(v.reuseSingleConnection, 'true'),
    authLibrary: onlyIf(v.authLibrary !== '', v.authLibrary),
    VRDEExtPack: onlyIf(v.vrdeExtPack !== '', v.vrdeExtPack),
  })
  if (v.properties.length > 0)
    node.children.push(
      el(
        'VRDEProperties',
        {},
        v.properties.map(([name, value]) => el('Property', { name, value })),
      ),
    )
  return node
}

function isNonDefaultAdapter(a: NetworkAdapterSettings): boolean {
  return a.enabled || a.macAddress !== '' || a.attachmentType !== NetworkAttachmentType.Null || a.adapterType !== 2
}

function writeAdapter(a: NetworkAdapterSettings): XmlElement {
  const node = el('Adapter', {
    slot: a.slot,
    enabled: a.enabled ? 'true' : 'false',
    MACAddress: onlyIf(a.macAddress !== '', a.macAddress),
    type: onlyIf(a.adapterType !== 2, names.adapterTypeNames.toXml(a.adapterType)),
    cable: onlyIf(!a.cableConnected, 'false'),
    speed: onlyIf(a.lineSpeed !== 0, a.lineSpeed),
  })
  switch (a.attachmentType) {
    case NetworkAttachmentType.NAT:
      node.children.push(
        el(
          'NAT',
          {},
          a.natRedirects.map((r) =>
            el('Forwarding', {
              name: r.name,
              proto: r.proto,
              hostip: onlyIf(r.hostIP !== '', r.hostIP),
              hostport: r.hostPort,
              guestip: onlyIf(r.guestIP !== '', r.guestIP),
              guestport: r.guestPort,
            }),
          ),
        ),
      )
      break
    case NetworkAttachmentType.Bridged:
      node.children.push(el('BridgedInterface', { name: a.bridgedInterface }))
      break
    case NetworkAttachmentType.Internal:
      node.children.push(el('InternalNetwork', { name: a.internalNetwork }))
      break
    case NetworkAttachmentType.HostOnly:
      node.children.push(el('HostOnlyInterface', { name: a.hostOnlyInterface }))
      break
    case NetworkAttachmentType.Generic:
      node.children.push(el('GenericInterface', { driver: a.genericDriver }))
      break
    case NetworkAttachmentType.NATNetwork:
      node.children.push(el('NATNetwork', { name: a.natNetwork }))
      break
    default:
      break
  }
  return node
}

function writeController(c: StorageControllerSettings): XmlElement {
  return el(
    'StorageController',
    {
      name: c.name,
      type: names.controllerTypeNames.toXml(c.type),
      PortCount: c.portCount,
      useHostIOCache: c.useHostIOCache ? 'true' : 'false',
      Bootable: c.bootable ? 'true' : 'false',
    },
    c.attachments.map((a) =>
      el(
        'AttachedDevice',
        {
          passthrough: onlyIf(a.type === 2, a.passthrough ? 'true' : 'false'),
          tempeject: onlyIf(a.tempEject, 'true'),
          nonrotational: onlyIf(a.nonRotational, 'true'),
          discard: onlyIf(a.discard, 'true'),
          type: names.attachmentDeviceNames.toXml(a.type),
          hotpluggable: a.hotPluggable ? 'true' : 'false',
          port: a.port,
          device: a.device,
        },
        a.mediumId ? [el('Image', { uuid: uuidToXml(a.mediumId) })] : [],
      ),
    ),
  )
}
