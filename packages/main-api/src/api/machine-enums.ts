// Machine, session and lock enumerations with VirtualBox 7.1 numeric values (VirtualBox.xidl; vbox-api.md §1.2, §3).
import type { EnumValue } from './enum-util'

/** IMachine.state. Values as of 7.0/7.1 (AbortedSaved=5 was inserted in 7.0, shifting later members by one). */
export const MachineState = {
  Null: 0,
  PoweredOff: 1,
  Saved: 2,
  Teleported: 3,
  Aborted: 4,
  AbortedSaved: 5,
  Running: 6,
  Paused: 7,
  Stuck: 8,
  Teleporting: 9,
  LiveSnapshotting: 10,
  Starting: 11,
  Stopping: 12,
  Saving: 13,
  Restoring: 14,
  TeleportingPausedVM: 15,
  TeleportingIn: 16,
  DeletingSnapshotOnline: 17,
  DeletingSnapshotPaused: 18,
  OnlineSnapshotting: 19,
  RestoringSnapshot: 20,
  DeletingSnapshot: 21,
  SettingUp: 22,
  Snapshotting: 23,
  FirstOnline: 6,
  LastOnline: 19,
  FirstTransient: 9,
  LastTransient: 23,
} as const
export type MachineState = EnumValue<typeof MachineState>

/** VBoxManage's short state names (`VMState=` in --machinereadable output), indexed by MachineState value. */
export const machineStateShortNames: readonly string[] = [
  'null',
  'poweroff',
  'saved',
  'teleported',
  'aborted',
  'aborted-saved',
  'running',
  'paused',
  'gurumeditation',
  'teleporting',
  'livesnapshotting',
  'starting',
  'stopping',
  'saving',
  'restoring',
  'teleportingpausedvm',
  'teleportingin',
  'deletingsnapshotlive',
  'deletingsnapshotlivepaused',
  'onlinesnapshotting',
  'restoringsnapshot',
  'deletingsnapshot',
  'settingup',
  'snapshotting',
]

/** True for states in which a VM process exists (FirstOnline..LastOnline). */
export function isOnlineState(state: MachineState): boolean {
  return state >= MachineState.FirstOnline && state <= MachineState.LastOnline
}

/** True for states that are in the middle of changing (FirstTransient..LastTransient). */
export function isTransientState(state: MachineState): boolean {
  return state >= MachineState.FirstTransient && state <= MachineState.LastTransient
}

/** ISession.state and IMachine.sessionState. */
export const SessionState = { Null: 0, Unlocked: 1, Locked: 2, Spawning: 3, Unlocking: 4 } as const
export type SessionState = EnumValue<typeof SessionState>

/** ISession.type. */
export const SessionType = { Null: 0, WriteLock: 1, Remote: 2, Shared: 3 } as const
export type SessionType = EnumValue<typeof SessionType>

/** IMachine.lockMachine lock types. */
export const LockType = { Null: 0, Shared: 1, Write: 2, VM: 3 } as const
export type LockType = EnumValue<typeof LockType>

/** IMachine.unregister cleanup modes (DetachAllReturnHardDisksAndVMRemovable since 7.0). */
export const CleanupMode = {
  UnregisterOnly: 1,
  DetachAllReturnNone: 2,
  DetachAllReturnHardDisksOnly: 3,
  Full: 4,
  DetachAllReturnHardDisksAndVMRemovable: 5,
} as const
export type CleanupMode = EnumValue<typeof CleanupMode>

/** IMachine.cloneTo modes. */
export const CloneMode = { MachineState: 1, MachineAndChildStates: 2, AllStates: 3 } as const
export type CloneMode = EnumValue<typeof CloneMode>

/** IMachine.cloneTo options. */
export const CloneOptions = { Link: 1, KeepAllMACs: 2, KeepNATMACs: 3, KeepDiskNames: 4, KeepHwUUIDs: 5 } as const
export type CloneOptions = EnumValue<typeof CloneOptions>

/** Firmware type (IFirmwareSettings.firmwareType in 7.1). */
export const FirmwareType = { BIOS: 1, EFI: 2, EFI32: 3, EFI64: 4, EFIDUAL: 5 } as const
export type FirmwareType = EnumValue<typeof FirmwareType>

/** IPlatform.chipsetType. */
export const ChipsetType = { Null: 0, PIIX3: 1, ICH9: 2, ARMv8Virtual: 3 } as const
export type ChipsetType = EnumValue<typeof ChipsetType>

/** IGraphicsAdapter.graphicsControllerType (QemuRamFB since 7.1). */
export const GraphicsControllerType = { Null: 0, VBoxVGA: 1, VMSVGA: 2, VBoxSVGA: 3, QemuRamFB: 4 } as const
export type GraphicsControllerType = EnumValue<typeof GraphicsControllerType>

/** IPlatform.architecture / createMachine's platform argument (7.1). */
export const PlatformArchitecture = { None: 0, x86: 1, ARM: 2 } as const
export type PlatformArchitecture = EnumValue<typeof PlatformArchitecture>

