// Local APIC + I/O APIC + PIC (not CPU-facing) through MMIO, ports and virtual time: virtual-wire ExtINT from
// the 8259, redirection of ISA IRQs (IRQ0 on pin 2), level-triggered remote IRR and EOI broadcast, priority,
// the APIC timer (periodic and one-shot with divide), self IPI, spurious vector, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { defineDevice, defineState, u8 } from '@boxwood/vmm/device-api'
import type { IrqLine } from '@boxwood/vmm/device-api'
import { i8259Pic } from '../../src/pc/i8259-pic'
import { localApic } from '../../src/apic/local-apic'
import { ioApic } from '../../src/apic/io-apic'

const lineDriver = defineDevice({
  name: 'line-driver',
  maxInstances: 1,
  config: {},
  savedState: defineState({ unit: 'line-driver', version: 1, fields: { dummy: u8 } }),
  create(ctx) {
    const lines: IrqLine[] = Array.from({ length: 24 }, (_, i) => ctx.irq(i))
    ctx.ioPorts(24, { sizes: [1], write: (o, v) => (v ? lines[o]!.raise() : lines[o]!.lower()) }, 'lines').map(0x500)
    return { state: { dummy: 0 }, reset() {} }
  },
})

const LAPIC = 0xfee0_0000
const IOAPIC = 0xfec0_0000
function machine() {
  const m = createTestMachine({
    devices: [{ definition: i8259Pic, config: { cpuFacing: false } }, localApic, ioApic, lineDriver],
    ramBytes: 0x20_0000,
  })
  const cpu = m.host.irqs.cpuInterrupts
  const lapicW = (reg: number, v: number) => m.memory.write32(LAPIC + reg, v)
  const lapicR = (reg: number) => m.memory.read32(LAPIC + reg) >>> 0
  const redirect = (pin: number, low: number, high = 0) => {
    m.memory.write32(IOAPIC, 0x10 + pin * 2 + 1)
    m.memory.write32(IOAPIC + 0x10, high)
    m.memory.write32(IOAPIC, 0x10 + pin * 2)
    m.memory.write32(IOAPIC + 0x10, low)
  }
  const line = (n: number, level: boolean) => m.io.out8(0x500 + n, level ? 1 : 0)
  return { m, cpu, lapicW, lapicR, redirect, line }
}

