// VBoxManage's spellings of Main API enumeration values, as used in options and in showvminfo output
// (VBoxManageModifyVM.cpp, VBoxManageInfo.cpp; vbox-api.md §5.3, §5.5).
import {
  AuthType,
  ChipsetType,
  DeviceType,
  FirmwareType,
  GraphicsControllerType,
  NetworkAdapterType,
  NetworkAttachmentType,
  PortMode,
  StorageBus,
  StorageControllerType,
  UartType,
} from '@boxwood/main-api/client'

export const firmwareNames = {
  bios: FirmwareType.BIOS,
  efi: FirmwareType.EFI,
  efi32: FirmwareType.EFI32,
  efi64: FirmwareType.EFI64,
  efidual: FirmwareType.EFIDUAL,
} as const
/** showvminfo spells firmware in capitals. */
export const firmwareDisplay: Readonly<Record<number, string>> = {
  1: 'BIOS',
  2: 'EFI',
  3: 'EFI32',
  4: 'EFI64',
  5: 'EFIDUAL',
}

export const bootDeviceNames = {
  none: DeviceType.Null,
  floppy: DeviceType.Floppy,
  dvd: DeviceType.DVD,
  disk: DeviceType.HardDisk,
  net: DeviceType.Network,
} as const

export const graphicsControllerNames = {
  none: GraphicsControllerType.Null,
  vboxvga: GraphicsControllerType.VBoxVGA,
  vmsvga: GraphicsControllerType.VMSVGA,
  vboxsvga: GraphicsControllerType.VBoxSVGA,
  qemuramfb: GraphicsControllerType.QemuRamFB,
} as const

export const chipsetNames = {
  piix3: ChipsetType.PIIX3,
  ich9: ChipsetType.ICH9,
  armv8virtual: ChipsetType.ARMv8Virtual,
} as const

export const authTypeNames = { null: AuthType.Null, external: AuthType.External, guest: AuthType.Guest } as const

export const uartTypeNames = { '16450': UartType.U16450, '16550A': UartType.U16550A, '16750': UartType.U16750 } as const

export const portModeNames = {
  disconnected: PortMode.Disconnected,
  server: PortMode.HostPipe,
  client: PortMode.HostPipe,
  tcpserver: PortMode.TCP,
  tcpclient: PortMode.TCP,
  file: PortMode.RawFile,
} as const

export const storageBusNames = {
  ide: StorageBus.IDE,
  sata: StorageBus.SATA,
  scsi: StorageBus.SCSI,
  floppy: StorageBus.Floppy,
  sas: StorageBus.SAS,
  usb: StorageBus.USB,
  pcie: StorageBus.PCIe,
  virtio: StorageBus.VirtioSCSI,
} as const

export const controllerTypeNames = {
  LSILogic: StorageControllerType.LsiLogic,
  BusLogic: StorageControllerType.BusLogic,
  IntelAhci: StorageControllerType.IntelAhci,
  PIIX3: StorageControllerType.PIIX3,
  PIIX4: StorageControllerType.PIIX4,
  ICH6: StorageControllerType.ICH6,
  I82078: StorageControllerType.I82078,
  LSILogicSAS: StorageControllerType.LsiLogicSas,
  USB: StorageControllerType.USB,
  NVMe: StorageControllerType.NVMe,
  VirtIO: StorageControllerType.VirtioSCSI,
} as const

export const nicAttachmentNames = {
  null: NetworkAttachmentType.Null,
  nat: NetworkAttachmentType.NAT,
  bridged: NetworkAttachmentType.Bridged,
  intnet: NetworkAttachmentType.Internal,
  hostonly: NetworkAttachmentType.HostOnly,
  generic: NetworkAttachmentType.Generic,
  natnetwork: NetworkAttachmentType.NATNetwork,
  cloud: NetworkAttachmentType.Cloud,
  hostonlynet: NetworkAttachmentType.HostOnlyNetwork,
} as const

export const nicTypeNames = {
  Am79C970A: NetworkAdapterType.Am79C970A,
  Am79C973: NetworkAdapterType.Am79C973,
  '82540EM': NetworkAdapterType.I82540EM,
  '82543GC': NetworkAdapterType.I82543GC,
  '82545EM': NetworkAdapterType.I82545EM,
  virtio: NetworkAdapterType.Virtio,
} as const

export const deviceTypeNames = {
  hdd: DeviceType.HardDisk,
  dvddrive: DeviceType.DVD,
  fdd: DeviceType.Floppy,
} as const

/** `disk|dvd|floppy` as createmedium/closemedium/showmediuminfo take them. */
export const mediumKindNames = { disk: DeviceType.HardDisk, dvd: DeviceType.DVD, floppy: DeviceType.Floppy } as const
