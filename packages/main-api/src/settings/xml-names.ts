// Enum value ⇄ settings-XML spelling tables (Settings.cpp reads/writes these strings; vbox-api.md §4.3).
import { AudioControllerType, AuthType, ChipsetType, FirmwareType, GraphicsControllerType } from '../api/machine-enums'
import { KeyboardHIDType, NetworkAdapterType, PointingHIDType, PortMode, UartType } from '../api/machine-enums'
import { DeviceType, MediumType, StorageControllerType } from '../api/storage-enums'

/** A two-way table between numeric enum values and their XML names. */
export interface XmlNameTable {
  toXml(value: number): string
  fromXml(name: string | undefined, fallback: number): number
}

function table(pairs: ReadonlyArray<readonly [number, string]>, aliases: Record<string, number> = {}): XmlNameTable {
  const byValue = new Map(pairs)
  const byName = new Map<string, number>()
  for (const [value, name] of pairs) if (!byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), value)
  for (const [name, value] of Object.entries(aliases)) byName.set(name.toLowerCase(), value)
  return {
    toXml: (value) => byValue.get(value) ?? String(value),
    fromXml: (name, fallback) => (name === undefined ? fallback : (byName.get(name.toLowerCase()) ?? fallback)),
  }
}

export const controllerTypeNames = table([
  [StorageControllerType.LsiLogic, 'LsiLogic'],
  [StorageControllerType.BusLogic, 'BusLogic'],
  [StorageControllerType.IntelAhci, 'AHCI'],
  [StorageControllerType.PIIX3, 'PIIX3'],
  [StorageControllerType.PIIX4, 'PIIX4'],
  [StorageControllerType.ICH6, 'ICH6'],
  [StorageControllerType.I82078, 'I82078'],
  [StorageControllerType.LsiLogicSas, 'LsiLogicSas'],
  [StorageControllerType.USB, 'USB'],
  [StorageControllerType.NVMe, 'NVMe'],
  [StorageControllerType.VirtioSCSI, 'VirtioSCSI'],
])

export const attachmentDeviceNames = table([
  [DeviceType.HardDisk, 'HardDisk'],
  [DeviceType.DVD, 'DVD'],
  [DeviceType.Floppy, 'Floppy'],
])

export const bootDeviceNames = table([
  [DeviceType.Null, 'None'],
  [DeviceType.Floppy, 'Floppy'],
  [DeviceType.DVD, 'DVD'],
  [DeviceType.HardDisk, 'HardDisk'],
  [DeviceType.Network, 'Network'],
])

export const graphicsControllerNames = table([
  [GraphicsControllerType.Null, 'None'],
  [GraphicsControllerType.VBoxVGA, 'VBoxVGA'],
  [GraphicsControllerType.VMSVGA, 'VMSVGA'],
  [GraphicsControllerType.VBoxSVGA, 'VBoxSVGA'],
  [GraphicsControllerType.QemuRamFB, 'QemuRamFB'],
])

export const authTypeNames = table([
  [AuthType.Null, 'Null'],
  [AuthType.External, 'External'],
  [AuthType.Guest, 'Guest'],
])

export const adapterTypeNames = table([
  [NetworkAdapterType.Am79C970A, 'Am79C970A'],
  [NetworkAdapterType.Am79C973, 'Am79C973'],
  [NetworkAdapterType.I82540EM, '82540EM'],
  [NetworkAdapterType.I82543GC, '82543GC'],
  [NetworkAdapterType.I82545EM, '82545EM'],
  [NetworkAdapterType.Virtio, 'virtio'],
  [NetworkAdapterType.Am79C960, 'Am79C960'],
  [NetworkAdapterType.NE2000, 'NE2000'],
  [NetworkAdapterType.NE1000, 'NE1000'],
  [NetworkAdapterType.WD8013, 'WD8013'],
  [NetworkAdapterType.WD8003, 'WD8003'],
  [NetworkAdapterType.ELNK2, 'ELNK2'],
  [NetworkAdapterType.ELNK1, 'ELNK1'],
])

export const portModeNames = table([
  [PortMode.Disconnected, 'Disconnected'],
  [PortMode.HostPipe, 'HostPipe'],
  [PortMode.HostDevice, 'HostDevice'],
  [PortMode.RawFile, 'RawFile'],
  [PortMode.TCP, 'TCP'],
])

export const uartTypeNames = table([
  [UartType.U16450, '16450'],
  [UartType.U16550A, '16550A'],
  [UartType.U16750, '16750'],
])

export const pointingHIDNames = table([
  [PointingHIDType.None, 'None'],
  [PointingHIDType.PS2Mouse, 'PS2Mouse'],
  [PointingHIDType.USBMouse, 'USBMouse'],
  [PointingHIDType.USBTablet, 'USBTablet'],
  [PointingHIDType.ComboMouse, 'ComboMouse'],
  [PointingHIDType.USBMultiTouch, 'USBMultiTouch'],
  [PointingHIDType.USBMultiTouchScreenPlusPad, 'USBMTScreenPlusPad'],
])

export const keyboardHIDNames = table([
  [KeyboardHIDType.None, 'None'],
  [KeyboardHIDType.PS2Keyboard, 'PS2Keyboard'],
  [KeyboardHIDType.USBKeyboard, 'USBKeyboard'],
  [KeyboardHIDType.ComboKeyboard, 'ComboKeyboard'],
])

export const firmwareNames = table([
  [FirmwareType.BIOS, 'BIOS'],
  [FirmwareType.EFI, 'EFI'],
  [FirmwareType.EFI32, 'EFI32'],
  [FirmwareType.EFI64, 'EFI64'],
  [FirmwareType.EFIDUAL, 'EFIDUAL'],
])

export const chipsetNames = table([
  [ChipsetType.PIIX3, 'PIIX3'],
  [ChipsetType.ICH9, 'ICH9'],
  [ChipsetType.ARMv8Virtual, 'ARMv8Virtual'],
])

export const audioControllerNames = table([
  [AudioControllerType.AC97, 'AC97'],
  [AudioControllerType.SB16, 'SB16'],
  [AudioControllerType.HDA, 'HDA'],
  [AudioControllerType.VirtioSound, 'Virtio-Sound'],
])

export const mediumTypeNames = table([
  [MediumType.Normal, 'Normal'],
  [MediumType.Immutable, 'Immutable'],
  [MediumType.Writethrough, 'Writethrough'],
  [MediumType.Shareable, 'Shareable'],
  [MediumType.Readonly, 'Readonly'],
  [MediumType.MultiAttach, 'MultiAttach'],
])

/** `{uuid}` → `uuid` (the API form); accepts either. */
export function uuidFromXml(value: string | undefined): string {
  return (value ?? '').replace(/^\{/, '').replace(/\}$/, '').toLowerCase()
}

/** `uuid` → `{uuid}` (the settings form). */
export function uuidToXml(value: string): string {
  return `{${value}}`
}

/** Settings booleans are "true"/"false"; older files sometimes use 1/0 or yes/no. */
export function boolFromXml(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  return ['true', '1', 'yes', 'on'].includes(value.toLowerCase())
}

/** Integers may be decimal or 0x-hex (IOBase="0x3f8"). */
export function intFromXml(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = /^0x/i.test(value) ? Number.parseInt(value, 16) : Number.parseInt(value, 10)
  return Number.isFinite(n) ? n : fallback
}
