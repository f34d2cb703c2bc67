/**
 * ACPI tables for the PC machine: RSDP (rev 0), RSDT, FADT (rev 1 layout) pointing at the PIIX4-style PM I/O
 * block, FACS, and a DSDT whose AML (aml.ts) declares the \_S5 soft-off package and the PCI root bridge
 * \_SB.PCI0 (PNP0A03: bus, I/O and memory windows in _CRS; _PRT with the PIRQ routing, by \_PIC mode: ISA
 * IRQs through the PIIX3 router with the 8259s, I/O APIC pins 16–19 in APIC mode), optionally a MADT for the
 * local APIC and I/O APIC. Spec: ACPI 6.5 §5.2.5 (RSDP), §5.2.7 (RSDT), §5.2.9 (FADT field offsets), §5.2.10
 * (FACS), §5.2.12 (MADT), §5.8.1 (\_PIC), §6.2.13 (_PRT), §6.4 (_CRS), §7.4.2 (\_Sx objects); PCI Firmware
 * Specification 3.2 §4.1 (PNP0A03); PIIX4 datasheet §7.2 (SLP_TYP 000b = soft off).
 */
import {
  arg,
  buffer,
  device,
  eisaId,
  ifThen,
  integer,
  method,
  name,
  nameString,
  pkg,
  resource,
  returnValue,
  scope,
  store,
} from './aml'
import type { Aml } from './aml'
import { PCI_PIRQ_IRQS, PCI_WINDOWS, pirqOf } from '../firmware/boxwood-bios/pci-init'

/** Where the PM I/O block lives and how it signals (must match the `acpi` device config). */
export interface AcpiPmLayout {
  /** PM base port: PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8, GPE0 at +0x0C. */
  readonly pmBase: number
  /** The SCI interrupt line. */
  readonly sciIrq: number
  /** SLP_TYP value that means S5 (soft off). */
  readonly s5SleepType: number
}

/** Options of {@link buildAcpiTables}. */
export interface AcpiTableOptions extends AcpiPmLayout {
  /** Guest-physical address the tables are copied to (16-byte aligned, inside 0E0000h–0FFFFFh for the RSDP scan). */
  readonly address: number
  /** Add a MADT describing one local APIC and an I/O APIC (with the ISA IRQ0 → GSI2 override). */
  readonly apic?: { readonly localApicAddress: number; readonly ioApicAddress: number; readonly ioApicId: number }
  /**
   * The PCI root bridge's interrupt routing (default: the PC's — PIRQ A–D on ISA IRQs 10, 10, 11, 11 as the
   * firmware programs the PIIX3, and I/O APIC pins 16–19).
   */
  readonly pci?: { readonly pirqIrqs: readonly number[]; readonly pirqFirstGsi: number }
}

const OEM_ID = 'BOXWD '
const OEM_TABLE = 'BOXWOOD '

function ascii(target: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i)
}

function checksum(bytes: Uint8Array, start: number, length: number, at: number): void {
  let sum = 0
  for (let i = 0; i < length; i++) sum += bytes[start + i]!
  bytes[at] = (256 - (sum & 0xff)) & 0xff
}

/** A standard 36-byte table header followed by `body` bytes; returns the table with its checksum. */
function table(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const t = new Uint8Array(36 + body.length)
  const v = new DataView(t.buffer)
  ascii(t, 0, signature)
  v.setUint32(4, t.length, true)
  t[8] = revision
  ascii(t, 10, OEM_ID)
  ascii(t, 16, OEM_TABLE)
  v.setUint32(24, 1, true)
  ascii(t, 28, 'BXWD')
  v.setUint32(32, 1, true)
  t.set(body, 36)
  checksum(t, 0, t.length, 9)
  return t
}

/** The _PRT entries of slots 1–31: `Package { slot << 16 | FFFFh, pin 0–3, Zero, GSI }`, GSI by PIRQ. */
function routingTable(gsiOfPirq: (pirq: number) => number): Aml {
  const entries: Aml[] = []
  for (let slot = 1; slot < 32; slot++) {
    for (let pin = 0; pin < 4; pin++) {
      entries.push(
        pkg(
          integer(((slot << 16) | 0xffff) >>> 0),
          integer(pin),
          integer(0),
          integer(gsiOfPirq(pirqOf(slot, pin + 1))),
        ),
      )
    }
  }
  return pkg(...entries)
}

/** The PCI root bridge \_SB.PCI0 and the \_PIC method that selects its routing table. */
function pciRootAml(pci: NonNullable<AcpiTableOptions['pci']>): Aml {
  const crs = [
    ...resource.busNumbers(0, 0xff),
    ...resource.ioRange(0x0000, 0x0cf7),
    ...resource.ioPorts(0x0cf8, 8),
    ...resource.ioRange(0x0d00, 0xffff),
    ...resource.memoryRange(0x000a_0000, 0x000b_ffff),
    ...resource.memoryRange(PCI_WINDOWS.memoryBase, PCI_WINDOWS.memoryLimit - 1),
    ...resource.end(),
  ]
  return [
    ...name('PICF', integer(0)),
    // \_PIC(1): the OS uses the I/O APIC, so _PRT answers with GSIs 16–19; \_PIC(0) (the default): ISA IRQs.
    ...method('\\_PIC', 1, store(arg(0), nameString('\\PICF'))),
    ...scope(
      '\\_SB',
      device(
        'PCI0',
        name('_HID', eisaId('PNP0A03')),
        name('_UID', integer(0)),
        name('_CRS', buffer(crs)),
        name(
          'PRTP',
          routingTable((pirq) => pci.pirqIrqs[pirq]!),
        ),
        name(
          'PRTA',
          routingTable((pirq) => pci.pirqFirstGsi + pirq),
        ),
        method(
          '_PRT',
          0,
          ifThen(nameString('\\PICF'), returnValue(nameString('PRTA'))),
          returnValue(nameString('PRTP')),
        ),
      ),
    ),
  ]
}

