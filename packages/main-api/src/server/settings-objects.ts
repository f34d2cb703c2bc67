// Settings sub-objects of IMachine: IPlatform/IPlatformX86, IFirmwareSettings, IGraphicsAdapter, IVRDEServer,
// IAudioSettings, ISerialPort, INetworkAdapter/INATEngine (VirtualBox.xidl; vbox-api.md §2.2 "Settings sub-objects").
import { VBoxError } from '../api/errors'
import type {
  IAudioSettings,
  IFirmwareSettings,
  IGraphicsAdapter,
  INATEngine,
  INetworkAdapter,
} from '../api/interfaces'
import type { IPlatform, IPlatformX86, ISerialPort, IVRDEServer } from '../api/interfaces'
import { AuthType, ChipsetType, CPUPropertyTypeX86, FirmwareType, GraphicsControllerType } from '../api/machine-enums'
import { NetworkAdapterType } from '../api/machine-enums'
import {
  AudioControllerType,
  NetworkAttachmentType,
  PlatformArchitecture,
  PortMode,
  UartType,
} from '../api/machine-enums'
import type { NATProtocol } from '../api/machine-enums'
import { isEnumValue } from '../api/enum-util'
import type { NetworkAdapterSettings, SerialPortSettings } from '../settings/machine-settings'
import { ApiObject } from './api-object'
import { generateMacAddress } from './host'
import type { MachineSettingsView } from './machine-view'
import { limits } from './system-properties'

function checkEnum(enumObject: Record<string, number>, value: unknown, what: string, component: string): void {
  if (!isEnumValue(enumObject, value))
    throw new VBoxError('E_INVALIDARG', `Invalid ${what} ${String(value)}`, component)
}

/** IPlatform. */
export class PlatformImpl extends ApiObject implements IPlatform {
  readonly interfaceName = 'IPlatform'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  async getArchitecture() {
    return PlatformArchitecture.x86
  }
  async getChipsetType() {
    return this.m._data().hardware.chipset
  }
  async setChipsetType(type: ChipsetType) {
    if (type !== ChipsetType.PIIX3 && type !== ChipsetType.ICH9)
      throw new VBoxError('E_INVALIDARG', `Invalid chipset type ${type} for the x86 platform`, 'Platform')
    await this.m._edit((s) => void (s.hardware.chipset = type))
  }
  async getRTCUseUTC() {
    return this.m._data().hardware.rtcUseUTC
  }
  async setRTCUseUTC(utc: boolean) {
    await this.m._edit((s) => void (s.hardware.rtcUseUTC = utc))
  }
  async getX86(): Promise<IPlatformX86> {
    return new PlatformX86Impl(this.m)
  }
}

/** IPlatformX86. */
export class PlatformX86Impl extends ApiObject implements IPlatformX86 {
  readonly interfaceName = 'IPlatformX86'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  async getHPETEnabled() {
    return this.m._data().hardware.hpet
  }
  async setHPETEnabled(enabled: boolean) {
    await this.m._edit((s) => void (s.hardware.hpet = enabled))
  }
  async getCPUProperty(property: number) {
    const h = this.m._data().hardware
    switch (property) {
      case CPUPropertyTypeX86.PAE:
        return h.pae
      case CPUPropertyTypeX86.LongMode:
        return h.longMode
      case CPUPropertyTypeX86.X2APIC:
        return h.x2apic
      case CPUPropertyTypeX86.APIC:
      case CPUPropertyTypeX86.TripleFaultReset:
        return property === CPUPropertyTypeX86.APIC
      default:
        throw new VBoxError('E_INVALIDARG', `Invalid CPU property ${property}`, 'PlatformX86')
    }
  }
  async setCPUProperty(property: number, value: boolean) {
    await this.m._edit((s) => {
      if (property === CPUPropertyTypeX86.PAE) s.hardware.pae = value
      else if (property === CPUPropertyTypeX86.LongMode) s.hardware.longMode = value
      else if (property === CPUPropertyTypeX86.X2APIC) s.hardware.x2apic = value
      else throw new VBoxError('E_INVALIDARG', `Invalid CPU property ${property}`, 'PlatformX86')
    })
  }
}

/** IFirmwareSettings. */
export class FirmwareSettingsImpl extends ApiObject implements IFirmwareSettings {
  readonly interfaceName = 'IFirmwareSettings'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  async getFirmwareType() {
    return this.m._data().hardware.firmware
  }
  async setFirmwareType(type: FirmwareType) {
    checkEnum(FirmwareType, type, 'firmware type', 'FirmwareSettings')
    await this.m._edit((s) => void (s.hardware.firmware = type))
  }
  async getACPIEnabled() {
    return this.m._data().hardware.acpi
  }
  async setACPIEnabled(enabled: boolean) {
    await this.m._edit((s) => void (s.hardware.acpi = enabled))
  }
  async getIOAPICEnabled() {
    return this.m._data().hardware.ioapic
  }
  async setIOAPICEnabled(enabled: boolean) {
    await this.m._edit((s) => void (s.hardware.ioapic = enabled))
  }
}

