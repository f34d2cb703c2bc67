// The MP configuration table for an APIC machine (one processor, PCI bus 0, ISA bus 1, one I/O APIC): ISA IRQs
// on their pins (IRQ 0 on pin 2, as the MADT's override says), PCI INTx of each present slot on pins 16–19 by
// PIRQ (level, active low), ExtINT on LINT0 (virtual wire) and NMI on LINT1. An OS reads it when it does not
// use ACPI (so the SCI needs no entry of its own).
// Spec: Intel MultiProcessor Specification 1.4 §4.1 (floating pointer), §4.2 (header), §4.3 (entries),
// §D.3 (PCI bus IRQ encoding: device << 2 | pin).
import type { PciFunctionInfo } from './pci-init'

/** Where the I/O APIC and the local APIC are, and the SCI line (the ACPI tables say the same). */
export interface MpTableOptions {
  readonly localApicAddress: number
  readonly ioApicAddress: number
  readonly ioApicId: number
  /** The CPU's CPUID.01h EAX signature. */
  readonly cpuSignature: number
  /** The PCI functions POST found (their pins and PIRQs). */
  readonly pci: readonly PciFunctionInfo[]
  /** Guest-physical address the configuration table is copied to. */
  readonly address: number
}

/** Where POST puts the configuration table (below the ROM, in the reserved E0000h–FFFFFh area, after the ACPI
 * tables) and the floating pointer (in the first KB of the EBDA, where OSes scan for it). */
export const MP_TABLE_ADDRESS = 0xe_f000
export const MP_FLOATING_EBDA_OFFSET = 0x200

/** I/O APIC pin of PIRQ A (B–D follow): the i440FX bridge drives pins 16–19. */
export const PIRQ_FIRST_PIN = 16

const BUS = { PCI: 0, ISA: 1 } as const
const FLAGS = { CONFORMS: 0x00, LEVEL_LOW: 0x0f } as const

function checksum(bytes: Uint8Array): number {
  return (256 - (bytes.reduce((s, b) => s + b, 0) & 0xff)) & 0xff
}

/** Builds the configuration table (to copy to `options.address`) and its 16-byte floating pointer. */
export function buildMpTable(options: MpTableOptions): { table: Uint8Array; floating: Uint8Array } {
  const entries: number[][] = []
  const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]
  const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0))
  // Processor: APIC id 0, version 14h, enabled boot processor, signature, features (FPU, APIC).
  entries.push([0, 0, 0x14, 0x03, ...u32(options.cpuSignature), ...u32(0x201), ...u32(0), ...u32(0)])
  entries.push([1, BUS.PCI, ...ascii('PCI   ')])
  entries.push([1, BUS.ISA, ...ascii('ISA   ')])
  entries.push([2, options.ioApicId, 0x11, 0x01, ...u32(options.ioApicAddress)])
  const interrupt = (type: number, flags: number, bus: number, irq: number, pin: number) =>
    entries.push([3, type, flags, 0, bus, irq, options.ioApicId, pin])
  for (let irq = 0; irq < 16; irq++) {
    if (irq === 2) continue // the cascade
    interrupt(0, FLAGS.CONFORMS, BUS.ISA, irq, irq === 0 ? 2 : irq)
  }
  const seen = new Set<number>()
  for (const fn of options.pci) {
    if (fn.pirq === undefined) continue
    const source = ((fn.devfn >> 3) << 2) | (fn.interruptPin - 1)
    if (seen.has(source)) continue
    seen.add(source)
    interrupt(0, FLAGS.LEVEL_LOW, BUS.PCI, source, PIRQ_FIRST_PIN + fn.pirq)
  }
  // Local interrupts to every local APIC (FFh): ExtINT on LINT0, NMI on LINT1.
  entries.push([4, 3, 0, 0, BUS.ISA, 0, 0xff, 0])
  entries.push([4, 1, 0, 0, BUS.ISA, 0, 0xff, 1])

  const body = entries.flat()
  const table = new Uint8Array(44 + body.length)
  const v = new DataView(table.buffer)
  table.set(ascii('PCMP'), 0)
  v.setUint16(4, table.length, true)
  table[6] = 4 // spec revision 1.4
  table.set(ascii('BOXWOOD '), 8)
  table.set(ascii('BOXWOOD PC  '), 16)
  v.setUint16(34, entries.length, true)
  v.setUint32(36, options.localApicAddress, true)
  table.set(body, 44)
  table[7] = checksum(table)

  const floating = new Uint8Array(16)
  floating.set(ascii('_MP_'), 0)
  new DataView(floating.buffer).setUint32(4, options.address, true)
  floating[8] = 1 // length in 16-byte units
  floating[9] = 4
  // Feature bytes 0: the table above describes the system; IMCR absent (virtual wire mode).
  floating[10] = checksum(floating)
  return { table, floating }
}
