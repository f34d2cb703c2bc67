// IMachine: one object per view of a machine — the registry's, a session's mutable copy, or a snapshot's read-only
// copy — over the shared MachineCore (MachineImpl.cpp / SessionMachine / SnapshotMachine; vbox-api.md §2.2).
import { VBoxError } from '../api/errors'
import type {
  IAudioSettings,
  IConsole,
  IFirmwareSettings,
  IGraphicsAdapter,
  IMachine,
  IMedium,
} from '../api/interfaces'
import type { IMediumAttachment, INetworkAdapter, IPlatform, IProgress, ISerialPort, ISession } from '../api/interfaces'
import type { ISnapshot, IStorageController, IVRDEServer } from '../api/interfaces'
import type {
  CleanupMode,
  CloneMode,
  CloneOptions,
  KeyboardHIDType,
  LockType,
  PointingHIDType,
} from '../api/machine-enums'
import { KeyboardHIDType as KbdType, PointingHIDType as PtrType } from '../api/machine-enums'
import { isEnumValue } from '../api/enum-util'
import { VBoxEventType } from '../api/event-types'
import { DeviceType } from '../api/storage-enums'
import type { StorageBus } from '../api/storage-enums'
import type { MachineSettings, SnapshotSettings } from '../settings/machine-settings'
import { cloneSettings } from '../settings/machine-settings'
import { unlink } from 'node:fs/promises'
import { MachineState } from '../api/machine-enums'
import { saveStateThrough } from '../client/vm-launch'
import { ApiObject } from './api-object'
import type { CoreSession, MachineCore } from './machine-core'
import { stateName } from './machine-core'
import * as storage from './machine-storage'
import * as lifecycle from './machine-lifecycle'
import * as snapshots from './machine-snapshots'
import type { MachineSettingsView } from './machine-view'
import { AudioSettingsImpl, FirmwareSettingsImpl, GraphicsAdapterImpl, NetworkAdapterImpl } from './settings-objects'
import { PlatformImpl, SerialPortImpl, VRDEServerImpl } from './settings-objects'
import { limits } from './system-properties'

/** Which view of the machine an object is. */
export type MachineViewKind =
  | { readonly kind: 'registry' }
  | { readonly kind: 'session'; readonly session: object }
  | { readonly kind: 'snapshot'; readonly snapshotId: string }

/** A Machine object. */
export class MachineImpl extends ApiObject implements IMachine, MachineSettingsView {
  readonly interfaceName = 'IMachine'
  readonly _core: MachineCore
  readonly _view: MachineViewKind

  constructor(core: MachineCore, view: MachineViewKind) {
    super()
    this._core = core
    this._view = view
  }

  /** Internal: the settings this view shows. */
  _data(): MachineSettings {
    const core = this._core
    if (this._view.kind === 'snapshot') {
      const snap = findSnapshotSettings(core.current().snapshot, this._view.snapshotId)
      if (!snap) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', 'The snapshot no longer exists', 'SnapshotMachine')
      return { ...core.current(), hardware: snap.hardware, description: snap.description }
    }
    if (this._view.kind === 'session') return core.current()
    return core.isNew ? core.current() : core.settings
  }

  /** Internal: true when setters work on this view. */
  _isMutable(): boolean {
    const core = this._core
    if (this._view.kind === 'registry') return core.isNew
    if (this._view.kind === 'session') return core.isWriteSession(this._view.session) && core.pending !== undefined
    return false
  }

  /**
   * Internal: true for a Shared session's view of a running machine, which may change runtime settings (VirtualBox
   * hands such a session the VM process's SessionMachine, whose setters check MutableOrRunningStateDep).
   */
  _isLive(): boolean {
    const core = this._core
    if (this._view.kind !== 'session' || !core.vm) return false
    const session = this._view.session as CoreSession
    // A Shared session, or the VM-locked session that hosts the VM.
    if (!core.sharedSessions.has(session) && !core.isWriteSession(session)) return false
    return core.state === MachineState.Running || core.state === MachineState.Paused
  }

  /** Internal: a change of a runtime setting (see MachineSettingsView._editLive). */
  async _editLive(change: (settings: MachineSettings) => void): Promise<void> {
    if (!this._isLive()) return this._edit(change)
    await this._core.changeLive(change)
  }

