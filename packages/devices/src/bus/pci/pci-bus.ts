/**
 * The PCI bus contracts (VirtualBox PDMPCIBUSREG / PDMDevHlpPCIRegister): what a PCI device registers on the
 * bus (its configuration space callbacks and INTx output), and the PIRQ router the south bridge offers the
 * bus. Spec: PCI Local Bus Specification 3.0 §6.1 (configuration space), §2.2.6 (INTx# pins); PIIX3
 * datasheet §2.2.9 (PIRQRC[A:D] routing registers).
 */
import { defineContract } from '@boxwood/vmm/device-api'

/** A function on the bus, as the bus calls it (the helper in pci-function.ts implements it for devices). */
export interface PciFunction {
  /** Human-readable name for logs. */
  readonly name: string
  /** Reads `size` bytes at config `offset` (aligned to `size`). */
  configRead(offset: number, size: 1 | 2 | 4): number
  configWrite(offset: number, value: number, size: 1 | 2 | 4): void
}

/** The bus (provided by the host bridge). */
export interface PciBus {
  /**
   * Registers a function at `devfn` (device << 3 | function) on bus 0; returns the function's INTx driver
   * (level-triggered; the bus swizzles by slot and routes through the PIRQ router). Throws if taken.
   */
  register(devfn: number, fn: PciFunction, interruptPin: number): { setIrq(level: boolean): void }
  /** The first free device number ≥ `from` (devfn >> 3). */
  freeSlot(from?: number): number
  /**
   * A configuration read of 00:`devfn` as mechanism #1 would perform it (all ones when no function answers or
   * the access is misaligned), for firmware emulated in TypeScript (VirtualBox's fake PCI BIOS does the same).
   */
  configRead(devfn: number, offset: number, size: 1 | 2 | 4): number
  /** A configuration write to 00:`devfn` (ignored when no function answers or the access is misaligned). */
  configWrite(devfn: number, offset: number, value: number, size: 1 | 2 | 4): void
}

/** The south bridge's PIRQ routing: PIRQ A–D → ISA IRQ (or undefined when routing is disabled). */
export interface PirqRouter {
  route(pirq: number): number | undefined
  /** Called by the bus once; the router calls it back when a PIRQRC register changes. */
  onChange(listener: () => void): void
}

/** The platform service contract of the PCI bus. */
export const pciBusContract = defineContract<PciBus>(
  'PciBus',
  (value): value is PciBus =>
    typeof value === 'object' && value !== null && typeof (value as PciBus).register === 'function',
)

/** The platform service contract of the PIRQ router. */
export const pirqRouterContract = defineContract<PirqRouter>(
  'PirqRouter',
  (value): value is PirqRouter =>
    typeof value === 'object' && value !== null && typeof (value as PirqRouter).route === 'function',
)

/** PCI devfn of a device number and function. */
export const devfn = (device: number, fn = 0): number => ((device & 0x1f) << 3) | (fn & 7)
