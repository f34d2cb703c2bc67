// Storage controllers and medium attachments of a machine (IStorageController, IMediumAttachment, attachDevice…;
// VirtualBox MachineImpl.cpp attachDevice/detachDevice/mountMedium; vbox-api.md §2.2 IStorageController).
import { VBoxError } from '../api/errors'
import type { IMedium, IMediumAttachment, IStorageController } from '../api/interfaces'
import { DeviceType, MediumType, StorageBus, storageBusForControllerType, storageBusLimits } from '../api/storage-enums'
import type { StorageControllerType } from '../api/storage-enums'
import { isEnumValue } from '../api/enum-util'
import { StorageControllerType as CtlType } from '../api/storage-enums'
import type { AttachmentSettings, StorageControllerSettings } from '../settings/machine-settings'
import { ApiObject } from './api-object'
import type { MachineImpl } from './machine'
import { MediumImpl } from './medium'

/** IStorageController, bound to a machine view and a controller name. */
export class StorageControllerImpl extends ApiObject implements IStorageController {
  readonly interfaceName = 'IStorageController'
  private readonly m: MachineImpl
  private name: string
  constructor(m: MachineImpl, name: string) {
    super()
    this.m = m
    this.name = name
  }
  private get c(): StorageControllerSettings {
    return controllerSettings(this.m, this.name)
  }
  private edit(change: (c: StorageControllerSettings) => void) {
    return this.m._edit((s) => {
      const c = s.hardware.storageControllers.find((x) => x.name === this.name)
      if (!c) throw notFound(this.name)
      change(c)
    })
  }
  async getName() {
    return this.c.name
  }
  async setName(name: string) {
    if (name === '') throw new VBoxError('E_INVALIDARG', 'Controller name must not be empty', 'StorageController')
    if (name !== this.name && this.m._data().hardware.storageControllers.some((c) => c.name === name))
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Storage controller named '${name}' already exists`,
        'StorageController',
      )
    await this.edit((c) => void (c.name = name))
    this.name = name
  }
  async getBus() {
    return storageBusForControllerType(this.c.type)
  }
  async getControllerType() {
    return this.c.type
  }
  async setControllerType(type: StorageControllerType) {
    if (!isEnumValue(CtlType, type) || storageBusForControllerType(type) !== storageBusForControllerType(this.c.type))
      throw new VBoxError('E_INVALIDARG', `Invalid controller type ${type} for this bus`, 'StorageController')
    await this.edit((c) => void (c.type = type))
  }
  async getPortCount() {
    return this.c.portCount
  }
  async setPortCount(count: number) {
    const l = limitsOf(this.c)
    if (!Number.isInteger(count) || count < l.minPortCount || count > l.maxPortCount)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid port count: ${count} (must be in range [${l.minPortCount}, ${l.maxPortCount}])`,
        'StorageController',
      )
    await this.edit((c) => {
      if (c.attachments.some((a) => a.port >= count))
        throw new VBoxError(
          'VBOX_E_OBJECT_IN_USE',
          `The port count cannot be reduced below an attached device's port`,
          'StorageController',
        )
      c.portCount = count
    })
  }
  async getMinPortCount() {
    return limitsOf(this.c).minPortCount
  }
  async getMaxPortCount() {
    return limitsOf(this.c).maxPortCount
  }
  async getMaxDevicesPerPortCount() {
    return limitsOf(this.c).maxDevicesPerPort
  }
  async getInstance() {
    const bus = storageBusForControllerType(this.c.type)
    return this.m
      ._data()
      .hardware.storageControllers.filter((c) => storageBusForControllerType(c.type) === bus)
      .indexOf(this.c)
  }
  async getUseHostIOCache() {
    return this.c.useHostIOCache
  }
  async setUseHostIOCache(use: boolean) {
    await this.edit((c) => void (c.useHostIOCache = use))
  }
  async getBootable() {
    return this.c.bootable
  }
}

function limitsOf(c: StorageControllerSettings) {
  const l = storageBusLimits(storageBusForControllerType(c.type))
  if (!l) throw new VBoxError('E_UNEXPECTED', `Controller '${c.name}' has an unknown type`, 'StorageController')
  return l
}

