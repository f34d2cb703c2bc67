// Chooses how the built-in PC starts from the machine settings: a BIOS ROM named by VirtualBox's extra-data key
// VBoxInternal/Devices/pcbios/0/Config/BiosRom, else the boot sector of the first bootable hard disk or floppy in
// the boot order (what a BIOS would load at 0000:7C00 with DL = drive; vbox-api.md §4.3 Boot/Order).
import { readFile } from 'node:fs/promises'
import { openImage } from '@boxwood/devices/disk'
import type { PcFirmware } from '@boxwood/devices'
import { VBoxError } from '../api/errors'
import { DeviceType } from '../api/storage-enums'
import { diskHost } from '../server/medium'
import type { MachineDriverConfig } from './machine-driver'

/** The extra-data key VirtualBox uses to replace the BIOS ROM image. */
export const BIOS_ROM_EXTRA_DATA = 'VBoxInternal/Devices/pcbios/0/Config/BiosRom'

/** Reads the first sector of an attached medium (through its differencing chain). */
async function firstSector(config: MachineDriverConfig, mediumId: string): Promise<Uint8Array | undefined> {
  const medium = config.media.find((m) => m.id === mediumId)
  if (!medium) return undefined
  const image = await openImage(diskHost, medium.location, {
    readOnly: true,
    resolveParent: ({ parentUuid }) => (parentUuid ? medium.parents[parentUuid] : undefined),
  })
  try {
    if (image.size < 512) return undefined
    const sector = new Uint8Array(512)
    await image.read(0, sector)
    return sector
  } finally {
    await image.close()
  }
}

/** The firmware the PC starts with. */
export async function choosePcFirmware(config: MachineDriverConfig): Promise<PcFirmware> {
  const rom = config.settings.extraData.find(([k]) => k === BIOS_ROM_EXTRA_DATA)?.[1]
  if (rom) {
    try {
      return { kind: 'bios', image: new Uint8Array(await readFile(rom)) }
    } catch (error) {
      throw new VBoxError(
        'VBOX_E_FILE_ERROR',
        `Cannot read the BIOS ROM '${rom}' (${(error as Error).message})`,
        'Console',
      )
    }
  }
  const attachments = config.settings.hardware.storageControllers
    .filter((c) => c.bootable)
    .flatMap((c) => c.attachments)
  const tried = new Set<string>()
  for (const device of config.settings.hardware.bootOrder) {
    if (device !== DeviceType.HardDisk && device !== DeviceType.Floppy) {
      if (device === DeviceType.DVD || device === DeviceType.Network)
        tried.add(device === DeviceType.DVD ? 'DVD (needs a BIOS)' : 'network (needs a BIOS)')
      continue
    }
    const attachment = attachments.find((a) => a.type === device && a.mediumId)
    if (!attachment?.mediumId) continue
    const sector = await firstSector(config, attachment.mediumId)
    if (sector && sector[510] === 0x55 && sector[511] === 0xaa)
      return { kind: 'boot-sector', image: sector, drive: device === DeviceType.HardDisk ? 0x80 : 0x00 }
    tried.add(device === DeviceType.HardDisk ? 'hard disk (no boot signature)' : 'floppy (no boot signature)')
  }
  throw new VBoxError(
    'VBOX_E_NOT_SUPPORTED',
    `No bootable medium found${tried.size > 0 ? ` (tried: ${[...tried].join(', ')})` : ''}. The Boxwood PC starts the boot sector of the first hard disk or floppy in the boot order, or a BIOS ROM set with the extra data ${BIOS_ROM_EXTRA_DATA}; BIOS disk services, disk controllers and the keyboard are not available yet`,
    'Console',
  )
}