/** IGraphicsAdapter. */
export class GraphicsAdapterImpl extends ApiObject implements IGraphicsAdapter {
  readonly interfaceName = 'IGraphicsAdapter'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  async getGraphicsControllerType() {
    return this.m._data().hardware.graphicsController
  }
  async setGraphicsControllerType(type: GraphicsControllerType) {
    checkEnum(GraphicsControllerType, type, 'graphics controller type', 'GraphicsAdapter')
    await this.m._edit((s) => void (s.hardware.graphicsController = type))
  }
  async getVRAMSize() {
    return this.m._data().hardware.vramSize
  }
  async setVRAMSize(mb: number) {
    if (!Number.isInteger(mb) || mb < limits.minGuestVRAM || mb > limits.maxGuestVRAM)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid VRAM size: ${mb} MB (must be in range [${limits.minGuestVRAM}, ${limits.maxGuestVRAM}] MB)`,
        'GraphicsAdapter',
      )
    await this.m._edit((s) => void (s.hardware.vramSize = mb))
  }
  async getMonitorCount() {
    return this.m._data().hardware.monitorCount
  }
  async setMonitorCount(count: number) {
    if (!Number.isInteger(count) || count < 1 || count > limits.maxGuestMonitors)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid monitor count: ${count} (must be in range [1, ${limits.maxGuestMonitors}])`,
        'GraphicsAdapter',
      )
    await this.m._edit((s) => void (s.hardware.monitorCount = count))
  }
}

/** IVRDEServer. Enabled, auth and properties change live on a running VM through a Shared session's machine. */
export class VRDEServerImpl extends ApiObject implements IVRDEServer {
  readonly interfaceName = 'IVRDEServer'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  private get v() {
    return this.m._data().hardware.vrde
  }
  async getEnabled() {
    return this.v.enabled
  }
  async setEnabled(enabled: boolean) {
    await this.m._editLive((s) => void (s.hardware.vrde.enabled = enabled))
  }
  async getAuthType() {
    return this.v.authType
  }
  async setAuthType(type: AuthType) {
    checkEnum(AuthType, type, 'authentication type', 'VRDEServer')
    await this.m._editLive((s) => void (s.hardware.vrde.authType = type))
  }
  async getAuthTimeout() {
    return this.v.authTimeout
  }
  async setAuthTimeout(ms: number) {
    await this.m._editLive((s) => void (s.hardware.vrde.authTimeout = ms))
  }
  async getAllowMultiConnection() {
    return this.v.allowMultiConnection
  }
  async setAllowMultiConnection(allow: boolean) {
    await this.m._editLive((s) => void (s.hardware.vrde.allowMultiConnection = allow))
  }
  async getReuseSingleConnection() {
    return this.v.reuseSingleConnection
  }
  async setReuseSingleConnection(reuse: boolean) {
    await this.m._editLive((s) => void (s.hardware.vrde.reuseSingleConnection = reuse))
  }
  async getVRDEExtPack() {
    return this.v.vrdeExtPack
  }
  async setVRDEExtPack(name: string) {
    await this.m._edit((s) => void (s.hardware.vrde.vrdeExtPack = name))
  }
  async getAuthLibrary() {
    return this.v.authLibrary
  }
  async setAuthLibrary(name: string) {
    await this.m._edit((s) => void (s.hardware.vrde.authLibrary = name))
  }
  async getVRDEProperties() {
    // VirtualBox lists the properties the VRDE module supports; Boxwood's server understands these.
    const known = ['TCP/Ports', 'TCP/Address', 'VNCPassword', 'Security/Method', 'Client/DisableDisplay']
    for (const [k] of this.v.properties) if (!known.includes(k)) known.push(k)
    return known
  }
  async getVRDEProperty(key: string) {
    const found = this.v.properties.find(([k]) => k === key)
    if (found) return found[1]
    return key === 'TCP/Ports' ? '3389' : ''
  }
  async setVRDEProperty(key: string, value: string) {
    if (key === '') throw new VBoxError('E_INVALIDARG', 'The property key must not be empty', 'VRDEServer')
    await this.m._editLive((s) => {
      const props = s.hardware.vrde.properties
      const index = props.findIndex(([k]) => k === key)
      if (value === '') {
        if (index >= 0) props.splice(index, 1)
      } else if (index >= 0) props[index] = [key, value]
      else props.push([key, value])
    })
  }
}

