// Offline snapshots: take (differencing images on every normal disk), restore (fresh diffs on the snapshot's disks),
// delete (merge each disk with its child, also inside longer chains), and ISnapshot (VirtualBox SnapshotImpl.cpp, MachineImpl snapshot
// tasks; vbox-api.md §1.4, §2.10, §8.2).
import { randomUUID } from 'node:crypto'
import { mkdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { VBoxError } from '../api/errors'
import { enumName } from '../api/enum-util'
import { VBoxEventType } from '../api/event-types'
import type { IMachine, IProgress, ISnapshot } from '../api/interfaces'
import { MachineState } from '../api/machine-enums'
import { DeviceType, MediumState, MediumType } from '../api/storage-enums'
import type { HardwareSettings, MachineSettings, SnapshotSettings } from '../settings/machine-settings'
import { cloneSettings } from '../settings/machine-settings'
import { ApiObject } from './api-object'
import { MachineImpl, findSnapshotSettings } from './machine'
import type { MachineCore } from './machine-core'
import { stateName } from './machine-core'
import { MediumImpl } from './medium'
import { runProgress } from './progress'

/** ISnapshot, bound to a machine core and a snapshot id. */
export class SnapshotImpl extends ApiObject implements ISnapshot {
  readonly interfaceName = 'ISnapshot'
  readonly _core: MachineCore
  readonly _id: string
  constructor(core: MachineCore, id: string) {
    super()
    this._core = core
    this._id = id
  }
  private get s(): SnapshotSettings {
    const found = findSnapshotSettings(this._core.current().snapshot, this._id)
    if (!found) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Snapshot {${this._id}} no longer exists`, 'Snapshot')
    return found
  }
  async getId() {
    return this._id
  }
  async getName() {
    return this.s.name
  }
  async setName(name: string) {
    await this.rename((s) => void (s.name = name))
  }
  async getDescription() {
    return this.s.description
  }
  async setDescription(description: string) {
    await this.rename((s) => void (s.description = description))
  }
  private async rename(change: (s: SnapshotSettings) => void) {
    // Snapshot names and descriptions are saved at once, in committed and pending settings alike.
    for (const settings of [this._core.settings, this._core.pending]) {
      const snap = findSnapshotSettings(settings?.snapshot, this._id)
      if (snap) change(snap)
    }
    await this._core.saveRegistryOnly()
    this._core.vbox._events._fire({
      type: VBoxEventType.OnSnapshotChanged,
      machineId: this._core.id,
      snapshotId: this._id,
    })
  }
  async getTimeStamp() {
    return Date.parse(this.s.timeStamp)
  }
  async getOnline() {
    return this.s.stateFile !== undefined
  }
  async getMachine(): Promise<IMachine> {
    return new MachineImpl(this._core, { kind: 'snapshot', snapshotId: this._id })
  }
  async getParent(): Promise<ISnapshot | null> {
    const parent = parentOf(this._core.current().snapshot, this._id)
    return parent ? new SnapshotImpl(this._core, parent.uuid) : null
  }
  async getChildren(): Promise<ISnapshot[]> {
    return this.s.children.map((c) => new SnapshotImpl(this._core, c.uuid))
  }
  async getChildrenCount() {
    return this.s.children.length
  }
}

function parentOf(root: SnapshotSettings | undefined, id: string): SnapshotSettings | undefined {
  if (!root) return undefined
  for (const c of root.children) {
    if (c.uuid === id) return root
    const found = parentOf(c, id)
    if (found) return found
  }
  return undefined
}

/** Number of snapshots in a tree. */
export function snapshotCount(root: SnapshotSettings | undefined): number {
  if (!root) return 0
  return 1 + root.children.reduce((n, c) => n + snapshotCount(c), 0)
}

/** IMachine.currentSnapshot. */
export function currentSnapshot(m: MachineImpl): ISnapshot | null {
  const id = m._data().currentSnapshot
  return id ? new SnapshotImpl(m._core, id) : null
}

/** IMachine.findSnapshot: by id, or by name ("" = the root). */
export function findSnapshot(m: MachineImpl, nameOrId: string): ISnapshot {
  const root = m._data().snapshot
  if (!root) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', 'This machine does not have any snapshots', 'Machine')
  if (nameOrId === '') return new SnapshotImpl(m._core, root.uuid)
  const wanted = nameOrId.replace(/[{}]/g, '').toLowerCase()
  const walk = (s: SnapshotSettings): SnapshotSettings | undefined =>
    s.uuid === wanted || s.name === nameOrId ? s : s.children.map(walk).find((x) => x !== undefined)
  const found = walk(root)
  if (!found) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Could not find a snapshot named '${nameOrId}'`, 'Machine')
  return new SnapshotImpl(m._core, found.uuid)
}

const offlineStates: MachineState[] = [MachineState.PoweredOff, MachineState.Aborted, MachineState.Teleported]

function checkOffline(m: MachineImpl, what: string): MachineCore {
  const core = m._core
  if (!m._isMutable())
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `The machine is not mutable (state is ${stateName(core.state)})`,
      m._component(),
    )
  if (core.isOnline())
    throw new VBoxError(
      'VBOX_E_NOT_SUPPORTED',
      `Cannot ${what} while the machine is ${stateName(core.state)}: online snapshots need saved-state support of the VMM, which is not available yet`,
      'Machine',
    )
  if (!offlineStates.includes(core.state))
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot ${what} in the machine state ${stateName(core.state)}`,
      'Machine',
    )
  return core
}

/** Runs `body` in a transient state, restoring the previous state afterwards. */
async function inState<T>(core: MachineCore, state: MachineState, body: () => Promise<T>): Promise<T> {
  const previous = core.state
  core.setState(state)
  try {
    return await body()
  } finally {
    core.setState(previous)
  }
}

/** Creates a differencing image over `parent` in the snapshot folder (`{uuid}.<ext>`), registered and owned by the machine. */
async function createDiffFor(core: MachineCore, parent: MediumImpl, snapshotFolder: string): Promise<MediumImpl> {
  const base = parent._base()
  const format = ['VDI', 'VMDK', 'VHD'].includes(base._format.toUpperCase()) ? base._format.toUpperCase() : 'VDI'
  const id = randomUUID()
  const child = new MediumImpl(core.vbox, {
    id,
    location: join(snapshotFolder, `{${id}}.${format.toLowerCase()}`),
    format,
    deviceType: DeviceType.HardDisk,
    type: MediumType.Normal,
    description: '',
    state: MediumState.NotCreated,
    registryOwner: core.id,
  })
  await mkdir(snapshotFolder, { recursive: true })
  await parent._createDiffNow(child)
  return child
}

/** Hard-disk attachments whose medium gets a differencing image (Normal type; vbox-api.md §8.2). */
function diffableAttachments(core: MachineCore, hw: HardwareSettings) {
  const out: Array<{
    attachment: HardwareSettings['storageControllers'][number]['attachments'][number]
    medium: MediumImpl
  }> = []
  for (const c of hw.storageControllers)
    for (const a of c.attachments) {
      if (a.type !== DeviceType.HardDisk || !a.mediumId) continue
      const medium = core.vbox._findMedium(a.mediumId)
      if (!medium) throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Medium {${a.mediumId}} is not registered`, 'Machine')
      const type = medium._base()._type
      if (type === MediumType.Normal || type === MediumType.Immutable) out.push({ attachment: a, medium })
    }
  return out
}

