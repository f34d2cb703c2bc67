// i8259 pair through its ports only: init sequence, priorities, EOI, cascade, ELCR level mode, poll, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { defineDevice, defineState, u8 } from '@boxwood/vmm/device-api'
import type { IrqLine } from '@boxwood/vmm/device-api'
import { i8259Pic } from '../../src/pc/i8259-pic'

/** A test-only device that drives platform lines from port 0x500 + line: write 1 raises, 0 lowers. */
const lineDriver = defineDevice({
  name: 'line-driver',
  maxInstances: 1,
  config: {},
  savedState: defineState({ unit: 'line-driver', version: 1, fields: { dummy: u8 } }),
  create(ctx) {
    const lines: IrqLine[] = Array.from({ length: 16 }, (_, i) => ctx.irq(i))
    ctx
      .ioPorts(
        16,
        { sizes: [1], write: (offset, value) => (value ? lines[offset]!.raise() : lines[offset]!.lower()) },
        'lines',
      )
      .map(0x500)
    return { state: { dummy: 0 }, reset() {} }
  },
})

function machine() {
  const m = createTestMachine({ devices: [i8259Pic, lineDriver] })
  const { io } = m
  // The BIOS init sequence: vectors 0x08 / 0x70, cascade on IRQ2, 8086 mode.
  io.out8(0x20, 0x11)
  io.out8(0x21, 0x08)
  io.out8(0x21, 0x04)
  io.out8(0x21, 0x01)
  io.out8(0xa0, 0x11)
  io.out8(0xa1, 0x70)
  io.out8(0xa1, 0x02)
  io.out8(0xa1, 0x01)
  io.out8(0x21, 0x00)
  io.out8(0xa1, 0x00)
  const cpu = m.host.irqs.cpuInterrupts
  const raise = (line: number) => io.out8(0x500 + line, 1)
  const lower = (line: number) => io.out8(0x500 + line, 0)
  return { m, io, cpu, raise, lower }
}

describe('i8259 PIC pair', () => {
  it('delivers a master IRQ with its vector and holds it in service until EOI', () => {
    const { io, cpu, raise, lower } = machine()
    expect(cpu.hasInterrupt()).toBe(false)
    raise(1)
    lower(1)
    expect(cpu.hasInterrupt()).toBe(true)
    expect(cpu.acknowledge()).toBe(0x09)
    expect(cpu.hasInterrupt()).toBe(false)
    io.out8(0x20, 0x0b) // OCW3: read ISR
    expect(io.in8(0x20)).toBe(0x02)
    io.out8(0x20, 0x20) // non-specific EOI
    expect(io.in8(0x20)).toBe(0x00)
  })

  it('orders by priority and lets higher priority nest', () => {
    const { io, cpu, raise } = machine()
    raise(4)
    raise(3)
    expect(cpu.acknowledge()).toBe(0x0b)
    expect(cpu.hasInterrupt()).toBe(false) // IRQ4 is lower than in-service IRQ3
    raise(0)
    expect(cpu.acknowledge()).toBe(0x08)
    io.out8(0x20, 0x20)
    io.out8(0x20, 0x20)
    expect(cpu.acknowledge()).toBe(0x0c)
  })

  it('masks with the IMR and reads it back', () => {
    const { io, cpu, raise } = machine()
    io.out8(0x21, 0xfe)
    expect(io.in8(0x21)).toBe(0xfe)
    raise(5)
    expect(cpu.hasInterrupt()).toBe(false)
    io.out8(0x21, 0x00)
    expect(cpu.acknowledge()).toBe(0x0d)
  })

  it('cascades slave IRQs through IRQ2 with the slave vector base', () => {
    const { io, cpu, raise } = machine()
    raise(14)
    expect(cpu.hasInterrupt()).toBe(true)
    expect(cpu.acknowledge()).toBe(0x76)
    io.out8(0xa0, 0x0b)
    expect(io.in8(0xa0)).toBe(0x40)
    io.out8(0x20, 0x0b)
    expect(io.in8(0x20)).toBe(0x04)
  })

  it('returns the spurious vector when the request vanished', () => {
    const { cpu } = machine()
    expect(cpu.acknowledge()).toBe(0x0f)
  })

  it('keeps edge requests after the line drops, but level requests follow the line (ELCR)', () => {
    const { io, cpu, raise, lower } = machine()
    io.out8(0x4d1, 0xff)
    expect(io.in8(0x4d1)).toBe(0xde) // IRQ8 and IRQ13 cannot be level
    raise(11)
    lower(11)
    expect(cpu.hasInterrupt()).toBe(false)
    raise(11)
    expect(cpu.acknowledge()).toBe(0x73)
    io.out8(0xa0, 0x20)
    io.out8(0x20, 0x20)
    expect(cpu.hasInterrupt()).toBe(true) // still asserted: level re-requests
    lower(11)
    expect(cpu.hasInterrupt()).toBe(false)
  })

  it('answers a poll command with 0x80 | irq', () => {
    const { io, raise } = machine()
    raise(6)
    io.out8(0x20, 0x0c)
    expect(io.in8(0x20)).toBe(0x86)
    io.out8(0x20, 0x0c)
    expect(io.in8(0x20)).toBe(0x00)
  })

  it('auto-EOI leaves nothing in service; specific rotation changes priority', () => {
    const { io, cpu, raise } = machine()
    io.out8(0x20, 0x11)
    io.out8(0x21, 0x20)
    io.out8(0x21, 0x04)
    io.out8(0x21, 0x03) // auto EOI
    io.out8(0x21, 0x00)
    raise(3)
    expect(cpu.acknowledge()).toBe(0x23)
    io.out8(0x20, 0x0b)
    expect(io.in8(0x20)).toBe(0)
    io.out8(0x20, 0xc4) // set priority: IRQ5 lowest, so IRQ6 highest
    raise(7)
    raise(1)
    expect(cpu.acknowledge()).toBe(0x27)
  })

  it('saves and restores mid-service state', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.raise(9)
      a.cpu.acknowledge()
      a.raise(4)
    })
    expect(b.cpu.hasInterrupt()).toBe(false)
    b.io.out8(0xa0, 0x20)
    b.io.out8(0x20, 0x20)
    expect(b.cpu.acknowledge()).toBe(0x0c)
  })

  it('survives the seeded I/O fuzz', () => {
    const report = fuzzDeviceIo(() => createTestMachine({ devices: [i8259Pic] }), { runs: 40 })
    expect(report.writes).toBeGreaterThan(0)
  })
})
