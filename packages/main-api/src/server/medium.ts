// IMedium: disk, DVD and floppy images backed by @boxwood/devices/disk (VirtualBox src/VBox/Main/src-server/
// MediumImpl.cpp; vbox-api.md §2.9, §8.2). Long operations return a Progress.
import { randomUUID } from 'node:crypto'
import { mkdir, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import {
  cloneImage,
  compactImage,
  createDifferencing,
  createImage,
  mergeChildIntoParent,
  openImage,
  resizeImage,
  DiskError,
} from '@boxwood/devices/disk'
import type { ParentResolver, WritableFormat } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import { VBoxError } from '../api/errors'
import type { IMedium, IProgress } from '../api/interfaces'
import { DeviceType, MediumState, MediumType, MediumVariant } from '../api/storage-enums'
import { ApiObject } from './api-object'
import { runProgress } from './progress'

/** What a medium needs from the VirtualBox object that owns the media registry. */
export interface MediaRegistryHost {
  _findMedium(id: string): MediumImpl | undefined
  _registerMedium(medium: MediumImpl): Promise<void>
  _unregisterMedium(medium: MediumImpl): Promise<void>
  /** Persists whichever registry (global or a machine's) holds the medium. */
  _saveMediumRegistry(medium: MediumImpl): Promise<void>
  /** Machine ids (and snapshot ids per machine) using the medium in current state or snapshots. */
  _mediumUsage(medium: MediumImpl): Map<string, string[]>
  /** True while the machine with this id has a VM process. */
  _isMachineRunning(machineId: string): boolean
}

/** The disk library's host for Node. */
export const diskHost = nodeDiskHost()

/** Maps a Main format id to the disk library's format. */
export function diskFormatOf(format: string): WritableFormat | undefined {
  switch (format.toUpperCase()) {
    case 'VDI':
      return 'vdi'
    case 'VMDK':
      return 'vmdk'
    case 'VHD':
      return 'vhd'
    case 'RAW':
      return 'raw'
    default:
      return undefined
  }
}

/** Converts a disk library error into the API's error model. */
export function diskErrorToVBox(error: unknown): unknown {
  if (!(error instanceof DiskError)) return error
  switch (error.code) {
    case 'DISK_NOT_FOUND':
    case 'DISK_EXISTS':
    case 'DISK_IO':
      return new VBoxError('VBOX_E_FILE_ERROR', error.message, 'Medium')
    case 'DISK_LOCKED':
      return new VBoxError('VBOX_E_OBJECT_IN_USE', error.message, 'Medium')
    case 'DISK_UNSUPPORTED':
      return new VBoxError('VBOX_E_NOT_SUPPORTED', error.message, 'Medium')
    case 'DISK_INVALID_ARGUMENT':
    case 'DISK_OUT_OF_RANGE':
      return new VBoxError('E_INVALIDARG', error.message, 'Medium')
    default:
      return new VBoxError('VBOX_E_IPRT_ERROR', error.message, 'Medium')
  }
}

/** Fields a medium is built from (from a registry entry, createMedium or openMedium). */
export interface MediumInit {
  id: string
  location: string
  format: string
  deviceType: DeviceType
  type: MediumType
  description: string
  state: MediumState
  /** '' = global registry, else the id of the machine whose .vbox lists it. */
  registryOwner: string
}

/** One image. */
export class MediumImpl extends ApiObject implements IMedium {
  readonly interfaceName = 'IMedium'
  _id: string
  _location: string
  _format: string
  readonly _deviceType: DeviceType
  _type: MediumType
  _description: string
  _state: MediumState
  _registryOwner: string
  _parent: MediumImpl | undefined
  readonly _children: MediumImpl[] = []
  _logicalSize = 0
  _size = 0
  _variant = 0
  _lastAccessError = ''
  _registered = false
  private readonly host: MediaRegistryHost

  constructor(host: MediaRegistryHost, init: MediumInit) {
    super()
    this.host = host
    this._id = init.id
    this._location = init.location
    this._format = init.format
    this._deviceType = init.deviceType
    this._type = init.type
    this._description = init.description
    this._state = init.state
    this._registryOwner = init.registryOwner
  }

  async getId() {
    return this._id
  }
  async getDescription() {
    return this._description
  }
  async setDescription(description: string) {
    this._description = description
    if (this._registered) await this.host._saveMediumRegistry(this)
  }
  async getState() {
    return this._state
  }
  async getVariant() {
    const flags: number[] = []
    if (this._variant & MediumVariant.Fixed) flags.push(MediumVariant.Fixed)
    if (this._parent) flags.push(MediumVariant.Diff)
    return (flags.length > 0 ? flags : [MediumVariant.Standard]) as MediumVariant[]
  }
  async getLocation() {
    return this._location
  }
  async getName() {
    return basename(this._location)
  }
  async getDeviceType() {
    return this._deviceType
  }
  async getHostDrive() {
    return false
  }
  async getSize() {
    return this._size
  }
  async getFormat() {
    return this._format
  }
  async getType() {
    return this._base()._type
  }
  async setType(type: MediumType) {
    if (this._parent)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', 'Cannot change the type of a differencing medium', 'Medium')
    if (this.host._mediumUsage(this).size > 0 && type !== this._type)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Cannot change the type of medium '${this._location}' because it is attached to a virtual machine`,
        'Medium',
      )
    this._type = type
    if (this._registered) await this.host._saveMediumRegistry(this)
  }
  async getParent(): Promise<IMedium | null> {
    return this._parent ?? null
  }
  async getChildren(): Promise<IMedium[]> {
    return [...this._children]
  }
  async getBase(): Promise<IMedium> {
    return this._base()
  }
  async getReadOnly() {
    return this._deviceType === DeviceType.DVD || this._children.length > 0 || this._type === MediumType.Readonly
  }
  async getLogicalSize() {
    return this._logicalSize
  }
  async getAutoReset() {
    return false
  }
  async getLastAccessError() {
    return this._lastAccessError
  }
  async getMachineIds() {
    return [...this.host._mediumUsage(this).keys()]
  }
  async getSnapshotIds(machineId: string) {
    return this.host._mediumUsage(this).get(machineId) ?? []
  }

  async refreshState(): Promise<MediumState> {
    await this._refresh()
    return this._state
  }

  async close(): Promise<void> {
    if (this._children.length > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' cannot be closed because it has ${this._children.length} child media`,
        'Medium',
      )
    const usage = this.host._mediumUsage(this)
    if (usage.size > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' cannot be closed because it is still attached to ${usage.size} virtual machines`,
        'Medium',
      )
    if (this._registered) await this.host._unregisterMedium(this)
  }

  async createBaseStorage(logicalSize: number, variant: MediumVariant[]): Promise<IProgress> {
    if (this._state !== MediumState.NotCreated)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Storage for the medium '${this._location}' is already created`,
        'Medium',
      )
    const format = diskFormatOf(this._format)
    if (!format)
      throw new VBoxError(
        'VBOX_E_NOT_SUPPORTED',
        `Medium format '${this._format}' does not support creating images`,
        'Medium',
      )
    const fixed = variant.some((v) => (v & MediumVariant.Fixed) !== 0)
    this._state = MediumState.Creating
    return runProgress(
      `Creating dynamic disk image storage unit '${this._location}'`,
      [{ description: 'Creating', weight: 1 }],
      async () => {
        try {
          if (!variant.some((v) => (v & MediumVariant.NoCreateDir) !== 0))
            await mkdir(dirname(this._location), { recursive: true })
          const image = await createImage(diskHost, this._location, {
            format,
            size: logicalSize,
            variant: fixed ? 'fixed' : 'dynamic',
            uuid: this._id,
          })
          await image.close()
        } catch (error) {
          this._state = MediumState.NotCreated
          throw diskErrorToVBox(error)
        }
        this._variant = fixed ? MediumVariant.Fixed : 0
        this._state = MediumState.Created
        await this._refresh()
        await this.host._registerMedium(this)
      },
    )
  }

  async deleteStorage(): Promise<IProgress> {
    if (this._state !== MediumState.Created && this._state !== MediumState.Inaccessible)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', `Medium '${this._location}' is not created`, 'Medium')
    const usage = this.host._mediumUsage(this)
    if (usage.size > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' is still attached to the following virtual machines: ${[...usage.keys()].join(', ')}`,
        'Medium',
      )
    if (this._children.length > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' has ${this._children.length} child media`,
        'Medium',
      )
    this._state = MediumState.Deleting
    return runProgress(
      `Deleting storage unit '${this._location}'`,
      [{ description: 'Deleting', weight: 1 }],
      async () => {
        try {
          await unlink(this._location)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            this._state = MediumState.Created
            throw new VBoxError(
              'VBOX_E_FILE_ERROR',
              `Could not delete the medium storage unit '${this._location}' (${(error as Error).message})`,
              'Medium',
            )
          }
        }
        if (this._registered) await this.host._unregisterMedium(this)
        this._state = MediumState.NotCreated
      },
    )
  }

  async createDiffStorage(target: IMedium, variant: MediumVariant[]): Promise<IProgress> {
    void variant
    const child = this.asMedium(target)
    if (child._state !== MediumState.NotCreated)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Storage for the medium '${child._location}' is already created`,
        'Medium',
      )
    if (this._state !== MediumState.Created)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', `Medium '${this._location}' is not accessible`, 'Medium')
    child._state = MediumState.Creating
    return runProgress(
      `Creating differencing medium storage unit '${child._location}'`,
      [{ description: 'Creating', weight: 1 }],
      async () => {
        await this._createDiffNow(child)
      },
    )
  }

  /** Internal: creates `child` as a differencing image on top of this one and registers it. */
  async _createDiffNow(child: MediumImpl): Promise<void> {
    const format = diskFormatOf(child._format)
    if (format !== 'vdi' && format !== 'vmdk' && format !== 'vhd') {
      child._state = MediumState.NotCreated
      throw new VBoxError(
        'VBOX_E_NOT_SUPPORTED',
        `Medium format '${child._format}' does not support differencing images`,
        'Medium',
      )
    }
    try {
      await mkdir(dirname(child._location), { recursive: true })
      const image = await createDifferencing(diskHost, this._location, child._location, {
        format,
        uuid: child._id,
        resolveParent: this.resolver(),
      })
      await image.close()
    } catch (error) {
      child._state = MediumState.NotCreated
      throw diskErrorToVBox(error)
    }
    child._parent = this
    this._children.push(child)
    child._registryOwner = this._registryOwner
    child._state = MediumState.Created
    await child._refresh()
    await this.host._registerMedium(child)
  }

  async mergeTo(target: IMedium): Promise<IProgress> {
    const parent = this.asMedium(target)
    // Only the forward merge of a leaf into its parent keeps every other image's parent link valid.
    if (this._parent !== parent)
      throw new VBoxError(
        'VBOX_E_NOT_SUPPORTED',
        `Medium '${this._location}' can only be merged into its direct parent`,
        'Medium',
      )
    if (this._children.length > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' has child media and cannot be merged`,
        'Medium',
      )
    const usage = this.host._mediumUsage(this)
    if (usage.size > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' is attached to ${usage.size} virtual machines and cannot be merged`,
        'Medium',
      )
    return runProgress(
      `Merging medium '${this._location}' into '${parent._location}'`,
      [{ description: 'Merging', weight: 1 }],
      async () => {
        await this._mergeIntoParentNow()
        if (this._registered) await this.host._unregisterMedium(this)
        this._state = MediumState.NotCreated
      },
    )
  }

  /** Internal: writes this differencing image into its parent and deletes this image's file. */
  async _mergeIntoParentNow(): Promise<void> {
    const parent = this._parent
    if (!parent)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Medium '${this._location}' is not a differencing image`,
        'Medium',
      )
    try {
      await mergeChildIntoParent(diskHost, this._location, { resolveParent: this.resolver(), deleteChild: true })
    } catch (error) {
      throw diskErrorToVBox(error)
    }
    await parent._refresh()
  }

  /**
   * Internal: merges this image into its only child when that child has children of its own (deleting a snapshot
   * inside a longer chain). The disk library cannot rewrite the grandchildren's parent links, so the child keeps
   * its UUID (VirtualBox instead merges and re-parents them, MediumImpl::i_mergeTo): it is rebuilt over this
   * image's parent holding what both images hold, or, when this is a base image, becomes a new base image in this
   * image's file and format. Then this image goes away. Callers check formats (no VMDK) and sizes first.
   */
  async _mergeIntoChildNow(): Promise<MediumImpl> {
    const child = this._children[0]
    if (!child || this._children.length !== 1)
      throw new VBoxError('E_UNEXPECTED', `Medium '${this._location}' does not have exactly one child`, 'Medium')
    const grandparent = this._parent
    const target = grandparent ? child._location : this._location
    const temp = `${target}.merging`
    try {
      if (grandparent) await rebuildOver(grandparent, child, temp)
      else
        await cloneImage(diskHost, child._location, temp, {
          format: diskFormatOf(this._format) ?? 'vdi',
          variant: this._variant & MediumVariant.Fixed ? 'fixed' : 'dynamic',
          uuid: child._id,
          resolveParent: child.resolver(),
        })
    } catch (error) {
      await unlink(temp).catch(() => undefined)
      throw diskErrorToVBox(error)
    }
    await rename(temp, target)
    await unlink(grandparent ? this._location : child._location)
    this._children.splice(0)
    if (grandparent) {
      grandparent._children.splice(grandparent._children.indexOf(this), 1, child)
      child._parent = grandparent
    } else {
      child._parent = undefined
      child._location = this._location
      child._format = this._format
      child._type = this._type
      child._description = this._description
    }
    this._parent = undefined
    await this.host._unregisterMedium(this)
    this._state = MediumState.NotCreated
    await child._refresh()
    await this.host._saveMediumRegistry(child)
    return child
  }

  async cloneTo(target: IMedium, variant: MediumVariant[], parent: IMedium | null): Promise<IProgress> {
    if (parent)
      throw new VBoxError('VBOX_E_NOT_SUPPORTED', 'Cloning into a differencing image is not supported', 'Medium')
    return this.cloneToBase(target, variant)
  }

  async cloneToBase(target: IMedium, variant: MediumVariant[]): Promise<IProgress> {
    const copy = this.asMedium(target)
    if (copy._state !== MediumState.NotCreated)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Storage for the medium '${copy._location}' is already created`,
        'Medium',
      )
    if (this._state !== MediumState.Created)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', `Medium '${this._location}' is not accessible`, 'Medium')
    const format = diskFormatOf(copy._format)
    if (!format)
      throw new VBoxError('VBOX_E_NOT_SUPPORTED', `Medium format '${copy._format}' cannot be written`, 'Medium')
    const fixed = variant.some((v) => (v & MediumVariant.Fixed) !== 0)
    copy._state = MediumState.Creating
    return runProgress(
      `Copying medium '${this._location}' to '${copy._location}'`,
      [{ description: 'Copying', weight: 1 }],
      async () => {
        try {
          await this._copyInto(copy._location, format, fixed, copy._id)
        } catch (error) {
          copy._state = MediumState.NotCreated
          throw error
        }
        copy._variant = fixed ? MediumVariant.Fixed : 0
        copy._state = MediumState.Created
        await copy._refresh()
        await this.host._registerMedium(copy)
      },
    )
  }

  /** Internal: copies the logical content of this medium (its chain, flattened) into a new base image. */
  async _copyInto(path: string, format: WritableFormat, fixed: boolean, uuid: string): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true })
      await cloneImage(diskHost, this._location, path, {
        format,
        variant: fixed ? 'fixed' : 'dynamic',
        uuid,
        resolveParent: this.resolver(),
      })
    } catch (error) {
      await unlink(path).catch(() => undefined)
      throw diskErrorToVBox(error)
    }
  }

  async compact(): Promise<IProgress> {
    this.checkIdle('compacted')
    return runProgress(
      `Compacting medium '${this._location}'`,
      [{ description: 'Compacting', weight: 1 }],
      async () => {
        try {
          await compactImage(diskHost, this._location, { resolveParent: this.resolver() })
        } catch (error) {
          throw diskErrorToVBox(error)
        }
        await this._refresh()
      },
    )
  }

  async resize(logicalSize: number): Promise<IProgress> {
    this.checkIdle('resized')
    if (!Number.isSafeInteger(logicalSize) || logicalSize <= 0)
      throw new VBoxError('E_INVALIDARG', `Invalid medium size ${logicalSize}`, 'Medium')
    if (logicalSize < this._logicalSize)
      throw new VBoxError(
        'VBOX_E_NOT_SUPPORTED',
        `Shrinking medium '${this._location}' from ${this._logicalSize} to ${logicalSize} bytes is not supported`,
        'Medium',
      )
    return runProgress(`Resizing medium '${this._location}'`, [{ description: 'Resizing', weight: 1 }], async () => {
      try {
        await resizeImage(diskHost, this._location, Math.ceil(logicalSize / 512) * 512, {
          resolveParent: this.resolver(),
        })
      } catch (error) {
        throw diskErrorToVBox(error)
      }
      await this._refresh()
    })
  }

  private checkIdle(what: string): void {
    if (this._state !== MediumState.Created)
      throw new VBoxError(
        'VBOX_E_INVALID_OBJECT_STATE',
        `Medium '${this._location}' is not accessible and cannot be ${what}`,
        'Medium',
      )
    if (this._deviceType !== DeviceType.HardDisk)
      throw new VBoxError('VBOX_E_NOT_SUPPORTED', `Only hard disks can be ${what}`, 'Medium')
    if (this._children.length > 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Medium '${this._location}' has child media and cannot be ${what}`,
        'Medium',
      )
    for (const id of this.host._mediumUsage(this).keys())
      if (this.host._isMachineRunning(id))
        throw new VBoxError(
          'VBOX_E_OBJECT_IN_USE',
          `Medium '${this._location}' is in use by a running virtual machine`,
          'Medium',
        )
  }

  /** Internal: the base of a differencing chain. */
  _base(): MediumImpl {
    return this._parent ? this._parent._base() : this
  }

  /** Internal: re-reads sizes and accessibility from the file (image header for disks, file size otherwise). */
  async _refresh(): Promise<void> {
    try {
      const st = await stat(this._location)
      this._size = st.size
      if (this._deviceType === DeviceType.HardDisk) {
        const image = await openImage(diskHost, this._location, { readOnly: true, resolveParent: this.resolver() })
        try {
          const info = await image.info()
          this._logicalSize = info.logicalSize
          this._size = info.allocatedSize
          if (info.variant === 'fixed' && this._format !== 'RAW') this._variant = MediumVariant.Fixed
        } finally {
          await image.close()
        }
      } else {
        this._logicalSize = st.size
      }
      if (this._state === MediumState.Inaccessible || this._state === MediumState.NotCreated)
        this._state = MediumState.Created
      this._lastAccessError = ''
    } catch (error) {
      this._state = MediumState.Inaccessible
      const e = diskErrorToVBox(error)
      this._lastAccessError = `Could not open the medium '${this._location}'. ${(e as Error).message}`
    }
  }

  /**
   * Internal: a parent resolver that finds parents by UUID in the media registry. Raw images carry no UUID, so a
   * differencing image on a raw base records {00000000-…} as its parent; that parent comes from the registry's
   * tree instead (the child's registered parent), as VirtualBox's media registry keeps it.
   */
  resolver(): ParentResolver {
    return ({ childPath, parentUuid }) => {
      const byId = parentUuid && parentUuid !== NIL_UUID ? this.host._findMedium(parentUuid) : undefined
      if (byId) return byId._location
      if (this._location === childPath) return this._parent?._location
      for (let m = this._parent; m; m = m._parent) if (m._location === childPath) return m._parent?._location
      return undefined
    }
  }

  private asMedium(m: IMedium): MediumImpl {
    if (!(m instanceof MediumImpl)) throw new VBoxError('E_INVALIDARG', 'Invalid medium object', 'Medium')
    return m
  }
}

/**
 * Writes, into a new differencing image at `path` over `base` with `child`'s UUID and format, every chunk where
 * `child`'s chain reads differently from `base` (so blocks both hold the same way stay unallocated).
 */
async function rebuildOver(base: MediumImpl, child: MediumImpl, path: string): Promise<void> {
  const format = diskFormatOf(child._format)
  if (format !== 'vdi' && format !== 'vhd' && format !== 'vmdk')
    throw new VBoxError('VBOX_E_NOT_SUPPORTED', `Medium '${child._location}' is not a differencing image`, 'Medium')
  const source = await openImage(diskHost, child._location, { readOnly: true, resolveParent: child.resolver() })
  try {
    const target = await createDifferencing(diskHost, base._location, path, {
      format,
      uuid: child._id,
      resolveParent: base.resolver(),
    })
    try {
      if (target.size !== source.size)
        throw new VBoxError(
          'VBOX_E_NOT_SUPPORTED',
          `Medium '${child._location}' (${source.size} bytes) and '${base._location}' (${target.size} bytes) differ in size`,
          'Medium',
        )
      const chunk = 1024 * 1024
      const want = Buffer.alloc(chunk)
      const have = Buffer.alloc(chunk)
      for (let offset = 0; offset < source.size; offset += chunk) {
        const length = Math.min(chunk, source.size - offset)
        await source.read(offset, want.subarray(0, length))
        await target.read(offset, have.subarray(0, length))
        if (!want.subarray(0, length).equals(have.subarray(0, length)))
          await target.write(offset, want.subarray(0, length))
      }
      await target.flush()
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

/** The UUID an image without one (raw) has. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000'

/** A new random medium id. */
export function newMediumId(): string {
  return randomUUID()
}
