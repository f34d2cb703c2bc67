// i8254 through its ports and virtual time: periodic IRQ0, one-shot, latches, read-back, port 61h, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { i8254Pit, PIT_HZ } from '../../src/pc/i8254-pit'

const machine = () => createTestMachine({ devices: [i8254Pit] })
const ticksToNs = (ticks: number) => (ticks * 1e9) / PIT_HZ

describe('i8254 PIT', () => {
  it('mode 2 on counter 0 pulses IRQ0 once per period', () => {
    const m = machine()
    m.io.out8(0x43, 0x34) // counter 0, LSB/MSB, mode 2
    m.io.out8(0x40, 0x9c)
    m.io.out8(0x40, 0x2e) // 11932 → ~100 Hz
    m.irq(0).clear()
    m.clock.advanceNs(1_000_000_000) // 99.998 periods of 10.0002 ms
    expect(m.irq(0).risingEdges).toBe(99)
    m.clock.advanceNs(1_000_000)
    expect(m.irq(0).risingEdges).toBe(100)
    expect(m.irq(0).level).toBe(false)
  })

  it('mode 0 raises OUT at terminal count and holds it until reprogrammed', () => {
    const m = machine()
    m.io.out8(0x43, 0x30)
    m.io.out8(0x40, 0x00)
    m.io.out8(0x40, 0x10) // 4096 ticks
    m.irq(0).clear()
    m.clock.advanceNs(ticksToNs(4095))
    expect(m.irq(0).level).toBe(false)
    m.clock.advanceNs(ticksToNs(2))
    expect(m.irq(0).level).toBe(true)
    m.clock.advanceNs(100_000_000)
    expect(m.irq(0).risingEdges).toBe(1)
    m.io.out8(0x43, 0x30)
    expect(m.irq(0).level).toBe(false)
  })

  it('a short one-shot count interrupts even when host time moves while the count is written (real-time clock)', () => {
    // Linux programs its one-shot clockevent (mode 4) with counts as short as ~20 ticks. In real time each clock
    // read is a new host reading: a pause between the load and the arming (the host thread preempted, a GC) once outlasted such a count, the
    // edge was dropped, and Linux's timer interrupt never came again (the guest hung on its next sleep).
    const m = machine()
    m.io.out8(0x43, 0x38) // counter 0, LSB/MSB, mode 4
    let hostNs = 0
    m.host.clock.drive(() => (hostNs += 30_000)) // every read is 30 µs (36 ticks) after the previous one
    m.irq(0).clear()
    m.io.out8(0x40, 23)
    m.io.out8(0x40, 0)
    m.host.clock.freeze()
    m.clock.advanceNs(1_000_000)
    expect(m.irq(0).risingEdges).toBe(1)
  })

  it('counts down and latches the count', () => {
    const m = machine()
    m.io.out8(0x43, 0x30)
    m.io.out8(0x40, 0xff)
    m.io.out8(0x40, 0xff)
    m.clock.advanceNs(ticksToNs(1000) + 1)
    m.io.out8(0x43, 0x00) // latch counter 0
    m.clock.advanceNs(ticksToNs(500))
    const lo = m.io.in8(0x40)
    const hi = m.io.in8(0x40)
    expect((hi << 8) | lo).toBe(0xffff - 1000)
  })

  it('read-back returns status then count', () => {
    const m = machine()
    m.io.out8(0x43, 0xb6) // counter 2, LSB/MSB, mode 3
    m.io.out8(0x42, 0x00)
    m.io.out8(0x42, 0x10)
    m.io.out8(0x43, 0xc8) // read-back count+status of counter 2
    expect(m.io.in8(0x42) & 0x3f).toBe(0x36)
    expect(m.io.in8(0x42)).toBe(0x00)
    expect(m.io.in8(0x42)).toBe(0x10)
  })

  it('counter 2 OUT appears on port 61h and its gate follows bit 0 (Linux PIT calibration)', () => {
    const m = machine()
    m.io.out8(0x61, (m.io.in8(0x61) & ~0x02) | 0x01)
    m.io.out8(0x43, 0xb0) // counter 2, mode 0
    m.io.out8(0x42, 0xe8)
    m.io.out8(0x42, 0x03) // 1000 ticks
    expect(m.io.in8(0x61) & 0x20).toBe(0)
    m.clock.advanceNs(ticksToNs(1001))
    expect(m.io.in8(0x61) & 0x21).toBe(0x21)
  })

  it('BCD mode counts in decimal', () => {
    const m = machine()
    m.io.out8(0x43, 0x31) // mode 0, BCD
    m.io.out8(0x40, 0x00)
    m.io.out8(0x40, 0x10) // 1000 decimal
    m.clock.advanceNs(ticksToNs(1) + 1)
    m.io.out8(0x43, 0x00)
    expect(m.io.in8(0x40)).toBe(0x99)
    expect(m.io.in8(0x40)).toBe(0x09)
  })

  it('produces the same edges after save/load as without', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a, b, (m) => {
      m.io.out8(0x43, 0x34)
      m.io.out8(0x40, 0x00)
      m.io.out8(0x40, 0x10)
      m.clock.advanceNs(1_234_567)
    })
    a.irq(0).clear()
    b.irq(0).clear()
    a.clock.advanceNs(50_000_000)
    b.clock.advanceNs(50_000_000)
    expect(b.irq(0).risingEdges).toBe(a.irq(0).risingEdges)
    expect(a.irq(0).risingEdges).toBe(14)
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(machine, { runs: 40 }).reads).toBeGreaterThan(0)
  })
})
