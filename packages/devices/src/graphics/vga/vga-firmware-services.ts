// The service the VGA offers to firmware emulated in TypeScript (the Boxwood BIOS's INT 10h): guest-visible
// port and legacy-window access, as the CPU would perform it, plus the adapter facts a VBE BIOS reports.
// Devices never reach into each other; this named contract is the only way in (DeviceContext.provide/service).
import { defineContract } from '@boxwood/vmm/device-api'

/** What the VGA lets the firmware do. */
export interface VgaFirmwareServices {
  /** VRAM size in bytes. */
  readonly vramBytes: number
  /** Guest-physical address of the linear framebuffer (0 while unmapped). */
  readonly lfbBase: number
  /** An IN from a VGA or DISPI port (0x3B0..0x3DF, 0x1CE..0x1CF). */
  readPort(port: number, size?: 1 | 2): number
  /** An OUT to a VGA or DISPI port. */
  writePort(port: number, value: number, size?: 1 | 2): void
  /** Reads a byte of the legacy window at 0xA0000 + `offset` (offset 0..0x1FFFF). */
  readWindow(offset: number): number
  /** Writes a byte of the legacy window at 0xA0000 + `offset`. */
  writeWindow(offset: number, value: number): void
}

/** Contract under which the VGA provides {@link VgaFirmwareServices}. */
export const vgaFirmwareContract = defineContract<VgaFirmwareServices>(
  'vga-firmware-services',
  (value): value is VgaFirmwareServices =>
    typeof value === 'object' && value !== null && 'writeWindow' in value && 'readPort' in value,
)
