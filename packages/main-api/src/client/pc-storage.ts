// Storage of the built-in PC: IDE and floppy attachments become block drives holding open disk images (VirtualBox's
// ConsoleImplConfigX86 + DrvVD: controller port/device → LUN; images opened with their differencing chains).
import { createBlockDrive } from '@boxwood/devices'
import type { BlockDrive, HostBlockDrive } from '@boxwood/devices'
import { openImage, type DiskImage } from '@boxwood/devices/disk'
import { VBoxError } from '../api/errors'
import { DeviceType, StorageBus, storageBusForControllerType } from '../api/storage-enums'
import { diskErrorToVBox, diskHost } from '../server/medium'
import type { DriverMedium, MachineDriverConfig } from './machine-driver'

/** The drives of the PC and the images to close at power-off. */
export interface PcStorage {
  readonly ide: Record<number, BlockDrive>
  readonly floppies: [BlockDrive?, BlockDrive?]
  close(): Promise<void>
}

/** Opens every attached medium and builds the drives; refuses controllers the PC does not have yet. */
export async function openPcStorage(config: MachineDriverConfig): Promise<PcStorage> {
  const images: DiskImage[] = []
  const ide: Record<number, BlockDrive> = {}
  const floppies: [BlockDrive?, BlockDrive?] = []
  const close = async () => {
    for (const image of images.splice(0)) await image.close().catch(() => undefined)
  }
  try {
    for (const controller of config.settings.hardware.storageControllers) {
      const bus = storageBusForControllerType(controller.type)
      if (controller.attachments.length === 0) continue
      if (bus !== StorageBus.IDE && bus !== StorageBus.Floppy)
        throw new VBoxError(
          'VBOX_E_NOT_SUPPORTED',
          `The storage controller '${controller.name}' cannot be emulated yet: the Boxwood PC has IDE (PIIX3) and floppy (I82078) controllers`,
          'Console',
        )
      for (const a of controller.attachments) {
        const kind = a.type === DeviceType.HardDisk ? 'hard-disk' : a.type === DeviceType.DVD ? 'cdrom' : 'floppy'
        let drive: HostBlockDrive
        if (a.mediumId) {
          const medium = config.media.find((m) => m.id === a.mediumId)
          if (!medium)
            throw new VBoxError('VBOX_E_OBJECT_NOT_FOUND', `Medium {${a.mediumId}} is not available`, 'Console')
          const image = await openImage(diskHost, medium.location, {
            readOnly: a.type === DeviceType.DVD,
            resolveParent: ({ childPath, parentUuid }) => parentLocation(medium, childPath, parentUuid),
          })
          images.push(image)
          drive = createBlockDrive(kind, image)
        } else {
          drive = createBlockDrive(kind)
        }
        if (bus === StorageBus.IDE) ide[a.port * 2 + a.device] = drive
        else floppies[a.device] = drive
      }
    }
  } catch (error) {
    await close()
    throw diskErrorToVBox(error)
  }
  return { ide, floppies, close }
}

/** Where a differencing image of `medium`'s chain finds its parent: by UUID, else by position in the chain. */
export function parentLocation(medium: DriverMedium, childPath: string, parentUuid: string | undefined) {
  const byId = parentUuid ? medium.parents[parentUuid] : undefined
  if (byId) return byId
  const chain = medium.chain ?? []
  const index = chain.indexOf(childPath)
  return index >= 0 ? chain[index + 1] : undefined
}
