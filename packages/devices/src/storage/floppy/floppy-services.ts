// The service the floppy controller offers to firmware emulated in TypeScript (the Boxwood BIOS's INT 13h
// for drives 00h/01h): the diskette drives by unit. The BIOS reaches them only through this named contract.
import { defineContract } from '@boxwood/vmm/device-api'
import type { BlockDrive } from '../../backends/block-backend'

/** A diskette drive as the firmware sees it. */
export interface FloppyFirmwareDrive {
  readonly unit: 0 | 1
  readonly drive: BlockDrive
}

/** What the floppy controller lets the firmware use. */
export interface FloppyFirmwareServices {
  readonly drives: readonly FloppyFirmwareDrive[]
}

/** Contract under which the floppy controller provides {@link FloppyFirmwareServices}. */
export const floppyFirmwareContract = defineContract<FloppyFirmwareServices>(
  'floppy-firmware-services',
  (v): v is FloppyFirmwareServices =>
    typeof v === 'object' && v !== null && Array.isArray((v as FloppyFirmwareServices).drives),
)
