// Storage and medium enumerations with VirtualBox 7.1 numeric values (VirtualBox.xidl; vbox-api.md §2.2, §2.9, §3).
import type { EnumValue } from './enum-util'

/** IMediumAttachment.type, IMedium.deviceType, boot order devices. */
export const DeviceType = {
  Null: 0,
  Floppy: 1,
  DVD: 2,
  HardDisk: 3,
  Network: 4,
  USB: 5,
  SharedFolder: 6,
  Graphics3D: 7,
  End: 8,
} as const
export type DeviceType = EnumValue<typeof DeviceType>

/** IStorageController.bus. */
export const StorageBus = {
  Null: 0,
  IDE: 1,
  SATA: 2,
  SCSI: 3,
  Floppy: 4,
  SAS: 5,
  USB: 6,
  PCIe: 7,
  VirtioSCSI: 8,
} as const
export type StorageBus = EnumValue<typeof StorageBus>

/** IStorageController.controllerType. */
export const StorageControllerType = {
  Null: 0,
  LsiLogic: 1,
  BusLogic: 2,
  IntelAhci: 3,
  PIIX3: 4,
  PIIX4: 5,
  ICH6: 6,
  I82078: 7,
  LsiLogicSas: 8,
  USB: 9,
  NVMe: 10,
  VirtioSCSI: 11,
} as const
export type StorageControllerType = EnumValue<typeof StorageControllerType>

/** IMedium.state. */
export const MediumState = {
  NotCreated: 0,
  Created: 1,
  LockedRead: 2,
  LockedWrite: 3,
  Inaccessible: 4,
  Creating: 5,
  Deleting: 6,
} as const
export type MediumState = EnumValue<typeof MediumState>

/** IMedium.type. */
export const MediumType = {
  Normal: 0,
  Immutable: 1,
  Writethrough: 2,
  Shareable: 3,
  Readonly: 4,
  MultiAttach: 5,
} as const
export type MediumType = EnumValue<typeof MediumType>

/** IMedium.variant flags (combined with bitwise or). */
export const MediumVariant = {
  Standard: 0,
  VmdkSplit2G: 0x01,
  VmdkRawDisk: 0x02,
  VmdkStreamOptimized: 0x04,
  VmdkESX: 0x08,
  VdiZeroExpand: 0x100,
  Fixed: 0x10000,
  Diff: 0x20000,
  Formatted: 0x20000000,
  NoCreateDir: 0x40000000,
} as const
export type MediumVariant = EnumValue<typeof MediumVariant>

/** openMedium / createMedium access mode. */
export const AccessMode = { ReadOnly: 1, ReadWrite: 2 } as const
export type AccessMode = EnumValue<typeof AccessMode>

/** Settings XML names of the controller types (StorageController type="…"). */
export const storageControllerTypeXmlNames: Readonly<Record<StorageControllerType, string>> = {
  0: 'Null',
  1: 'LsiLogic',
  2: 'BusLogic',
  3: 'AHCI',
  4: 'PIIX3',
  5: 'PIIX4',
  6: 'ICH6',
  7: 'I82078',
  8: 'LsiLogicSas',
  9: 'USB',
  10: 'NVMe',
  11: 'VirtioSCSI',
}

/** The bus a controller type sits on (IPlatformProperties.getStorageBusForControllerType). */
export function storageBusForControllerType(type: StorageControllerType): StorageBus {
  switch (type) {
    case StorageControllerType.PIIX3:
    case StorageControllerType.PIIX4:
    case StorageControllerType.ICH6:
      return StorageBus.IDE
    case StorageControllerType.IntelAhci:
      return StorageBus.SATA
    case StorageControllerType.LsiLogic:
    case StorageControllerType.BusLogic:
      return StorageBus.SCSI
    case StorageControllerType.I82078:
      return StorageBus.Floppy
    case StorageControllerType.LsiLogicSas:
      return StorageBus.SAS
    case StorageControllerType.USB:
      return StorageBus.USB
    case StorageControllerType.NVMe:
      return StorageBus.PCIe
    case StorageControllerType.VirtioSCSI:
      return StorageBus.VirtioSCSI
    default:
      return StorageBus.Null
  }
}

/** Port and device limits per bus (vbox-api.md §2.2 IStorageController). */
export interface StorageBusLimits {
  readonly minPortCount: number
  readonly maxPortCount: number
  readonly maxDevicesPerPort: number
  readonly defaultPortCount: number
  readonly defaultControllerType: StorageControllerType
  readonly deviceTypes: readonly DeviceType[]
}

/** Limits and defaults of each storage bus. */
export function storageBusLimits(bus: StorageBus): StorageBusLimits | undefined {
  const disks = [DeviceType.HardDisk, DeviceType.DVD]
  switch (bus) {
    case StorageBus.IDE:
      return l(2, 2, 2, 2, StorageControllerType.PIIX4, disks)
    case StorageBus.SATA:
      return l(1, 30, 1, 30, StorageControllerType.IntelAhci, disks)
    case StorageBus.SCSI:
      return l(16, 16, 1, 16, StorageControllerType.LsiLogic, disks)
    case StorageBus.Floppy:
      return l(1, 1, 2, 1, StorageControllerType.I82078, [DeviceType.Floppy])
    case StorageBus.SAS:
      return l(1, 255, 1, 8, StorageControllerType.LsiLogicSas, disks)
    case StorageBus.USB:
      return l(8, 8, 1, 8, StorageControllerType.USB, disks)
    case StorageBus.PCIe:
      return l(1, 255, 1, 1, StorageControllerType.NVMe, [DeviceType.HardDisk])
    case StorageBus.VirtioSCSI:
      return l(1, 256, 1, 1, StorageControllerType.VirtioSCSI, disks)
    default:
      return undefined
  }
}

function l(
  minPortCount: number,
  maxPortCount: number,
  maxDevicesPerPort: number,
  defaultPortCount: number,
  defaultControllerType: StorageControllerType,
  deviceTypes: readonly DeviceType[],
): StorageBusLimits {
  return { minPortCount, maxPortCount, maxDevicesPerPort, defaultPortCount, defaultControllerType, deviceTypes }
}