function notFound(name: string): VBoxError {
  return new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Could not find a storage controller named '${name}'`, 'Machine')
}

function controllerSettings(m: MachineImpl, name: string): StorageControllerSettings {
  const c = m._data().hardware.storageControllers.find((x) => x.name === name)
  if (!c) throw notFound(name)
  return c
}

/** All controllers of the view. */
export function storageControllers(m: MachineImpl): IStorageController[] {
  return m._data().hardware.storageControllers.map((c) => new StorageControllerImpl(m, c.name))
}

/** A controller by name. */
export function storageControllerByName(m: MachineImpl, name: string): IStorageController {
  controllerSettings(m, name)
  return new StorageControllerImpl(m, name)
}

/** addStorageController: the bus's default controller type and port count. */
export async function addStorageController(m: MachineImpl, name: string, bus: StorageBus): Promise<IStorageController> {
  const l = storageBusLimits(bus)
  if (!l || bus === StorageBus.Null) throw new VBoxError('E_INVALIDARG', `Invalid storage bus ${bus}`, 'Machine')
  if (name === '') throw new VBoxError('E_INVALIDARG', 'Controller name must not be empty', 'Machine')
  await m._edit((s) => {
    const list = s.hardware.storageControllers
    if (list.some((c) => c.name === name))
      throw new VBoxError('VBOX_E_OBJECT_IN_USE', `Storage controller named '${name}' already exists`, 'Machine')
    // IDE and floppy: one controller each on PIIX3 (VirtualBox's getMaxInstancesOfStorageBus).
    const sameBus = list.filter((c) => storageBusForControllerType(c.type) === bus).length
    const maxInstances = bus === StorageBus.IDE || bus === StorageBus.Floppy ? 1 : 8
    if (sameBus >= maxInstances)
      throw new VBoxError('VBOX_E_OBJECT_IN_USE', `Too many storage controllers of this type`, 'Machine')
    list.push({
      name,
      type: l.defaultControllerType,
      portCount: l.defaultPortCount,
      useHostIOCache:
        bus === StorageBus.IDE || bus === StorageBus.Floppy || bus === StorageBus.SATA
          ? bus !== StorageBus.SATA
          : false,
      bootable: !list.some((c) => c.bootable && storageBusForControllerType(c.type) === bus),
      attachments: [],
    })
  })
  return new StorageControllerImpl(m, name)
}

/** removeStorageController: detaches its devices too. */
export async function removeStorageController(m: MachineImpl, name: string): Promise<void> {
  await m._edit((s) => {
    const index = s.hardware.storageControllers.findIndex((c) => c.name === name)
    if (index < 0) throw notFound(name)
    s.hardware.storageControllers.splice(index, 1)
  })
}

/** setStorageControllerBootable. */
export async function setStorageControllerBootable(m: MachineImpl, name: string, bootable: boolean): Promise<void> {
  await m._edit((s) => {
    const c = s.hardware.storageControllers.find((x) => x.name === name)
    if (!c) throw notFound(name)
    c.bootable = bootable
  })
}

function mediumOf(m: MachineImpl, medium: IMedium | null): MediumImpl | undefined {
  if (medium === null) return undefined
  if (!(medium instanceof MediumImpl) || m._core.vbox._findMedium(medium._id) !== medium)
    throw new VBoxError('E_INVALIDARG', 'The given medium is not registered with this VirtualBox', 'Machine')
  return medium
}

function toAttachment(m: MachineImpl, c: StorageControllerSettings, a: AttachmentSettings): IMediumAttachment {
  const medium = a.mediumId ? (m._core.vbox._findMedium(a.mediumId) ?? null) : null
  return {
    machine: m,
    medium,
    controller: c.name,
    port: a.port,
    device: a.device,
    type: a.type,
    passthrough: a.passthrough,
    temporaryEject: a.tempEject,
    isEjected: false,
    nonRotational: a.nonRotational,
    discard: a.discard,
    hotPluggable: a.hotPluggable,
    bandwidthGroup: null,
  }
}

/** All attachments of the view. */
export function mediumAttachments(m: MachineImpl): IMediumAttachment[] {
  return m._data().hardware.storageControllers.flatMap((c) => c.attachments.map((a) => toAttachment(m, c, a)))
}

/** One attachment, or VBOX_E_OBJECT_NOT_FOUND. */
export function mediumAttachment(m: MachineImpl, name: string, port: number, device: number): IMediumAttachment {
  const c = controllerSettings(m, name)
  const a = c.attachments.find((x) => x.port === port && x.device === device)
  if (!a)
    throw new VBoxError(
      'VBOX_E_OBJECT_NOT_FOUND',
      `No storage device attached to device slot ${device} on port ${port} of controller '${name}'`,
      'Machine',
    )
  return toAttachment(m, c, a)
}

function checkSlot(c: StorageControllerSettings, port: number, device: number): void {
  const l = limitsOf(c)
  if (
    !Number.isInteger(port) ||
    !Number.isInteger(device) ||
    port < 0 ||
    port >= c.portCount ||
    device < 0 ||
    device >= l.maxDevicesPerPort
  )
    throw new VBoxError(
      'E_INVALIDARG',
      `The port and/or device parameter are out of range [0..${c.portCount - 1}, 0..${l.maxDevicesPerPort - 1}]`,
      'Machine',
    )
}

function checkMediumFits(m: MachineImpl, medium: MediumImpl | undefined, type: DeviceType): void {
  if (!medium) return
  if (medium._deviceType !== type)
    throw new VBoxError(
      'E_INVALIDARG',
      `The medium '${medium._location}' has a different device type than the attachment`,
      'Machine',
    )
  if (type !== DeviceType.HardDisk) return
  const shared: MediumType[] = [MediumType.Shareable, MediumType.Immutable, MediumType.MultiAttach, MediumType.Readonly]
  if (medium._children.length > 0 && !shared.includes(medium._base()._type))
    throw new VBoxError(
      'VBOX_E_OBJECT_IN_USE',
      `Medium '${medium._location}' cannot be attached because it has differencing child media`,
      'Machine',
    )
  for (const c of m._data().hardware.storageControllers)
    for (const a of c.attachments)
      if (a.mediumId === medium._id)
        throw new VBoxError(
          'VBOX_E_OBJECT_IN_USE',
          `Medium '${medium._location}' is already attached to port ${a.port}, device ${a.device} of controller '${c.name}' of this virtual machine`,
          'Machine',
        )
  if (!shared.includes(medium._base()._type))
    for (const other of m._core.vbox._machineCores())
      if (other !== m._core && other.mediumUsage().has(medium._id))
        throw new VBoxError(
          'VBOX_E_OBJECT_IN_USE',
          `Medium '${medium._location}' is already attached to the virtual machine '${other.name}'`,
          'Machine',
        )
}

/** attachDevice / attachDeviceWithoutMedium. */
export async function attachDevice(
  m: MachineImpl,
  name: string,
  port: number,
  device: number,
  type: DeviceType,
  medium: IMedium | null,
): Promise<void> {
  const impl = mediumOf(m, medium)
  await m._edit((s) => {
    const c = s.hardware.storageControllers.find((x) => x.name === name)
    if (!c) throw notFound(name)
    checkSlot(c, port, device)
    if (!limitsOf(c).deviceTypes.includes(type))
      throw new VBoxError(
        'E_INVALIDARG',
        `The device type ${type} is not supported by the controller '${name}'`,
        'Machine',
      )
    if (type === DeviceType.HardDisk && !impl)
      throw new VBoxError('E_INVALIDARG', 'No medium specified for the hard disk attachment', 'Machine')
    const occupied = c.attachments.find((a) => a.port === port && a.device === device)
    if (occupied)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `A device is already attached to port ${port}, device ${device} of controller '${name}' of this virtual machine`,
        'Machine',
      )
    checkMediumFits(m, impl, type)
    c.attachments.push({
      type,
      port,
      device,
      mediumId: impl?._id,
      passthrough: false,
      tempEject: false,
      nonRotational: false,
      discard: false,
      hotPluggable: false,
    })
  })
}

/** detachDevice. */
export async function detachDevice(m: MachineImpl, name: string, port: number, device: number): Promise<void> {
  await m._edit((s) => {
    const c = s.hardware.storageControllers.find((x) => x.name === name)
    if (!c) throw notFound(name)
    const index = c.attachments.findIndex((a) => a.port === port && a.device === device)
    if (index < 0)
      throw new VBoxError(
        'VBOX_E_OBJECT_NOT_FOUND',
        `No storage device attached to device slot ${device} on port ${port} of controller '${name}'`,
        'Machine',
      )
    c.attachments.splice(index, 1)
  })
}

/** mountMedium / unmountMedium: changes the medium of a removable drive. */
export async function mountMedium(
  m: MachineImpl,
  name: string,
  port: number,
  device: number,
  medium: IMedium | null,
  force: boolean,
): Promise<void> {
  void force
  const impl = mediumOf(m, medium)
  await m._edit((s) => {
    const c = s.hardware.storageControllers.find((x) => x.name === name)
    if (!c) throw notFound(name)
    const a = c.attachments.find((x) => x.port === port && x.device === device)
    if (!a)
      throw new VBoxError(
        'VBOX_E_OBJECT_NOT_FOUND',
        `No drive attached to device slot ${device} on port ${port} of controller '${name}'`,
        'Machine',
      )
    if (a.type === DeviceType.HardDisk)
      throw new VBoxError(
        'E_INVALIDARG',
        'Hard disks cannot be mounted or unmounted; attach or detach them instead',
        'Machine',
      )
    if (impl && impl._deviceType !== a.type)
      throw new VBoxError(
        'E_INVALIDARG',
        `The medium '${impl._location}' has a different device type than the drive`,
        'Machine',
      )
    a.mediumId = impl?._id
  })
}

/** The boolean attachment flags (passthroughDevice, nonRotationalDevice, setHotPluggableForDevice). */
export async function setAttachmentFlag(
  m: MachineImpl,
  name: string,
  port: number,
  device: number,
  flag: 'passthrough' | 'nonRotational' | 'hotPluggable',
  value: boolean,
): Promise<void> {
  await m._edit((s) => {
    const c = s.hardware.storageControllers.find((x) => x.name === name)
    if (!c) throw notFound(name)
    const a = c.attachments.find((x) => x.port === port && x.device === device)
    if (!a)
      throw new VBoxError(
        'VBOX_E_OBJECT_NOT_FOUND',
        `No storage device attached to device slot ${device} on port ${port} of controller '${name}'`,
        'Machine',
      )
    if (flag === 'passthrough' && a.type !== DeviceType.DVD)
      throw new VBoxError(
        'E_INVALIDARG',
        'Setting passthrough rejected as the device attached to device slot is not a DVD drive',
        'Machine',
      )
    if (flag === 'nonRotational' && a.type !== DeviceType.HardDisk)
      throw new VBoxError(
        'E_INVALIDARG',
        'Setting the non-rotational medium flag rejected as the device attached is not a hard disk',
        'Machine',
      )
    a[flag] = value
  })
}
