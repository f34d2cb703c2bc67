// Splits or merges port/MMIO accesses whose width a handler does not implement (QEMU memory.c
// "access_with_adjusted_size"; VirtualBox IOM splits unaligned/unsupported widths the same way).
import type { AccessSize } from './io-bus'

/** Handlers with the widths they implement natively. Missing `read` reads all ones; missing `write` ignores. */
export interface SizedHandlers {
  read?(offset: number, size: AccessSize): number
  write?(offset: number, value: number, size: AccessSize): void
  readonly sizes?: readonly AccessSize[]
}

/** The same handlers, callable with every width (1, 2, 4). */
export interface FullWidthHandlers {
  read(offset: number, size: AccessSize): number
  write(offset: number, value: number, size: AccessSize): void
}

const ALL_SIZES: readonly AccessSize[] = [1, 2, 4]

/** All-ones value of an access width (0xFF, 0xFFFF, 0xFFFFFFFF). */
export function onesOf(size: AccessSize): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff
}

/** Masks a handler's result to the access width as an unsigned number (guards against sloppy handlers). */
export function maskTo(value: number, size: AccessSize): number {
  return size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff)
}

/**
 * Wraps `handlers` so that every width works:
 * - a width the device implements is passed through (result masked to the width);
 * - a wider access than implemented is split into little-endian chunks of the largest implemented width;
 * - a narrower access than implemented reads the aligned wider unit and extracts the lane; a narrower write is
 *   delivered as an aligned write of the smallest implemented width with the value shifted into its lane and
 *   the other lanes zero (devices with side-effect-free byte lanes should declare byte access instead).
 */
export function adaptWidths(handlers: SizedHandlers): FullWidthHandlers {
  const sizes = handlers.sizes && handlers.sizes.length > 0 ? handlers.sizes : ALL_SIZES
  const has = [false, sizes.includes(1), sizes.includes(2), false, sizes.includes(4)]
  const smallest: AccessSize = has[1] ? 1 : has[2] ? 2 : 4
  const rawRead = handlers.read
  const rawWrite = handlers.write

  const read = rawRead
    ? (offset: number, size: AccessSize): number => {
        if (has[size]) return maskTo(rawRead.call(handlers, offset, size), size)
        if (size > smallest) {
          const chunk: AccessSize = size === 4 && has[2] ? 2 : smallest
          let value = 0
          for (let i = 0; i < size; i += chunk) {
            value |= maskTo(rawRead.call(handlers, offset + i, chunk), chunk) << (i * 8)
          }
          return value >>> 0
        }
        const aligned = offset - (offset % smallest)
        const wide = maskTo(rawRead.call(handlers, aligned, smallest), smallest)
        return maskTo(wide >>> ((offset - aligned) * 8), size)
      }
    : (_offset: number, size: AccessSize): number => onesOf(size)

  const write = rawWrite
    ? (offset: number, value: number, size: AccessSize): void => {
        const v = maskTo(value, size)
        if (has[size]) {
          rawWrite.call(handlers, offset, v, size)
          return
        }
        if (size > smallest) {
          const chunk: AccessSize = size === 4 && has[2] ? 2 : smallest
          for (let i = 0; i < size; i += chunk) {
            rawWrite.call(handlers, offset + i, maskTo(v >>> (i * 8), chunk), chunk)
          }
          return
        }
        const aligned = offset - (offset % smallest)
        rawWrite.call(handlers, aligned, maskTo(v << ((offset - aligned) * 8), smallest), smallest)
      }
    : (): void => {}

  return { read, write }
}