  /** Internal: applies a settings change after checking mutability. */
  async _edit(change: (settings: MachineSettings) => void): Promise<void> {
    const core = this._core
    if (!this._isMutable())
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `The machine is not mutable (state is ${stateName(core.state)})`,
        this._component(),
      )
    core.checkMutableState()
    const pending = core.pending as MachineSettings
    const draft = cloneSettings(pending)
    change(draft)
    Object.assign(pending, draft)
  }

  _component(): string {
    return this._view.kind === 'session'
      ? 'SessionMachine'
      : this._view.kind === 'snapshot'
        ? 'SnapshotMachine'
        : 'Machine'
  }

  async getId() {
    return this._core.id
  }
  async getName() {
    return this._data().name
  }
  async setName(name: string) {
    if (name.trim() === '') throw new VBoxError('E_INVALIDARG', 'Machine name must not be empty', this._component())
    await this._edit((s) => void (s.name = name))
  }
  async getDescription() {
    return this._data().description
  }
  async setDescription(description: string) {
    await this._edit((s) => void (s.description = description))
  }
  async getOSTypeId() {
    return this._data().osType
  }
  async setOSTypeId(id: string) {
    if (id === '') throw new VBoxError('E_INVALIDARG', 'OS type ID must not be empty', this._component())
    await this._edit((s) => void (s.osType = id))
  }
  async getGroups() {
    return [...this._data().groups]
  }
  async setGroups(groups: string[]) {
    for (const g of groups)
      if (!g.startsWith('/') || (g.length > 1 && g.endsWith('/')))
        throw new VBoxError('E_INVALIDARG', `Invalid machine group '${g}'`, this._component())
    await this._edit((s) => void (s.groups = groups.length > 0 ? [...groups] : ['/']))
  }
  async getAccessible() {
    return true
  }
  async getHardwareUUID() {
    return this._data().hardware.hardwareUuid ?? this._core.id
  }
  async getCPUCount() {
    return this._data().hardware.cpuCount
  }
  async setCPUCount(count: number) {
    if (!Number.isInteger(count) || count < limits.minGuestCPUCount || count > limits.maxGuestCPUCount)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid virtual CPU count: ${count} (must be in range [${limits.minGuestCPUCount}, ${limits.maxGuestCPUCount}])`,
        this._component(),
      )
    await this._edit((s) => void (s.hardware.cpuCount = count))
  }
  async getCPUExecutionCap() {
    return this._data().hardware.cpuExecutionCap
  }
  async setCPUExecutionCap(percent: number) {
    if (!Number.isInteger(percent) || percent < 1 || percent > 100)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid CPU execution cap value: ${percent} (must be in range [1, 100])`,
        this._component(),
      )
    await this._edit((s) => void (s.hardware.cpuExecutionCap = percent))
  }
  async getMemorySize() {
    return this._data().hardware.memorySize
  }
  async setMemorySize(mb: number) {
    if (!Number.isInteger(mb) || mb < limits.minGuestRAM || mb > limits.maxGuestRAM)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid RAM size: ${mb} MB (must be in range [${limits.minGuestRAM}, ${limits.maxGuestRAM}] MB)`,
        this._component(),
      )
    await this._edit((s) => void (s.hardware.memorySize = mb))
  }
  async getPointingHIDType() {
    return this._data().hardware.pointingHID
  }
  async setPointingHIDType(type: PointingHIDType) {
    if (!isEnumValue(PtrType, type))
      throw new VBoxError('E_INVALIDARG', `Invalid pointing HID type ${type}`, this._component())
    await this._edit((s) => void (s.hardware.pointingHID = type))
  }
  async getKeyboardHIDType() {
    return this._data().hardware.keyboardHID
  }
  async setKeyboardHIDType(type: KeyboardHIDType) {
    if (!isEnumValue(KbdType, type))
      throw new VBoxError('E_INVALIDARG', `Invalid keyboard HID type ${type}`, this._component())
    await this._edit((s) => void (s.hardware.keyboardHID = type))
  }
  async getPlatform(): Promise<IPlatform> {
    return new PlatformImpl(this)
  }
  async getFirmwareSettings(): Promise<IFirmwareSettings> {
    return new FirmwareSettingsImpl(this)
  }
  async getGraphicsAdapter(): Promise<IGraphicsAdapter> {
    return new GraphicsAdapterImpl(this)
  }
  async getVRDEServer(): Promise<IVRDEServer> {
    return new VRDEServerImpl(this)
  }
  async getAudioSettings(): Promise<IAudioSettings> {
    return new AudioSettingsImpl(this)
  }
  async getNetworkAdapter(slot: number): Promise<INetworkAdapter> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this._data().hardware.network.length)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid slot number: ${slot} (must be in range [0, ${this._data().hardware.network.length - 1}])`,
        this._component(),
      )
    return new NetworkAdapterImpl(this, slot)
  }
  async getSerialPort(slot: number): Promise<ISerialPort> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= limits.serialPortCount)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid slot number: ${slot} (must be in range [0, ${limits.serialPortCount - 1}])`,
        this._component(),
      )
    return new SerialPortImpl(this, slot)
  }
  async getState() {
    return this._core.state
  }
  async getLastStateChange() {
    return this._core.lastStateChange
  }
  async getSessionState() {
    return this._core.sessionState
  }
  async getSessionName() {
    return this._core.writeHolder?.name ?? ''
  }
  async getSessionPID() {
    return this._core.writeHolder?.pid ?? 0
  }
  async getSettingsFilePath() {
    return this._core.settingsFilePath
  }
  async getSettingsModified() {
    const core = this._core
    if (!this._isMutable()) return false
    return core.isNew || JSON.stringify(core.pending) !== JSON.stringify(core.settings)
  }
  async getSnapshotFolder() {
    return this._core.resolvePath(this._data().snapshotFolder)
  }
  async getCurrentSnapshot(): Promise<ISnapshot | null> {
    return snapshots.currentSnapshot(this)
  }
  async getSnapshotCount() {
    return snapshots.snapshotCount(this._data().snapshot)
  }
  async getCurrentStateModified() {
    return this._data().currentStateModified
  }
  async getLogFolder() {
    return this._core.resolvePath('Logs')
  }
  async getDefaultFrontend() {
    return ''
  }
  async getBootOrder(position: number) {
    this.checkBootPosition(position)
    return this._data().hardware.bootOrder[position - 1] ?? DeviceType.Null
  }
  async setBootOrder(position: number, device: DeviceType) {
    this.checkBootPosition(position)
    const allowed: number[] = [
      DeviceType.Null,
      DeviceType.Floppy,
      DeviceType.DVD,
      DeviceType.HardDisk,
      DeviceType.Network,
    ]
    if (!allowed.includes(device))
      throw new VBoxError('E_INVALIDARG', `Booting from the device type ${device} is not supported`, this._component())
    await this._edit((s) => void (s.hardware.bootOrder[position - 1] = device))
  }
  private checkBootPosition(position: number) {
    if (!Number.isInteger(position) || position < 1 || position > limits.maxBootPosition)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid boot position: ${position} (must be in range [1, ${limits.maxBootPosition}])`,
        this._component(),
      )
  }

  async getStorageControllers(): Promise<IStorageController[]> {
    return storage.storageControllers(this)
  }
  async getMediumAttachments(): Promise<IMediumAttachment[]> {
    return storage.mediumAttachments(this)
  }
  async addStorageController(name: string, bus: StorageBus): Promise<IStorageController> {
    return storage.addStorageController(this, name, bus)
  }
  async getStorageControllerByName(name: string): Promise<IStorageController> {
    return storage.storageControllerByName(this, name)
  }
  async removeStorageController(name: string) {
    await storage.removeStorageController(this, name)
  }
  async setStorageControllerBootable(name: string, bootable: boolean) {
    await storage.setStorageControllerBootable(this, name, bootable)
  }
  async attachDevice(name: string, port: number, device: number, type: DeviceType, medium: IMedium | null) {
    await storage.attachDevice(this, name, port, device, type, medium)
  }
  async attachDeviceWithoutMedium(name: string, port: number, device: number, type: DeviceType) {
    await storage.attachDevice(this, name, port, device, type, null)
  }
  async detachDevice(name: string, port: number, device: number) {
    await storage.detachDevice(this, name, port, device)
  }
  async mountMedium(name: string, port: number, device: number, medium: IMedium | null, force: boolean) {
    await storage.mountMedium(this, name, port, device, medium, force)
  }
  async unmountMedium(name: string, port: number, device: number, force: boolean) {
    await storage.mountMedium(this, name, port, device, null, force)
  }
  async getMedium(name: string, port: number, device: number): Promise<IMedium | null> {
    return (await storage.mediumAttachment(this, name, port, device)).medium
  }
  async getMediumAttachment(name: string, port: number, device: number): Promise<IMediumAttachment> {
    return storage.mediumAttachment(this, name, port, device)
  }
  async getMediumAttachmentsOfController(name: string): Promise<IMediumAttachment[]> {
    await storage.storageControllerByName(this, name)
    return (await storage.mediumAttachments(this)).filter((a) => a.controller === name)
  }
  async passthroughDevice(name: string, port: number, device: number, passthrough: boolean) {
    await storage.setAttachmentFlag(this, name, port, device, 'passthrough', passthrough)
  }
  async nonRotationalDevice(name: string, port: number, device: number, nonRotational: boolean) {
    await storage.setAttachmentFlag(this, name, port, device, 'nonRotational', nonRotational)
  }
  async setHotPluggableForDevice(name: string, port: number, device: number, hotPluggable: boolean) {
    await storage.setAttachmentFlag(this, name, port, device, 'hotPluggable', hotPluggable)
  }

  async getExtraDataKeys() {
    return this._core.current().extraData.map(([k]) => k)
  }
  async getExtraData(key: string) {
    return this._core.current().extraData.find(([k]) => k === key)?.[1] ?? ''
  }
  async setExtraData(key: string, value: string) {
    // Extra data is saved at once and may change in any state (VirtualBox allows it on the plain machine object).
    const core = this._core
    for (const s of [core.settings, core.pending]) {
      if (!s) continue
      const index = s.extraData.findIndex(([k]) => k === key)
      if (value === '') {
        if (index >= 0) s.extraData.splice(index, 1)
      } else if (index >= 0) s.extraData[index] = [key, value]
      else s.extraData.push([key, value])
    }
    if (core.registered) {
      const pending = core.pending
      core.pending = undefined
      try {
        await core.saveSettings()
      } finally {
        core.pending = pending
      }
    }
    core.vbox._events._fire({ type: VBoxEventType.OnExtraDataChanged, machineId: core.id, key, value })
  }

  async lockMachine(session: ISession, lockType: LockType) {
    await lifecycle.lockMachine(this, session, lockType)
  }
  async launchVMProcess(session: ISession, name: string, environmentChanges: string[]): Promise<IProgress> {
    return lifecycle.launchVMProcess(this, session, name, environmentChanges)
  }
  async saveSettings() {
    if (this._isLive()) return this._core.saveSettings()
    if (!this._isMutable())
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `The machine is not mutable (state is ${stateName(this._core.state)})`,
        this._component(),
      )
    await this._core.saveSettings()
  }
  async discardSettings() {
    if (this._isLive()) return this._core.discardLive()
    if (!this._isMutable())
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `The machine is not mutable (state is ${stateName(this._core.state)})`,
        this._component(),
      )
    this._core.pending = cloneSettings(this._core.settings)
  }
  async unregister(cleanupMode: CleanupMode): Promise<IMedium[]> {
    return lifecycle.unregister(this, cleanupMode)
  }
  async deleteConfig(media: IMedium[]): Promise<IProgress> {
    return lifecycle.deleteConfig(this, media)
  }
  async takeSnapshot(name: string, description: string, pause: boolean): Promise<[IProgress, string]> {
    return snapshots.takeSnapshot(this, name, description, pause)
  }
  async restoreSnapshot(snapshot: ISnapshot): Promise<IProgress> {
    return snapshots.restoreSnapshot(this, snapshot)
  }
  async deleteSnapshot(id: string): Promise<IProgress> {
    return snapshots.deleteSnapshot(this, id)
  }
  async findSnapshot(nameOrId: string): Promise<ISnapshot> {
    return snapshots.findSnapshot(this, nameOrId)
  }
  async cloneTo(target: IMachine, mode: CloneMode, options: CloneOptions[]): Promise<IProgress> {
    return lifecycle.cloneTo(this, target, mode, options)
  }
  async getStateFilePath() {
    const file = this._data().stateFile
    return file ? this._core.resolvePath(file) : ''
  }
  async saveState(): Promise<IProgress> {
    if (this._view.kind !== 'session')
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        "The machine is not locked by a session: call saveState on the session's machine",
        'Machine',
      )
    return saveStateThrough(this._core)
  }
  async discardSavedState(removeFile: boolean): Promise<void> {
    const core = this._core
    if (this._view.kind !== 'session' || !core.isWriteSession(this._view.session))
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        'The machine is not locked for writing by this session',
        'SessionMachine',
      )
    if (core.state !== MachineState.Saved && core.state !== MachineState.AbortedSaved)
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `Cannot discard the saved state as the machine is not in the saved state (machine state: ${stateName(core.state)})`,
        'SessionMachine',
      )
    const file = core.settings.stateFile
    if (removeFile && file) await unlink(core.resolvePath(file)).catch(() => undefined)
    core.settings.stateFile = undefined
    if (core.pending) core.pending.stateFile = undefined
    core.setState(MachineState.PoweredOff)
    await core.saveRegistryOnly()
  }

  /** Internal: the console of the running VM, if any (used by sessions). */
  _console(): IConsole | undefined {
    return this._core.vm?.console
  }
}

/** Finds a snapshot by id in a snapshot tree. */
export function findSnapshotSettings(root: SnapshotSettings | undefined, id: string): SnapshotSettings | undefined {
  if (!root) return undefined
  if (root.uuid === id) return root
  for (const c of root.children) {
    const found = findSnapshotSettings(c, id)
    if (found) return found
  }
  return undefined
}
