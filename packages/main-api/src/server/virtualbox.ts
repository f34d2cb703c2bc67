// IVirtualBox: the root object owning the machine and media registries and the global settings file
// (VirtualBox src/VBox/Main/src-server/VirtualBoxImpl.cpp; vbox-api.md §2.1, §4.2).
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { extname, isAbsolute, join, resolve, sep } from 'node:path'
import { openImage } from '@boxwood/devices/disk'
import { VBoxError } from '../api/errors'
import type { IEventSource, IGuestOSType, IHost, IMachine, IMedium, IPerformanceCollector } from '../api/interfaces'
import type { ISystemProperties, IVirtualBox } from '../api/interfaces'
import { VBoxEventType } from '../api/event-types'
import { MachineState, NetworkAttachmentType, type PlatformArchitecture } from '../api/machine-enums'
import { PlatformArchitecture as Arch } from '../api/machine-enums'
import { AccessMode, DeviceType, MediumState, MediumType } from '../api/storage-enums'
import { EventSourceImpl } from '../events/event-source'
import { PerformanceCollectorImpl } from '../metrics/performance-collector'
import type { GlobalSettings } from '../settings/global-settings'
import { defaultGlobalSettings, readGlobal, writeGlobal } from '../settings/global-settings'
import { defaultMachineFolder, globalSettingsPath } from '../settings/home'
import type { MediumEntry } from '../settings/machine-settings'
import { defaultMachineSettings } from '../settings/machine-settings'
import { buildSettingsText, loadSettingsFile, writeFileAtomic } from '../settings/settings-file'
import { rootSchema } from '../settings/settings-schema'
import { child, type XmlElement } from '../settings/xml-tree'
import { ApiObject } from './api-object'
import { findGuestOSType, guestOSTypes } from './guest-os-types'
import { generateMacAddress, HostImpl } from './host'
import { MachineCore } from './machine-core'
import { MachineImpl } from './machine'
import { diskErrorToVBox, diskHost, MediumImpl, newMediumId } from './medium'
import type { MediaRegistryHost } from './medium'
import { SystemPropertiesImpl } from './system-properties'

/** Boxwood's version, reported as IVirtualBox.version (VirtualBox API level it mirrors: 7.1). */
export const BOXWOOD_VERSION = '7.1.0_BOXWOOD'
/** The API version string ("7_1"). */
export const API_VERSION = '7_1'

/** Options for opening the VirtualBox object. */
export interface VirtualBoxOptions {
  /** The home folder holding VirtualBox.xml (default: boxwoodHomeFolder()). */
  readonly homeFolder: string
}

const UUID_RE = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i

/** The root object. */
export class VirtualBoxImpl extends ApiObject implements IVirtualBox, MediaRegistryHost {
  readonly interfaceName = 'IVirtualBox'
  readonly _events = new EventSourceImpl()
  readonly _home: string
  readonly _host = new HostImpl()
  readonly _systemProperties: SystemPropertiesImpl
  readonly _performance: PerformanceCollectorImpl
  private readonly global: GlobalSettings
  private globalRoot: XmlElement | undefined
  private readonly cores = new Map<string, MachineCore>()
  private readonly views = new Map<string, MachineImpl>()
  private readonly media = new Map<string, MediumImpl>()
  private globalSaving: Promise<void> = Promise.resolve()

  private constructor(home: string, global: GlobalSettings, globalRoot: XmlElement | undefined) {
    super()
    this._home = home
    this.global = global
    this.globalRoot = globalRoot
    this._systemProperties = new SystemPropertiesImpl(global.systemProperties, () => this._saveGlobal())
    this._performance = new PerformanceCollectorImpl(this._host, () => [...this.views.values()])
  }