/** The DSDT AML: `Name (\_S5, Package (4) { s5, s5, 0, 0 })`, then the PCI root bridge. */
function dsdtAml(s5: number, pci: NonNullable<AcpiTableOptions['pci']>): Uint8Array {
  return Uint8Array.from([...name('_S5', pkg(integer(s5), integer(s5), integer(0), integer(0))), ...pciRootAml(pci)])
}

/** Builds the tables as one blob to copy to `options.address`; the RSDP is at its start. */
export function buildAcpiTables(options: AcpiTableOptions): Uint8Array {
  const base = options.address
  const at = { rsdp: 0x00, facs: 0x40, rsdt: 0x80, fadt: 0xc0, madt: 0x140, dsdt: 0x200 } as const
  const dsdt = table(
    'DSDT',
    1,
    dsdtAml(options.s5SleepType, options.pci ?? { pirqIrqs: PCI_PIRQ_IRQS, pirqFirstGsi: 16 }),
  )
  const blob = new Uint8Array(at.dsdt + dsdt.length)
  const view = new DataView(blob.buffer)

  // FACS (64 bytes, 64-byte aligned).
  ascii(blob, at.facs, 'FACS')
  view.setUint32(at.facs + 4, 64, true)

  blob.set(dsdt, at.dsdt)

  const fadtBody = new Uint8Array(116 - 36)
  const f = new DataView(fadtBody.buffer)
  const o = (offset: number) => offset - 36
  f.setUint32(o(36), base + at.facs, true)
  f.setUint32(o(40), base + at.dsdt, true)
  f.setUint16(o(46), options.sciIrq, true)
  f.setUint32(o(48), 0, true) // SMI_CMD = 0: the hardware is always in ACPI mode (SCI_EN set at reset)
  f.setUint32(o(56), options.pmBase, true) // PM1a_EVT_BLK
  f.setUint32(o(64), options.pmBase + 4, true) // PM1a_CNT_BLK
  f.setUint32(o(76), options.pmBase + 8, true) // PM_TMR_BLK
  f.setUint32(o(80), options.pmBase + 0x0c, true) // GPE0_BLK
  fadtBody[o(88)] = 4 // PM1_EVT_LEN
  fadtBody[o(89)] = 2 // PM1_CNT_LEN
  fadtBody[o(91)] = 4 // PM_TMR_LEN
  fadtBody[o(92)] = 4 // GPE0_BLK_LEN
  f.setUint16(o(96), 101, true) // P_LVL2_LAT > 100: C2 unsupported
  f.setUint16(o(98), 1001, true) // P_LVL3_LAT > 1000: C3 unsupported
  fadtBody[o(108)] = 0x32 // CENTURY CMOS index
  f.setUint16(o(109), 0x0003, true) // IAPC_BOOT_ARCH: legacy devices, 8042
  f.setUint32(o(112), 0x0000_0025, true) // WBINVD | PROC_C1 | SLP_BUTTON (no fixed sleep button)
  blob.set(table('FACP', 1, fadtBody), at.fadt)

  const entries = [base + at.fadt]
  if (options.apic) {
    const a = options.apic
    const body: number[] = []
    const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]
    body.push(...u32(a.localApicAddress), ...u32(1)) // local APIC address, PCAT_COMPAT (dual 8259 present)
    body.push(0, 8, 0, 0, ...u32(1)) // processor local APIC: ACPI id 0, APIC id 0, enabled
    body.push(1, 12, a.ioApicId, 0, ...u32(a.ioApicAddress), ...u32(0)) // I/O APIC, GSI base 0
    body.push(2, 10, 0, 0, ...u32(2), 0, 0) // interrupt source override: ISA IRQ0 → GSI2, conforming
    // SCI: ISA IRQ9 → GSI9, level, active high (flags: polarity 01, trigger 11).
    body.push(2, 10, 0, options.sciIrq, ...u32(options.sciIrq), 0x0d, 0x00)
    blob.set(table('APIC', 1, Uint8Array.from(body)), at.madt)
    entries.push(base + at.madt)
  }
  const rsdtBody = new Uint8Array(entries.length * 4)
  entries.forEach((e, i) => new DataView(rsdtBody.buffer).setUint32(i * 4, e, true))
  blob.set(table('RSDT', 1, rsdtBody), at.rsdt)

  ascii(blob, at.rsdp, 'RSD PTR ')
  ascii(blob, at.rsdp + 9, OEM_ID)
  blob[at.rsdp + 15] = 0 // revision 0 (ACPI 1.0 RSDP, 20 bytes)
  view.setUint32(at.rsdp + 16, base + at.rsdt, true)
  checksum(blob, at.rsdp, 20, at.rsdp + 8)
  return blob
}
