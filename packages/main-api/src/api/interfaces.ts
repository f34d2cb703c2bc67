// The Main API object model (VirtualBox.xidl as TypeScript). Every member is async so the same interfaces serve
// in-process objects and service proxies; attributes are `getX()`/`setX()` as in VirtualBox's SOAP/Java bindings
// (vbox-api.md §2). Structs (IMediumAttachment, IGuestOSType, events…) are plain data.
import type { VBoxEvent } from './events'
import type { AuthType, ChipsetType, CleanupMode, CloneMode, CloneOptions, FirmwareType } from './machine-enums'
import type { GraphicsControllerType, KeyboardHIDType, LockType, MachineState, NATProtocol } from './machine-enums'
import type { NetworkAdapterType, NetworkAttachmentType, PlatformArchitecture, PointingHIDType } from './machine-enums'
import type { BitmapFormat, GuestMonitorStatus, PortMode, SessionState, SessionType, UartType } from './machine-enums'
import type { AudioControllerType } from './machine-enums'
import type { VBoxEventType } from './event-types'
import type { VirtualBoxErrorInfo } from './errors'
import type { AccessMode, DeviceType, MediumState, MediumType, MediumVariant, StorageBus } from './storage-enums'
import type { StorageControllerType } from './storage-enums'

/** The client-side entry object (IVirtualBoxClient): the VirtualBox object and new sessions. */
export interface IVirtualBoxClient {
  readonly virtualBox: IVirtualBox
  /** A new, unlocked session (IVirtualBoxClient.session creates one per read). */
  getSession(): Promise<ISession>
  /** Releases this client: its sessions are unlocked, its listeners removed; a service client disconnects. */
  close(): Promise<void>
}

/** IVirtualBox: the root object. */
export interface IVirtualBox {
  getVersion(): Promise<string>
  getVersionNormalized(): Promise<string>
  getRevision(): Promise<number>
  getAPIVersion(): Promise<string>
  getPackageType(): Promise<string>
  getHomeFolder(): Promise<string>
  getSettingsFilePath(): Promise<string>
  getHost(): Promise<IHost>
  getSystemProperties(): Promise<ISystemProperties>
  getMachines(): Promise<IMachine[]>
  getMachineGroups(): Promise<string[]>
  getHardDisks(): Promise<IMedium[]>
  getDVDImages(): Promise<IMedium[]>
  getFloppyImages(): Promise<IMedium[]>
  getGuestOSTypes(): Promise<IGuestOSType[]>
  getGuestOSType(id: string): Promise<IGuestOSType>
  getEventSource(): Promise<IEventSource>
  getPerformanceCollector(): Promise<IPerformanceCollector>
  composeMachineFilename(name: string, group: string, createFlags: string, baseFolder: string): Promise<string>
  /** 7.1 signature; `settingsFile` "" = composed default path; flags: `UUID=…`, `forceOverwrite=1`. */
  createMachine(
    settingsFile: string,
    name: string,
    platform: PlatformArchitecture,
    groups: string[],
    osTypeId: string,
    flags: string,
  ): Promise<IMachine>
  openMachine(settingsFile: string): Promise<IMachine>
  registerMachine(machine: IMachine): Promise<void>
  findMachine(nameOrId: string): Promise<IMachine>
  getMachineStates(machines: IMachine[]): Promise<MachineState[]>
  createMedium(format: string, location: string, accessMode: AccessMode, deviceType: DeviceType): Promise<IMedium>
  openMedium(location: string, deviceType: DeviceType, accessMode: AccessMode, forceNewUuid: boolean): Promise<IMedium>
  getExtraDataKeys(): Promise<string[]>
  getExtraData(key: string): Promise<string>
  setExtraData(key: string, value: string): Promise<void>
}

