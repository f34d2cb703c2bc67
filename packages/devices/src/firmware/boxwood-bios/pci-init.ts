// PCI initialisation at POST, as a PC BIOS does it: program the PIIX3 PIRQ routing, size every BAR of every
// function on bus 0, assign memory BARs in the PCI hole below the I/O APIC and I/O BARs from C000h (largest
// first, naturally aligned), enable decoding, and write each function's interrupt line from its pin, slot and
// the PIRQ routing. Used by the Boxwood BIOS and by direct Linux boot (QEMU runs SeaBIOS's equivalent before
// -kernel). Spec: PCI Local Bus Specification 3.0 §6.2.5.1 (BAR sizing), §2.2.6 (INTx); PCI-to-PCI Bridge
// Architecture §9.1 (swizzle); PIIX3 datasheet §2.2.9 (PIRQRC), §2.3.5 (IDETIM decode enable).
import type { PciBus } from '../../bus/pci/pci-bus'

/** The ISA IRQ the BIOS routes PIRQ A–D to (SeaBIOS's choice; IRQ 9 stays with the ACPI SCI). */
export const PCI_PIRQ_IRQS = [10, 10, 11, 11] as const

/** The windows BARs are assigned from. */
export const PCI_WINDOWS = {
  /** Memory BARs: from the PCI hole's start (or the top of RAM) up to the I/O APIC at FEC00000h. */
  memoryBase: 0xe000_0000,
  memoryLimit: 0xfec0_0000,
  /** I/O BARs: C000h..FFFFh (below is legacy ISA space). */
  ioBase: 0xc000,
  ioLimit: 0x1_0000,
} as const

/** One assigned (or unassignable) base address register. */
export interface PciBarInfo {
  readonly index: number
  readonly kind: 'io' | 'memory'
  readonly size: number
  /** The assigned base, or undefined when the window was full. */
  base: number | undefined
}

/** A function found on bus 0. */
export interface PciFunctionInfo {
  readonly devfn: number
  readonly vendorId: number
  readonly deviceId: number
  /** Base class << 16 | subclass << 8 | programming interface. */
  readonly classCode: number
  /** INTx pin 1..4 (0: none). */
  readonly interruptPin: number
  /** The PIRQ (0..3 = A..D) the pin is swizzled onto, or undefined without a pin. */
  readonly pirq: number | undefined
  /** The interrupt line written (the ISA IRQ), 0xFF without a pin. */
  readonly irq: number
  readonly bars: readonly PciBarInfo[]
}

const PIIX3_ISA = { vendor: 0x8086, device: 0x7000 } as const
const PIIX3_IDE = { vendor: 0x8086, device: 0x7010 } as const
const COMMAND = { IO: 0x1, MEMORY: 0x2, MASTER: 0x4 } as const

/** The PIRQ (0..3) that INTx `pin` (1..4) of device `slot` drives on bus 0. */
export function pirqOf(slot: number, pin: number): number {
  return (pin - 1 + slot) & 3
}

/** Lists the functions on bus 0 (function 0 first; functions 1–7 only of multi-function devices). */
export function scanPciBus(bus: PciBus): number[] {
  const found: number[] = []
  for (let slot = 0; slot < 32; slot++) {
    if (bus.configRead(slot << 3, 0x00, 2) === 0xffff) continue
    const multi = (bus.configRead(slot << 3, 0x0e, 1) & 0x80) !== 0
    for (let fn = 0; fn < (multi ? 8 : 1); fn++) {
      if (bus.configRead((slot << 3) | fn, 0x00, 2) !== 0xffff) found.push((slot << 3) | fn)
    }
  }
  return found
}

/** Sizes the BARs of a type-0 function (write all ones, read the mask, restore). */
function sizeBars(bus: PciBus, devfn: number): PciBarInfo[] {
  // No decoding while the registers hold all ones.
  bus.configWrite(devfn, 0x04, bus.configRead(devfn, 0x04, 2) & ~(COMMAND.IO | COMMAND.MEMORY), 2)
  const bars: PciBarInfo[] = []
  for (let index = 0; index < 6; index++) {
    const offset = 0x10 + index * 4
    const saved = bus.configRead(devfn, offset, 4)
    bus.configWrite(devfn, offset, 0xffff_ffff, 4)
    const mask = bus.configRead(devfn, offset, 4) >>> 0
    bus.configWrite(devfn, offset, saved, 4)
    if (mask === 0 || mask === 0xffff_ffff) continue
    if (mask & 1) {
      const size = (~(mask & 0xfffc) & 0xffff) + 1
      if (size >= 4) bars.push({ index, kind: 'io', size, base: undefined })
      continue
    }
    const size = (~(mask & 0xffff_fff0) >>> 0) + 1
    if (size >= 16 && size <= 2 ** 31) bars.push({ index, kind: 'memory', size, base: undefined })
    if (((mask >> 1) & 3) === 2) {
      // A 64-bit BAR: the next register is its upper half, kept below 4 GB.
      bus.configWrite(devfn, offset + 4, 0, 4)
      index++
    }
  }
  return bars
}

