// VBoxEventType with VirtualBox 7.1 numeric values (VirtualBox.xidl; vbox-api.md §2.15, §3).
import type { EnumValue } from './enum-util'

/** Event type identifiers; the first five are wildcards for registerListener. */
export const VBoxEventType = {
  Invalid: 0,
  Any: 1,
  Vetoable: 2,
  MachineEvent: 3,
  SnapshotEvent: 4,
  InputEvent: 5,
  LastWildcard: 31,
  OnMachineStateChanged: 32,
  OnMachineDataChanged: 33,
  OnExtraDataChanged: 34,
  OnExtraDataCanChange: 35,
  OnMediumRegistered: 36,
  OnMachineRegistered: 37,
  OnSessionStateChanged: 38,
  OnSnapshotTaken: 39,
  OnSnapshotDeleted: 40,
  OnSnapshotChanged: 41,
  OnGuestPropertyChanged: 42,
  OnMousePointerShapeChanged: 43,
  OnMouseCapabilityChanged: 44,
  OnKeyboardLedsChanged: 45,
  OnStateChanged: 46,
  OnAdditionsStateChanged: 47,
  OnNetworkAdapterChanged: 48,
  OnSerialPortChanged: 49,
  OnParallelPortChanged: 50,
  OnStorageControllerChanged: 51,
  OnMediumChanged: 52,
  OnVRDEServerChanged: 53,
  OnUSBControllerChanged: 54,
  OnUSBDeviceStateChanged: 55,
  OnSharedFolderChanged: 56,
  OnRuntimeError: 57,
  OnCanShowWindow: 58,
  OnShowWindow: 59,
  OnCPUChanged: 60,
  OnVRDEServerInfoChanged: 61,
  OnEventSourceChanged: 62,
  OnCPUExecutionCapChanged: 63,
  OnGuestKeyboard: 64,
  OnGuestMouse: 65,
  OnNATRedirect: 66,
  OnHostPCIDevicePlug: 67,
  OnVBoxSVCAvailabilityChanged: 68,
  OnBandwidthGroupChanged: 69,
  OnGuestMonitorChanged: 70,
  OnStorageDeviceChanged: 71,
  OnClipboardModeChanged: 72,
  OnDnDModeChanged: 73,
  OnSnapshotRestored: 95,
  OnMediumConfigChanged: 96,
  OnProgressPercentageChanged: 98,
  OnProgressTaskCompleted: 99,
  OnProgressCreated: 110,
  OnMachineGroupsChanged: 118,
  End: 126,
} as const
export type VBoxEventType = EnumValue<typeof VBoxEventType>

const machineEvents: ReadonlySet<number> = new Set([
  VBoxEventType.OnMachineStateChanged,
  VBoxEventType.OnMachineDataChanged,
  VBoxEventType.OnMachineRegistered,
  VBoxEventType.OnSessionStateChanged,
  VBoxEventType.OnGuestPropertyChanged,
  VBoxEventType.OnSnapshotTaken,
  VBoxEventType.OnSnapshotDeleted,
  VBoxEventType.OnSnapshotChanged,
  VBoxEventType.OnSnapshotRestored,
  VBoxEventType.OnMachineGroupsChanged,
])
const snapshotEvents: ReadonlySet<number> = new Set([
  VBoxEventType.OnSnapshotTaken,
  VBoxEventType.OnSnapshotDeleted,
  VBoxEventType.OnSnapshotChanged,
  VBoxEventType.OnSnapshotRestored,
])
const inputEvents: ReadonlySet<number> = new Set([
  VBoxEventType.OnKeyboardLedsChanged,
  VBoxEventType.OnMousePointerShapeChanged,
  VBoxEventType.OnMouseCapabilityChanged,
  VBoxEventType.OnGuestKeyboard,
  VBoxEventType.OnGuestMouse,
])

/** True when an event of `type` matches the (possibly wildcard) `interesting` type, as VirtualBox's EventSource does. */
export function eventTypeMatches(interesting: VBoxEventType, type: VBoxEventType): boolean {
  switch (interesting) {
    case VBoxEventType.Any:
      return true
    case VBoxEventType.Vetoable:
      return type === VBoxEventType.OnExtraDataCanChange || type === VBoxEventType.OnCanShowWindow
    case VBoxEventType.MachineEvent:
      return machineEvents.has(type)
    case VBoxEventType.SnapshotEvent:
      return snapshotEvents.has(type)
    case VBoxEventType.InputEvent:
      return inputEvents.has(type)
    default:
      return interesting === type
  }
}