  /** Opens (creating if needed) the home folder and loads the global settings, machines and media. */
  static async _open(options: VirtualBoxOptions): Promise<VirtualBoxImpl> {
    const home = resolve(options.homeFolder)
    await mkdir(home, { recursive: true, mode: 0o700 })
    const path = globalSettingsPath(home)
    let global = defaultGlobalSettings(defaultMachineFolder())
    let root: XmlElement | undefined
    if (existsSync(path)) {
      const loaded = await loadSettingsFile(path, 'Global')
      root = loaded.root
      global = readGlobal(child(loaded.root, 'Global') as XmlElement, defaultMachineFolder())
    }
    const vbox = new VirtualBoxImpl(home, global, root)
    vbox.loadMedia(global.mediaRegistry, '', (p) => (isAbsolute(p) ? p : join(home, p)))
    for (const entry of global.machines) {
      try {
        const core = await MachineCore.load(vbox, entry.src)
        core.registered = true
        vbox.cores.set(core.id, core)
        vbox.views.set(core.id, new MachineImpl(core, { kind: 'registry' }))
        vbox.loadMedia(core.settings.mediaRegistry, core.id, (p) => core.resolvePath(p))
      } catch (error) {
        // An unreadable machine stays listed in VirtualBox.xml (VirtualBox shows it as inaccessible).
        process.emitWarning(`Boxwood: machine ${entry.src} is inaccessible: ${(error as Error).message}`)
      }
    }
    await Promise.all([...vbox.media.values()].map((m) => m._refresh()))
    return vbox
  }

  private loadMedia(
    registry: GlobalSettings['mediaRegistry'],
    owner: string,
    resolvePath: (p: string) => string,
  ): void {
    const add = (entry: MediumEntry, deviceType: DeviceType, parent: MediumImpl | undefined) => {
      const m = new MediumImpl(this, {
        id: entry.uuid,
        location: resolvePath(entry.location),
        format: entry.format,
        deviceType,
        type: entry.type ?? MediumType.Normal,
        description: entry.description,
        state: MediumState.Created,
        registryOwner: owner,
      })
      m._registered = true
      if (parent) {
        m._parent = parent
        parent._children.push(m)
      }
      this.media.set(m._id, m)
      for (const c of entry.children) add(c, deviceType, m)
    }
    for (const e of registry.hardDisks) add(e, DeviceType.HardDisk, undefined)
    for (const e of registry.dvdImages) add(e, DeviceType.DVD, undefined)
    for (const e of registry.floppyImages) add(e, DeviceType.Floppy, undefined)
  }

  async getVersion() {
    return BOXWOOD_VERSION
  }
  async getVersionNormalized() {
    return '7.1.0'
  }
  async getRevision() {
    return 0
  }
  async getAPIVersion() {
    return API_VERSION
  }
  async getPackageType() {
    return `${process.platform.toUpperCase()}_${process.arch === 'x64' || process.arch === 'arm64' ? '64' : '32'}BITS_GENERIC`
  }
  async getHomeFolder() {
    return this._home
  }
  async getSettingsFilePath() {
    return globalSettingsPath(this._home)
  }
  async getHost(): Promise<IHost> {
    return this._host
  }
  async getSystemProperties(): Promise<ISystemProperties> {
    return this._systemProperties
  }
  async getMachines(): Promise<IMachine[]> {
    return [...this.views.values()]
  }
  async getMachineGroups() {
    const groups = new Set<string>()
    for (const core of this.cores.values()) for (const g of core.settings.groups) groups.add(g)
    return [...groups]
  }
  async getHardDisks(): Promise<IMedium[]> {
    return this.mediaOf(DeviceType.HardDisk).filter((m) => !m._parent)
  }
  async getDVDImages(): Promise<IMedium[]> {
    return this.mediaOf(DeviceType.DVD)
  }
  async getFloppyImages(): Promise<IMedium[]> {
    return this.mediaOf(DeviceType.Floppy)
  }
  private mediaOf(type: DeviceType): MediumImpl[] {
    return [...this.media.values()].filter((m) => m._deviceType === type)
  }
  async getGuestOSTypes(): Promise<IGuestOSType[]> {
    return [...guestOSTypes]
  }
  async getGuestOSType(id: string): Promise<IGuestOSType> {
    const t = findGuestOSType(id)
    if (!t) throw new VBoxError('E_INVALIDARG', `'${id}' is not a valid Guest OS type`, 'VirtualBox')
    return t
  }
  async getEventSource(): Promise<IEventSource> {
    return this._events
  }
  async getPerformanceCollector(): Promise<IPerformanceCollector> {
    return this._performance
  }

