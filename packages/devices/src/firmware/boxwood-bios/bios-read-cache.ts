// Read-ahead for INT 13h on read-only media (CDs, read-only images). Host media I/O is asynchronous, and a
// BIOS call that waits for it parks its caller in the ROM's I/O wait until the host's event loop has run —
// once per call. Boot loaders read files in small pieces (GRUB: 36 KiB per INT 13h on a CD), so a Linux
// kernel and initrd cost hundreds of such waits. Reading ahead in large windows lets the following
// sequential calls complete synchronously. Only read-only media are cached, so the BIOS can never return
// data the guest has since overwritten through the controller's own ports.
import type { BlockMedium } from '../../backends/block-backend'

/** Bytes read ahead per host request (a whole window is fetched on a miss). */
export const READ_AHEAD_BYTES = 1 << 20

interface Window {
  readonly medium: BlockMedium
  readonly offset: number
  readonly bytes: Uint8Array
}

/** One drive's read-ahead window; forgets it when the medium changes. */
export class BiosReadCache {
  private window: Window | undefined

  /** True when `medium` may be cached (read-only media only). */
  static cacheable(medium: BlockMedium): boolean {
    return medium.readOnly
  }

  /** The cached bytes [offset, offset+length) of `medium`, or undefined when they are not all cached. */
  lookup(medium: BlockMedium, offset: number, length: number): Uint8Array | undefined {
    const w = this.window
    if (!w || w.medium !== medium) return undefined
    const start = offset - w.offset
    if (start < 0 || start + length > w.bytes.length) return undefined
    return w.bytes.subarray(start, start + length)
  }

  /**
   * Reads [offset, offset+length) of `medium` from the host together with the following window (clipped to the
   * medium's end), keeps the whole read, and returns the requested part.
   */
  async fill(medium: BlockMedium, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(medium.size, Math.max(offset + length, offset + READ_AHEAD_BYTES))
    const bytes = new Uint8Array(end - offset)
    await medium.read(offset, bytes)
    this.window = { medium, offset, bytes }
    return bytes.subarray(0, length)
  }

  /** Drops the window (a write or a medium change makes it stale). */
  clear(): void {
    this.window = undefined
  }
}
