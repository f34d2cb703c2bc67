// Event payloads (IEvent and its subinterfaces as plain data; VirtualBox.xidl I*Event; vbox-api.md §2.15).
import type { VBoxEventType } from './event-types'
import type { MachineState, SessionState } from './machine-enums'
import type { DeviceType } from './storage-enums'

interface EventBase {
  /** Unique per event source; used by eventProcessed. */
  readonly id: number
}

/** OnMachineStateChanged (global source) and OnStateChanged (console source). */
export interface MachineStateChangedEvent extends EventBase {
  readonly type: 32 | 46
  readonly machineId: string
  readonly state: MachineState
}
/** OnMachineDataChanged. */
export interface MachineDataChangedEvent extends EventBase {
  readonly type: 33
  readonly machineId: string
  readonly temporary: boolean
}
/** OnExtraDataChanged (machineId "" = global). */
export interface ExtraDataChangedEvent extends EventBase {
  readonly type: 34
  readonly machineId: string
  readonly key: string
  readonly value: string
}
/** OnMediumRegistered. */
export interface MediumRegisteredEvent extends EventBase {
  readonly type: 36
  readonly mediumId: string
  readonly mediumType: DeviceType
  readonly registered: boolean
}
/** OnMachineRegistered. */
export interface MachineRegisteredEvent extends EventBase {
  readonly type: 37
  readonly machineId: string
  readonly registered: boolean
}
/** OnSessionStateChanged. */
export interface SessionStateChangedEvent extends EventBase {
  readonly type: 38
  readonly machineId: string
  readonly state: SessionState
}
/** OnSnapshotTaken / Deleted / Changed / Restored. */
export interface SnapshotEvent extends EventBase {
  readonly type: 39 | 40 | 41 | 95
  readonly machineId: string
  readonly snapshotId: string
}
/** OnRuntimeError (console source). */
export interface RuntimeErrorEvent extends EventBase {
  readonly type: 57
  readonly fatal: boolean
  readonly errorId: string
  readonly message: string
}
/** OnGuestMonitorChanged (console source). changeType: Enabled=0, Disabled=1, NewOrigin=2. */
export interface GuestMonitorChangedEvent extends EventBase {
  readonly type: 70
  readonly changeType: number
  readonly screenId: number
  readonly originX: number
  readonly originY: number
  readonly width: number
  readonly height: number
}
/** OnVRDEServerInfoChanged / OnVRDEServerChanged (console source). */
export interface VRDEServerChangedEvent extends EventBase {
  readonly type: 53 | 61
}
/** OnProgressPercentageChanged / OnProgressTaskCompleted (progress source). */
export interface ProgressEvent extends EventBase {
  readonly type: 98 | 99
  readonly progressId: string
  readonly percent: number
}

/** Any event Boxwood fires. Discriminate on `type` (a VBoxEventType value). */
export type VBoxEvent =
  | MachineStateChangedEvent
  | MachineDataChangedEvent
  | ExtraDataChangedEvent
  | MediumRegisteredEvent
  | MachineRegisteredEvent
  | SessionStateChangedEvent
  | SnapshotEvent
  | RuntimeErrorEvent
  | GuestMonitorChangedEvent
  | VRDEServerChangedEvent
  | ProgressEvent

/** An event before the source numbers it. */
export type VBoxEventInit = VBoxEvent extends infer E ? (E extends VBoxEvent ? Omit<E, 'id'> : never) : never

/** Helper type: the event interface for a given type value. */
export type EventOfType<T extends VBoxEventType> = Extract<VBoxEvent, { type: T }>
