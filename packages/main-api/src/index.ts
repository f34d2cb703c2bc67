// Public entry point of @boxwood/main-api: the VirtualBox-style Main API, in-process or through the boxsvc service.
// Every export is listed by name.

// Entry points
export { openVirtualBox } from './client/open'
export type { OpenVirtualBoxOptions } from './client/open'
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

// Machine drivers (what runs the guest inside the VM process)
export { MACHINE_DRIVER_ENV } from './client/machine-driver'
export type {
  DriverMedium,
  MachineDriver,
  MachineDriverConfig,
  MachineDriverEvent,
  MachineDriverFactory,
} from './client/machine-driver'
export type { MachineSettings } from './settings/machine-settings'