/** IMachine. Setters work on a mutable machine: `session.getMachine()` under a Write lock, or a fresh createMachine result. */
export interface IMachine {
  getId(): Promise<string>
  getName(): Promise<string>
  setName(name: string): Promise<void>
  getDescription(): Promise<string>
  setDescription(description: string): Promise<void>
  getOSTypeId(): Promise<string>
  setOSTypeId(id: string): Promise<void>
  getGroups(): Promise<string[]>
  setGroups(groups: string[]): Promise<void>
  getAccessible(): Promise<boolean>
  getHardwareUUID(): Promise<string>
  getCPUCount(): Promise<number>
  setCPUCount(count: number): Promise<void>
  getCPUExecutionCap(): Promise<number>
  setCPUExecutionCap(percent: number): Promise<void>
  getMemorySize(): Promise<number>
  setMemorySize(mb: number): Promise<void>
  getPointingHIDType(): Promise<PointingHIDType>
  setPointingHIDType(type: PointingHIDType): Promise<void>
  getKeyboardHIDType(): Promise<KeyboardHIDType>
  setKeyboardHIDType(type: KeyboardHIDType): Promise<void>
  getPlatform(): Promise<IPlatform>
  getFirmwareSettings(): Promise<IFirmwareSettings>
  getGraphicsAdapter(): Promise<IGraphicsAdapter>
  getVRDEServer(): Promise<IVRDEServer>
  getAudioSettings(): Promise<IAudioSettings>
  getStorageControllers(): Promise<IStorageController[]>
  getMediumAttachments(): Promise<IMediumAttachment[]>
  getState(): Promise<MachineState>
  getLastStateChange(): Promise<number>
  getSessionState(): Promise<SessionState>
  getSessionName(): Promise<string>
  getSessionPID(): Promise<number>
  getSettingsFilePath(): Promise<string>
  getSettingsModified(): Promise<boolean>
  getSnapshotFolder(): Promise<string>
  getCurrentSnapshot(): Promise<ISnapshot | null>
  getSnapshotCount(): Promise<number>
  getCurrentStateModified(): Promise<boolean>
  getLogFolder(): Promise<string>
  getDefaultFrontend(): Promise<string>
  getBootOrder(position: number): Promise<DeviceType>
  setBootOrder(position: number, device: DeviceType): Promise<void>
  addStorageController(name: string, bus: StorageBus): Promise<IStorageController>
  getStorageControllerByName(name: string): Promise<IStorageController>
  removeStorageController(name: string): Promise<void>
  setStorageControllerBootable(name: string, bootable: boolean): Promise<void>
  attachDevice(name: string, port: number, device: number, type: DeviceType, medium: IMedium | null): Promise<void>
  attachDeviceWithoutMedium(name: string, port: number, device: number, type: DeviceType): Promise<void>
  detachDevice(name: string, port: number, device: number): Promise<void>
  mountMedium(name: string, port: number, device: number, medium: IMedium | null, force: boolean): Promise<void>
  unmountMedium(name: string, port: number, device: number, force: boolean): Promise<void>
  getMedium(name: string, port: number, device: number): Promise<IMedium | null>
  getMediumAttachment(name: string, port: number, device: number): Promise<IMediumAttachment>
  getMediumAttachmentsOfController(name: string): Promise<IMediumAttachment[]>
  passthroughDevice(name: string, port: number, device: number, passthrough: boolean): Promise<void>
  nonRotationalDevice(name: string, port: number, device: number, nonRotational: boolean): Promise<void>
  setHotPluggableForDevice(name: string, port: number, device: number, hotPluggable: boolean): Promise<void>
  getNetworkAdapter(slot: number): Promise<INetworkAdapter>
  getSerialPort(slot: number): Promise<ISerialPort>
  getExtraDataKeys(): Promise<string[]>
  getExtraData(key: string): Promise<string>
  setExtraData(key: string, value: string): Promise<void>
  lockMachine(session: ISession, lockType: LockType): Promise<void>
  /** Starts the VM in its own process; `name` = "headless" (or "" for the default frontend). */
  launchVMProcess(session: ISession, name: string, environmentChanges: string[]): Promise<IProgress>
  saveSettings(): Promise<void>
  discardSettings(): Promise<void>
  unregister(cleanupMode: CleanupMode): Promise<IMedium[]>
  deleteConfig(media: IMedium[]): Promise<IProgress>
  /** Offline snapshot (machine powered off); returns [progress, snapshot id]. */
  takeSnapshot(name: string, description: string, pause: boolean): Promise<[IProgress, string]>
  restoreSnapshot(snapshot: ISnapshot): Promise<IProgress>
  deleteSnapshot(id: string): Promise<IProgress>
  findSnapshot(nameOrId: string): Promise<ISnapshot>
  cloneTo(target: IMachine, mode: CloneMode, options: CloneOptions[]): Promise<IProgress>
  /** The saved-state file ("" when the machine is not Saved). */
  getStateFilePath(): Promise<string>
  /** Saves the running VM's state and stops its process (call on a locked session's machine): → Saved. */
  saveState(): Promise<IProgress>
  /** Drops the saved state (Write-locked session's machine): Saved → PoweredOff. */
  discardSavedState(removeFile: boolean): Promise<void>
}