/** takeSnapshot (offline): returns the progress and the new snapshot's id. */
export async function takeSnapshot(
  m: MachineImpl,
  name: string,
  description: string,
  pause: boolean,
): Promise<[IProgress, string]> {
  void pause
  const core = checkOffline(m, 'take a snapshot')
  if (name.trim() === '') throw new VBoxError('E_INVALIDARG', 'The snapshot name must not be empty', 'Machine')
  const id = randomUUID()
  const progress = runProgress(
    `Taking snapshot of virtual machine`,
    [
      { description: 'Setting up snapshot operation', weight: 1 },
      { description: 'Creating differencing hard disks', weight: 10 },
    ],
    async (task) => {
      await inState(core, MachineState.Snapshotting, async () => {
        const s = core.pending as MachineSettings
        const snapshotFolder = core.resolvePath(s.snapshotFolder)
        const snap: SnapshotSettings = {
          uuid: id,
          name,
          description,
          timeStamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          stateFile: undefined,
          hardware: cloneSettings(s.hardware),
          children: [],
        }
        task.nextOperation(1)
        const created: MediumImpl[] = []
        try {
          for (const { attachment, medium } of diffableAttachments(core, s.hardware)) {
            const diff = await createDiffFor(core, medium, snapshotFolder)
            created.push(diff)
            attachment.mediumId = diff._id
          }
        } catch (error) {
          for (const d of created.reverse()) {
            await unlink(d._location).catch(() => undefined)
            await core.vbox._unregisterMedium(d).catch(() => undefined)
          }
          snap.hardware.storageControllers.forEach((c, i) => (s.hardware.storageControllers[i] = cloneSettings(c)))
          throw error
        }
        const parent = s.currentSnapshot ? findSnapshotSettings(s.snapshot, s.currentSnapshot) : undefined
        if (parent) parent.children.push(snap)
        else if (!s.snapshot) s.snapshot = snap
        else throw new VBoxError('E_UNEXPECTED', 'The current snapshot is missing from the snapshot tree', 'Machine')
        s.currentSnapshot = id
        s.currentStateModified = false
        await core.saveSettings()
      })
      core.vbox._events._fire({ type: VBoxEventType.OnSnapshotTaken, machineId: core.id, snapshotId: id })
    },
  )
  return [progress, id]
}

