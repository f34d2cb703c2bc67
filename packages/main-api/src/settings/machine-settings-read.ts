// Reads a <Machine> element (settings 1.15–1.20) into MachineSettings; tolerant: missing values keep the defaults
// (Settings.cpp MachineConfigFile::readMachine/readHardware; vbox-api.md §4.3–4.4).
import { NetworkAttachmentType, type ChipsetType, type FirmwareType } from '../api/machine-enums'
import type { DeviceType, MediumType, StorageControllerType } from '../api/storage-enums'
import type { AttachmentSettings, HardwareSettings, MachineSettings, MediaRegistrySettings } from './machine-settings'
import type {
  MediumEntry,
  NetworkAdapterSettings,
  SnapshotSettings,
  StorageControllerSettings,
} from './machine-settings'
import { defaultHardware, defaultMachineSettings, defaultNetworkAdapter, defaultSerialPort } from './machine-settings'
import * as names from './xml-names'
import { boolFromXml as bool, intFromXml as int, uuidFromXml } from './xml-names'
import { attr, child, childElements, textContent, type XmlElement } from './xml-tree'

/** Reads `<Machine>`. */
export function readMachine(machine: XmlElement): MachineSettings {
  const uuid = uuidFromXml(attr(machine, 'uuid'))
  const s = defaultMachineSettings(uuid, attr(machine, 'name') ?? '', attr(machine, 'OSType') ?? 'Other')
  const description = child(machine, 'Description')
  s.description = description ? textContent(description) : ''
  s.snapshotFolder = attr(machine, 'snapshotFolder') ?? 'Snapshots'
  const current = attr(machine, 'currentSnapshot')
  s.currentSnapshot = current ? uuidFromXml(current) : undefined
  s.currentStateModified = bool(attr(machine, 'currentStateModified'), true)
  s.lastStateChange = attr(machine, 'lastStateChange') ?? s.lastStateChange
  s.stateFile = attr(machine, 'stateFile')
  s.aborted = bool(attr(machine, 'aborted'), false)
  const registry = child(machine, 'MediaRegistry')
  if (registry) s.mediaRegistry = readMediaRegistry(registry)
  const extra = child(machine, 'ExtraData')
  if (extra) s.extraData = readExtraData(extra)
  const groups = child(machine, 'Groups')
  if (groups) s.groups = childElements(groups, 'Group').map((g) => attr(g, 'name') ?? '/')
  s.hardware = readHardware(machine)
  const snapshot = child(machine, 'Snapshot')
  if (snapshot) s.snapshot = readSnapshot(snapshot)
  return s
}

/** Reads `<ExtraData>` items in order. */
export function readExtraData(extra: XmlElement): Array<[string, string]> {
  return childElements(extra, 'ExtraDataItem').map((i) => [attr(i, 'name') ?? '', attr(i, 'value') ?? ''])
}

/** Reads a `<MediaRegistry>` (machine or global). */
export function readMediaRegistry(registry: XmlElement): MediaRegistrySettings {
  const list = (group: string, item: string): MediumEntry[] => {
    const g = child(registry, group)
    return g ? childElements(g, item).map((e) => readMediumEntry(e, item)) : []
  }
  return {
    hardDisks: list('HardDisks', 'HardDisk'),
    dvdImages: list('DVDImages', 'Image'),
    floppyImages: list('FloppyImages', 'Image'),
  }
}

function readMediumEntry(e: XmlElement, item: string): MediumEntry {
  const type = attr(e, 'type')
  const description = child(e, 'Description')
  return {
    uuid: uuidFromXml(attr(e, 'uuid')),
    location: attr(e, 'location') ?? '',
    format: attr(e, 'format') ?? 'RAW',
    type: type === undefined ? undefined : (names.mediumTypeNames.fromXml(type, 0) as MediumType),
    description: description ? textContent(description) : '',
    children: childElements(e, item).map((c) => readMediumEntry(c, item)),
  }
}