/** IAudioSettings (adapter settings folded in). */
export class AudioSettingsImpl extends ApiObject implements IAudioSettings {
  readonly interfaceName = 'IAudioSettings'
  private readonly m: MachineSettingsView
  constructor(m: MachineSettingsView) {
    super()
    this.m = m
  }
  async getEnabled() {
    return this.m._data().hardware.audioEnabled
  }
  async setEnabled(enabled: boolean) {
    await this.m._edit((s) => void (s.hardware.audioEnabled = enabled))
  }
  async getAudioController() {
    return this.m._data().hardware.audioController
  }
  async setAudioController(type: AudioControllerType) {
    checkEnum(AudioControllerType, type, 'audio controller', 'AudioSettings')
    await this.m._edit((s) => void (s.hardware.audioController = type))
  }
}

/** ISerialPort. */
export class SerialPortImpl extends ApiObject implements ISerialPort {
  readonly interfaceName = 'ISerialPort'
  private readonly m: MachineSettingsView
  private readonly slot: number
  constructor(m: MachineSettingsView, slot: number) {
    super()
    this.m = m
    this.slot = slot
  }
  private get p(): SerialPortSettings {
    return this.m._data().hardware.serial[this.slot] as SerialPortSettings
  }
  private edit(change: (p: SerialPortSettings) => void) {
    return this.m._edit((s) => change(s.hardware.serial[this.slot] as SerialPortSettings))
  }
  async getSlot() {
    return this.slot
  }
  async getEnabled() {
    return this.p.enabled
  }
  async setEnabled(enabled: boolean) {
    await this.edit((p) => {
      // VirtualBox refuses to enable a port whose mode needs a path without one.
      if (enabled && p.hostMode !== PortMode.Disconnected && p.path === '')
        throw new VBoxError(
          'E_INVALIDARG',
          `Cannot enable the serial port ${this.slot} because the port path is empty or null`,
          'SerialPort',
        )
      p.enabled = enabled
    })
  }
  async getIOAddress() {
    return this.p.ioAddress
  }
  async setIOAddress(address: number) {
    if (!Number.isInteger(address) || address < 0 || address > 0xffff)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid I/O port base address: ${address} (must be in range [0, 0xFFFF])`,
        'SerialPort',
      )
    await this.edit((p) => void (p.ioAddress = address))
  }
  async getIRQ() {
    return this.p.irq
  }
  async setIRQ(irq: number) {
    if (!Number.isInteger(irq) || irq < 0 || irq > 255)
      throw new VBoxError('E_INVALIDARG', `Invalid IRQ number: ${irq} (must be in range [0, 255])`, 'SerialPort')
    await this.edit((p) => void (p.irq = irq))
  }
  async getHostMode() {
    return this.p.hostMode
  }
  async setHostMode(mode: PortMode) {
    checkEnum(PortMode, mode, 'port mode', 'SerialPort')
    await this.edit((p) => {
      if (p.enabled && mode !== PortMode.Disconnected && p.path === '')
        throw new VBoxError(
          'E_INVALIDARG',
          `Cannot set the host ${mode === PortMode.TCP ? 'TCP port' : 'pipe/device/file'} of the serial port ${this.slot} because the path is empty`,
          'SerialPort',
        )
      p.hostMode = mode
    })
  }
  async getServer() {
    return this.p.server
  }
  async setServer(server: boolean) {
    await this.edit((p) => void (p.server = server))
  }
  async getPath() {
    return this.p.path
  }
  async setPath(path: string) {
    await this.edit((p) => void (p.path = path))
  }
  async getUartType() {
    return this.p.uartType
  }
  async setUartType(type: UartType) {
    checkEnum(UartType, type, 'UART type', 'SerialPort')
    await this.edit((p) => void (p.uartType = type))
  }
}

/** INetworkAdapter (settings only until networking lands). */
export class NetworkAdapterImpl extends ApiObject implements INetworkAdapter {
  readonly interfaceName = 'INetworkAdapter'
  private readonly m: MachineSettingsView
  private readonly slot: number
  constructor(m: MachineSettingsView, slot: number) {
    super()
    this.m = m
    this.slot = slot
  }
  private get a(): NetworkAdapterSettings {
    return this.m._data().hardware.network[this.slot] as NetworkAdapterSettings
  }
  private edit(change: (a: NetworkAdapterSettings) => void) {
    return this.m._edit((s) => change(s.hardware.network[this.slot] as NetworkAdapterSettings))
  }
  async getSlot() {
    return this.slot
  }
  async getEnabled() {
    return this.a.enabled
  }
  async setEnabled(enabled: boolean) {
    await this.edit((a) => {
      a.enabled = enabled
      if (enabled && a.macAddress === '') a.macAddress = generateMacAddress()
    })
  }
  async getAdapterType() {
    return this.a.adapterType
  }
  async setAdapterType(type: NetworkAdapterType) {
    checkEnum(NetworkAdapterType, type, 'network adapter type', 'NetworkAdapter')
    await this.edit((a) => void (a.adapterType = type))
  }
  async getMACAddress() {
    return this.a.macAddress
  }
  async setMACAddress(mac: string) {
    const normalised = mac.replace(/[:-]/g, '').toUpperCase()
    if (
      normalised !== '' &&
      (!/^[0-9A-F]{12}$/.test(normalised) || (Number.parseInt(normalised.slice(0, 2), 16) & 1) !== 0)
    )
      throw new VBoxError('E_INVALIDARG', `Invalid MAC address format: ${mac}`, 'NetworkAdapter')
    await this.edit((a) => void (a.macAddress = normalised === '' ? generateMacAddress() : normalised))
  }
  async getAttachmentType() {
    return this.a.attachmentType
  }
  async setAttachmentType(type: NetworkAttachmentType) {
    checkEnum(NetworkAttachmentType, type, 'attachment type', 'NetworkAdapter')
    await this.edit((a) => void (a.attachmentType = type))
  }
  async getBridgedInterface() {
    return this.a.bridgedInterface
  }
  async setBridgedInterface(name: string) {
    await this.edit((a) => void (a.bridgedInterface = name))
  }
  async getInternalNetwork() {
    return this.a.internalNetwork
  }
  async setInternalNetwork(name: string) {
    await this.edit((a) => void (a.internalNetwork = name))
  }
  async getHostOnlyInterface() {
    return this.a.hostOnlyInterface
  }
  async setHostOnlyInterface(name: string) {
    await this.edit((a) => void (a.hostOnlyInterface = name))
  }
  async getGenericDriver() {
    return this.a.genericDriver
  }
  async setGenericDriver(name: string) {
    await this.edit((a) => void (a.genericDriver = name))
  }
  async getCableConnected() {
    return this.a.cableConnected
  }
  async setCableConnected(connected: boolean) {
    await this.edit((a) => void (a.cableConnected = connected))
  }
  async getLineSpeed() {
    return this.a.lineSpeed
  }
  async setLineSpeed(kbps: number) {
    await this.edit((a) => void (a.lineSpeed = kbps))
  }
  async getNATEngine(): Promise<INATEngine> {
    return new NATEngineImpl(this.m, this.slot)
  }
}

/** INATEngine: port-forwarding rules of one adapter. */
export class NATEngineImpl extends ApiObject implements INATEngine {
  readonly interfaceName = 'INATEngine'
  private readonly m: MachineSettingsView
  private readonly slot: number
  constructor(m: MachineSettingsView, slot: number) {
    super()
    this.m = m
    this.slot = slot
  }
  async getRedirects() {
    const a = this.m._data().hardware.network[this.slot] as NetworkAdapterSettings
    return a.natRedirects.map((r) => [r.name, r.proto, r.hostIP, r.hostPort, r.guestIP, r.guestPort].join(','))
  }
  async addRedirect(
    name: string,
    proto: NATProtocol,
    hostIP: string,
    hostPort: number,
    guestIP: string,
    guestPort: number,
  ) {
    await this.m._edit((s) => {
      const a = s.hardware.network[this.slot] as NetworkAdapterSettings
      if (a.natRedirects.some((r) => r.name === name))
        throw new VBoxError('E_INVALIDARG', `A NAT rule of this name already exists`, 'NATEngine')
      if (a.natRedirects.some((r) => r.hostPort === hostPort && r.proto === proto && r.hostIP === hostIP))
        throw new VBoxError(
          'E_INVALIDARG',
          `A NAT rule for this host port and this host IP already exists`,
          'NATEngine',
        )
      a.natRedirects.push({ name, proto: proto === 0 ? 0 : 1, hostIP, hostPort, guestIP, guestPort })
    })
  }
  async removeRedirect(name: string) {
    await this.m._edit((s) => {
      const a = s.hardware.network[this.slot] as NetworkAdapterSettings
      const index = a.natRedirects.findIndex((r) => r.name === name)
      if (index < 0) throw new VBoxError('E_INVALIDARG', `A NAT rule of this name does not exist`, 'NATEngine')
      a.natRedirects.splice(index, 1)
    })
  }
}