/** IPlatform (7.1): chipset, RTC, x86 specifics. */
export interface IPlatform {
  getArchitecture(): Promise<PlatformArchitecture>
  getChipsetType(): Promise<ChipsetType>
  setChipsetType(type: ChipsetType): Promise<void>
  getRTCUseUTC(): Promise<boolean>
  setRTCUseUTC(utc: boolean): Promise<void>
  getX86(): Promise<IPlatformX86>
}

/** IPlatformX86 (CPU properties, HPET). PAE=1, LongMode=2, X2APIC=5 of CPUPropertyTypeX86 are supported. */
export interface IPlatformX86 {
  getHPETEnabled(): Promise<boolean>
  setHPETEnabled(enabled: boolean): Promise<void>
  getCPUProperty(property: number): Promise<boolean>
  setCPUProperty(property: number, value: boolean): Promise<void>
}

/** IFirmwareSettings (7.1; IBIOSSettings before). */
export interface IFirmwareSettings {
  getFirmwareType(): Promise<FirmwareType>
  setFirmwareType(type: FirmwareType): Promise<void>
  getACPIEnabled(): Promise<boolean>
  setACPIEnabled(enabled: boolean): Promise<void>
  getIOAPICEnabled(): Promise<boolean>
  setIOAPICEnabled(enabled: boolean): Promise<void>
}

/** IGraphicsAdapter. */
export interface IGraphicsAdapter {
  getGraphicsControllerType(): Promise<GraphicsControllerType>
  setGraphicsControllerType(type: GraphicsControllerType): Promise<void>
  getVRAMSize(): Promise<number>
  setVRAMSize(mb: number): Promise<void>
  getMonitorCount(): Promise<number>
  setMonitorCount(count: number): Promise<void>
}

/** IVRDEServer settings. */
export interface IVRDEServer {
  getEnabled(): Promise<boolean>
  setEnabled(enabled: boolean): Promise<void>
  getAuthType(): Promise<AuthType>
  setAuthType(type: AuthType): Promise<void>
  getAuthTimeout(): Promise<number>
  setAuthTimeout(ms: number): Promise<void>
  getAllowMultiConnection(): Promise<boolean>
  setAllowMultiConnection(allow: boolean): Promise<void>
  getReuseSingleConnection(): Promise<boolean>
  setReuseSingleConnection(reuse: boolean): Promise<void>
  getVRDEExtPack(): Promise<string>
  setVRDEExtPack(name: string): Promise<void>
  getAuthLibrary(): Promise<string>
  setAuthLibrary(name: string): Promise<void>
  getVRDEProperties(): Promise<string[]>
  getVRDEProperty(key: string): Promise<string>
  /** "" removes the property. */
  setVRDEProperty(key: string, value: string): Promise<void>
}

/** IAudioSettings → adapter (kept in settings; no audio device yet). */
export interface IAudioSettings {
  getEnabled(): Promise<boolean>
  setEnabled(enabled: boolean): Promise<void>
  getAudioController(): Promise<AudioControllerType>
  setAudioController(type: AudioControllerType): Promise<void>
}