function readSnapshot(e: XmlElement): SnapshotSettings {
  const description = child(e, 'Description')
  const children = child(e, 'Snapshots')
  return {
    uuid: uuidFromXml(attr(e, 'uuid')),
    name: attr(e, 'name') ?? '',
    description: description ? textContent(description) : '',
    timeStamp: attr(e, 'timeStamp') ?? '',
    stateFile: attr(e, 'stateFile'),
    hardware: readHardware(e),
    children: children ? childElements(children, 'Snapshot').map(readSnapshot) : [],
  }
}

/** Reads `<Hardware>` of a machine or snapshot, folding in the 1.20 `<Platform>` sibling. */
function readHardware(owner: XmlElement): HardwareSettings {
  const h = defaultHardware()
  const hw = child(owner, 'Hardware')
  if (!hw) return h
  const hwUuid = attr(hw, 'uuid')
  h.hardwareUuid = hwUuid ? uuidFromXml(hwUuid) : undefined
  const platform = child(owner, 'Platform')
  const x86 = platform ? child(platform, 'x86') : undefined
  for (const cpu of [child(hw, 'CPU'), platform && child(platform, 'CPU'), x86 && child(x86, 'CPU')]) {
    if (!cpu) continue
    h.cpuCount = int(attr(cpu, 'count'), h.cpuCount)
    h.cpuHotPlug = bool(attr(cpu, 'hotplug'), h.cpuHotPlug)
    h.cpuExecutionCap = int(attr(cpu, 'executionCap'), h.cpuExecutionCap)
    const flag = (name: string, fallback: boolean) => {
      const f = child(cpu, name)
      return f ? bool(attr(f, 'enabled'), fallback) : fallback
    }
    h.pae = flag('PAE', h.pae)
    h.longMode = flag('LongMode', h.longMode)
    h.x2apic = flag('X2APIC', h.x2apic)
    h.hwVirtEx = flag('HardwareVirtEx', h.hwVirtEx)
    h.nestedPaging = flag('HardwareVirtExNestedPaging', h.nestedPaging)
    h.largePages = flag('HardwareVirtExLargePages', h.largePages)
  }
  const memory = child(hw, 'Memory')
  if (memory) h.memorySize = int(attr(memory, 'RAMSize'), h.memorySize)
  const hid = child(hw, 'HID')
  if (hid) {
    h.pointingHID = names.pointingHIDNames.fromXml(attr(hid, 'Pointing'), h.pointingHID) as typeof h.pointingHID
    h.keyboardHID = names.keyboardHIDNames.fromXml(attr(hid, 'Keyboard'), h.keyboardHID) as typeof h.keyboardHID
  }
  for (const hpet of [child(hw, 'HPET'), x86 && child(x86, 'HPET')])
    if (hpet) h.hpet = bool(attr(hpet, 'enabled'), h.hpet)
  for (const chipset of [child(hw, 'Chipset'), platform && child(platform, 'Chipset')])
    if (chipset) h.chipset = names.chipsetNames.fromXml(attr(chipset, 'type'), h.chipset) as ChipsetType
  const boot = child(hw, 'Boot')
  if (boot) {
    const order = [0, 0, 0, 0] as DeviceType[]
    for (const o of childElements(boot, 'Order')) {
      const position = int(attr(o, 'position'), 0)
      if (position >= 1 && position <= 4)
        order[position - 1] = names.bootDeviceNames.fromXml(attr(o, 'device'), 0) as DeviceType
    }
    h.bootOrder = order
  }
  const display = child(hw, 'Display')
  if (display) {
    h.graphicsController = names.graphicsControllerNames.fromXml(
      attr(display, 'controller'),
      h.graphicsController,
    ) as typeof h.graphicsController
    h.vramSize = int(attr(display, 'VRAMSize'), h.vramSize)
    h.monitorCount = int(attr(display, 'monitorCount'), h.monitorCount)
    h.accelerate3D = bool(attr(display, 'accelerate3D'), h.accelerate3D)
  }
  const rd = child(hw, 'RemoteDisplay')
  if (rd) {
    const v = h.vrde
    v.enabled = bool(attr(rd, 'enabled'), v.enabled)
    v.authType = names.authTypeNames.fromXml(attr(rd, 'authType'), v.authType) as typeof v.authType
    v.authTimeout = int(attr(rd, 'authTimeout'), v.authTimeout)
    v.allowMultiConnection = bool(attr(rd, 'allowMultiConnection'), v.allowMultiConnection)
    v.reuseSingleConnection = bool(attr(rd, 'reuseSingleConnection'), v.reuseSingleConnection)
    v.vrdeExtPack = attr(rd, 'VRDEExtPack') ?? ''
    v.authLibrary = attr(rd, 'authLibrary') ?? ''
    const props = child(rd, 'VRDEProperties')
    if (props)
      v.properties = childElements(props, 'Property').map((p) => [attr(p, 'name') ?? '', attr(p, 'value') ?? ''])
  }
  readFirmware(hw, h)
  const network = child(hw, 'Network')
  if (network) for (const a of childElements(network, 'Adapter')) readAdapter(a, h.network)
  const uart = child(hw, 'UART')
  if (uart) {
    for (const p of childElements(uart, 'Port')) {
      const slot = int(attr(p, 'slot'), -1)
      if (slot < 0 || slot > 3) continue
      const d = defaultSerialPort(slot)
      h.serial[slot] = {
        slot,
        enabled: bool(attr(p, 'enabled'), false),
        ioAddress: int(attr(p, 'IOAddress') ?? attr(p, 'IOBase'), d.ioAddress),
        irq: int(attr(p, 'IRQ'), d.irq),
        hostMode: names.portModeNames.fromXml(attr(p, 'hostMode'), d.hostMode) as typeof d.hostMode,
        server: bool(attr(p, 'server'), false),
        path: attr(p, 'path') ?? '',
        uartType: names.uartTypeNames.fromXml(attr(p, 'uartType'), d.uartType) as typeof d.uartType,
      }
    }
  }
  const audio = child(hw, 'AudioAdapter')
  if (audio) {
    h.audioEnabled = bool(attr(audio, 'enabled'), h.audioEnabled)
    h.audioController = names.audioControllerNames.fromXml(
      attr(audio, 'controller'),
      h.audioController,
    ) as typeof h.audioController
    h.audioDriver = attr(audio, 'driver') ?? h.audioDriver
  }
  for (const rtc of [child(hw, 'RTC'), platform && child(platform, 'RTC')])
    if (rtc) h.rtcUseUTC = (attr(rtc, 'localOrUTC') ?? 'local').toUpperCase() === 'UTC'
  // Before 1.17 StorageControllers was a sibling of Hardware.
  const controllers = child(hw, 'StorageControllers') ?? child(owner, 'StorageControllers')
  if (controllers) h.storageControllers = childElements(controllers, 'StorageController').map(readController)
  return h
}