/** Assigns `bars` from [base, limit), largest first, each aligned to its size. */
function allocate(bars: PciBarInfo[], base: number, limit: number): void {
  let next = base
  for (const bar of [...bars].sort((a, b) => b.size - a.size)) {
    const at = Math.ceil(next / bar.size) * bar.size
    if (at + bar.size > limit) continue
    bar.base = at
    next = at + bar.size
  }
}

/**
 * Initialises bus 0 (see the file comment) and returns what it found and assigned. `ramBytes` keeps the memory
 * window above RAM.
 */
export function initPciBus(bus: PciBus, ramBytes: number): PciFunctionInfo[] {
  const functions = scanPciBus(bus)
  const ident = (devfn: number) => ({
    vendor: bus.configRead(devfn, 0x00, 2),
    device: bus.configRead(devfn, 0x02, 2),
  })
  for (const devfn of functions) {
    const id = ident(devfn)
    if (id.vendor === PIIX3_ISA.vendor && id.device === PIIX3_ISA.device) {
      PCI_PIRQ_IRQS.forEach((irq, pirq) => bus.configWrite(devfn, 0x60 + pirq, irq, 1))
    }
  }

  const found = functions.map((devfn) => {
    const header = bus.configRead(devfn, 0x0e, 1) & 0x7f
    return { devfn, bars: header === 0 ? sizeBars(bus, devfn) : [] }
  })
  const all = found.flatMap((f) => f.bars)
  const memoryBase = Math.max(PCI_WINDOWS.memoryBase, Math.ceil(ramBytes / 0x1000_0000) * 0x1000_0000)
  allocate(
    all.filter((b) => b.kind === 'memory'),
    memoryBase,
    PCI_WINDOWS.memoryLimit,
  )
  allocate(
    all.filter((b) => b.kind === 'io'),
    PCI_WINDOWS.ioBase,
    PCI_WINDOWS.ioLimit,
  )

  return found.map(({ devfn, bars }): PciFunctionInfo => {
    const id = ident(devfn)
    const classCode = bus.configRead(devfn, 0x08, 4) >>> 8
    let command = bus.configRead(devfn, 0x04, 2) & ~(COMMAND.IO | COMMAND.MEMORY)
    for (const bar of bars) {
      if (bar.base === undefined) continue
      const offset = 0x10 + bar.index * 4
      bus.configWrite(devfn, offset, (bar.base | (bus.configRead(devfn, offset, 4) & 0xf)) >>> 0, 4)
      command |= bar.kind === 'io' ? COMMAND.IO : COMMAND.MEMORY
    }
    if (classCode >> 8 === 0x0101) {
      // IDE: the legacy ports decode with I/O space enabled; bus mastering for DMA.
      command |= COMMAND.IO | COMMAND.MASTER
      if (id.vendor === PIIX3_IDE.vendor && id.device === PIIX3_IDE.device) {
        bus.configWrite(devfn, 0x40, 0x8000, 2) // IDETIM primary: IDE decode enable
        bus.configWrite(devfn, 0x42, 0x8000, 2) // IDETIM secondary
      }
    }
    if (classCode >> 16 === 0x03) command |= COMMAND.IO | COMMAND.MEMORY // VGA: legacy ranges decode too
    bus.configWrite(devfn, 0x04, command, 2)
    const interruptPin = bus.configRead(devfn, 0x3d, 1)
    const hasPin = interruptPin >= 1 && interruptPin <= 4
    const pirq = hasPin ? pirqOf(devfn >> 3, interruptPin) : undefined
    const irq = pirq === undefined ? 0xff : PCI_PIRQ_IRQS[pirq]!
    // The host bridge and the ISA bridge keep their line register untouched (no INTx).
    if (hasPin) bus.configWrite(devfn, 0x3c, irq, 1)
    return {
      devfn,
      vendorId: id.vendor,
      deviceId: id.device,
      classCode,
      interruptPin: hasPin ? interruptPin : 0,
      pirq,
      irq,
      bars,
    }
  })
}
