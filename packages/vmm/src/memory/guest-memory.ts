// The contract between guest physical memory (PGM) and everything that is not the CPU: device MMIO, ROM
// images, DMA, the A20 gate and dirty-page tracking. The CPU uses the implementation's fast paths directly.
import type { AccessSize } from '../io/io-bus'

/** Handlers of one MMIO region. Offsets are relative to the region's base, never absolute addresses. */
export interface MmioHandlers {
  read(offset: number, size: AccessSize): number
  write(offset: number, value: number, size: AccessSize): void
}

/** A mapped MMIO or ROM region; `unmap` releases its address range (PCI BAR moves, ROM shadowing). */
export interface MemoryMapping {
  readonly description: string
  readonly gpa: number
  readonly sizeBytes: number
  unmap(): void
}

/** Guest physical memory as devices, firmware loaders and the display see it. */
export interface GuestMemory {
  /** Bytes of RAM, mapped from guest-physical 0 (below the PCI hole; the rest is remapped above 4 GB later). */
  readonly ramBytes: number
  /** The RAM itself (may be backed by a SharedArrayBuffer). Writing it directly bypasses dirty tracking. */
  readonly ram: Uint8Array
  /** Maps MMIO handlers over [gpa, gpa + sizeBytes). Overlapping an existing MMIO or ROM region is an error. */
  mapMmio(gpa: number, sizeBytes: number, handlers: MmioHandlers, description: string): MemoryMapping
  /** Maps a read-only image (the BIOS, option ROMs); guest writes to it are ignored. */
  mapRom(gpa: number, image: Uint8Array, description: string): MemoryMapping
  /**
   * DMA read into `target`: bus-master devices use this. Bytes outside RAM and ROM read as 0xFF; MMIO is not
   * reachable by DMA. Never throws for a guest-chosen address.
   */
  dmaRead(gpa: number, target: Uint8Array): void
  /**
   * DMA write from `source`: bytes outside RAM are dropped (never written anywhere else). Marks the pages dirty
   * and invalidates any decoded code on them.
   */
  dmaWrite(gpa: number, source: Uint8Array): void
  /** The A20 gate: when disabled, address bit 20 is forced to 0 (8086 wrap-around). */
  setA20(enabled: boolean): void
  readonly a20Enabled: boolean
  /**
   * Collects and clears the dirty bits of the 4 KB pages in [gpa, gpa + sizeBytes): calls `onDirtyPage` with the
   * guest-physical address of each page written since the last collection (by the CPU or by DMA).
   */
  collectDirtyPages(gpa: number, sizeBytes: number, onDirtyPage: (pageGpa: number) => void): void
}
