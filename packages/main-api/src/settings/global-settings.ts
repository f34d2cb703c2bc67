// The global settings file VirtualBox.xml: machine registry, global media registry, system properties, extra data
// (Settings.cpp MainConfigFile; vbox-api.md §4.2).
import type { MediaRegistrySettings } from './machine-settings'
import { readExtraData, readMediaRegistry } from './machine-settings-read'
import { writeExtraData, writeMediaRegistry } from './machine-settings-write'
import { uuidFromXml, uuidToXml } from './xml-names'
import { attr, child, childElements, el, type XmlElement } from './xml-tree'

/** `<MachineEntry>`: a registered machine and its settings file. */
export interface MachineEntry {
  uuid: string
  src: string
}

/** System properties kept in `<SystemProperties>`. */
export interface SystemPropertiesSettings {
  defaultMachineFolder: string
  defaultHardDiskFormat: string
  vrdeAuthLibrary: string
  logHistoryCount: number
  defaultFrontend: string
}

/** The content of `<Global>`. */
export interface GlobalSettings {
  extraData: Array<[string, string]>
  machines: MachineEntry[]
  mediaRegistry: MediaRegistrySettings
  systemProperties: SystemPropertiesSettings
}

/** Global settings with VirtualBox's defaults. */
export function defaultGlobalSettings(defaultMachineFolder: string): GlobalSettings {
  return {
    extraData: [],
    machines: [],
    mediaRegistry: { hardDisks: [], dvdImages: [], floppyImages: [] },
    systemProperties: {
      defaultMachineFolder,
      defaultHardDiskFormat: 'VDI',
      vrdeAuthLibrary: 'VBoxAuth',
      logHistoryCount: 3,
      defaultFrontend: '',
    },
  }
}

/** Reads `<Global>`. */
export function readGlobal(global: XmlElement, defaultMachineFolder: string): GlobalSettings {
  const g = defaultGlobalSettings(defaultMachineFolder)
  const extra = child(global, 'ExtraData')
  if (extra) g.extraData = readExtraData(extra)
  const registry = child(global, 'MachineRegistry')
  if (registry)
    g.machines = childElements(registry, 'MachineEntry').map((e) => ({
      uuid: uuidFromXml(attr(e, 'uuid')),
      src: attr(e, 'src') ?? '',
    }))
  const media = child(global, 'MediaRegistry')
  if (media) g.mediaRegistry = readMediaRegistry(media)
  const props = child(global, 'SystemProperties')
  if (props) {
    const p = g.systemProperties
    p.defaultMachineFolder = attr(props, 'defaultMachineFolder') ?? p.defaultMachineFolder
    p.defaultHardDiskFormat = attr(props, 'defaultHardDiskFormat') ?? p.defaultHardDiskFormat
    p.vrdeAuthLibrary = attr(props, 'VRDEAuthLibrary') ?? p.vrdeAuthLibrary
    p.logHistoryCount = Number(attr(props, 'LogHistoryCount') ?? p.logHistoryCount)
    p.defaultFrontend = attr(props, 'defaultFrontend') ?? p.defaultFrontend
  }
  return g
}

/** Builds `<Global>`. */
export function writeGlobal(g: GlobalSettings): XmlElement {
  const global = el('Global')
  if (g.extraData.length > 0) global.children.push(writeExtraData(g.extraData))
  global.children.push(
    el(
      'MachineRegistry',
      {},
      g.machines.map((m) => el('MachineEntry', { uuid: uuidToXml(m.uuid), src: m.src })),
    ),
  )
  global.children.push(writeMediaRegistry(g.mediaRegistry) ?? el('MediaRegistry'))
  const p = g.systemProperties
  global.children.push(
    el('SystemProperties', {
      defaultMachineFolder: p.defaultMachineFolder,
      defaultHardDiskFormat: p.defaultHardDiskFormat,
      VRDEAuthLibrary: p.vrdeAuthLibrary,
      LogHistoryCount: p.logHistoryCount,
      defaultFrontend: p.defaultFrontend === '' ? undefined : p.defaultFrontend,
    }),
  )
  return global
}