function readFirmware(hw: XmlElement, h: HardwareSettings): void {
  const firmware = child(hw, 'Firmware')
  if (firmware) h.firmware = names.firmwareNames.fromXml(attr(firmware, 'type'), h.firmware) as FirmwareType
  // 1.19 keeps these under <BIOS>; 1.20 moved them into <Firmware>.
  for (const bios of [child(hw, 'BIOS'), firmware]) {
    if (!bios) continue
    const flag = (name: string, fallback: boolean) => {
      const f = child(bios, name)
      return f ? bool(attr(f, 'enabled'), fallback) : fallback
    }
    h.acpi = flag('ACPI', h.acpi)
    h.ioapic = flag('IOAPIC', h.ioapic)
    h.smbiosUuidLittleEndian = flag('SmbiosUuidLittleEndian', h.smbiosUuidLittleEndian)
  }
}

function readAdapter(a: XmlElement, adapters: NetworkAdapterSettings[]): void {
  const slot = int(attr(a, 'slot'), -1)
  if (slot < 0 || slot >= adapters.length) return
  const n = defaultNetworkAdapter(slot)
  n.enabled = bool(attr(a, 'enabled'), false)
  n.macAddress = attr(a, 'MACAddress') ?? ''
  n.adapterType = names.adapterTypeNames.fromXml(attr(a, 'type'), n.adapterType) as typeof n.adapterType
  n.cableConnected = bool(attr(a, 'cable'), true)
  n.lineSpeed = int(attr(a, 'speed'), 0)
  const modes: Array<[string, NetworkAttachmentType]> = [
    ['NAT', NetworkAttachmentType.NAT],
    ['BridgedInterface', NetworkAttachmentType.Bridged],
    ['InternalNetwork', NetworkAttachmentType.Internal],
    ['HostOnlyInterface', NetworkAttachmentType.HostOnly],
    ['GenericInterface', NetworkAttachmentType.Generic],
    ['NATNetwork', NetworkAttachmentType.NATNetwork],
  ]
  const readMode = (e: XmlElement, active: boolean) => {
    for (const [tag, type] of modes) {
      const m = child(e, tag)
      if (!m) continue
      if (active) n.attachmentType = type
      if (tag === 'NAT')
        n.natRedirects = childElements(m, 'Forwarding').map((f) => ({
          name: attr(f, 'name') ?? '',
          proto: int(attr(f, 'proto'), 1) === 0 ? 0 : 1,
          hostIP: attr(f, 'hostip') ?? '',
          hostPort: int(attr(f, 'hostport'), 0),
          guestIP: attr(f, 'guestip') ?? '',
          guestPort: int(attr(f, 'guestport'), 0),
        }))
      else if (tag === 'BridgedInterface') n.bridgedInterface = attr(m, 'name') ?? ''
      else if (tag === 'InternalNetwork') n.internalNetwork = attr(m, 'name') ?? ''
      else if (tag === 'HostOnlyInterface') n.hostOnlyInterface = attr(m, 'name') ?? ''
      else if (tag === 'GenericInterface') n.genericDriver = attr(m, 'driver') ?? ''
      else if (tag === 'NATNetwork') n.natNetwork = attr(m, 'name') ?? ''
    }
  }
  const disabled = child(a, 'DisabledModes')
  if (disabled) readMode(disabled, false)
  readMode(a, true)
  adapters[slot] = n
}

function readController(c: XmlElement): StorageControllerSettings {
  const type = names.controllerTypeNames.fromXml(attr(c, 'type'), 0) as StorageControllerType
  return {
    name: attr(c, 'name') ?? '',
    type,
    portCount: int(attr(c, 'PortCount'), 2),
    useHostIOCache: bool(attr(c, 'useHostIOCache'), true),
    bootable: bool(attr(c, 'Bootable'), true),
    attachments: childElements(c, 'AttachedDevice').map(readAttachment),
  }
}

function readAttachment(d: XmlElement): AttachmentSettings {
  const image = child(d, 'Image')
  return {
    type: names.attachmentDeviceNames.fromXml(attr(d, 'type'), 0) as DeviceType,
    port: int(attr(d, 'port'), 0),
    device: int(attr(d, 'device'), 0),
    mediumId: image ? uuidFromXml(attr(image, 'uuid')) : undefined,
    passthrough: bool(attr(d, 'passthrough'), false),
    tempEject: bool(attr(d, 'tempeject'), false),
    nonRotational: bool(attr(d, 'nonrotational'), false),
    discard: bool(attr(d, 'discard'), false),
    hotPluggable: bool(attr(d, 'hotpluggable'), false),
  }
}
