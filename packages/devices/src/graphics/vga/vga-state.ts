// Saved state and register constants of the VGA (IBM VGA Technical Reference: sequencer, CRTC, graphics and
// attribute controllers, DAC) plus the Bochs/VirtualBox VBE "DISPI" extension registers (vbe_display_api.h).
import { array, bool, defineState, u16, u8, u32, bytes, varBytes } from '@boxwood/vmm/device-api'
import { pciConfigField } from '../../bus/pci/pci-function'

/** Largest VRAM the device accepts, in MiB. */
export const MAX_VRAM_MB = 64

/** DISPI register indices (port 0x1CE selects, 0x1CF reads/writes). */
export const DISPI = {
  ID: 0,
  XRES: 1,
  YRES: 2,
  BPP: 3,
  ENABLE: 4,
  BANK: 5,
  VIRT_WIDTH: 6,
  VIRT_HEIGHT: 7,
  X_OFFSET: 8,
  Y_OFFSET: 9,
  VIDEO_MEMORY_64K: 10,
} as const

/** DISPI ENABLE register bits. */
export const DISPI_ENABLE = { ENABLED: 0x01, GETCAPS: 0x02, DAC_8BIT: 0x20, LFB: 0x40, NOCLEARMEM: 0x80 } as const

/** Highest DISPI interface version implemented (0xB0C5: VBE_DISPI_ID5, 32 bpp + video memory register). */
export const DISPI_ID_MAX = 0xb0c5
/** Largest mode the DISPI interface accepts. */
export const DISPI_MAX = { XRES: 1920, YRES: 1200, BPP: 32 } as const

/** The VGA's registers and memory: exactly what is saved. */
export const vgaState = defineState({
  unit: 'vga',
  version: 1,
  fields: {
    misc: u8,
    featureControl: u8,
    seqIndex: u8,
    seq: bytes(8),
    crtcIndex: u8,
    crtc: bytes(32),
    gcIndex: u8,
    gc: bytes(16),
    /** Attribute index register including the palette-address-source bit (0x20). */
    attrIndex: u8,
    /** Attribute flip-flop: false = next write to 0x3C0 is an index. */
    attrData: bool,
    attr: bytes(32),
    dacWriteIndex: u8,
    dacReadIndex: u8,
    /** 0..2: which colour component the next DAC data access touches. */
    dacComponent: u8,
    /** Last DAC index command: 0 = write mode (0x3C8), 3 = read mode (0x3C7); reported at 0x3C7. */
    dacMode: u8,
    dacMask: u8,
    /** 256 × (R, G, B), 6 bits each (8 bits when the DISPI 8-bit DAC bit is set). */
    dac: bytes(768),
    /** The four plane latches, plane 0 in the low byte. */
    latch: u32,
    dispiIndex: u16,
    dispi: array(11, u16),
    /** PCI configuration space (Bochs/QEMU standard VGA identity 1234:1111, BAR 0 = linear framebuffer). */
    pciConfig: pciConfigField,
    /** Plane-interleaved VGA memory (plane p, offset o at o × 4 + p) and the linear VBE framebuffer. */
    vram: varBytes(MAX_VRAM_MB * 1024 * 1024),
  },
  config: { vramMB: u8 },
})

/** The VGA state type. */
export type VgaState = ReturnType<typeof vgaState.initial>
