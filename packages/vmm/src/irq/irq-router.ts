// Platform IRQ routing: device IRQ lines (wired-OR per line) → the interrupt controllers the devices package
// provides (i8259 pair, I/O APIC), and the one controller that faces the CPU as its InterruptSource.
// Follows VirtualBox PDM's PDMDevHlpISASetIrq → PDMIsaSetIrq → pic/ioapic fan-out (PDMAllIrq.cpp).
import type { InterruptSource } from './interrupt-source'

/** Number of platform IRQ lines (GSIs): 16 ISA lines plus the PCI lines an I/O APIC with 24 pins sees. */
export const DEFAULT_IRQ_LINES = 24

/**
 * A device that receives platform IRQ line levels: the interrupt controller role (PIC, I/O APIC). It is told
 * the wired-OR level of a line whenever that level changes (edges are derived by the controller itself).
 */
export interface IrqReceiver {
  setIrqLevel(line: number, level: boolean): void
}

/** Errors of IRQ routing (bad line numbers, a second CPU-facing controller). */
export class IrqRoutingError extends Error {
  override readonly name = 'IrqRoutingError'
  readonly code: 'IRQ_LINE_RANGE' | 'IRQ_SOURCE_TAKEN'
  constructor(code: 'IRQ_LINE_RANGE' | 'IRQ_SOURCE_TAKEN', message: string) {
    super(message)
    this.code = code
  }
}

/** One device's connection to one platform line; several may share a line (level-triggered PCI INTx). */
export interface IrqLineDriver {
  readonly line: number
  /** This driver's own output level. */
  readonly level: boolean
  raise(): void
  lower(): void
  /** raise() then lower(): an edge for edge-triggered inputs. */
  pulse(): void
}

const NO_INTERRUPTS: InterruptSource = {
  hasInterrupt: () => false,
  acknowledge: () => 0xff,
  hasNmi: () => false,
  acknowledgeNmi: () => {},
}

/** Routes line levels to receivers and forwards the CPU's INTR/NMI questions to the CPU-facing controller. */
export class IrqRouter {
  /** Number of drivers currently asserting each line. */
  private readonly asserted: Int32Array
  private readonly receivers: IrqReceiver[] = []
  private readonly dropLevel: (() => void)[] = []
  private source: InterruptSource = NO_INTERRUPTS
  private readonly listeners = new Set<() => void>()

  /** The CPU's view: forwards to whichever controller registered with {@link setInterruptSource}. */
  readonly cpuInterrupts: InterruptSource

  readonly lineCount: number

  constructor(lineCount: number = DEFAULT_IRQ_LINES) {
    this.lineCount = lineCount
    this.asserted = new Int32Array(lineCount)
    const source = () => this.source
    this.cpuInterrupts = {
      hasInterrupt: () => this.source.hasInterrupt(),
      acknowledge: () => this.source.acknowledge(),
      hasNmi: () => this.source.hasNmi(),
      acknowledgeNmi: () => this.source.acknowledgeNmi(),
      get localApic() {
        return source().localApic === true
      },
    }
  }

  /** Adds a receiver of line levels; it is told the current level of every asserted line at once. */
  addReceiver(receiver: IrqReceiver): void {
    this.receivers.push(receiver)
    for (let line = 0; line < this.lineCount; line++) if (this.asserted[line]! > 0) receiver.setIrqLevel(line, true)
  }

  /** Makes `source` the controller the CPU asks for interrupts. Only one per machine. */
  setInterruptSource(source: InterruptSource, owner: string): void {
    if (this.source !== NO_INTERRUPTS) {
      throw new IrqRoutingError('IRQ_SOURCE_TAKEN', `${owner}: the CPU already has an interrupt controller`)
    }
    this.source = source
  }

  /**
   * Calls `listener` after every line level change and on {@link notify} (the execution loop wakes a halted
   * CPU). Returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Tells the execution loop that the controller's output may have changed (e.g. an NMI was latched). */
  notify(): void {
    for (const listener of this.listeners) listener()
  }

  /**
   * Drops every driver's level to low without telling the receivers: before the reset phase and before a
   * state load, when every device (the controllers included) re-establishes its own view.
   */
  dropAllLevelsSilently(): void {
    for (const drop of this.dropLevel) drop()
    this.asserted.fill(0)
  }

  /** The wired-OR level of a line. */
  levelOf(line: number): boolean {
    return (this.asserted[line] ?? 0) > 0
  }

  /** Creates a driver for `line`, initially low. */
  createDriver(line: number): IrqLineDriver {
    if (!Number.isInteger(line) || line < 0 || line >= this.lineCount) {
      throw new IrqRoutingError('IRQ_LINE_RANGE', `IRQ line ${String(line)} is not 0..${this.lineCount - 1}`)
    }
    let level = false
    this.dropLevel.push(() => {
      level = false
    })
    const raise = (): void => {
      if (level) return
      level = true
      this.change(line, 1)
    }
    const lower = (): void => {
      if (!level) return
      level = false
      this.change(line, -1)
    }
    return {
      line,
      get level() {
        return level
      },
      raise,
      lower,
      pulse() {
        raise()
        lower()
      },
    }
  }

  private change(line: number, delta: 1 | -1): void {
    const before = this.asserted[line]!
    const after = before + delta
    this.asserted[line] = after
    if (before > 0 !== after > 0) {
      for (const receiver of this.receivers) receiver.setIrqLevel(line, after > 0)
      for (const listener of this.listeners) listener()
    }
  }
}
