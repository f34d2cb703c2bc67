// Firmware and boot order of the built-in PC from the machine settings: the Boxwood BIOS (boots hard disks, El
// Torito CDs and diskettes in the CMOS boot order, like VirtualBox's BIOS with Boot/Order), or a BIOS ROM named by
// VirtualBox's extra-data key VBoxInternal/Devices/pcbios/0/Config/BiosRom (e.g. SeaBIOS).
import { readFile } from 'node:fs/promises'
import type { CmosBootDevice, PcFirmware } from '@boxwood/devices'
import { VBoxError } from '../api/errors'
import { DeviceType } from '../api/storage-enums'
import type { MachineDriverConfig } from './machine-driver'

/** The extra-data key VirtualBox uses to replace the BIOS ROM image. */
export const BIOS_ROM_EXTRA_DATA = 'VBoxInternal/Devices/pcbios/0/Config/BiosRom'

/** The firmware the PC starts with. */
export async function choosePcFirmware(config: MachineDriverConfig): Promise<PcFirmware> {
  const rom = config.settings.extraData.find(([k]) => k === BIOS_ROM_EXTRA_DATA)?.[1]
  if (!rom) return { kind: 'boxwood' }
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

/** The CMOS boot order (up to three devices) from the machine's Boot/Order. */
export function cmosBootOrder(bootOrder: readonly number[]): CmosBootDevice[] {
  const out: CmosBootDevice[] = []
  for (const device of bootOrder) {
    const mapped: CmosBootDevice | undefined =
      device === DeviceType.Floppy
        ? 'floppy'
        : device === DeviceType.HardDisk
          ? 'disk'
          : device === DeviceType.DVD
            ? 'cdrom'
            : device === DeviceType.Network
              ? 'network'
              : undefined
    if (mapped && !out.includes(mapped)) out.push(mapped)
  }
  return out.slice(0, 3)
}
