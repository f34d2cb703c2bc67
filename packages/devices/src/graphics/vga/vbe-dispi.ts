// The Bochs/VirtualBox VBE "DISPI" register interface (ports 0x1CE index / 0x1CF data; Bochs
// vbe_display_api.h, VirtualBox DevVGA.cpp vbe_ioport_write_data): mode size and depth, enable with
// get-capabilities, 64 KB bank, virtual width/height, display start (panning) and the VRAM size in 64 KB units.
import { DISPI, DISPI_ENABLE, DISPI_ID_MAX, DISPI_MAX, type VgaState } from './vga-state'
import { bytesPerPixel } from './vga-render'

const VALID_BPP = new Set([8, 15, 16, 24, 32])

/** Reads DISPI register `state.dispiIndex`. */
export function dispiRead(state: VgaState, vramBytes: number): number {
  const index = state.dispiIndex
  const regs = state.dispi
  if ((regs[DISPI.ENABLE]! & DISPI_ENABLE.GETCAPS) !== 0) {
    if (index === DISPI.XRES) return DISPI_MAX.XRES
    if (index === DISPI.YRES) return DISPI_MAX.YRES
    if (index === DISPI.BPP) return DISPI_MAX.BPP
  }
  if (index === DISPI.VIDEO_MEMORY_64K) return Math.min(0xffff, vramBytes >>> 16)
  return index < regs.length ? regs[index]! : 0
}

/** Recomputes the virtual height for the current width and clamps the display start into VRAM. */
function fitVirtual(regs: number[], vramBytes: number): void {
  const bytes = bytesPerPixel(regs[DISPI.BPP]!)
  const stride = regs[DISPI.VIRT_WIDTH]! * bytes
  regs[DISPI.VIRT_HEIGHT] = Math.min(0xffff, Math.floor(vramBytes / Math.max(1, stride)))
  const maxY = Math.max(0, regs[DISPI.VIRT_HEIGHT]! - regs[DISPI.YRES]!)
  if (regs[DISPI.Y_OFFSET]! > maxY) regs[DISPI.Y_OFFSET] = maxY
  const maxX = Math.max(0, regs[DISPI.VIRT_WIDTH]! - regs[DISPI.XRES]!)
  if (regs[DISPI.X_OFFSET]! > maxX) regs[DISPI.X_OFFSET] = maxX
}

/**
 * Writes `value` to DISPI register `state.dispiIndex`. Nonsense (unsupported depth, a mode larger than VRAM
 * or the maximum, a bank outside VRAM) is ignored as the hardware does. Returns true when VRAM must be
 * cleared (enable without NOCLEARMEM).
 */
export function dispiWrite(state: VgaState, vramBytes: number, value: number): boolean {
  const regs = state.dispi
  const enabled = (regs[DISPI.ENABLE]! & DISPI_ENABLE.ENABLED) !== 0
  value &= 0xffff
  switch (state.dispiIndex) {
    case DISPI.ID:
      if (value >= 0xb0c0 && value <= DISPI_ID_MAX) regs[DISPI.ID] = value
      return false
    case DISPI.XRES:
      if (!enabled && value > 0 && value <= DISPI_MAX.XRES && value % 8 === 0) regs[DISPI.XRES] = value
      return false
    case DISPI.YRES:
      if (!enabled && value > 0 && value <= DISPI_MAX.YRES) regs[DISPI.YRES] = value
      return false
    case DISPI.BPP:
      if (!enabled && (VALID_BPP.has(value) || value === 0)) regs[DISPI.BPP] = value === 0 ? 8 : value
      return false
    case DISPI.BANK:
      if (value * 0x1_0000 < vramBytes) regs[DISPI.BANK] = value
      return false
    case DISPI.ENABLE: {
      const enabling = (value & DISPI_ENABLE.ENABLED) !== 0 && !enabled
      if (enabling) {
        const bytes = bytesPerPixel(regs[DISPI.BPP]!)
        if (regs[DISPI.XRES]! * regs[DISPI.YRES]! * bytes > vramBytes || !VALID_BPP.has(regs[DISPI.BPP]!)) {
          // A mode that does not fit stays disabled (only the flag bits are taken).
          regs[DISPI.ENABLE] = value & (DISPI_ENABLE.GETCAPS | DISPI_ENABLE.DAC_8BIT)
          return false
        }
        regs[DISPI.VIRT_WIDTH] = regs[DISPI.XRES]!
        regs[DISPI.X_OFFSET] = 0
        regs[DISPI.Y_OFFSET] = 0
        regs[DISPI.BANK] = 0
        fitVirtual(regs, vramBytes)
      }
      regs[DISPI.ENABLE] =
        value &
        (DISPI_ENABLE.ENABLED |
          DISPI_ENABLE.GETCAPS |
          DISPI_ENABLE.DAC_8BIT |
          DISPI_ENABLE.LFB |
          DISPI_ENABLE.NOCLEARMEM)
      return enabling && (value & DISPI_ENABLE.NOCLEARMEM) === 0
    }
    case DISPI.VIRT_WIDTH:
      if (
        enabled &&
        value >= regs[DISPI.XRES]! &&
        value * bytesPerPixel(regs[DISPI.BPP]!) * regs[DISPI.YRES]! <= vramBytes
      ) {
        regs[DISPI.VIRT_WIDTH] = value
        fitVirtual(regs, vramBytes)
      }
      return false
    case DISPI.X_OFFSET:
      regs[DISPI.X_OFFSET] = value
      fitVirtual(regs, vramBytes)
      return false
    case DISPI.Y_OFFSET:
      regs[DISPI.Y_OFFSET] = value
      fitVirtual(regs, vramBytes)
      return false
    default:
      return false // VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only; unknown indices are ignored
  }
}
