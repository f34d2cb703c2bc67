// The in-memory form of a machine settings file (<name>.vbox): plain, serialisable data with VirtualBox's defaults
// (vbox-api.md §4.3; Settings.cpp MachineConfigFile/Hardware constructors).
import { AuthType, AudioControllerType, ChipsetType, FirmwareType, GraphicsControllerType } from '../api/machine-enums'
import {
  KeyboardHIDType,
  NetworkAdapterType,
  NetworkAttachmentType,
  PointingHIDType,
  PortMode,
} from '../api/machine-enums'
import { UartType } from '../api/machine-enums'
import type { DeviceType, MediumType, StorageControllerType } from '../api/storage-enums'
import { DeviceType as DT } from '../api/storage-enums'

/** One NAT port-forwarding rule (`<Forwarding>`). */
export interface NatRedirect {
  name: string
  proto: 0 | 1
  hostIP: string
  hostPort: number
  guestIP: string
  guestPort: number
}

/** One network adapter slot (`<Adapter>`). */
export interface NetworkAdapterSettings {
  slot: number
  enabled: boolean
  macAddress: string
  adapterType: NetworkAdapterType
  attachmentType: NetworkAttachmentType
  cableConnected: boolean
  lineSpeed: number
  bridgedInterface: string
  internalNetwork: string
  hostOnlyInterface: string
  genericDriver: string
  natNetwork: string
  natRedirects: NatRedirect[]
}

/** One serial port slot (`<UART><Port>`). */
export interface SerialPortSettings {
  slot: number
  enabled: boolean
  ioAddress: number
  irq: number
  hostMode: PortMode
  server: boolean
  path: string
  uartType: UartType
}

/** VRDE server settings (`<RemoteDisplay>`). */
export interface VrdeSettings {
  enabled: boolean
  authType: AuthType
  authTimeout: number
  allowMultiConnection: boolean
  reuseSingleConnection: boolean
  vrdeExtPack: string
  authLibrary: string
  properties: Array<[string, string]>
}

/** A device attached to a storage controller (`<AttachedDevice>`). */
export interface AttachmentSettings {
  type: DeviceType
  port: number
  device: number
  /** UUID of the attached medium (no braces); undefined for an empty drive. */
  mediumId: string | undefined
  passthrough: boolean
  tempEject: boolean
  nonRotational: boolean
  discard: boolean
  hotPluggable: boolean
}

/** A storage controller (`<StorageController>`). */
export interface StorageControllerSettings {
  name: string
  type: StorageControllerType
  portCount: number
  useHostIOCache: boolean
  bootable: boolean
  attachments: AttachmentSettings[]
}

/** Everything under `<Hardware>` (plus the 7.1 `<Platform>` values, folded in). */
export interface HardwareSettings {
  hardwareUuid: string | undefined
  cpuCount: number
  cpuHotPlug: boolean
  cpuExecutionCap: number
  pae: boolean
  longMode: boolean
  x2apic: boolean
  hwVirtEx: boolean
  nestedPaging: boolean
  largePages: boolean
  memorySize: number
  pointingHID: PointingHIDType
  keyboardHID: KeyboardHIDType
  hpet: boolean
  chipset: ChipsetType
  bootOrder: DeviceType[]
  graphicsController: GraphicsControllerType
  vramSize: number
  monitorCount: number
  accelerate3D: boolean
  vrde: VrdeSettings
  firmware: FirmwareType
  acpi: boolean
  ioapic: boolean
  smbiosUuidLittleEndian: boolean
  network: NetworkAdapterSettings[]
  serial: SerialPortSettings[]
  audioEnabled: boolean
  audioController: AudioControllerType
  audioDriver: string
  rtcUseUTC: boolean
  storageControllers: StorageControllerSettings[]
}

/** A registered image in a MediaRegistry; differencing images are nested under their parent. */
export interface MediumEntry {
  uuid: string
  location: string
  format: string
  type: MediumType | undefined
  description: string
  children: MediumEntry[]
}

/** `<MediaRegistry>` contents. */
export interface MediaRegistrySettings {
  hardDisks: MediumEntry[]
  dvdImages: MediumEntry[]
  floppyImages: MediumEntry[]
}

/** A snapshot with its own copy of the hardware (`<Snapshot>`). */
export interface SnapshotSettings {
  uuid: string
  name: string
  description: string
  timeStamp: string
  stateFile: string | undefined
  hardware: HardwareSettings
  children: SnapshotSettings[]
}

