// The ACPI tables checked by ACPICA's iasl, the reference AML tool (Debian acpica-tools): every table
// disassembles without complaint, the DSDT recompiles with no errors or warnings, and the disassembly shows
// the PCI root bridge with its resource windows and both routing tables selected by \_PIC.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildAcpiTables } from '../../src/acpi/acpi-tables'

const ADDRESS = 0xe0000

/** The tables of the blob by signature (RSDT entries, and the DSDT/FACS from the FADT). */
function tables(blob: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(blob.buffer)
  const at = (address: number) => {
    const offset = address - ADDRESS
    return blob.subarray(offset, offset + v.getUint32(offset + 4, true))
  }
  const signature = (t: Uint8Array) => new TextDecoder().decode(t.subarray(0, 4))
  const out = new Map<string, Uint8Array>()
  const rsdt = at(v.getUint32(16, true))
  for (let i = 36; i < rsdt.length; i += 4) {
    const t = at(new DataView(rsdt.buffer, rsdt.byteOffset).getUint32(i, true))
    out.set(signature(t), t)
  }
  const fadt = out.get('FACP')!
  out.set('DSDT', at(new DataView(fadt.buffer, fadt.byteOffset).getUint32(40, true)))
  return out
}

/** Runs iasl in `dir`, returning its combined output (iasl reports problems on stdout). */
function iasl(dir: string, ...args: string[]): string {
  return execFileSync('iasl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('ACPI tables under iasl', () => {
  const blob = buildAcpiTables({
    address: ADDRESS,
    pmBase: 0x600,
    sciIrq: 9,
    s5SleepType: 0,
    apic: { localApicAddress: 0xfee0_0000, ioApicAddress: 0xfec0_0000, ioApicId: 1 },
  })
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-acpi-'))

  it('disassembles the FADT, MADT and DSDT without errors or warnings', () => {
    for (const [signature, bytes] of tables(blob)) {
      writeFileSync(join(dir, `${signature}.dat`), bytes)
      const output = iasl(dir, '-d', `${signature}.dat`)
      expect(output, signature).not.toMatch(/error|warning/i)
    }
    const madt = readFileSync(join(dir, 'APIC.dsl'), 'utf8')
    expect(madt).toMatch(/Interrupt Source Override[\s\S]*Interrupt : 00000002/)
  })

  it('has a DSDT with the PCI root bridge that recompiles cleanly', () => {
    writeFileSync(join(dir, 'dsdt.dat'), tables(blob).get('DSDT')!)
    iasl(dir, '-d', 'dsdt.dat')
    const dsl = readFileSync(join(dir, 'dsdt.dsl'), 'utf8')
    expect(iasl(dir, '-p', 'recompiled', 'dsdt.dsl')).toMatch(/0 Errors, 0 Warnings/)
    const flat = dsl.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ')
    expect(flat).toContain('Method (\\_PIC, 1, NotSerialized) { \\PICF = Arg0 }')
    expect(flat).toMatch(/Device \(PCI0\) \{ Name \(_HID, EisaId \("PNP0A03"\) ?\)/)
    expect(flat).toMatch(/WordBusNumber \(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF/)
    expect(flat).toMatch(/DWordMemory \([^)]*\) ?[^)]*0xE0000000, 0xFEBFFFFF/)
    expect(flat).toContain('If (\\PICF) { Return (PRTA) } Return (PRTP)')
    // Slot 5 INTA → PIRQB: ISA IRQ 10 with the 8259s, I/O APIC pin 17 in APIC mode; slot 31 INTD → PIRQC.
    const pic = flat.slice(flat.indexOf('Name (PRTP, Package (0x7C)'), flat.indexOf('Name (PRTA'))
    const apic = flat.slice(flat.indexOf('Name (PRTA, Package (0x7C)'), flat.indexOf('Method (_PRT'))
    expect(pic.includes('Package (0x04) { 0x0005FFFF, Zero, Zero, 0x0A }')).toBe(true)
    expect(apic.includes('Package (0x04) { 0x0005FFFF, Zero, Zero, 0x11 }')).toBe(true)
    expect(apic.includes('Package (0x04) { 0x001FFFFF, 0x03, Zero, 0x12 }')).toBe(true)
    expect(pic.match(/Package \(0x04\)/g)).toHaveLength(31 * 4)
  })
})
