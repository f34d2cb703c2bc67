// ISystemProperties with the 7.1 IPlatformProperties limits folded in (SystemPropertiesImpl.cpp; vbox-api.md §2.12).
import { VBoxError } from '../api/errors'
import type { ISystemProperties, MediumFormatInfo } from '../api/interfaces'
import { BitmapFormat, ChipsetType } from '../api/machine-enums'
import { DeviceType, storageBusLimits, type StorageBus } from '../api/storage-enums'
import type { SystemPropertiesSettings } from '../settings/global-settings'
import { ApiObject } from './api-object'

/** Guest limits (VirtualBox's values). */
export const limits = {
  minGuestRAM: 4,
  maxGuestRAM: 2097152,
  minGuestVRAM: 0,
  maxGuestVRAM: 256,
  minGuestCPUCount: 1,
  maxGuestCPUCount: 64,
  maxGuestMonitors: 64,
  serialPortCount: 4,
  maxBootPosition: 4,
} as const

/** IMediumFormat capability bits. */
const Cap = { Uuid: 0x01, CreateFixed: 0x02, CreateDynamic: 0x04, Differencing: 0x10, File: 0x40 } as const

/** The medium formats Boxwood handles through @boxwood/devices/disk. */
export const mediumFormats: readonly MediumFormatInfo[] = [
  {
    id: 'VDI',
    name: 'Virtual Disk Image',
    extensions: ['vdi'],
    deviceTypes: [DeviceType.HardDisk],
    capabilities: Cap.Uuid | Cap.CreateFixed | Cap.CreateDynamic | Cap.Differencing | Cap.File,
  },
  {
    id: 'VMDK',
    name: 'Virtual Machine Disk',
    extensions: ['vmdk'],
    deviceTypes: [DeviceType.HardDisk],
    capabilities: Cap.Uuid | Cap.CreateFixed | Cap.CreateDynamic | Cap.Differencing | Cap.File,
  },
  {
    id: 'VHD',
    name: 'Virtual Hard Disk',
    extensions: ['vhd'],
    deviceTypes: [DeviceType.HardDisk],
    capabilities: Cap.Uuid | Cap.CreateFixed | Cap.CreateDynamic | Cap.Differencing | Cap.File,
  },
  {
    id: 'RAW',
    name: 'Raw Disk Image',
    extensions: ['iso', 'img', 'raw', 'ima', 'dsk', 'flp', 'vfd'],
    deviceTypes: [DeviceType.HardDisk, DeviceType.DVD, DeviceType.Floppy],
    capabilities: Cap.CreateFixed | Cap.File,
  },
]

/** System properties; writable ones are persisted in VirtualBox.xml through `save`. */
export class SystemPropertiesImpl extends ApiObject implements ISystemProperties {
  readonly interfaceName = 'ISystemProperties'
  private readonly settings: SystemPropertiesSettings
  private readonly save: () => Promise<void>

  constructor(settings: SystemPropertiesSettings, save: () => Promise<void>) {
    super()
    this.settings = settings
    this.save = save
  }

  async getMinGuestRAM() {
    return limits.minGuestRAM
  }
  async getMaxGuestRAM() {
    return limits.maxGuestRAM
  }
  async getMinGuestVRAM() {
    return limits.minGuestVRAM
  }
  async getMaxGuestVRAM() {
    return limits.maxGuestVRAM
  }
  async getMinGuestCPUCount() {
    return limits.minGuestCPUCount
  }
  async getMaxGuestCPUCount() {
    return limits.maxGuestCPUCount
  }
  async getMaxGuestMonitors() {
    return limits.maxGuestMonitors
  }
  async getInfoVDSize() {
    return 2 * 1024 * 1024 * 1024 * 1024
  }
  async getSerialPortCount() {
    return limits.serialPortCount
  }
  async getMaxBootPosition() {
    return limits.maxBootPosition
  }
  async getMaxNetworkAdapters(chipset: ChipsetType) {
    return chipset === ChipsetType.ICH9 ? 36 : 8
  }
  async getDefaultMachineFolder() {
    return this.settings.defaultMachineFolder
  }
  async setDefaultMachineFolder(folder: string) {
    if (folder === '') throw new VBoxError('E_INVALIDARG', 'The machine folder must not be empty', 'SystemProperties')
    this.settings.defaultMachineFolder = folder
    await this.save()
  }
  async getDefaultHardDiskFormat() {
    return this.settings.defaultHardDiskFormat
  }
  async setDefaultHardDiskFormat(format: string) {
    const known = mediumFormats.find((f) => f.id.toLowerCase() === format.toLowerCase())
    if (!known) throw new VBoxError('E_INVALIDARG', `Invalid medium format '${format}'`, 'SystemProperties')
    this.settings.defaultHardDiskFormat = known.id
    await this.save()
  }
  async getVRDEAuthLibrary() {
    return this.settings.vrdeAuthLibrary
  }
  async getLogHistoryCount() {
    return this.settings.logHistoryCount
  }
  async getDefaultFrontend() {
    return this.settings.defaultFrontend
  }
  async setDefaultFrontend(frontend: string) {
    this.settings.defaultFrontend = frontend
    await this.save()
  }
  async getMediumFormats() {
    return mediumFormats.map((f) => ({ ...f, extensions: [...f.extensions], deviceTypes: [...f.deviceTypes] }))
  }
  async getScreenShotFormats() {
    return [BitmapFormat.BGR0, BitmapFormat.BGRA, BitmapFormat.RGBA, BitmapFormat.PNG]
  }
  async getMaxDevicesPerPortForStorageBus(bus: StorageBus) {
    return this.bus(bus).maxDevicesPerPort
  }
  async getMinPortCountForStorageBus(bus: StorageBus) {
    return this.bus(bus).minPortCount
  }
  async getMaxPortCountForStorageBus(bus: StorageBus) {
    return this.bus(bus).maxPortCount
  }
  async getDeviceTypesForStorageBus(bus: StorageBus) {
    return [...this.bus(bus).deviceTypes]
  }
  private bus(bus: StorageBus) {
    const l = storageBusLimits(bus)
    if (!l) throw new VBoxError('E_INVALIDARG', `Invalid storage bus ${bus}`, 'SystemProperties')
    return l
  }
}
