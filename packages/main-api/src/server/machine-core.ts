// The shared state of one machine: committed and pending settings, settings file, registration, machine state,
// session locks and the running VM (VirtualBox's Machine + SessionMachine data; MachineImpl.cpp; vbox-api.md §1.2–1.4).
import { existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative } from 'node:path'
import { VBoxError } from '../api/errors'
import { VBoxEventType } from '../api/event-types'
import {
  LockType,
  MachineState,
  SessionState,
  SessionType,
  isOnlineState,
  machineStateShortNames,
} from '../api/machine-enums'
import type { MachineSettings, MediumEntry, SnapshotSettings, VrdeSettings } from '../settings/machine-settings'
import { cloneSettings } from '../settings/machine-settings'
import { readMachine } from '../settings/machine-settings-read'
import { writeMachine } from '../settings/machine-settings-write'
import { buildSettingsText, loadSettingsFile, writeFileAtomic } from '../settings/settings-file'
import { rootSchema } from '../settings/settings-schema'
import { child, type XmlElement } from '../settings/xml-tree'
import type { IConsole } from '../api/interfaces'
import type { MediumImpl } from './medium'
import type { VirtualBoxImpl } from './virtualbox'

/** Who holds a machine's write lock. */
export interface LockHolder {
  /** Session objects and VM processes; `kind` tells them apart for error messages and session types. */
  readonly kind: 'session' | 'vm'
  readonly name: string
  readonly pid: number
}

/** A session as the machine core sees it. */
export interface CoreSession extends LockHolder {
  readonly kind: 'session'
  _lockedBy(core: MachineCore, type: SessionType, lockType: LockType): void
  _released(): void
}

/** States a machine can be powered up from (launchVMProcess, Console.powerUp). */
export const startableStates: readonly MachineState[] = [
  MachineState.PoweredOff,
  MachineState.Aborted,
  MachineState.Teleported,
  MachineState.Saved,
  MachineState.AbortedSaved,
]

/** Formats a state for messages the way VirtualBox does ("PoweredOff"). */
export function stateName(state: MachineState): string {
  const entry = Object.entries(MachineState).find(([, v]) => v === state)
  return entry ? entry[0] : String(state)
}

/** The shared data behind the Machine objects of one VM. */
export class MachineCore {
  readonly vbox: VirtualBoxImpl
  settings: MachineSettings
  pending: MachineSettings | undefined
  root: XmlElement | undefined
  settingsFilePath: string
  registered = false
  /** Created by createMachine and not yet registered: mutable without a lock. */
  isNew: boolean
  state: MachineState = MachineState.PoweredOff
  lastStateChange = Date.now()
  writeHolder: LockHolder | undefined
  readonly sharedSessions = new Set<CoreSession>()
  sessionState: SessionState = SessionState.Unlocked
  /** The running VM's console (set while a VM process exists). */
  vm: VmLink | undefined
  private saving: Promise<void> = Promise.resolve()

  constructor(vbox: VirtualBoxImpl, settings: MachineSettings, settingsFilePath: string, isNew: boolean) {
    this.vbox = vbox
    this.settings = settings
    this.settingsFilePath = settingsFilePath
    this.isNew = isNew
    if (isNew) this.pending = cloneSettings(settings)
    this.state = settings.stateFile
      ? settings.aborted
        ? MachineState.AbortedSaved
        : MachineState.Saved
      : settings.aborted
        ? MachineState.Aborted
        : MachineState.PoweredOff
  }

  /** Loads a machine from its settings file. */
  static async load(vbox: VirtualBoxImpl, path: string): Promise<MachineCore> {
    const loaded = await loadSettingsFile(path, 'Machine')
    const machine = child(loaded.root, 'Machine') as XmlElement
    const core = new MachineCore(vbox, readMachine(machine), path, false)
    core.root = loaded.root
    return core
  }

  get id(): string {
    return this.settings.uuid
  }
  get name(): string {
    return (this.pending ?? this.settings).name
  }
  get folder(): string {
    return dirname(this.settingsFilePath)
  }

  /** Resolves a path stored relative to the machine folder. */
  resolvePath(path: string): string {
    return isAbsolute(path) ? path : join(this.folder, path)
  }

  /** The form of `path` stored in the settings: relative when inside the machine folder. */
  storedPath(path: string): string {
    const rel = relative(this.folder, path)
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel
  }

  /** The settings the current state of the machine uses (pending when mutable). */
  current(): MachineSettings {
    return this.pending ?? this.settings
  }

  /** Sets the machine state, fires OnMachineStateChanged, and persists aborted/saved markers. */
  setState(state: MachineState): void {
    if (this.state === state) return
    this.state = state
    this.lastStateChange = Date.now()
    this.vbox._events._fire({ type: VBoxEventType.OnMachineStateChanged, machineId: this.id, state })
    this.vm?.stateChanged(state)
  }

