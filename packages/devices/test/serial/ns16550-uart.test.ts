// 16550A through its ports, a memory char backend and virtual time: transmit, receive with FIFO trigger and
// character timeout, THRE interrupt rules, loopback, line/modem status, DLAB, four instances, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { ns16550Uart } from '../../src/serial/ns16550-uart'
import { createMemoryCharBackend } from '../../src/backends/char-backend'

function machine() {
  const wire = createMemoryCharBackend()
  const m = createTestMachine({ devices: [{ definition: ns16550Uart, luns: { 0: wire } }] })
  return { m, io: m.io, wire }
}
const IIR = 0x3fa

describe('16550A UART', () => {
  it('transmits bytes to the backend and reports THR empty', () => {
    const { io, wire } = machine()
    io.out8(0x3fb, 0x80)
    io.out8(0x3f8, 0x01)
    io.out8(0x3f9, 0x00) // 115200 baud
    io.out8(0x3fb, 0x03)
    expect(io.in8(0x3f8 + 3)).toBe(0x03)
    for (const c of 'Boxwood') io.out8(0x3f8, c.charCodeAt(0))
    expect(wire.text()).toBe('Boxwood')
    expect(io.in8(0x3fd) & 0x60).toBe(0x60)
    io.out8(0x3fb, 0x80)
    expect(io.in8(0x3f8)).toBe(1)
    expect(io.in8(0x3f9)).toBe(0)
  })

  it('raises the THRE interrupt when enabled and clears it on IIR read', () => {
    const { m, io } = machine()
    expect(io.in8(IIR)).toBe(0x01)
    io.out8(0x3f9, 0x02)
    expect(m.irq(4).level).toBe(true)
    expect(io.in8(IIR)).toBe(0x02)
    expect(m.irq(4).level).toBe(false)
    expect(io.in8(IIR)).toBe(0x01)
    io.out8(0x3f8, 0x41)
    expect(io.in8(IIR)).toBe(0x02)
  })

  it('receives into the FIFO: trigger-level interrupt, then the character timeout for the rest', () => {
    const { m, io, wire } = machine()
    io.out8(0x3fa, 0x87) // FIFO on, clear, trigger 8
    io.out8(0x3f9, 0x01)
    wire.push('0123456789')
    expect(io.in8(IIR)).toBe(0xc4)
    const got: string[] = []
    for (let i = 0; i < 8; i++) got.push(String.fromCharCode(io.in8(0x3f8)))
    // 2 left in the FIFO, below the trigger: no interrupt until the timeout.
    expect(io.in8(IIR)).toBe(0xc1)
    expect(m.irq(4).level).toBe(false)
    m.clock.advanceNs(10_000_000)
    expect(io.in8(IIR)).toBe(0xcc)
    while (io.in8(0x3fd) & 1) got.push(String.fromCharCode(io.in8(0x3f8)))
    expect(got.join('')).toBe('0123456789')
    expect(io.in8(IIR)).toBe(0xc1)
  })

  it('pulls more host bytes as the guest reads, never losing any', () => {
    const { io, wire } = machine()
    io.out8(0x3fa, 0x01)
    const text = 'x'.repeat(100) + 'END'
    wire.push(text)
    let got = ''
    while (io.in8(0x3fd) & 1) got += String.fromCharCode(io.in8(0x3f8))
    expect(got).toBe(text)
  })

  it('sets overrun in loopback when the FIFO-less holding register is full', () => {
    const { io, wire } = machine()
    io.out8(0x3fc, 0x10 | 0x0b)
    expect(io.in8(0x3fe) & 0xf0).toBe(0xb0) // CTS DSR DCD from RTS DTR OUT2
    io.out8(0x3f8, 0x55)
    io.out8(0x3f8, 0x66)
    expect(wire.text()).toBe('')
    const lsr = io.in8(0x3fd)
    expect(lsr & 0x03).toBe(0x03)
    expect(io.in8(0x3fd) & 0x02).toBe(0)
    expect(io.in8(0x3f8)).toBe(0x55)
  })

  it('keeps the scratch register and supports four instances', () => {
    const bases = [0x3f8, 0x2f8, 0x3e8, 0x2e8]
    const m = createTestMachine({
      devices: bases.map((base, i) => ({ definition: ns16550Uart, instance: i, config: { base, irq: i % 2 ? 3 : 4 } })),
    })
    bases.forEach((b, i) => m.io.out8(b + 7, 0x10 + i))
    expect(bases.map((b) => m.io.in8(b + 7))).toEqual([0x10, 0x11, 0x12, 0x13])
  })

  it('save/load keeps received bytes', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.io.out8(0x3fa, 0x01)
      a.wire.push('hey')
    })
    expect(String.fromCharCode(b.io.in8(0x3f8), b.io.in8(0x3f8), b.io.in8(0x3f8))).toBe('hey')
  })

  it('keeps host bytes typed before power-on: none is lost to the reset', () => {
    const wire = createMemoryCharBackend()
    wire.push('typed early')
    const m = createTestMachine({ devices: [{ definition: ns16550Uart, luns: { 0: wire } }] })
    let got = ''
    while (m.io.in8(0x3fd) & 1) got += String.fromCharCode(m.io.in8(0x3f8))
    expect(got).toBe('typed early')
  })

  it('input pushed from inside the output listener (mid THR write) acts as if typed right after the write', () => {
    // A Linux-like driver: FIFO with trigger 8, receive and THR-empty interrupts. One run pushes 'poweroff\n'
    // from inside the listener of the byte it is writing, the other right after the write returns; the guest
    // must see the same registers, interrupt line and edges, and read the same bytes either way.
    const run = (reentrant: boolean) => {
      const { m, io, wire } = machine()
      io.out8(0x3fa, 0x87)
      io.out8(0x3f9, 0x03)
      expect(io.in8(IIR)).toBe(0xc2) // THR empty (acknowledged by this read)
      let pushed = false
      wire.onOutput((data) => {
        if (reentrant && data[0] === 0x20 && !pushed) {
          pushed = true
          wire.push('poweroff\n')
        }
      })
      for (const c of 'boxwood# ') io.out8(0x3f8, c.charCodeAt(0))
      if (!reentrant) wire.push('poweroff\n')
      const seen = { rising: m.irq(4).risingEdges, iir: io.in8(IIR), lsr: io.in8(0x3fd), level: m.irq(4).level }
      let got = ''
      while (io.in8(0x3fd) & 1) got += String.fromCharCode(io.in8(0x3f8))
      const after = { iir: io.in8(IIR), then: io.in8(IIR), level: m.irq(4).level, text: wire.text() }
      return { seen, got, after }
    }
    const plain = run(false)
    expect(plain.seen.iir).toBe(0xc4) // receive data (trigger reached) outranks THR empty
    expect(plain.got).toBe('poweroff\n')
    expect(plain.after).toEqual({ iir: 0xc2, then: 0xc1, level: false, text: 'boxwood# ' })
    expect(run(true)).toEqual(plain)
  })

  it('survives the seeded I/O fuzz', () => {
    const make = () => {
      const wire = createMemoryCharBackend()
      wire.push('input bytes for the fuzz')
      return createTestMachine({ devices: [{ definition: ns16550Uart, luns: { 0: wire } }] })
    }
    expect(fuzzDeviceIo(make, { runs: 40 }).reads).toBeGreaterThan(0)
  })
})