/** IStorageController. */
export interface IStorageController {
  getName(): Promise<string>
  setName(name: string): Promise<void>
  getBus(): Promise<StorageBus>
  getControllerType(): Promise<StorageControllerType>
  setControllerType(type: StorageControllerType): Promise<void>
  getPortCount(): Promise<number>
  setPortCount(count: number): Promise<void>
  getMinPortCount(): Promise<number>
  getMaxPortCount(): Promise<number>
  getMaxDevicesPerPortCount(): Promise<number>
  getInstance(): Promise<number>
  getUseHostIOCache(): Promise<boolean>
  setUseHostIOCache(use: boolean): Promise<void>
  getBootable(): Promise<boolean>
}

/** IMediumAttachment (a struct). */
export interface IMediumAttachment {
  readonly machine: IMachine
  readonly medium: IMedium | null
  readonly controller: string
  readonly port: number
  readonly device: number
  readonly type: DeviceType
  readonly passthrough: boolean
  readonly temporaryEject: boolean
  readonly isEjected: boolean
  readonly nonRotational: boolean
  readonly discard: boolean
  readonly hotPluggable: boolean
  readonly bandwidthGroup: null
}

/** INetworkAdapter (settings; no network backend yet). */
export interface INetworkAdapter {
  getSlot(): Promise<number>
  getEnabled(): Promise<boolean>
  setEnabled(enabled: boolean): Promise<void>
  getAdapterType(): Promise<NetworkAdapterType>
  setAdapterType(type: NetworkAdapterType): Promise<void>
  getMACAddress(): Promise<string>
  /** "" generates a new address (08:00:27 prefix). */
  setMACAddress(mac: string): Promise<void>
  getAttachmentType(): Promise<NetworkAttachmentType>
  setAttachmentType(type: NetworkAttachmentType): Promise<void>
  getBridgedInterface(): Promise<string>
  setBridgedInterface(name: string): Promise<void>
  getInternalNetwork(): Promise<string>
  setInternalNetwork(name: string): Promise<void>
  getHostOnlyInterface(): Promise<string>
  setHostOnlyInterface(name: string): Promise<void>
  getGenericDriver(): Promise<string>
  setGenericDriver(name: string): Promise<void>
  getCableConnected(): Promise<boolean>
  setCableConnected(connected: boolean): Promise<void>
  getLineSpeed(): Promise<number>
  setLineSpeed(kbps: number): Promise<void>
  getNATEngine(): Promise<INATEngine>
}

/** INATEngine port forwarding. */
export interface INATEngine {
  getRedirects(): Promise<string[]>
  addRedirect(
    name: string,
    proto: NATProtocol,
    hostIP: string,
    hostPort: number,
    guestIP: string,
    guestPort: number,
  ): Promise<void>
  removeRedirect(name: string): Promise<void>
}

/** ISerialPort (slots 0..3 = COM1..COM4). */
export interface ISerialPort {
  getSlot(): Promise<number>
  getEnabled(): Promise<boolean>
  setEnabled(enabled: boolean): Promise<void>
  getIOAddress(): Promise<number>
  setIOAddress(address: number): Promise<void>
  getIRQ(): Promise<number>
  setIRQ(irq: number): Promise<void>
  getHostMode(): Promise<PortMode>
  setHostMode(mode: PortMode): Promise<void>
  getServer(): Promise<boolean>
  setServer(server: boolean): Promise<void>
  getPath(): Promise<string>
  setPath(path: string): Promise<void>
  getUartType(): Promise<UartType>
  setUartType(type: UartType): Promise<void>
}

/** ISession. */
export interface ISession {
  getState(): Promise<SessionState>
  getType(): Promise<SessionType>
  getName(): Promise<string>
  setName(name: string): Promise<void>
  /** The mutable machine (Write/VM lock) or the machine linked to (Shared lock). */
  getMachine(): Promise<IMachine>
  /** The console of the running VM (Remote/VM sessions, Shared locks on a running machine); null otherwise. */
  getConsole(): Promise<IConsole | null>
  unlockMachine(): Promise<void>
}