/** restoreSnapshot (offline): the current state becomes the snapshot's, with fresh differencing images. */
export async function restoreSnapshot(m: MachineImpl, snapshot: ISnapshot): Promise<IProgress> {
  const core = checkOffline(m, 'restore a snapshot')
  if (!(snapshot instanceof SnapshotImpl) || snapshot._core !== core)
    throw new VBoxError('E_INVALIDARG', 'The snapshot does not belong to this machine', 'Machine')
  const id = snapshot._id
  if (!findSnapshotSettings((core.pending as MachineSettings).snapshot, id))
    throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Snapshot {${id}} does not exist`, 'Machine')
  return runProgress(`Restoring snapshot`, [{ description: 'Restoring snapshot', weight: 1 }], async () => {
    await inState(core, MachineState.RestoringSnapshot, async () => {
      const s = core.pending as MachineSettings
      const snap = findSnapshotSettings(s.snapshot, id) as SnapshotSettings
      const referencedBySnapshots = new Set<string>()
      const walk = (x: SnapshotSettings) => {
        for (const c of x.hardware.storageControllers)
          for (const a of c.attachments) if (a.mediumId) referencedBySnapshots.add(a.mediumId)
        x.children.forEach(walk)
      }
      if (s.snapshot) walk(s.snapshot)
      // The current state's own differencing images are discarded (VirtualBox deletes them on restore).
      const discard: MediumImpl[] = []
      for (const c of s.hardware.storageControllers)
        for (const a of c.attachments) {
          const medium = a.mediumId ? core.vbox._findMedium(a.mediumId) : undefined
          if (medium && medium._parent && medium._children.length === 0 && !referencedBySnapshots.has(medium._id))
            discard.push(medium)
        }
      const hardware = cloneSettings(snap.hardware)
      const created: MediumImpl[] = []
      try {
        for (const { attachment, medium } of diffableAttachments(core, hardware)) {
          const diff = await createDiffFor(core, medium, core.resolvePath(s.snapshotFolder))
          created.push(diff)
          attachment.mediumId = diff._id
        }
      } catch (error) {
        for (const d of created) {
          await unlink(d._location).catch(() => undefined)
          await core.vbox._unregisterMedium(d).catch(() => undefined)
        }
        throw error
      }
      s.hardware = hardware
      s.currentSnapshot = id
      s.currentStateModified = false
      for (const d of discard) {
        await unlink(d._location).catch(() => undefined)
        await core.vbox._unregisterMedium(d)
      }
      await core.saveSettings()
    })
    core.vbox._events._fire({ type: VBoxEventType.OnSnapshotRestored, machineId: core.id, snapshotId: id })
  })
}

/**
 * deleteSnapshot (offline). Each disk of the snapshot that has a child is merged with it:
 * - a leaf child (the next state's only image) is merged into the snapshot's disk, and its users are re-pointed;
 * - a child with children of its own (a snapshot inside a longer chain) takes the snapshot's disk in and keeps
 *   its UUID, so the images below it stay valid (MediumImpl._mergeIntoChildNow).
 * Layouts that cannot be merged are refused before anything changes.
 */
export async function deleteSnapshot(m: MachineImpl, id: string): Promise<IProgress> {
  const core = checkOffline(m, 'delete a snapshot')
  const wanted = id.replace(/[{}]/g, '').toLowerCase()
  const s = core.pending as MachineSettings
  const snap = findSnapshotSettings(s.snapshot, wanted)
  if (!snap)
    throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Could not find a snapshot with UUID {${wanted}}`, 'Machine')
  if (snap.children.length > 1)
    throw new VBoxError(
      'VBOX_E_INVALID_OBJECT_STATE',
      `Snapshot '${snap.name}' of the machine '${core.name}' has more than one child snapshot (${snap.children.length})`,
      'Machine',
    )
  const merges: Array<{ parent: MediumImpl; child: MediumImpl; leaf: boolean }> = []
  for (const c of snap.hardware.storageControllers)
    for (const a of c.attachments) {
      if (a.type !== DeviceType.HardDisk || !a.mediumId) continue
      const parent = core.vbox._findMedium(a.mediumId)
      if (!parent || parent._children.length === 0) continue
      if (parent._children.length > 1)
        throw new VBoxError(
          'E_FAIL',
          `Hard disk '${parent._location}' has more than one child hard disk (${parent._children.length})`,
          'Machine',
        )
      const child = parent._children[0] as MediumImpl
      const leaf = child._children.length === 0
      if (!leaf) checkChainMerge(snap.name, parent, child)
      merges.push({ parent, child, leaf })
    }
  return runProgress(
    `Deleting snapshot '${snap.name}'`,
    merges.map((x) => ({ description: `Merging differencing image '${x.child._location}'`, weight: 1 })),
    async (task) => {
      await inState(core, MachineState.DeletingSnapshot, async () => {
        let index = 0
        for (const { parent, child, leaf } of merges) {
          task.nextOperation(index++)
          if (leaf) {
            await child._mergeIntoParentNow()
            repoint(s, child._id, parent._id)
            await core.vbox._unregisterMedium(child)
          } else {
            await parent._mergeIntoChildNow()
          }
        }
        const parentSnap = parentOf(s.snapshot, wanted)
        if (parentSnap) parentSnap.children.splice(parentSnap.children.indexOf(snap), 1, ...snap.children)
        else s.snapshot = snap.children[0]
        if (s.currentSnapshot === wanted) s.currentSnapshot = parentSnap?.uuid
        await core.saveSettings()
      })
      core.vbox._events._fire({ type: VBoxEventType.OnSnapshotDeleted, machineId: core.id, snapshotId: wanted })
    },
  )
}

