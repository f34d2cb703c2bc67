// Machine lifecycle operations: lockMachine, launchVMProcess, unregister(cleanupMode), deleteConfig, cloneTo
// (VirtualBox MachineImpl.cpp; MachineImplCloneVM.cpp; vbox-api.md §1.2, §1.3, §2.2 "Semantics worth copying").
import { existsSync } from 'node:fs'
import { readdir, rm, rmdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { VBoxError } from '../api/errors'
import type { IMachine, IMedium, IProgress, ISession } from '../api/interfaces'
import type { LockType } from '../api/machine-enums'
import { CleanupMode, CloneMode, CloneOptions, SessionState } from '../api/machine-enums'
import { DeviceType, MediumState } from '../api/storage-enums'
import { cloneSettings } from '../settings/machine-settings'
import type { SnapshotSettings } from '../settings/machine-settings'
import { SessionImpl } from '../client/session'
import { launchVmProcess } from '../client/vm-launch'
import { generateMacAddress } from './host'
import { MachineImpl, findSnapshotSettings } from './machine'
import { startableStates, stateName } from './machine-core'
import { MediumImpl, diskErrorToVBox, diskFormatOf, newMediumId } from './medium'
import { MediumType } from '../api/storage-enums'
import { runProgress } from './progress'

function sessionOf(session: ISession): SessionImpl {
  if (!(session instanceof SessionImpl)) throw new VBoxError('E_INVALIDARG', 'Invalid session object', 'Machine')
  return session
}

/** lockMachine: Write and VM locks are exclusive; Shared links to an existing lock holder. */
export async function lockMachine(m: MachineImpl, session: ISession, lockType: LockType): Promise<void> {
  const s = sessionOf(session)
  if (s._state !== SessionState.Unlocked)
    throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', 'The given session is busy', 'Machine')
  if (m._view.kind !== 'registry')
    throw new VBoxError('E_INVALIDARG', 'Lock the machine through its registered object', 'Machine')
  m._core.lock(s, lockType)
}

/** launchVMProcess: starts the VM process (its own OS process) for a registered, unlocked machine. */
export async function launchVMProcess(
  m: MachineImpl,
  session: ISession,
  name: string,
  env: string[],
): Promise<IProgress> {
  const s = sessionOf(session)
  const core = m._core
  if (s._state !== SessionState.Unlocked)
    throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', 'The given session is busy', 'Machine')
  if (!core.registered) throw new VBoxError('E_UNEXPECTED', `The machine '${core.name}' is not registered`, 'Machine')
  if (core.writeHolder || core.sessionState !== SessionState.Unlocked)
    throw new VBoxError(
      'VBOX_E_INVALID_OBJECT_STATE',
      `The machine '${core.name}' is already locked by a session (or being locked or unlocked)`,
      'Machine',
    )
  const frontend = name === '' ? 'headless' : name.toLowerCase()
  if (frontend === 'emergencystop')
    throw new VBoxError('VBOX_E_INVALID_VM_STATE', `The machine '${core.name}' is not running`, 'Machine')
  if (
    !['headless', 'gui', 'gui/qt', 'sdl', 'gui/sdl', 'separate', 'gui/separate', 'vrdp', 'capture'].includes(frontend)
  )
    throw new VBoxError('E_INVALIDARG', `Invalid frontend name: '${name}'`, 'Machine')
  if (frontend !== 'headless' && frontend !== 'vrdp' && frontend !== 'capture')
    throw new VBoxError(
      'VBOX_E_NOT_SUPPORTED',
      `The '${name}' frontend is not available in Boxwood yet; use 'headless'`,
      'Machine',
    )
  if (!startableStates.includes(core.state))
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `The machine '${core.name}' is already running or busy (machine state: ${stateName(core.state)})`,
      'Machine',
    )
  return launchVmProcess(core, s, frontend, env)
}

/** Media in `order` so that children precede their parents (deleteConfig deletes in this order). */
function childrenFirst(media: MediumImpl[]): MediumImpl[] {
  const depth = (x: MediumImpl) => {
    let d = 0
    for (let p = x._parent; p; p = p._parent) d++
    return d
  }
  return [...media].sort((a, b) => depth(b) - depth(a))
}