/** IConsole: controls a running VM (lives in the VM process; calls are routed to it). */
export interface IConsole {
  getMachine(): Promise<IMachine>
  getState(): Promise<MachineState>
  getDisplay(): Promise<IDisplay>
  getKeyboard(): Promise<IKeyboard>
  getMouse(): Promise<IMouse>
  getEventSource(): Promise<IEventSource>
  getVRDEServerInfo(): Promise<IVRDEServerInfo>
  powerUp(): Promise<IProgress>
  powerDown(): Promise<IProgress>
  reset(): Promise<void>
  pause(): Promise<void>
  resume(): Promise<void>
  powerButton(): Promise<void>
  getPowerButtonHandled(): Promise<boolean>
}

/** IVRDEServerInfo (a struct). port: actual port, 0 = failed to start, -1 = not started. */
export interface IVRDEServerInfo {
  readonly active: boolean
  readonly port: number
  readonly numberOfClients: number
}

/** Screen resolution as returned by IDisplay.getScreenResolution. */
export interface ScreenResolution {
  readonly width: number
  readonly height: number
  readonly bitsPerPixel: number
  readonly xOrigin: number
  readonly yOrigin: number
  readonly guestMonitorStatus: GuestMonitorStatus
}

/** The last video mode hint of a screen (IDisplay.getVideoModeHint). */
export interface VideoModeHint {
  readonly enabled: boolean
  readonly changeOrigin: boolean
  readonly originX: number
  readonly originY: number
  readonly width: number
  readonly height: number
  readonly bitsPerPixel: number
}

/** IDisplay. */
export interface IDisplay {
  getScreenResolution(screenId: number): Promise<ScreenResolution>
  /** Width/height 0 = native size. Formats: PNG, BGRA, RGBA, BGR0. */
  takeScreenShotToArray(screenId: number, width: number, height: number, format: BitmapFormat): Promise<Uint8Array>
  setVideoModeHint(
    display: number,
    enabled: boolean,
    changeOrigin: boolean,
    originX: number,
    originY: number,
    width: number,
    height: number,
    bitsPerPixel: number,
    notify: boolean,
  ): Promise<void>
  /** The last hint set for the screen; all zeros (enabled) before any hint, as in VirtualBox. */
  getVideoModeHint(display: number): Promise<VideoModeHint>
}

/** IKeyboard: PC set-1 scancodes. */
export interface IKeyboard {
  putScancode(scancode: number): Promise<void>
  putScancodes(scancodes: number[]): Promise<number>
  putCAD(): Promise<void>
  releaseKeys(): Promise<void>
}

/** IMouse. */
export interface IMouse {
  getAbsoluteSupported(): Promise<boolean>
  getRelativeSupported(): Promise<boolean>
  putMouseEvent(dx: number, dy: number, dz: number, dw: number, buttonState: number): Promise<void>
  putMouseEventAbsolute(x: number, y: number, dz: number, dw: number, buttonState: number): Promise<void>
}

/** IProgress. */
export interface IProgress {
  getId(): Promise<string>
  getDescription(): Promise<string>
  getInitiator(): Promise<string>
  getCancelable(): Promise<boolean>
  getPercent(): Promise<number>
  getTimeRemaining(): Promise<number>
  getCompleted(): Promise<boolean>
  getCanceled(): Promise<boolean>
  /** Valid once completed: 0 on success, else the failure's result code. */
  getResultCode(): Promise<number>
  getErrorInfo(): Promise<VirtualBoxErrorInfo | null>
  getOperationCount(): Promise<number>
  getOperation(): Promise<number>
  getOperationDescription(): Promise<string>
  getOperationPercent(): Promise<number>
  getTimeout(): Promise<number>
  setTimeout(ms: number): Promise<void>
  /** Waits up to `timeoutMs` (-1 = forever); resolves whether or not it completed. */
  waitForCompletion(timeoutMs: number): Promise<void>
  waitForOperationCompletion(operation: number, timeoutMs: number): Promise<void>
  cancel(): Promise<void>
  getEventSource(): Promise<IEventSource>
}