/**
 * Refuses merges inside a chain that Boxwood cannot do without rewriting parent links: VMDK images (a child
 * checks its parent's CID, which a rebuilt image changes), non-Normal bases, and images of different sizes.
 */
function checkChainMerge(snapshot: string, parent: MediumImpl, child: MediumImpl): void {
  const refuse = (why: string) =>
    new VBoxError(
      'VBOX_E_NOT_SUPPORTED',
      `Cannot delete snapshot '${snapshot}': merging '${parent._location}' into '${child._location}' ${why}`,
      'Machine',
    )
  for (const x of [parent, child, ...child._children])
    if (x._format.toUpperCase() === 'VMDK')
      throw refuse(`is not possible for VMDK images ('${x._location}'): they link to their parent's CID`)
  if (!parent._parent && parent._type !== MediumType.Normal)
    throw refuse(`is not possible for a base image of type ${enumName(MediumType, parent._type)}`)
  if (parent._logicalSize !== child._logicalSize)
    throw refuse(`needs both to have the same size (${parent._logicalSize} and ${child._logicalSize} bytes)`)
}

/** Replaces medium `from` by `to` in the current state and every snapshot. */
function repoint(s: MachineSettings, from: string, to: string): void {
  const fix = (hw: HardwareSettings) => {
    for (const c of hw.storageControllers) for (const a of c.attachments) if (a.mediumId === from) a.mediumId = to
  }
  fix(s.hardware)
  const walk = (x: SnapshotSettings) => {
    fix(x.hardware)
    x.children.forEach(walk)
  }
  if (s.snapshot) walk(s.snapshot)
}
