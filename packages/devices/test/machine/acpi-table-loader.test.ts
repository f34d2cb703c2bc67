// The fw_cfg ACPI table loader script: a small interpreter of the QEMU linker/loader commands (as a firmware
// runs them) places the files at arbitrary addresses, and the relocated tables must be a valid ACPI tree
// there (checksums, RSDP → RSDT → FADT → FACS/DSDT); malformed blobs are refused with a clear error.
import { describe, expect, it } from 'vitest'
import { buildAcpiTables } from '../../src/acpi/acpi-tables'
import { AcpiTableLoaderError, buildFwCfgAcpiFiles } from '../../src/machine/acpi-table-loader'
import { PC_ACPI } from '../../src/machine/pc-config'

const decoder = new TextDecoder()
const cString = (bytes: Uint8Array) => decoder.decode(bytes.subarray(0, bytes.indexOf(0)))
const sum = (bytes: Uint8Array) => bytes.reduce((a, b) => (a + b) & 0xff, 0)

/** Runs the loader script the way SeaBIOS's romfile-loader does, with its own choice of addresses. */
function runLoader(files: Record<string, Uint8Array>, script: Uint8Array, bases: Record<string, number>) {
  const memory = new Map<string, { base: number; data: Uint8Array }>()
  for (let at = 0; at < script.length; at += 128) {
    const e = script.subarray(at, at + 128)
    const v = new DataView(e.buffer, e.byteOffset, 128)
    const command = v.getUint32(0, true)
    if (command === 1) {
      const name = cString(e.subarray(4, 60))
      const align = v.getUint32(60, true)
      expect(bases[name]! % align).toBe(0)
      expect(e[64]).toBe(name === 'etc/acpi/rsdp' ? 2 : 1)
      memory.set(name, { base: bases[name]!, data: files[name]!.slice() })
    } else if (command === 2) {
      const dest = memory.get(cString(e.subarray(4, 60)))!
      const src = memory.get(cString(e.subarray(60, 116)))!
      const offset = v.getUint32(116, true)
      expect(e[120]).toBe(4)
      const d = new DataView(dest.data.buffer)
      d.setUint32(offset, (d.getUint32(offset, true) + src.base) >>> 0, true)
    } else if (command === 3) {
      const file = memory.get(cString(e.subarray(4, 60)))!
      const offset = v.getUint32(60, true)
      const start = v.getUint32(64, true)
      const length = v.getUint32(68, true)
      file.data[offset] = (file.data[offset]! - sum(file.data.subarray(start, start + length))) & 0xff
    } else {
      throw new Error(`unknown loader command ${command}`)
    }
  }
  return memory
}

describe('ACPI tables through the fw_cfg table loader', () => {
  for (const apic of [false, true]) {
    it(`relocates RSDP, RSDT, FADT, FACS and DSDT to where the firmware puts them (apic: ${apic})`, () => {
      const blob = buildAcpiTables({
        ...PC_ACPI,
        address: 0,
        ...(apic ? { apic: { localApicAddress: 0xfee0_0000, ioApicAddress: 0xfec0_0000, ioApicId: 1 } } : {}),
      })
      const files = buildFwCfgAcpiFiles(blob)
      expect(files.loader.length % 128).toBe(0)
      expect(decoder.decode(files.tables.subarray(0, 8))).not.toBe('RSD PTR ')
      const bases = { 'etc/acpi/rsdp': 0xf5a30, 'etc/acpi/tables': 0x07fe_0040 }
      const memory = runLoader({ 'etc/acpi/rsdp': files.rsdp, 'etc/acpi/tables': files.tables }, files.loader, bases)
      const rsdp = memory.get('etc/acpi/rsdp')!.data
      const tables = memory.get('etc/acpi/tables')!.data
      const tv = new DataView(tables.buffer)
      expect(decoder.decode(rsdp.subarray(0, 8))).toBe('RSD PTR ')
      expect(sum(rsdp.subarray(0, 20))).toBe(0)
      const at = (gpa: number) => gpa - bases['etc/acpi/tables']
      const table = (gpa: number) => {
        const o = at(gpa)
        const length = tv.getUint32(o + 4, true)
        return {
          o,
          signature: decoder.decode(tables.subarray(o, o + 4)),
          length,
          sum: sum(tables.subarray(o, o + length)),
        }
      }
      const rsdt = table(new DataView(rsdp.buffer).getUint32(16, true))
      expect(rsdt).toMatchObject({ signature: 'RSDT', sum: 0 })
      const entries = Array.from({ length: (rsdt.length - 36) / 4 }, (_, i) =>
        table(tv.getUint32(rsdt.o + 36 + i * 4, true)),
      )
      expect(entries.map((e) => e.signature)).toEqual(apic ? ['FACP', 'APIC'] : ['FACP'])
      for (const e of entries) expect(e.sum).toBe(0)
      const fadt = entries[0]!
      expect(
        decoder.decode(tables.subarray(at(tv.getUint32(fadt.o + 36, true)), at(tv.getUint32(fadt.o + 36, true)) + 4)),
      ).toBe('FACS')
      expect(table(tv.getUint32(fadt.o + 40, true))).toMatchObject({ signature: 'DSDT', sum: 0 })
      // The PM block stays where the acpi device decodes it.
      expect(tv.getUint32(fadt.o + 64, true)).toBe(PC_ACPI.pmBase + 4)
    })
  }

  it('refuses blobs without an RSDP or with pointers outside the blob', () => {
    expect(() => buildFwCfgAcpiFiles(new Uint8Array(64))).toThrow(AcpiTableLoaderError)
    const blob = buildAcpiTables({ ...PC_ACPI, address: 0 })
    const broken = blob.slice()
    new DataView(broken.buffer).setUint32(16, 0x10_0000, true) // RSDT far outside
    expect(() => buildFwCfgAcpiFiles(broken)).toThrow(/RSDT at 1048576/)
    expect(() => buildFwCfgAcpiFiles(blob.subarray(0, 10))).toThrow(AcpiTableLoaderError)
  })
})