/** IMedium. */
export interface IMedium {
  getId(): Promise<string>
  getDescription(): Promise<string>
  setDescription(description: string): Promise<void>
  getState(): Promise<MediumState>
  getVariant(): Promise<MediumVariant[]>
  getLocation(): Promise<string>
  getName(): Promise<string>
  getDeviceType(): Promise<DeviceType>
  getHostDrive(): Promise<boolean>
  getSize(): Promise<number>
  getFormat(): Promise<string>
  getType(): Promise<MediumType>
  setType(type: MediumType): Promise<void>
  getParent(): Promise<IMedium | null>
  getChildren(): Promise<IMedium[]>
  getBase(): Promise<IMedium>
  getReadOnly(): Promise<boolean>
  getLogicalSize(): Promise<number>
  getAutoReset(): Promise<boolean>
  getLastAccessError(): Promise<string>
  getMachineIds(): Promise<string[]>
  getSnapshotIds(machineId: string): Promise<string[]>
  refreshState(): Promise<MediumState>
  close(): Promise<void>
  createBaseStorage(logicalSize: number, variant: MediumVariant[]): Promise<IProgress>
  deleteStorage(): Promise<IProgress>
  createDiffStorage(target: IMedium, variant: MediumVariant[]): Promise<IProgress>
  mergeTo(target: IMedium): Promise<IProgress>
  cloneTo(target: IMedium, variant: MediumVariant[], parent: IMedium | null): Promise<IProgress>
  cloneToBase(target: IMedium, variant: MediumVariant[]): Promise<IProgress>
  compact(): Promise<IProgress>
  resize(logicalSize: number): Promise<IProgress>
}

/** ISnapshot. */
export interface ISnapshot {
  getId(): Promise<string>
  getName(): Promise<string>
  setName(name: string): Promise<void>
  getDescription(): Promise<string>
  setDescription(description: string): Promise<void>
  getTimeStamp(): Promise<number>
  getOnline(): Promise<boolean>
  /** The snapshot's (read-only) machine settings. */
  getMachine(): Promise<IMachine>
  getParent(): Promise<ISnapshot | null>
  getChildren(): Promise<ISnapshot[]>
  getChildrenCount(): Promise<number>
}

/** IGuestOSType (a struct) with VirtualBox's recommendations. */
export interface IGuestOSType {
  readonly familyId: string
  readonly familyDescription: string
  readonly id: string
  readonly subtype: string
  readonly description: string
  readonly is64Bit: boolean
  readonly platformArchitecture: PlatformArchitecture
  readonly recommendedIOAPIC: boolean
  readonly recommendedVirtEx: boolean
  readonly recommendedRAM: number
  readonly recommendedGraphicsController: GraphicsControllerType
  readonly recommendedVRAM: number
  readonly recommendedHDD: number
  readonly adapterType: NetworkAdapterType
  readonly recommendedPAE: boolean
  readonly recommendedDVDStorageController: StorageControllerType
  readonly recommendedDVDStorageBus: StorageBus
  readonly recommendedHDStorageController: StorageControllerType
  readonly recommendedHDStorageBus: StorageBus
  readonly recommendedFirmware: FirmwareType
  readonly recommendedUSBHID: boolean
  readonly recommendedHPET: boolean
  readonly recommendedUSBTablet: boolean
  readonly recommendedRTCUseUTC: boolean
  readonly recommendedChipset: ChipsetType
  readonly recommendedAudioController: AudioControllerType
  readonly recommendedFloppy: boolean
  readonly recommendedUSB: boolean
  readonly recommendedX2APIC: boolean
  readonly recommendedCPUCount: number
}

/** IHost. */
export interface IHost {
  getProcessorCount(): Promise<number>
  getProcessorOnlineCount(): Promise<number>
  getProcessorCoreCount(): Promise<number>
  getProcessorDescription(cpuId: number): Promise<string>
  getProcessorSpeed(cpuId: number): Promise<number>
  getMemorySize(): Promise<number>
  getMemoryAvailable(): Promise<number>
  getOperatingSystem(): Promise<string>
  getOSVersion(): Promise<string>
  getUTCTime(): Promise<number>
  getDVDDrives(): Promise<IMedium[]>
  getFloppyDrives(): Promise<IMedium[]>
  generateMACAddress(): Promise<string>
}