/** unregister: removes the machine from the registry, detaching media as the cleanup mode says. */
export async function unregister(m: MachineImpl, cleanupMode: CleanupMode): Promise<IMedium[]> {
  const core = m._core
  if (!core.registered)
    throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', `The machine '${core.name}' is not registered`, 'Machine')
  if (core.sessionState !== SessionState.Unlocked || core.writeHolder)
    throw new VBoxError(
      'VBOX_E_INVALID_OBJECT_STATE',
      `Cannot unregister the machine '${core.name}' while it is locked`,
      'Machine',
    )
  if (core.isOnline())
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot unregister the machine '${core.name}' while it is running (state: ${stateName(core.state)})`,
      'Machine',
    )
  const modes: number[] = Object.values(CleanupMode)
  if (!modes.includes(cleanupMode))
    throw new VBoxError('E_INVALIDARG', `Invalid cleanup mode ${cleanupMode}`, 'Machine')
  const vbox = core.vbox
  const usage = core.mediumUsage()
  const used = [...usage.keys()].map((id) => vbox._findMedium(id)).filter((x): x is MediumImpl => x !== undefined)
  if (cleanupMode === CleanupMode.UnregisterOnly) {
    const snapshots = countSnapshots(core.settings.snapshot)
    if (snapshots > 0)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Cannot unregister the machine '${core.name}' because it has ${snapshots} snapshots`,
        'Machine',
      )
    if (used.length > 0)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Cannot unregister the machine '${core.name}' because it has ${used.length} media attachments`,
        'Machine',
      )
    await vbox._unregisterMachineCore(core)
    return []
  }
  // The media the machine's current state and snapshots use, plus the differencing images hanging off them.
  const related = new Set<MediumImpl>()
  const addTree = (x: MediumImpl) => {
    related.add(x)
    x._children.forEach(addTree)
  }
  for (const x of used) addTree(x)
  for (const x of vbox._mediaOwnedBy(core.id)) related.add(x)
  const returned = [...related].filter((x) => {
    if (cleanupMode === CleanupMode.DetachAllReturnNone) return false
    if (x._deviceType === DeviceType.HardDisk) return true
    if (cleanupMode === CleanupMode.DetachAllReturnHardDisksOnly) return false
    // Removable media are returned only when no other machine uses them.
    const users = vbox._mediumUsage(x)
    return [...users.keys()].every((id) => id === core.id)
  })
  // Detach everything (current state and snapshots) and drop the snapshot tree.
  for (const s of [core.settings, core.pending]) {
    if (!s) continue
    for (const c of s.hardware.storageControllers)
      c.attachments = c.attachments.filter((a) => a.mediumId === undefined && a.type !== DeviceType.HardDisk)
    s.snapshot = undefined
    s.currentSnapshot = undefined
  }
  await vbox._unregisterMachineCore(core)
  // Returned media stay registered (globally) until deleteConfig closes them. Media other machines still use move
  // to the global registry; the rest of what the machine's file listed is closed.
  for (const x of related) {
    if (returned.includes(x) || vbox._mediumUsage(x).size > 0) x._registryOwner = ''
    else if (x._registryOwner === core.id) await vbox._unregisterMedium(x)
  }
  await vbox._saveGlobal()
  return childrenFirst(returned)
}

function countSnapshots(root: SnapshotSettings | undefined): number {
  if (!root) return 0
  return 1 + root.children.reduce((n, c) => n + countSnapshots(c), 0)
}

/** deleteConfig: deletes the given hard disks (others are closed), the settings files, logs and empty folders. */
export async function deleteConfig(m: MachineImpl, media: IMedium[]): Promise<IProgress> {
  const core = m._core
  if (core.registered)
    throw new VBoxError('VBOX_E_INVALID_VM_STATE', `Cannot delete settings of a registered machine`, 'Machine')
  const impls = media.map((x) => {
    if (!(x instanceof MediumImpl)) throw new VBoxError('E_INVALIDARG', 'Invalid medium object', 'Machine')
    return x
  })
  const operations = [
    ...impls.map((x) => ({ description: `Deleting '${x._location}'`, weight: 1 })),
    { description: 'Deleting the machine files', weight: 1 },
  ]
  return runProgress(`Deleting the files of the machine '${core.name}'`, operations, async (task) => {
    let index = 0
    for (const x of childrenFirst(impls)) {
      task.nextOperation(index++)
      if (
        x._deviceType === DeviceType.HardDisk &&
        (x._state === MediumState.Created || x._state === MediumState.Inaccessible)
      ) {
        const others = [...core.vbox._mediumUsage(x).keys()]
        if (others.length > 0)
          throw new VBoxError(
            'VBOX_E_OBJECT_IN_USE',
            `Medium '${x._location}' is still attached to another virtual machine`,
            'Machine',
          )
        const progress = await x.deleteStorage()
        await progress.waitForCompletion(-1)
        const info = await progress.getErrorInfo()
        if (info) throw VBoxError.fromErrorInfo(info)
      } else if (x._registered) {
        await x.close()
      }
    }
    task.nextOperation(index)
    if (core.settings.stateFile) await unlink(core.resolvePath(core.settings.stateFile)).catch(() => undefined)
    const path = core.settingsFilePath
    for (const file of [path, `${path}-prev`]) await unlink(file).catch(() => undefined)
    await rm(join(core.folder, 'Logs'), { recursive: true, force: true })
    const snapshots = core.resolvePath(core.settings.snapshotFolder)
    await removeIfEmpty(snapshots)
    await removeIfEmpty(core.folder)
  })
}

async function removeIfEmpty(dir: string): Promise<void> {
  if (!existsSync(dir)) return
  if ((await readdir(dir)).length === 0) await rmdir(dir).catch(() => undefined)
}

/** cloneTo: full clones copy every disk; linked clones (from a snapshot's machine) put diffs on its disks. */
export async function cloneTo(
  m: MachineImpl,
  target: IMachine,
  mode: CloneMode,
  options: CloneOptions[],
): Promise<IProgress> {
  if (!(target instanceof MachineImpl) || target._view.kind !== 'registry' || !target._core.isNew)
    throw new VBoxError('E_INVALIDARG', 'The clone target must be a new machine from createMachine', 'Machine')
  if (mode !== CloneMode.MachineState)
    throw new VBoxError(
      'VBOX_E_NOT_SUPPORTED',
      'Cloning snapshots (MachineAndChildStates, AllStates) is not supported yet; clone the machine state',
      'Machine',
    )
  const linked = options.includes(CloneOptions.Link)
  if (linked && m._view.kind !== 'snapshot')
    throw new VBoxError(
      'E_INVALIDARG',
      'Linked clones can only be created from a snapshot (use the machine of a snapshot)',
      'Machine',
    )
  const source = m._core
  if (source.isOnline())
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `The machine '${source.name}' must be powered off to be cloned`,
      'Machine',
    )
  const sourceData = cloneSettings(m._data())
  const t = target._core
  const disks = sourceData.hardware.storageControllers.flatMap((c) =>
    c.attachments.filter((a) => a.type === DeviceType.HardDisk && a.mediumId),
  )
  const operations = [
    ...disks.map((_, i) => ({ description: `Copying disk ${i + 1}`, weight: 10 })),
    { description: 'Saving settings', weight: 1 },
  ]
  return runProgress(`Cloning machine '${source.name}' to '${t.name}'`, operations, async (task) => {
    const hw = cloneSettings(sourceData.hardware)
    hw.hardwareUuid = undefined
    if (!options.includes(CloneOptions.KeepAllMACs))
      for (const nic of hw.network)
        if (nic.macAddress !== '' && !(options.includes(CloneOptions.KeepNATMACs) && nic.attachmentType === 1))
          nic.macAddress = generateMacAddress()
    const created: MediumImpl[] = []
    try {
      let index = 0
      for (const c of hw.storageControllers) {
        for (const a of c.attachments) {
          if (a.type !== DeviceType.HardDisk || !a.mediumId) continue
          task.nextOperation(index)
          const medium = source.vbox._findMedium(a.mediumId)
          if (!medium)
            throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Medium {${a.mediumId}} is not registered`, 'Machine')
          const base = medium._base()
          const fmt = diskFormatOf(base._format) === 'raw' || !diskFormatOf(base._format) ? 'VDI' : base._format
          const suffix = disks.length > 1 ? `-disk${index + 1}` : ''
          const copy = new MediumImpl(source.vbox, {
            id: newMediumId(),
            location: join(t.folder, `${t.name}${suffix}.${fmt.toLowerCase()}`),
            format: fmt,
            deviceType: DeviceType.HardDisk,
            type: MediumType.Normal,
            description: '',
            state: MediumState.NotCreated,
            registryOwner: '',
          })
          if (linked) {
            await medium._createDiffNow(copy)
          } else {
            try {
              await medium._copyInto(copy._location, diskFormatOf(fmt) ?? 'vdi', false, copy._id)
            } catch (error) {
              throw diskErrorToVBox(error)
            }
            copy._state = MediumState.Created
            await copy._refresh()
            await source.vbox._registerMedium(copy)
          }
          created.push(copy)
          a.mediumId = copy._id
          index++
        }
      }
      task.nextOperation(index)
      await target._edit((s) => {
        s.hardware = { ...hw, hardwareUuid: s.hardware.hardwareUuid }
        s.description = sourceData.description
        s.osType = sourceData.osType
        s.extraData = [...sourceData.extraData]
      })
      await t.saveSettings()
    } catch (error) {
      for (const x of created.reverse()) {
        await unlink(x._location).catch(() => undefined)
        if (x._registered) await source.vbox._unregisterMedium(x).catch(() => undefined)
      }
      throw error
    }
  })
}

/** Re-exported for the snapshot code: finds a snapshot's settings. */
export { findSnapshotSettings }