/** ISerialPort.hostMode. */
export const PortMode = { Disconnected: 0, HostPipe: 1, HostDevice: 2, RawFile: 3, TCP: 4 } as const
export type PortMode = EnumValue<typeof PortMode>

/** ISerialPort.uartType. */
export const UartType = { U16450: 0, U16550A: 1, U16750: 2 } as const
export type UartType = EnumValue<typeof UartType>

/** IVRDEServer.authType. */
export const AuthType = { Null: 0, External: 1, Guest: 2 } as const
export type AuthType = EnumValue<typeof AuthType>

/** INetworkAdapter.attachmentType (HostOnlyNetwork since 7.0). */
export const NetworkAttachmentType = {
  Null: 0,
  NAT: 1,
  Bridged: 2,
  Internal: 3,
  HostOnly: 4,
  Generic: 5,
  NATNetwork: 6,
  Cloud: 7,
  HostOnlyNetwork: 8,
} as const
export type NetworkAttachmentType = EnumValue<typeof NetworkAttachmentType>

/** INetworkAdapter.adapterType (7.x values). */
export const NetworkAdapterType = {
  Null: 0,
  Am79C970A: 1,
  Am79C973: 2,
  I82540EM: 3,
  I82543GC: 4,
  I82545EM: 5,
  Virtio: 6,
  Am79C960: 7,
  NE2000: 8,
  NE1000: 9,
  WD8013: 10,
  WD8003: 11,
  ELNK2: 12,
  ELNK1: 13,
} as const
export type NetworkAdapterType = EnumValue<typeof NetworkAdapterType>

/** INATEngine redirect protocol. */
export const NATProtocol = { UDP: 0, TCP: 1 } as const
export type NATProtocol = EnumValue<typeof NATProtocol>

/** IMachine.pointingHIDType. */
export const PointingHIDType = {
  None: 1,
  PS2Mouse: 2,
  USBMouse: 3,
  USBTablet: 4,
  ComboMouse: 5,
  USBMultiTouch: 6,
  USBMultiTouchScreenPlusPad: 7,
} as const
export type PointingHIDType = EnumValue<typeof PointingHIDType>

/** IMachine.keyboardHIDType. */
export const KeyboardHIDType = { None: 1, PS2Keyboard: 2, USBKeyboard: 3, ComboKeyboard: 4 } as const
export type KeyboardHIDType = EnumValue<typeof KeyboardHIDType>

/** IFirmwareSettings.bootMenuMode. */
export const FirmwareBootMenuMode = { Disabled: 0, MenuOnly: 1, MessageAndMenu: 2 } as const
export type FirmwareBootMenuMode = EnumValue<typeof FirmwareBootMenuMode>

/** IAudioAdapter.audioController. */
export const AudioControllerType = { AC97: 0, SB16: 1, HDA: 2, VirtioSound: 3 } as const
export type AudioControllerType = EnumValue<typeof AudioControllerType>

/** IMouse button state bits. */
export const MouseButtonState = {
  LeftButton: 0x01,
  RightButton: 0x02,
  MiddleButton: 0x04,
  WheelUp: 0x08,
  WheelDown: 0x10,
  XButton1: 0x20,
  XButton2: 0x40,
} as const
export type MouseButtonState = EnumValue<typeof MouseButtonState>

/** IDisplay screenshot formats (FourCC, little-endian ASCII). */
export const BitmapFormat = {
  Opaque: 0,
  BGR: 0x20524742,
  BGR0: 0x30524742,
  BGRA: 0x41524742,
  RGBA: 0x41424752,
  PNG: 0x20474e50,
  JPEG: 0x4745504a,
} as const
export type BitmapFormat = EnumValue<typeof BitmapFormat>

/** IDisplay.getScreenResolution guest monitor status. */
export const GuestMonitorStatus = { Disabled: 0, Enabled: 1, Blank: 2 } as const
export type GuestMonitorStatus = EnumValue<typeof GuestMonitorStatus>

/** IHost.getProcessorFeature argument. */
export const ProcessorFeature = {
  HWVirtEx: 0,
  PAE: 1,
  LongMode: 2,
  NestedPaging: 3,
  UnrestrictedGuest: 4,
  NestedHWVirt: 5,
  VirtVmsaveVmload: 6,
} as const
export type ProcessorFeature = EnumValue<typeof ProcessorFeature>

/** Settings file format versions (ISystemProperties / SettingsVersion). */
export const SettingsVersion = {
  v1_15: 17,
  v1_16: 18,
  v1_17: 19,
  v1_18: 20,
  v1_19: 21,
  v1_20: 22,
  Future: 99999,
} as const
export type SettingsVersion = EnumValue<typeof SettingsVersion>

/** CPUPropertyTypeX86 values Boxwood stores (IPlatformX86.getCPUProperty/setCPUProperty). */
export const CPUPropertyTypeX86 = { PAE: 1, LongMode: 2, TripleFaultReset: 3, APIC: 4, X2APIC: 5 } as const
