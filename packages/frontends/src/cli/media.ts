// Finding media the way VBoxManage accepts them: by UUID among the registered media, or by file name (opened,
// and so registered, implicitly). File names are resolved against the CLI's working directory, never the
// service's.
import { AccessMode, DeviceType } from '@boxwood/main-api/client'
import type { IMedium, IVirtualBox } from '@boxwood/main-api/client'
import { resolve } from 'node:path'
import { CommandError } from './errors'

const UUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i

/** Every registered medium, hard disks with their differencing descendants. */
export async function registeredMedia(vbox: IVirtualBox): Promise<IMedium[]> {
  const out: IMedium[] = []
  const visit = async (m: IMedium) => {
    out.push(m)
    for (const child of await m.getChildren()) await visit(child)
  }
  for (const m of [...(await vbox.getHardDisks()), ...(await vbox.getDVDImages()), ...(await vbox.getFloppyImages())])
    await visit(m)
  return out
}

/** The medium named by `spec` (UUID or file); `deviceType` is used to open a file not yet registered. */
export async function findMedium(vbox: IVirtualBox, spec: string, deviceType: DeviceType): Promise<IMedium> {
  if (UUID.test(spec)) {
    const wanted = spec.replace(/^\{|\}$/g, '').toLowerCase()
    for (const m of await registeredMedia(vbox)) if ((await m.getId()).toLowerCase() === wanted) return m
    throw new CommandError(`Could not find a registered medium with UUID {${wanted}}`)
  }
  const path = resolve(spec)
  for (const m of await registeredMedia(vbox)) if ((await m.getLocation()) === path) return m
  return vbox.openMedium(path, deviceType, AccessMode.ReadWrite, false)
}

/** Guesses the device type of a file for commands where it is optional (VBoxManage looks at the extension). */
export function deviceTypeForFile(spec: string): DeviceType {
  const lower = spec.toLowerCase()
  if (lower.endsWith('.iso')) return DeviceType.DVD
  if (lower.endsWith('.img') || lower.endsWith('.ima') || lower.endsWith('.flp')) return DeviceType.Floppy
  return DeviceType.HardDisk
}