  async composeMachineFilename(name: string, group: string, createFlags: string, baseFolder: string): Promise<string> {
    if (name.trim() === '') throw new VBoxError('E_INVALIDARG', 'Machine name must not be empty', 'VirtualBox')
    const flags = parseFlags(createFlags)
    const safe = name.replace(/[/\\:*?"<>|]/g, '_')
    const groupPath = group === '' || group === '/' ? '' : group.replace(/^\//, '')
    const base = baseFolder !== '' ? baseFolder : join(this.global.systemProperties.defaultMachineFolder, groupPath)
    const dir = flags.directoryIncludesUUID === '1' && flags.UUID ? `${safe} {${flags.UUID}}` : safe
    return join(base, dir, `${safe}.vbox`)
  }

  async createMachine(
    settingsFile: string,
    name: string,
    platform: PlatformArchitecture,
    groups: string[],
    osTypeId: string,
    flags: string,
  ): Promise<IMachine> {
    if (platform !== Arch.x86 && platform !== Arch.None)
      throw new VBoxError(
        'VBOX_E_PLATFORM_ARCH_NOT_SUPPORTED',
        `Platform architecture ${platform} is not supported on this host`,
        'VirtualBox',
      )
    if (name.trim() === '') throw new VBoxError('E_INVALIDARG', 'Machine name must not be empty', 'VirtualBox')
    const parsed = parseFlags(flags)
    let id: string = randomUUID()
    if (parsed.UUID !== undefined) {
      if (!UUID_RE.test(parsed.UUID)) throw new VBoxError('E_INVALIDARG', `Invalid UUID '${parsed.UUID}'`, 'VirtualBox')
      id = parsed.UUID.replace(/[{}]/g, '').toLowerCase()
      if (this.cores.has(id))
        throw new VBoxError('VBOX_E_OBJECT_IN_USE', `A machine with UUID {${id}} is already registered`, 'VirtualBox')
    }
    const path =
      settingsFile !== '' ? resolve(settingsFile) : await this.composeMachineFilename(name, groups[0] ?? '', flags, '')
    if (existsSync(path) && parsed.forceOverwrite !== '1')
      throw new VBoxError('VBOX_E_FILE_ERROR', `Machine settings file '${path}' already exists`, 'VirtualBox')
    const s = defaultMachineSettings(id, name, osTypeId === '' ? 'Other' : osTypeId)
    if (groups.length > 0) s.groups = [...groups]
    const type = findGuestOSType(s.osType)
    if (type) {
      // Machine::init applies the OS type's basic recommendations; storage comes with applyDefaults/boxmanage.
      const h = s.hardware
      h.memorySize = type.recommendedRAM
      h.vramSize = type.recommendedVRAM
      h.graphicsController = type.recommendedGraphicsController
      h.firmware = type.recommendedFirmware
      h.longMode = type.is64Bit
      h.pae = type.recommendedPAE
      h.ioapic = type.recommendedIOAPIC
      h.rtcUseUTC = type.recommendedRTCUseUTC
      h.hpet = type.recommendedHPET
      h.chipset = type.recommendedChipset
      h.x2apic = type.recommendedX2APIC
      h.cpuCount = type.recommendedCPUCount
      h.audioController = type.recommendedAudioController
      for (const nic of h.network) nic.adapterType = type.adapterType
    }
    // NetworkAdapter::i_applyDefaults: the first adapter is enabled with NAT and a generated MAC address.
    const first = s.hardware.network[0]
    if (first) {
      first.enabled = true
      first.attachmentType = NetworkAttachmentType.NAT
      first.macAddress = generateMacAddress()
    }
    const core = new MachineCore(this, s, path, true)
    return new MachineImpl(core, { kind: 'registry' })
  }

  async openMachine(settingsFile: string): Promise<IMachine> {
    const path = resolve(settingsFile)
    for (const core of this.cores.values())
      if (core.settingsFilePath === path) return this.views.get(core.id) as MachineImpl
    const core = await MachineCore.load(this, path)
    return new MachineImpl(core, { kind: 'registry' })
  }

  async registerMachine(machine: IMachine): Promise<void> {
    if (!(machine instanceof MachineImpl) || machine._core.vbox !== this || machine._view.kind !== 'registry')
      throw new VBoxError('E_INVALIDARG', 'Invalid machine object', 'VirtualBox')
    const core = machine._core
    const existing = this.cores.get(core.id)
    if (existing)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Registered machine with UUID {${core.id}} ('${existing.name}') already exists`,
        'VirtualBox',
      )
    if (!existsSync(core.settingsFilePath)) await core.saveSettings()
    core.registered = true
    core.isNew = false
    core.pending = undefined
    this.cores.set(core.id, core)
    this.views.set(core.id, machine)
    this.loadMachineMediaIfNeeded(core)
    this.global.machines.push({ uuid: core.id, src: core.settingsFilePath })
    if (this._adoptMedia(core)) await core.saveRegistryOnly()
    await this._saveGlobal()
    this._events._fire({ type: VBoxEventType.OnMachineRegistered, machineId: core.id, registered: true })
  }

  private loadMachineMediaIfNeeded(core: MachineCore): void {
    const registry = core.settings.mediaRegistry
    const fresh = { hardDisks: [] as MediumEntry[], dvdImages: [] as MediumEntry[], floppyImages: [] as MediumEntry[] }
    for (const key of ['hardDisks', 'dvdImages', 'floppyImages'] as const)
      fresh[key] = registry[key].filter((e) => !this.media.has(e.uuid))
    this.loadMedia(fresh, core.id, (p) => core.resolvePath(p))
  }

  async findMachine(nameOrId: string): Promise<IMachine> {
    const found = this._findCore(nameOrId)
    if (!found)
      throw new VBoxError(
        'VBOX_E_OBJECT_NOT_FOUND',
        `Could not find a registered machine named '${nameOrId}'`,
        'VirtualBox',
      )
    return this.views.get(found.id) as MachineImpl
  }

  /** Internal: a registered machine by name or UUID. */
  _findCore(nameOrId: string): MachineCore | undefined {
    if (UUID_RE.test(nameOrId)) {
      const byId = this.cores.get(nameOrId.replace(/[{}]/g, '').toLowerCase())
      if (byId) return byId
    }
    for (const core of this.cores.values()) if (core.settings.name === nameOrId) return core
    return undefined
  }

  async getMachineStates(machines: IMachine[]) {
    return Promise.all(machines.map((m) => m.getState()))
  }

  async createMedium(
    format: string,
    location: string,
    accessMode: AccessMode,
    deviceType: DeviceType,
  ): Promise<IMedium> {
    if (deviceType !== DeviceType.HardDisk && deviceType !== DeviceType.DVD && deviceType !== DeviceType.Floppy)
      throw new VBoxError('E_INVALIDARG', `Invalid device type ${deviceType}`, 'VirtualBox')
    if (accessMode !== AccessMode.ReadOnly && accessMode !== AccessMode.ReadWrite)
      throw new VBoxError('E_INVALIDARG', `Invalid access mode ${accessMode}`, 'VirtualBox')
    const fmt = (format === '' ? this.global.systemProperties.defaultHardDiskFormat : format).toUpperCase()
    if (!['VDI', 'VMDK', 'VHD', 'RAW'].includes(fmt))
      throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Invalid hard disk storage file format '${format}'`, 'VirtualBox')
    if (location === '') throw new VBoxError('E_INVALIDARG', 'The medium location must not be empty', 'VirtualBox')
    let path = isAbsolute(location) ? location : join(this._home, location)
    if (extname(path) === '') path = `${path}.${fmt.toLowerCase()}`
    const registered = [...this.media.values()].find((m) => m._location === path)
    if (registered)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Cannot create medium storage unit '${path}' because a medium with this location is already registered`,
        'VirtualBox',
      )
    if (existsSync(path))
      throw new VBoxError(
        'VBOX_E_FILE_ERROR',
        `Could not create the medium storage unit '${path}': the file already exists`,
        'VirtualBox',
      )
    return new MediumImpl(this, {
      id: newMediumId(),
      location: path,
      format: fmt,
      deviceType,
      type: MediumType.Normal,
      description: '',
      state: MediumState.NotCreated,
      registryOwner: '',
    })
  }

  async openMedium(
    location: string,
    deviceType: DeviceType,
    accessMode: AccessMode,
    forceNewUuid: boolean,
  ): Promise<IMedium> {
    if (deviceType !== DeviceType.HardDisk && deviceType !== DeviceType.DVD && deviceType !== DeviceType.Floppy)
      throw new VBoxError('E_INVALIDARG', `Invalid device type ${deviceType}`, 'VirtualBox')
    void accessMode
    const path = isAbsolute(location) ? location : resolve(location)
    const registered = [...this.media.values()].find((m) => m._location === path)
    if (registered) {
      if (registered._deviceType !== deviceType)
        throw new VBoxError(
          'VBOX_E_OBJECT_IN_USE',
          `Medium '${path}' is already registered with a different device type`,
          'VirtualBox',
        )
      return registered
    }
    if (!existsSync(path))
      throw new VBoxError(
        'VBOX_E_FILE_ERROR',
        `Could not find file for the medium '${path}' (VERR_FILE_NOT_FOUND)`,
        'Medium',
      )
    let id: string = randomUUID()
    let format = 'RAW'
    let parent: MediumImpl | undefined
    if (deviceType === DeviceType.HardDisk) {
      try {
        const image = await openImage(diskHost, path, {
          readOnly: true,
          resolveParent: ({ parentUuid }) => (parentUuid ? this.media.get(parentUuid)?._location : undefined),
        })
        try {
          const info = await image.info()
          format = info.format === 'iso' ? 'RAW' : info.format.toUpperCase()
          if (!forceNewUuid && info.uuid !== '00000000-0000-0000-0000-000000000000') id = info.uuid
          if (info.parentUuid) parent = this.media.get(info.parentUuid)
        } finally {
          await image.close()
        }
      } catch (error) {
        throw diskErrorToVBox(error)
      }
    }
    const clash = this.media.get(id)
    if (clash)
      throw new VBoxError(
        'VBOX_E_OBJECT_IN_USE',
        `Cannot register the hard disk '${path}' {${id}} because a hard disk '${clash._location}' with UUID {${id}} already exists`,
        'VirtualBox',
      )
    const medium = new MediumImpl(this, {
      id,
      location: path,
      format,
      deviceType,
      type: MediumType.Normal,
      description: '',
      state: MediumState.Created,
      registryOwner: parent?._registryOwner ?? '',
    })
    if (parent) {
      medium._parent = parent
      parent._children.push(medium)
    }
    await medium._refresh()
    await this._registerMedium(medium)
    return medium
  }

  async getExtraDataKeys() {
    return this.global.extraData.map(([k]) => k)
  }
  async getExtraData(key: string) {
    return this.global.extraData.find(([k]) => k === key)?.[1] ?? ''
  }
  async setExtraData(key: string, value: string) {
    const items = this.global.extraData
    const index = items.findIndex(([k]) => k === key)
    if (value === '') {
      if (index >= 0) items.splice(index, 1)
    } else if (index >= 0) items[index] = [key, value]
    else items.push([key, value])
    await this._saveGlobal()
    this._events._fire({ type: VBoxEventType.OnExtraDataChanged, machineId: '', key, value })
  }

  /** Internal: writes VirtualBox.xml (serialised, atomic). */
  async _saveGlobal(): Promise<void> {
    const run = this.globalSaving.then(async () => {
      this.global.mediaRegistry = this.globalMediaRegistry()
      const { text, root } = buildSettingsText(writeGlobal(this.global), this.globalRoot, rootSchema('Global'))
      await writeFileAtomic(globalSettingsPath(this._home), text)
      this.globalRoot = root
    })
    this.globalSaving = run.catch(() => undefined)
    await run
  }

  private globalMediaRegistry(): GlobalSettings['mediaRegistry'] {
    const owned = [...this.media.values()].filter((m) => m._registryOwner === '')
    const entry = (m: MediumImpl): MediumEntry => ({
      uuid: m._id,
      location: m._location,
      format: m._format,
      type: m._parent ? undefined : m._type,
      description: m._description,
      children: m._children.filter((c) => owned.includes(c)).map(entry),
    })
    const roots = owned.filter((m) => !m._parent || !owned.includes(m._parent))
    return {
      hardDisks: roots.filter((m) => m._deviceType === DeviceType.HardDisk).map(entry),
      dvdImages: roots.filter((m) => m._deviceType === DeviceType.DVD).map(entry),
      floppyImages: roots.filter((m) => m._deviceType === DeviceType.Floppy).map(entry),
    }
  }

  /** Internal: registered machine cores. */
  _machineCores(): MachineCore[] {
    return [...this.cores.values()]
  }

  /** Internal: the registry Machine object of a core. */
  _viewOf(core: MachineCore): MachineImpl {
    return this.views.get(core.id) ?? new MachineImpl(core, { kind: 'registry' })
  }

  /** Internal: a machine's folder was renamed: media inside it moved, and the registry entry points to the new file. */
  async _machineFolderMoved(core: MachineCore, oldFolder: string, newFolder: string): Promise<void> {
    for (const m of this.media.values())
      if (m._location.startsWith(oldFolder + sep)) m._location = newFolder + m._location.slice(oldFolder.length)
    const entry = this.global.machines.find((e) => e.uuid === core.id)
    if (entry) entry.src = core.settingsFilePath
    await this._saveGlobal()
  }

  /** Internal: removes a machine from the registry (unregister). */
  async _unregisterMachineCore(core: MachineCore): Promise<void> {
    this.cores.delete(core.id)
    this.views.delete(core.id)
    core.registered = false
    const index = this.global.machines.findIndex((e) => e.uuid === core.id)
    if (index >= 0) this.global.machines.splice(index, 1)
    await this._saveGlobal()
    this._events._fire({ type: VBoxEventType.OnMachineRegistered, machineId: core.id, registered: false })
  }

  _findMedium(id: string): MediumImpl | undefined {
    return this.media.get(id)
  }

  async _registerMedium(medium: MediumImpl): Promise<void> {
    this.media.set(medium._id, medium)
    medium._registered = true
    await this._saveMediumRegistry(medium)
    this._events._fire({
      type: VBoxEventType.OnMediumRegistered,
      mediumId: medium._id,
      mediumType: medium._deviceType,
      registered: true,
    })
  }

  async _unregisterMedium(medium: MediumImpl): Promise<void> {
    this.media.delete(medium._id)
    medium._registered = false
    const parent = medium._parent
    if (parent) parent._children.splice(parent._children.indexOf(medium), 1)
    await this._saveMediumRegistry(medium)
    this._events._fire({
      type: VBoxEventType.OnMediumRegistered,
      mediumId: medium._id,
      mediumType: medium._deviceType,
      registered: false,
    })
  }

  async _saveMediumRegistry(medium: MediumImpl): Promise<void> {
    const core = medium._registryOwner === '' ? undefined : this.cores.get(medium._registryOwner)
    if (core) await core.saveRegistryOnly()
    else await this._saveGlobal()
  }

  _mediumUsage(medium: MediumImpl): Map<string, string[]> {
    const usage = new Map<string, string[]>()
    for (const core of this.cores.values()) {
      const used = core.mediumUsage().get(medium._id)
      if (used) usage.set(core.id, used)
    }
    return usage
  }

  _isMachineRunning(machineId: string): boolean {
    return this.cores.get(machineId)?.isOnline() ?? false
  }

  /** Internal: media listed in a machine's own registry. */
  _mediaOwnedBy(machineId: string): MediumImpl[] {
    return [...this.media.values()].filter((m) => m._registryOwner === machineId)
  }

  /** Internal: moves media a machine uses from the global registry into the machine's (as VirtualBox 4.0+ does). */
  _adoptMedia(core: MachineCore): boolean {
    let moved = false
    for (const id of core.mediumUsage().keys()) {
      let m = this.media.get(id)
      while (m) {
        if (m._registryOwner === '') {
          m._registryOwner = core.id
          moved = true
        }
        m = m._parent
      }
    }
    return moved
  }

  /** Internal: stops running VMs' bookkeeping (service shutdown). */
  _onlineMachines(): MachineCore[] {
    return [...this.cores.values()].filter((c) => c.state !== MachineState.PoweredOff && c.isOnline())
  }
}

function parseFlags(flags: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of flags.split(',')) {
    const trimmed = part.trim()
    if (trimmed === '') continue
    const eq = trimmed.indexOf('=')
    if (eq < 0) out[trimmed] = '1'
    else out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1)
  }
  return out
}
