// Subpath entry `@boxwood/main-api/client`: what a client of the boxsvc service needs — connectVirtualBox, the
// interfaces, enumerations, errors and event helpers — without the in-process API, the VM stack (@boxwood/vmm,
// @boxwood/devices, @boxwood/vrde) or the settings code, so that a CLI starts fast (VirtualBox's VBoxManage loads
// only the client side of Main, VBoxC). Every export is listed by name; the main entry (./index) re-exports all of
// them, so a name added here is public in both entries.

// Entry points
export { connectVirtualBox } from './service/connect'
export type { ConnectOptions } from './service/connect'

// Object interfaces (VirtualBox.xidl)
export type {
  IAudioSettings,
  IConsole,
  IDisplay,
  IEventListener,
  IEventSource,
  IFirmwareSettings,
  IGraphicsAdapter,
  IGuestOSType,
  IHost,
  IKeyboard,
  IMachine,
  IMedium,
  IMediumAttachment,
  IMouse,
  INATEngine,
  INetworkAdapter,
  IPerformanceCollector,
  IPerformanceMetric,
  IPlatform,
  IPlatformX86,
  IProgress,
  ISerialPort,
  ISession,
  ISnapshot,
  IStorageController,
  ISystemProperties,
  IVirtualBox,
  IVirtualBoxClient,
  IVRDEServer,
  IVRDEServerInfo,
  MediumFormatInfo,
  MetricsData,
  ScreenResolution,
  VideoModeHint,
} from './api/interfaces'

// Enumerations (VirtualBox 7.1 names and values)
export {
  AudioControllerType,
  AuthType,
  BitmapFormat,
  CPUPropertyTypeX86,
  ChipsetType,
  CleanupMode,
  CloneMode,
  CloneOptions,
  FirmwareBootMenuMode,
  FirmwareType,
  GraphicsControllerType,
  GuestMonitorStatus,
  KeyboardHIDType,
  LockType,
  MachineState,
  MouseButtonState,
  NATProtocol,
  NetworkAdapterType,
  NetworkAttachmentType,
  PlatformArchitecture,
  PointingHIDType,
  PortMode,
  ProcessorFeature,
  SessionState,
  SessionType,
  SettingsVersion,
  UartType,
  isOnlineState,
  isTransientState,
  machineStateShortNames,
} from './api/machine-enums'
export {
  AccessMode,
  DeviceType,
  MediumState,
  MediumType,
  MediumVariant,
  StorageBus,
  StorageControllerType,
  storageBusForControllerType,
  storageBusLimits,
} from './api/storage-enums'
export type { StorageBusLimits } from './api/storage-enums'
export { VBoxEventType, eventTypeMatches } from './api/event-types'
export { enumName, isEnumValue } from './api/enum-util'
export type { EnumValue } from './api/enum-util'

// Errors
export { ResultCode, VBoxError } from './api/errors'
export type { ResultCodeName, VirtualBoxErrorInfo } from './api/errors'

// Events
export type {
  EventOfType,
  ExtraDataChangedEvent,
  GuestMonitorChangedEvent,
  MachineDataChangedEvent,
  MachineRegisteredEvent,
  MachineStateChangedEvent,
  MediumRegisteredEvent,
  ProgressEvent,
  RuntimeErrorEvent,
  SessionStateChangedEvent,
  SnapshotEvent,
  VBoxEvent,
  VRDEServerChangedEvent,
} from './api/events'
export { eventStream, openEventStream } from './events/event-stream'
export type { EventStreamOptions } from './events/event-stream'

// Helpers
export { completeOrThrow } from './server/progress'
export { boxwoodHomeFolder, defaultMachineFolder, USER_HOME_ENV } from './settings/home'