/** The whole `<Machine>`. */
export interface MachineSettings {
  uuid: string
  name: string
  osType: string
  description: string
  snapshotFolder: string
  currentSnapshot: string | undefined
  currentStateModified: boolean
  lastStateChange: string
  stateFile: string | undefined
  aborted: boolean
  mediaRegistry: MediaRegistrySettings
  extraData: Array<[string, string]>
  groups: string[]
  hardware: HardwareSettings
  snapshot: SnapshotSettings | undefined
}

/** Default I/O address and IRQ of COM1..COM4. */
export const serialPortDefaults: ReadonlyArray<{ ioAddress: number; irq: number }> = [
  { ioAddress: 0x3f8, irq: 4 },
  { ioAddress: 0x2f8, irq: 3 },
  { ioAddress: 0x3e8, irq: 4 },
  { ioAddress: 0x2e8, irq: 3 },
]

/** Number of network adapter slots written for the PIIX3 chipset. */
export const NETWORK_ADAPTER_COUNT = 8

/** A network adapter slot with VirtualBox's defaults (disabled, Am79C973, NAT). */
export function defaultNetworkAdapter(slot: number): NetworkAdapterSettings {
  return {
    slot,
    enabled: false,
    macAddress: '',
    adapterType: NetworkAdapterType.Am79C973,
    attachmentType: NetworkAttachmentType.Null,
    cableConnected: true,
    lineSpeed: 0,
    bridgedInterface: '',
    internalNetwork: '',
    hostOnlyInterface: '',
    genericDriver: '',
    natNetwork: '',
    natRedirects: [],
  }
}

/** A serial port slot with VirtualBox's defaults for its COM number. */
export function defaultSerialPort(slot: number): SerialPortSettings {
  const d = serialPortDefaults[slot] ?? { ioAddress: 0, irq: 0 }
  return {
    slot,
    enabled: false,
    ioAddress: d.ioAddress,
    irq: d.irq,
    hostMode: PortMode.Disconnected,
    server: false,
    path: '',
    uartType: UartType.U16550A,
  }
}

/** Hardware with VirtualBox's constructor defaults (Settings.cpp Hardware::Hardware). */
export function defaultHardware(): HardwareSettings {
  return {
    hardwareUuid: undefined,
    cpuCount: 1,
    cpuHotPlug: false,
    cpuExecutionCap: 100,
    pae: false,
    longMode: false,
    x2apic: false,
    hwVirtEx: true,
    nestedPaging: true,
    largePages: false,
    memorySize: 128,
    pointingHID: PointingHIDType.PS2Mouse,
    keyboardHID: KeyboardHIDType.PS2Keyboard,
    hpet: false,
    chipset: ChipsetType.PIIX3,
    bootOrder: [DT.Floppy, DT.DVD, DT.HardDisk, DT.Null],
    graphicsController: GraphicsControllerType.VBoxVGA,
    vramSize: 8,
    monitorCount: 1,
    accelerate3D: false,
    vrde: {
      enabled: false,
      authType: AuthType.Null,
      authTimeout: 5000,
      allowMultiConnection: false,
      reuseSingleConnection: false,
      vrdeExtPack: '',
      authLibrary: '',
      properties: [],
    },
    firmware: FirmwareType.BIOS,
    acpi: true,
    ioapic: false,
    smbiosUuidLittleEndian: false,
    network: Array.from({ length: NETWORK_ADAPTER_COUNT }, (_, i) => defaultNetworkAdapter(i)),
    serial: Array.from({ length: 4 }, (_, i) => defaultSerialPort(i)),
    audioEnabled: false,
    audioController: AudioControllerType.AC97,
    audioDriver: 'Null',
    rtcUseUTC: false,
    storageControllers: [],
  }
}

/** A new machine's settings with defaults. */
export function defaultMachineSettings(uuid: string, name: string, osType: string): MachineSettings {
  return {
    uuid,
    name,
    osType,
    description: '',
    snapshotFolder: 'Snapshots',
    currentSnapshot: undefined,
    currentStateModified: true,
    lastStateChange: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    stateFile: undefined,
    aborted: false,
    mediaRegistry: { hardDisks: [], dvdImages: [], floppyImages: [] },
    extraData: [],
    groups: ['/'],
    hardware: defaultHardware(),
    snapshot: undefined,
  }
}

/** Deep copy (settings are plain data). */
export function cloneSettings<T>(value: T): T {
  return structuredClone(value)
}