describe('local APIC and I/O APIC', () => {
  it('passes 8259 interrupts through LINT0 (virtual wire) after reset', () => {
    const { m, cpu, line } = machine()
    m.io.out8(0x20, 0x11)
    m.io.out8(0x21, 0x08)
    m.io.out8(0x21, 0x04)
    m.io.out8(0x21, 0x01)
    m.io.out8(0x21, 0x00)
    line(1, true)
    expect(cpu.hasInterrupt()).toBe(true)
    expect(cpu.acknowledge()).toBe(0x09)
  })

  it('presents itself to the CPU as a local APIC (CPUID reports the APIC only then)', () => {
    expect(machine().cpu.localApic).toBe(true)
    const picOnly = createTestMachine({ devices: [i8259Pic], ramBytes: 0x20_0000 })
    expect(picOnly.host.irqs.cpuInterrupts.localApic).toBe(false)
  })

  it('identifies itself and the I/O APIC', () => {
    const { m, lapicR } = machine()
    expect(lapicR(0x30) & 0xff).toBe(0x14)
    m.memory.write32(IOAPIC, 1)
    expect(m.memory.read32(IOAPIC + 0x10) >>> 0).toBe(0x0017_0020)
  })

  it('routes IRQ0 through pin 2 to a fixed vector and respects priority and EOI', () => {
    const { cpu, lapicW, redirect, line } = machine()
    lapicW(0x350, 0x1_0700) // mask LINT0: the PIC path is off
    lapicW(0xf0, 0x1ff) // software enable, spurious 0xFF
    redirect(2, 0x30)
    redirect(4, 0x50)
    line(0, true)
    line(0, false)
    expect(cpu.acknowledge()).toBe(0x30)
    line(4, true)
    expect(cpu.acknowledge()).toBe(0x50) // higher class nests
    line(0, true)
    line(0, false)
    expect(cpu.hasInterrupt()).toBe(false) // 0x30 is below the in-service 0x50 (and 0x30 itself)
    lapicW(0xb0, 0) // EOI 0x50
    expect(cpu.hasInterrupt()).toBe(false)
    lapicW(0xb0, 0) // EOI 0x30
    expect(cpu.acknowledge()).toBe(0x30)
    lapicW(0xb0, 0)
    lapicW(0x80, 0x50) // TPR blocks class ≤ 5
    line(4, false)
    line(4, true)
    expect(cpu.hasInterrupt()).toBe(false)
  })

  it('holds a level-triggered pin in remote IRR until EOI, then re-delivers while asserted', () => {
    const { m, cpu, lapicW, redirect, line } = machine()
    lapicW(0x350, 0x1_0700)
    lapicW(0xf0, 0x1ff)
    redirect(11, 0x8000 | 0x61)
    line(11, true)
    expect(cpu.acknowledge()).toBe(0x61)
    m.memory.write32(IOAPIC, 0x10 + 22)
    expect(m.memory.read32(IOAPIC + 0x10) & 0x4000).toBe(0x4000)
    lapicW(0xb0, 0)
    expect(cpu.acknowledge()).toBe(0x61) // still asserted: delivered again
    line(11, false)
    lapicW(0xb0, 0)
    expect(cpu.hasInterrupt()).toBe(false)
  })

  it('runs the timer periodically and one-shot with the divider', () => {
    const { m, cpu, lapicW, lapicR } = machine()
    lapicW(0xf0, 0x1ff)
    lapicW(0x3e0, 0x3) // divide by 16
    lapicW(0x320, 0x2_0040) // periodic, vector 0x40
    lapicW(0x380, 1000) // 1000 × 16 × 10 ns = 160 µs
    m.clock.advanceNs(80_000)
    expect(lapicR(0x390)).toBe(500)
    m.clock.advanceNs(80_000)
    expect(cpu.acknowledge()).toBe(0x40)
    lapicW(0xb0, 0)
    m.clock.advanceNs(160_000)
    expect(cpu.acknowledge()).toBe(0x40)
    lapicW(0xb0, 0)
    lapicW(0x320, 0x0041) // one-shot
    lapicW(0x380, 10)
    m.clock.advanceNs(10_000)
    expect(cpu.acknowledge()).toBe(0x41)
    lapicW(0xb0, 0)
    m.clock.advanceNs(10_000_000)
    expect(cpu.hasInterrupt()).toBe(false)
    expect(lapicR(0x390)).toBe(0)
  })

  it('delivers self IPIs and returns the spurious vector when nothing is pending', () => {
    const { cpu, lapicW } = machine()
    lapicW(0x350, 0x1_0700)
    lapicW(0xf0, 0x1ef)
    lapicW(0x300, 0x4_0077) // shorthand self, fixed, vector 0x77
    expect(cpu.acknowledge()).toBe(0x77)
    expect(cpu.acknowledge()).toBe(0xef)
  })

  it('saves and loads', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.lapicW(0x350, 0x1_0700)
      a.lapicW(0xf0, 0x1ff)
      a.redirect(5, 0x66)
      a.line(5, true)
    })
    expect(b.cpu.acknowledge()).toBe(0x66)
  })

  it('survives the seeded I/O fuzz', () => {
    const make = () =>
      createTestMachine({ devices: [{ definition: i8259Pic, config: { cpuFacing: false } }, localApic, ioApic] })
    expect(fuzzDeviceIo(make, { runs: 30 }).writes).toBeGreaterThan(0)
  })
})
