// The seeded I/O fuzz of the VGA (all ports, the legacy window, the LFB) and the saved-state round trip.
import { expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { describe, expect, it } from 'vitest'
import { dispi, pixel, setMode, vgaMachine } from './vga-helpers'

describe('VGA robustness and saved state', () => {
  it('survives seeded random I/O on every range', () => {
    const report = fuzzDeviceIo(
      () => {
        const { m, vga } = vgaMachine(1)
        vga.display.subscribe({}) // render on the refresh timer while the fuzzer runs
        return m
      },
      { runs: 40, maxOperations: 300 },
    )
    expect(report.regions).toBe(4)
    expect(report.reads + report.writes).toBeGreaterThan(2000)
  })

  it('renders whatever random register values say without throwing', () => {
    for (let seed = 1; seed < 40; seed++) {
      const { m, vga } = vgaMachine(1)
      let x = seed
      const next = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16
      for (let i = 0; i < 400; i++) m.io.out8(0x3b0 + (next() % 0x30), next() & 0xff)
      m.io.in8(0x3da)
      m.io.out8(0x3c0, 0x20)
      expect(() => vga.display.refresh()).not.toThrow()
      expect(vga.display.mode.width * vga.display.mode.height * 4).toBeLessThanOrEqual(vga.display.framebuffer().length)
    }
  })

  it('save → load → save is identical and the loaded adapter shows the same screen', () => {
    const a = vgaMachine(1)
    const b = vgaMachine(1)
    expectSaveLoadIdentity(a.m, b.m, (m) => {
      setMode(m, 0x13)
      m.memory.write8(0xa_0000 + 321, 9)
    })
    b.vga.display.refresh()
    expect(pixel(b.vga, 1, 1)).toBe(0x5757ff)
  })

  it('keeps VBE state across save/load', () => {
    const a = vgaMachine(2)
    const b = vgaMachine(2)
    const saved = expectSaveLoadIdentity(a.m, b.m, (m) => {
      dispi(m, 1, 320)
      dispi(m, 2, 200)
      dispi(m, 3, 32)
      dispi(m, 4, 0x41)
      m.memory.write32(0xe000_0000, 0xabcdef)
    })
    b.vga.display.refresh()
    const view = b.vga.display.framebuffer()
    b.m.memory.write32(0xe000_0000, 0)
    b.m.loadState(saved)
    expect(b.vga.display.framebuffer()).toBe(view) // a load copies into the same host-visible VRAM
    expect(view[0]).toBe(0xef)
    expect(b.vga.display.mode).toMatchObject({ width: 320, height: 200, format: 'x8r8g8b8' })
    expect(pixel(b.vga, 0, 0)).toBe(0xabcdef)
  })
})
