// MC146818 through ports 0x70/0x71 and virtual time: calendar from config, BCD/binary, SET, periodic, update
// and alarm interrupts, CMOS layout bytes, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { mc146818Rtc } from '../../src/pc/mc146818-rtc'
import { buildCmosImage } from '../../src/pc/cmos-layout'
import { civilFromEpochSeconds, epochSecondsFromCivil } from '../../src/pc/civil-time'

// 2026-11-25 19:59:58 UTC, a Wednesday.
const START = 1_795_636_798
const machine = (config: Record<string, unknown> = {}) =>
  createTestMachine({ devices: [{ definition: mc146818Rtc, config: { startTime: START, ...config } }] })
const read = (m: ReturnType<typeof machine>, index: number) => {
  m.io.out8(0x70, index)
  return m.io.in8(0x71)
}
const write = (m: ReturnType<typeof machine>, index: number, value: number) => {
  m.io.out8(0x70, index)
  m.io.out8(0x71, value)
}

describe('civil time', () => {
  it('round-trips across leap years and matches known dates', () => {
    expect(epochSecondsFromCivil({ year: 2000, month: 3, day: 1, hour: 0, minute: 0, second: 0 })).toBe(951_868_800)
    const t = civilFromEpochSeconds(START)
    expect(t).toEqual({ year: 2026, month: 11, day: 25, hour: 19, minute: 59, second: 58, weekday: 3 })
    for (let s = -86400 * 800; s < 86400 * 3000; s += 86400 * 7 + 3671) {
      expect(epochSecondsFromCivil(civilFromEpochSeconds(s))).toBe(s)
    }
  })
})

describe('mc146818 RTC', () => {
  it('reads the configured time in BCD and keeps it running on virtual time', () => {
    const m = machine()
    expect(read(m, 0x00)).toBe(0x58)
    expect(read(m, 0x02)).toBe(0x59)
    expect(read(m, 0x04)).toBe(0x19)
    expect(read(m, 0x06)).toBe(0x04) // Wednesday = 4
    expect(read(m, 0x07)).toBe(0x25)
    expect(read(m, 0x08)).toBe(0x11)
    expect(read(m, 0x09)).toBe(0x26)
    expect(read(m, 0x32)).toBe(0x20)
    expect(read(m, 0x0d)).toBe(0x80)
    m.clock.advanceNs(3_000_000_000)
    expect(read(m, 0x00)).toBe(0x01)
    expect(read(m, 0x02)).toBe(0x00)
    expect(read(m, 0x04)).toBe(0x20)
  })

  it('binary and 12-hour modes', () => {
    const m = machine()
    write(m, 0x0b, 0x04) // binary, 12 h
    expect(read(m, 0x00)).toBe(58)
    expect(read(m, 0x04)).toBe(0x80 | 7)
  })

  it('SET freezes the clock and the written time takes effect when SET clears', () => {
    const m = machine()
    write(m, 0x0b, 0x82)
    write(m, 0x00, 0x30)
    write(m, 0x02, 0x15)
    write(m, 0x04, 0x08)
    write(m, 0x09, 0x99)
    write(m, 0x32, 0x19)
    m.clock.advanceNs(5_000_000_000)
    expect(read(m, 0x00)).toBe(0x30)
    write(m, 0x0b, 0x02)
    m.clock.advanceNs(2_000_000_000)
    expect(read(m, 0x00)).toBe(0x32)
    expect(read(m, 0x09)).toBe(0x99)
    expect(read(m, 0x32)).toBe(0x19)
  })

  it('shows UIP only in the 244 µs before a second boundary', () => {
    const m = machine()
    expect(read(m, 0x0a) & 0x80).toBe(0)
    m.clock.advanceNs(999_800_000)
    expect(read(m, 0x0a) & 0x80).toBe(0x80)
    m.clock.advanceNs(300_000)
    expect(read(m, 0x0a) & 0x80).toBe(0)
  })

  it('periodic interrupt at 1024 Hz; reading C acknowledges', () => {
    const m = machine()
    write(m, 0x0b, 0x42)
    m.irq(8).clear()
    m.clock.advanceNs(1_000_000)
    expect(m.irq(8).level).toBe(true)
    expect(read(m, 0x0c)).toBe(0xc0)
    expect(m.irq(8).level).toBe(false)
    m.clock.advanceNs(1_000_000_000)
    // Unacknowledged, the line stays high: one edge after the acknowledge.
    expect(m.irq(8).risingEdges).toBe(2)
    write(m, 0x0a, 0x2f) // 2 Hz
    read(m, 0x0c)
    m.irq(8).clear()
    for (let i = 0; i < 4; i++) {
      m.clock.advanceNs(500_000_000)
      read(m, 0x0c)
    }
    expect(m.irq(8).risingEdges).toBe(4)
  })

  it('update-ended and alarm interrupts', () => {
    const m = machine()
    write(m, 0x01, 0x00) // alarm at :00 seconds
    write(m, 0x03, 0xc0) // any minute
    write(m, 0x05, 0xc0) // any hour
    write(m, 0x0b, 0x32) // AIE | UIE | 24h
    m.clock.advanceNs(1_100_000_000)
    expect(read(m, 0x0c)).toBe(0x90) // UF at :59
    m.clock.advanceNs(1_000_000_000)
    expect(read(m, 0x0c)).toBe(0xb0) // UF + AF at :00
  })

  it('loads the CMOS image and keeps CMOS RAM across a hard reset', () => {
    const image = buildCmosImage({
      ramBytes: 128 * 1024 * 1024,
      floppies: ['1.44M'],
      disks: [{ cylinders: 1024, heads: 16, sectors: 63 }],
      bootOrder: ['cdrom', 'disk', 'floppy'],
    })
    const m = machine({ image })
    expect(read(m, 0x10)).toBe(0x40)
    expect(read(m, 0x15) | (read(m, 0x16) << 8)).toBe(640)
    expect(read(m, 0x17) | (read(m, 0x18) << 8)).toBe(0xfbc0)
    expect(read(m, 0x34) | (read(m, 0x35) << 8)).toBe((112 * 1024 * 1024) / 65536)
    expect(read(m, 0x3d)).toBe(0x23)
    expect(read(m, 0x38)).toBe(0x10)
    expect(read(m, 0x1b) | (read(m, 0x1c) << 8)).toBe(1024)
    let sum = 0
    for (let i = 0x10; i <= 0x2d; i++) sum += read(m, i)
    expect((read(m, 0x2e) << 8) | read(m, 0x2f)).toBe(sum)
    write(m, 0x40, 0x5a)
    m.io.out8(0x72, 0x10)
    m.io.out8(0x73, 0xa5)
    m.reset('hard')
    expect(read(m, 0x40)).toBe(0x5a)
    m.io.out8(0x72, 0x10)
    expect(m.io.in8(0x73)).toBe(0xa5)
  })

  it('save/load keeps time and pending periodic deadline', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a, b, (m) => {
      write(m, 0x0b, 0x42)
      m.clock.advanceNs(123_456_789)
    })
    expect(read(b, 0x00)).toBe(read(a, 0x00))
    b.clock.advanceNs(2_000_000)
    expect(b.irq(8).level).toBe(true)
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(() => machine(), { runs: 40 }).writes).toBeGreaterThan(0)
  })
})