  /** Sets the session state and fires OnSessionStateChanged. */
  setSessionState(state: SessionState): void {
    if (this.sessionState === state) return
    this.sessionState = state
    this.vbox._events._fire({ type: VBoxEventType.OnSessionStateChanged, machineId: this.id, state })
  }

  /** Throws unless the machine's settings can change: powered off / aborted / saved (settings), not transient. */
  checkMutableState(): void {
    const s = this.state
    if (s !== MachineState.PoweredOff && s !== MachineState.Aborted && s !== MachineState.Teleported)
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `The machine is not mutable (state is ${stateName(s)})`,
        'SessionMachine',
      )
  }

  /** Takes a lock for a session (Write, VM or Shared). */
  lock(session: CoreSession, lockType: LockType): SessionType {
    if (!this.registered) throw new VBoxError('E_UNEXPECTED', `The machine '${this.name}' is not registered`, 'Machine')
    if (lockType === LockType.Shared && this.writeHolder) {
      this.sharedSessions.add(session)
      session._lockedBy(this, SessionType.Shared, lockType)
      return SessionType.Shared
    }
    if (lockType !== LockType.Shared && lockType !== LockType.Write && lockType !== LockType.VM)
      throw new VBoxError('E_INVALIDARG', `Invalid lock type ${lockType}`, 'Machine')
    if (this.writeHolder || this.sessionState === SessionState.Spawning)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `The machine '${this.name}' is already locked for a session (or being unlocked)`,
        'Machine',
      )
    this.writeHolder = session
    this.pending = cloneSettings(this.settings)
    session._lockedBy(this, SessionType.WriteLock, lockType)
    this.setSessionState(SessionState.Locked)
    return SessionType.WriteLock
  }

  /** Releases a session's lock; unsaved changes of a write session are discarded. */
  unlock(session: CoreSession): void {
    if (this.sharedSessions.delete(session)) {
      session._released()
      return
    }
    if (this.writeHolder !== session) return
    const vm = this.vm
    if (vm) {
      // A VM-locked session hosts its VM, which ends with it (in VirtualBox the VM process goes away): the VM
      // holds the lock until it has powered off.
      this.writeHolder = vm
      this.pending = undefined
      session._released()
      void vm.console.powerDown().catch(() => undefined)
      return
    }
    this.setSessionState(SessionState.Unlocking)
    this.pending = undefined
    this.writeHolder = undefined
    session._released()
    this.setSessionState(SessionState.Unlocked)
  }

  /**
   * Applies a change a running VM takes live (VirtualBox's SessionMachine on a running machine: the VRDE server's
   * settings; VRDEServerImpl.cpp calls Console::i_onVRDEServerChange). The change goes into the pending settings
   * (saveSettings makes it permanent) and to the VM process, which restarts its remote display server. If the VM
   * refuses it (the new port is taken…), the previous settings come back and the error is thrown.
   */
  async changeLive(change: (settings: MachineSettings) => void): Promise<void> {
    const vm = this.vm
    if (!vm) throw new VBoxError('VBOX_E_INVALID_VM_STATE', `The machine '${this.name}' is not running`, 'Machine')
    const pending = (this.pending ??= cloneSettings(this.settings))
    const draft = cloneSettings(pending)
    change(draft)
    const before = pending.hardware.vrde
    Object.assign(pending, draft)
    if (JSON.stringify(before) === JSON.stringify(draft.hardware.vrde)) return
    try {
      await vm.vrdeChanged(cloneSettings(draft.hardware.vrde))
    } catch (error) {
      pending.hardware.vrde = before
      throw error
    }
  }

  /** Drops live changes that were not saved, putting the VM back on the saved VRDE settings. */
  async discardLive(): Promise<void> {
    const pending = this.pending
    // A session that holds the write lock (a VM lock hosting the VM) keeps a mutable copy; otherwise the VM process
    // holds the lock and there is none.
    this.pending = this.writeHolder?.kind === 'session' ? cloneSettings(this.settings) : undefined
    const vm = this.vm
    if (pending && vm && JSON.stringify(pending.hardware.vrde) !== JSON.stringify(this.settings.hardware.vrde))
      await vm.vrdeChanged(cloneSettings(this.settings.hardware.vrde))
  }

  /** True when `session` holds the write lock. */
  isWriteSession(session: unknown): boolean {
    return this.writeHolder !== undefined && this.writeHolder === session
  }

  /** Commits pending settings and writes the .vbox file atomically (keeping .vbox-prev). */
  async saveSettings(): Promise<void> {
    const run = this.saving.then(() => this.writeSettingsFile(true))
    this.saving = run.catch(() => undefined)
    await run
  }

  /** Rewrites the file with the committed settings and the current media registry (pending changes untouched). */
  async saveRegistryOnly(): Promise<void> {
    const run = this.saving.then(() => this.writeSettingsFile(false))
    this.saving = run.catch(() => undefined)
    await run
  }

  private async writeSettingsFile(commit: boolean): Promise<void> {
    const pending = commit ? this.pending : undefined
    if (pending && this.registered && pending.name !== this.settings.name)
      await this.renameFiles(this.settings.name, pending.name)
    const s = cloneSettings(pending ?? this.settings)
    // Media first used by this machine move from the global registry into the machine's file.
    const adopted = commit && this.registered && this.vbox._adoptMedia(this)
    s.mediaRegistry = this.mediaRegistryFor()
    s.aborted = this.state === MachineState.Aborted || this.state === MachineState.AbortedSaved
    s.lastStateChange = new Date(this.lastStateChange).toISOString().replace(/\.\d+Z$/, 'Z')
    const { text, root } = buildSettingsText(writeMachine(s), this.root, rootSchema('Machine'))
    await writeFileAtomic(this.settingsFilePath, text)
    this.root = root
    this.settings = s
    if (pending) this.pending = cloneSettings(s)
    if (adopted) await this.vbox._saveGlobal()
    if (this.registered && commit)
      this.vbox._events._fire({ type: VBoxEventType.OnMachineDataChanged, machineId: this.id, temporary: false })
  }

  /**
   * A renamed machine takes its folder and settings file along when they carry the old name (VirtualBox's
   * nameSync): `<old>/<old>.vbox` becomes `<new>/<new>.vbox`, and media inside the folder move with it.
   */
  private async renameFiles(oldName: string, newName: string): Promise<void> {
    const oldFile = this.settingsFilePath
    if (basename(oldFile) !== `${oldName}.vbox` || /[/\\]/.test(newName)) return
    const oldFolder = dirname(oldFile)
    const newFolder = basename(oldFolder) === oldName ? join(dirname(oldFolder), newName) : oldFolder
    const newFile = join(newFolder, `${newName}.vbox`)
    if (newFolder !== oldFolder && existsSync(newFolder))
      throw new VBoxError(
        'VBOX_E_FILE_ERROR',
        `Cannot rename the machine folder to '${newFolder}': it already exists`,
        'Machine',
      )
    if (existsSync(newFile) && newFolder === oldFolder)
      throw new VBoxError(
        'VBOX_E_FILE_ERROR',
        `Cannot rename the settings file to '${newFile}': it already exists`,
        'Machine',
      )
    if (newFolder !== oldFolder) await rename(oldFolder, newFolder)
    for (const suffix of ['', '-prev']) {
      const from = join(newFolder, `${oldName}.vbox${suffix}`)
      if (existsSync(from)) await rename(from, join(newFolder, `${newName}.vbox${suffix}`))
    }
    this.settingsFilePath = newFile
    if (newFolder !== oldFolder) await this.vbox._machineFolderMoved(this, oldFolder, newFolder)
    else await this.vbox._machineFolderMoved(this, oldFolder, oldFolder)
  }

  /** The media registry this machine's file must list: media it owns, nested by parent. */
  mediaRegistryFor(): MachineSettings['mediaRegistry'] {
    const owned = this.vbox._mediaOwnedBy(this.id)
    const entry = (m: MediumImpl): MediumEntry => ({
      uuid: m._id,
      location: this.storedPath(m._location),
      format: m._format,
      type: m._parent ? undefined : m._type,
      description: m._description,
      children: m._children.filter((c) => owned.includes(c)).map(entry),
    })
    const roots = owned.filter((m) => !m._parent || !owned.includes(m._parent))
    return {
      hardDisks: roots.filter((m) => m._deviceType === 3).map(entry),
      dvdImages: roots.filter((m) => m._deviceType === 2).map(entry),
      floppyImages: roots.filter((m) => m._deviceType === 1).map(entry),
    }
  }

  /** Medium ids used by the current state and every snapshot, with where they are used. */
  mediumUsage(): Map<string, string[]> {
    const usage = new Map<string, string[]>()
    const note = (id: string | undefined, where: string) => {
      if (!id) return
      const list = usage.get(id) ?? []
      if (where !== '' && !list.includes(where)) list.push(where)
      usage.set(id, list)
    }
    for (const c of this.current().hardware.storageControllers) for (const a of c.attachments) note(a.mediumId, '')
    const walk = (snap: SnapshotSettings | undefined) => {
      if (!snap) return
      for (const c of snap.hardware.storageControllers) for (const a of c.attachments) note(a.mediumId, snap.uuid)
      snap.children.forEach(walk)
    }
    walk(this.current().snapshot)
    return usage
  }

  /** VBoxManage's short name of the current state (for messages). */
  shortState(): string {
    return machineStateShortNames[this.state] ?? String(this.state)
  }

  /** True while a VM process exists for this machine. */
  isOnline(): boolean {
    return isOnlineState(this.state) || this.vm !== undefined
  }
}

/** The server's link to a running VM process (implemented by the VM process handle), which can hold the lock. */
export interface VmLink extends LockHolder {
  readonly frontend: string
  readonly console: IConsole
  stateChanged(state: MachineState): void
  /** Restarts the VM's remote display server with new settings (fires OnVRDEServerChanged on the console). */
  vrdeChanged(settings: VrdeSettings): Promise<void>
}
