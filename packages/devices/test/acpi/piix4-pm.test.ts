// ACPI PM I/O through its ports and virtual time: PM timer rate, timer overflow SCI, power button SCI and
// write-1-to-clear status, S5 power-off; ACPI tables checksums and layout; fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { createAcpiButtons, piix4Pm, PM_TIMER_HZ } from '../../src/acpi/piix4-pm'
import { buildAcpiTables } from '../../src/acpi/acpi-tables'

const BASE = 0x600
function machine() {
  const buttons = createAcpiButtons()
  const m = createTestMachine({ devices: [{ definition: piix4Pm, luns: { 0: buttons } }] })
  return { m, io: m.io, buttons }
}

describe('ACPI PM I/O', () => {
  it('runs the PM timer at 3.579545 MHz, 24 bits', () => {
    const { m, io } = machine()
    const t0 = io.in32(BASE + 8)
    m.clock.advanceNs(1_000_000)
    expect(io.in32(BASE + 8) - t0).toBe(Math.floor(PM_TIMER_HZ / 1000))
    m.clock.advanceNs(10_000_000_000)
    expect(io.in32(BASE + 8)).toBeLessThan(0x100_0000)
  })

  it('raises SCI for an enabled power button press; writing 1 clears the status', () => {
    const { m, io, buttons } = machine()
    expect(io.in16(BASE + 4) & 1).toBe(1) // SCI_EN
    buttons.pressPowerButton()
    expect(io.in16(BASE) & 0x100).toBe(0x100)
    expect(m.irq(9).level).toBe(false)
    io.out16(BASE + 2, 0x100)
    expect(m.irq(9).level).toBe(true)
    io.out16(BASE, 0x100)
    expect(io.in16(BASE) & 0x100).toBe(0)
    expect(m.irq(9).level).toBe(false)
  })

  it('sets TMR_STS when bit 23 of the timer toggles', () => {
    const { m, io } = machine()
    io.out16(BASE + 2, 0x0001)
    m.clock.advanceNs(2_300_000_000)
    expect(m.irq(9).level).toBe(false)
    m.clock.advanceNs(100_000_000)
    expect(m.irq(9).level).toBe(true)
    expect(io.in16(BASE) & 1).toBe(1)
  })

  it('powers off on SLP_TYP 0 | SLP_EN (S5), not on other sleep types', () => {
    const { m, io } = machine()
    io.out16(BASE + 4, (1 << 10) | 0x2000 | 1)
    expect(m.powerOffRequests).toBe(0)
    expect(io.in16(BASE) & 0x8000).toBe(0x8000)
    io.out16(BASE + 4, 0x2000 | 1)
    expect(m.powerOffRequests).toBe(1)
  })

  it('save/load', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.io.out16(BASE + 2, 0x0101)
      a.buttons.pressPowerButton()
    })
    expect(b.m.irq(9).level).toBe(true)
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(() => machine().m, { runs: 40 }).writes).toBeGreaterThan(0)
  })
})

describe('ACPI tables', () => {
  const sum = (b: Uint8Array, from: number, n: number) => b.subarray(from, from + n).reduce((a, x) => a + x, 0) & 0xff
  it('have valid checksums and point at the PM block and \\_S5', () => {
    const address = 0xe0000
    const blob = buildAcpiTables({ address, pmBase: 0x600, sciIrq: 9, s5SleepType: 0 })
    const v = new DataView(blob.buffer)
    expect(new TextDecoder().decode(blob.subarray(0, 8))).toBe('RSD PTR ')
    expect(sum(blob, 0, 20)).toBe(0)
    const rsdt = v.getUint32(16, true) - address
    expect(sum(blob, rsdt, v.getUint32(rsdt + 4, true))).toBe(0)
    const fadt = v.getUint32(rsdt + 36, true) - address
    expect(new TextDecoder().decode(blob.subarray(fadt, fadt + 4))).toBe('FACP')
    expect(sum(blob, fadt, v.getUint32(fadt + 4, true))).toBe(0)
    expect(v.getUint32(fadt + 56, true)).toBe(0x600)
    expect(v.getUint32(fadt + 64, true)).toBe(0x604)
    expect(v.getUint16(fadt + 46, true)).toBe(9)
    const dsdt = v.getUint32(fadt + 40, true) - address
    expect(sum(blob, dsdt, v.getUint32(dsdt + 4, true))).toBe(0)
    expect(Array.from(blob.subarray(dsdt + 36, dsdt + 48))).toEqual([
      0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
    ])
  })

  it('adds a MADT when asked', () => {
    const blob = buildAcpiTables({
      address: 0xe0000,
      pmBase: 0x600,
      sciIrq: 9,
      s5SleepType: 0,
      apic: { localApicAddress: 0xfee00000, ioApicAddress: 0xfec00000, ioApicId: 1 },
    })
    const text = new TextDecoder('latin1').decode(blob)
    expect(text.includes('APIC')).toBe(true)
  })
})