/** ISystemProperties (+ the 7.1 IPlatformProperties limits). */
export interface ISystemProperties {
  getMinGuestRAM(): Promise<number>
  getMaxGuestRAM(): Promise<number>
  getMinGuestVRAM(): Promise<number>
  getMaxGuestVRAM(): Promise<number>
  getMinGuestCPUCount(): Promise<number>
  getMaxGuestCPUCount(): Promise<number>
  getMaxGuestMonitors(): Promise<number>
  getInfoVDSize(): Promise<number>
  getSerialPortCount(): Promise<number>
  getMaxBootPosition(): Promise<number>
  getMaxNetworkAdapters(chipset: ChipsetType): Promise<number>
  getDefaultMachineFolder(): Promise<string>
  setDefaultMachineFolder(folder: string): Promise<void>
  getDefaultHardDiskFormat(): Promise<string>
  setDefaultHardDiskFormat(format: string): Promise<void>
  getVRDEAuthLibrary(): Promise<string>
  getLogHistoryCount(): Promise<number>
  getDefaultFrontend(): Promise<string>
  setDefaultFrontend(frontend: string): Promise<void>
  getMediumFormats(): Promise<MediumFormatInfo[]>
  getScreenShotFormats(): Promise<BitmapFormat[]>
  getMaxDevicesPerPortForStorageBus(bus: StorageBus): Promise<number>
  getMinPortCountForStorageBus(bus: StorageBus): Promise<number>
  getMaxPortCountForStorageBus(bus: StorageBus): Promise<number>
  getDeviceTypesForStorageBus(bus: StorageBus): Promise<DeviceType[]>
}

/** IMediumFormat (a struct here). */
export interface MediumFormatInfo {
  readonly id: string
  readonly name: string
  readonly extensions: string[]
  readonly deviceTypes: DeviceType[]
  readonly capabilities: number
}

/** IEventSource: passive listeners (createListener/registerListener/getEvent) as the web service uses. */
export interface IEventSource {
  createListener(): Promise<IEventListener>
  registerListener(listener: IEventListener, interesting: VBoxEventType[], active: boolean): Promise<void>
  unregisterListener(listener: IEventListener): Promise<void>
  /** Next event for a passive listener, or null after `timeoutMs` (0 = poll, -1 = forever). */
  getEvent(listener: IEventListener, timeoutMs: number): Promise<VBoxEvent | null>
  eventProcessed(listener: IEventListener, event: VBoxEvent): Promise<void>
}

/** IEventListener (passive). */
export interface IEventListener {
  getId(): Promise<string>
}

/** IPerformanceMetric (a struct). */
export interface IPerformanceMetric {
  readonly metricName: string
  readonly object: IHost | IMachine
  readonly description: string
  readonly period: number
  readonly count: number
  readonly unit: string
  readonly minimumValue: number
  readonly maximumValue: number
}

/** The out-parameters of queryMetricsData, as one object. */
export interface MetricsData {
  readonly returnMetricNames: string[]
  readonly returnObjects: Array<IHost | IMachine>
  readonly returnUnits: string[]
  readonly returnScales: number[]
  readonly returnSequenceNumbers: number[]
  readonly returnDataIndices: number[]
  readonly returnDataLengths: number[]
  readonly returnData: number[]
}

/** IPerformanceCollector. */
export interface IPerformanceCollector {
  getMetricNames(): Promise<string[]>
  getMetrics(metricNames: string[], objects: Array<IHost | IMachine>): Promise<IPerformanceMetric[]>
  setupMetrics(
    metricNames: string[],
    objects: Array<IHost | IMachine>,
    period: number,
    count: number,
  ): Promise<IPerformanceMetric[]>
  enableMetrics(metricNames: string[], objects: Array<IHost | IMachine>): Promise<IPerformanceMetric[]>
  disableMetrics(metricNames: string[], objects: Array<IHost | IMachine>): Promise<IPerformanceMetric[]>
  queryMetricsData(metricNames: string[], objects: Array<IHost | IMachine>): Promise<MetricsData>
}
