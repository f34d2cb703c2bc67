// The I/O port space (VirtualBox IOM): a dense 64K table of range records, so dispatch is one index + one call.
// Registration is strict (IOMR3IoPortCreate): ranges inside 0..0xFFFF, no overlap, description < 128 chars.
import { adaptWidths, onesOf } from './access-split'
import type { FullWidthHandlers, SizedHandlers } from './access-split'
import type { AccessSize, IoBus } from './io-bus'
import { IoPortRegistrationError } from './io-errors'

/** Longest allowed range description, exclusive (VirtualBox: "description under 128 characters"). */
export const MAX_DESCRIPTION_LENGTH = 128

/** A range of ports created in the space; mapped at `base` or unmapped (base undefined). */
export interface PortRange {
  readonly description: string
  readonly count: number
  /** Current base port, or undefined while unmapped. */
  readonly base: number | undefined
  map(base: number): void
  unmap(): void
}

/** The table entry: the range's base plus full-width handlers (offset = port - base). */
interface Entry {
  base: number
  readonly range: PortRangeImpl
  readonly handlers: FullWidthHandlers
}

class PortRangeImpl implements PortRange {
  base: number | undefined = undefined
  entry: Entry | undefined = undefined
  private readonly space: PortSpace
  readonly count: number
  readonly handlers: FullWidthHandlers
  readonly description: string
  constructor(space: PortSpace, count: number, handlers: FullWidthHandlers, description: string) {
    this.space = space
    this.count = count
    this.handlers = handlers
    this.description = description
  }
  map(base: number): void {
    this.space.mapRange(this, base)
  }
  unmap(): void {
    this.space.unmapRange(this)
  }
}

/** Formats a port as 4 hex digits for messages. */
export function hexPort(port: number): string {
  return port.toString(16).padStart(4, '0').toUpperCase()
}

/** The port space. Implements {@link IoBus} for the CPU. */
export class PortSpace implements IoBus {
  private readonly table: (Entry | undefined)[] = new Array<Entry | undefined>(0x10000).fill(undefined)
  private readonly ranges: PortRangeImpl[] = []
  private frozen = false

  /**
   * Creates a range of `count` ports (unmapped). Fails after {@link freeze}, without handlers, or with a
   * description that is empty or 128 characters or longer.
   */
  createRange(count: number, handlers: SizedHandlers, description: string): PortRange {
    if (this.frozen) {
      throw new IoPortRegistrationError('IOPORT_FROZEN', `cannot create port range "${description}" after power-on`)
    }
    if (!Number.isInteger(count) || count < 1 || count > 0x10000) {
      throw new IoPortRegistrationError('IOPORT_RANGE', `port count ${count} of "${description}" is not 1..65536`)
    }
    if (description.length === 0 || description.length >= MAX_DESCRIPTION_LENGTH) {
      throw new IoPortRegistrationError(
        'IOPORT_DESCRIPTION',
        `port range description must be 1..${MAX_DESCRIPTION_LENGTH - 1} characters, got ${description.length}`,
      )
    }
    if (!handlers.read && !handlers.write) {
      throw new IoPortRegistrationError('IOPORT_NO_HANDLER', `port range "${description}" has neither read nor write`)
    }
    for (const size of handlers.sizes ?? []) {
      if (size !== 1 && size !== 2 && size !== 4) {
        throw new IoPortRegistrationError('IOPORT_RANGE', `"${description}" declares access size ${String(size)}`)
      }
    }
    const range = new PortRangeImpl(this, count, adaptWidths(handlers), description)
    this.ranges.push(range)
    return range
  }

  /** Creates and maps a range in one step. */
  register(base: number, count: number, handlers: SizedHandlers, description: string): PortRange {
    const range = this.createRange(count, handlers, description)
    range.map(base)
    return range
  }

  /** Forbids creating further ranges (mapping and unmapping stay allowed, e.g. for PCI BAR moves). */
  freeze(): void {
    this.frozen = true
  }

  /** Every created range, mapped or not, in creation order (the device testkit fuzzes these). */
  allRanges(): readonly PortRange[] {
    return this.ranges
  }

  /** The range mapped at `port`, if any. */
  rangeAt(port: number): PortRange | undefined {
    return this.table[port & 0xffff]?.range
  }

  /** @internal Used by {@link PortRange.map}. */
  mapRange(range: PortRangeImpl, base: number): void {
    if (range.base !== undefined) range.unmap()
    if (!Number.isInteger(base) || base < 0 || base + range.count > 0x10000) {
      throw new IoPortRegistrationError(
        'IOPORT_RANGE',
        `"${range.description}": ${range.count} ports at ${String(base)} do not fit in 0000-FFFF`,
      )
    }
    for (let port = base; port < base + range.count; port++) {
      const other = this.table[port]
      if (other) {
        throw new IoPortRegistrationError(
          'IOPORT_OVERLAP',
          `"${range.description}" at ${hexPort(base)}-${hexPort(base + range.count - 1)} overlaps ` +
            `"${other.range.description}" at port ${hexPort(port)}`,
        )
      }
    }
    const entry: Entry = { base, range, handlers: range.handlers }
    for (let port = base; port < base + range.count; port++) this.table[port] = entry
    range.base = base
    range.entry = entry
  }

  /** @internal Used by {@link PortRange.unmap}. */
  unmapRange(range: PortRangeImpl): void {
    const base = range.base
    if (base === undefined) return
    for (let port = base; port < base + range.count; port++) this.table[port] = undefined
    range.base = undefined
    range.entry = undefined
  }

  ioRead(port: number, size: AccessSize): number {
    const entry = this.table[port]
    if (entry !== undefined) {
      const offset = port - entry.base
      if (offset + size <= entry.range.count) return entry.handlers.read(offset, size)
      return this.readAcross(port, size)
    }
    if (size === 1 || this.isUnclaimed(port, size)) return onesOf(size)
    return this.readAcross(port, size)
  }

  ioWrite(port: number, value: number, size: AccessSize): void {
    const entry = this.table[port]
    if (entry !== undefined) {
      const offset = port - entry.base
      if (offset + size <= entry.range.count) entry.handlers.write(offset, value, size)
      else this.writeAcross(port, value, size)
      return
    }
    if (size !== 1 && !this.isUnclaimed(port, size)) this.writeAcross(port, value, size)
  }

  private isUnclaimed(port: number, size: AccessSize): boolean {
    for (let i = 0; i < size; i++) if (this.table[(port + i) & 0xffff] !== undefined) return false
    return true
  }

  /** An access straddling range boundaries: dispatched byte by byte (port numbers wrap at 64K). */
  private readAcross(port: number, size: AccessSize): number {
    let value = 0
    for (let i = 0; i < size; i++) value |= this.ioRead((port + i) & 0xffff, 1) << (i * 8)
    return value >>> 0
  }

  private writeAcross(port: number, value: number, size: AccessSize): void {
    const v = value >>> 0
    for (let i = 0; i < size; i++) this.ioWrite((port + i) & 0xffff, (v >>> (i * 8)) & 0xff, 1)
  }
}
