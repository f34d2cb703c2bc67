/**
 * The ISA DMA service contract (VirtualBox PDMDMACREG / PDMDevHlpDMA*): what an ISA bus master-less device
 * (floppy controller, Sound Blaster) uses to move data through the i8237 pair. Channels 0–3 are 8-bit,
 * 5–7 16-bit (4 is the cascade). Positions and sizes are in bytes.
 */
import { defineContract } from '@boxwood/vmm/device-api'

/**
 * Called by the DMA controller while the channel's DREQ is asserted and the channel is unmasked: move data
 * starting at byte `position` of a transfer of `size` bytes with {@link IsaDma.readMemory} /
 * {@link IsaDma.writeMemory}, and return the new position (`size` when the transfer completed).
 */
export type IsaDmaTransferHandler = (channel: number, position: number, size: number) => number

/** The ISA DMA controller as devices see it (provided by the i8237 device). */
export interface IsaDma {
  /** Registers the transfer handler of `channel` (one per channel). */
  registerChannel(channel: number, handler: IsaDmaTransferHandler): void
  /** Asserts or drops the channel's DMA request line; an asserted, unmasked channel transfers at once. */
  setDreq(channel: number, level: boolean): void
  /** Memory → device (a DMA "read" transfer): copies guest bytes at `position` into `target`; returns bytes copied. */
  readMemory(channel: number, target: Uint8Array, position: number): number
  /** Device → memory (a DMA "write" transfer): copies `source` to guest memory at `position`; returns bytes copied. */
  writeMemory(channel: number, source: Uint8Array, position: number): number
  /** The channel's mode register (bits 2–3 transfer type: 1 = write to memory, 2 = read from memory). */
  channelMode(channel: number): number
}

/** The platform-service contract of {@link IsaDma}. */
export const isaDmaContract = defineContract<IsaDma>(
  'IsaDma',
  (value): value is IsaDma =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IsaDma).registerChannel === 'function' &&
    typeof (value as IsaDma).setDreq === 'function',
)
