// What the Boxwood BIOS handlers work with: guest memory, the virtual clock, machine control, the ROM layout,
// the controllers' firmware services and the drive table. Also the BIOS data area offsets (IBM PC/AT
// Technical Reference, "BIOS Data Area"; Ralf Brown's Interrupt List, MEMORY.LST).
import type { ClockView, DeviceLogger, DmaView, MachineControl } from '@boxwood/vmm/device-api'
import type { PciBus } from '../../bus/pci/pci-bus'
import type { VgaFirmwareServices } from '../../graphics/vga/vga-firmware-services'
import type { BiosDisk } from './bios-disks'
import type { BiosRom } from './rom-image'
import type { BiosCall } from './bios-call'

/** BIOS data area offsets (segment 0040h). */
export const BDA = {
  COM: 0x00,
  EQUIPMENT: 0x10,
  MEMORY_KB: 0x13,
  KB_FLAGS: 0x17,
  KB_HEAD: 0x1a,
  KB_TAIL: 0x1c,
  VIDEO_MODE: 0x49,
  COLUMNS: 0x4a,
  PAGE_SIZE: 0x4c,
  PAGE_START: 0x4e,
  CURSOR_POS: 0x50,
  CURSOR_SHAPE: 0x60,
  ACTIVE_PAGE: 0x62,
  CRTC_BASE: 0x63,
  MODE_CONTROL: 0x65,
  PALETTE: 0x66,
  TICKS: 0x6c,
  MIDNIGHT: 0x70,
  HARD_DISKS: 0x75,
  KB_START: 0x80,
  KB_END: 0x82,
  ROWS: 0x84,
  CHAR_HEIGHT: 0x85,
  VIDEO_CONTROL: 0x87,
  VIDEO_SWITCHES: 0x88,
  VGA_FLAGS: 0x89,
  KB_STATUS: 0x96,
} as const

/** Segment of the extended BIOS data area; the CMOS snapshot sits at offset 100h in it. */
export const EBDA_SEGMENT = 0x9fc0
export const CMOS_SNAPSHOT = 0x100

/** The environment of every handler. */
export interface BiosEnv {
  readonly dma: DmaView
  readonly clock: ClockView
  readonly machine: MachineControl
  readonly log: DeviceLogger
  readonly rom: BiosRom
  readonly vga: VgaFirmwareServices | undefined
  /** PCI bus 0 (configuration access for POST and the PCI BIOS). */
  readonly pci: PciBus | undefined
  /** True when the machine has the local APIC and I/O APIC (POST then writes an MP table). */
  readonly apic: boolean
  /** Drives numbered for INT 13h (built at POST). */
  disks: BiosDisk[]
  /** The El Torito boot CD's emulated drive number, once booted from CD. */
  bootCd: BiosDisk | undefined
  /** The current VBE mode (0 while in a VGA mode). */
  vbeMode: number
  /** CMOS byte from the POST snapshot. */
  cmos(index: number): number
}

/**
 * A call that completes at virtual time `untilNs` with the registers its handler already set (INT 15h AH=86h):
 * meanwhile the caller sleeps in the ROM's I/O wait, as it does for host media I/O.
 */
export interface TimedWait {
  readonly untilNs: number
}

/**
 * What a handler may return: done (undefined), a promise (async media I/O), a timed wait, or 'wait' (the stub's
 * STI;HLT loop, for a key).
 */
export type HandlerResult = void | Promise<void> | TimedWait | 'wait'

/** A BIOS service handler. */
export type BiosHandler = (call: BiosCall, env: BiosEnv) => HandlerResult
