// i8042 + PS/2 keyboard and mouse through ports 60h/64h, the input port and virtual time: self-test, command
// byte, set 2 → set 1 translation, set selection, LEDs to the host, typematic, mouse stream with IntelliMouse
// wheel, A20 and reset through the output port, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { i8042Kbc } from '../../src/input/i8042-kbc'
import { createInputPort } from '../../src/input/input-port'
import type { KeyboardLeds } from '../../src/backends/input'

function machine() {
  const port = createInputPort()
  const m = createTestMachine({ devices: [{ definition: i8042Kbc, luns: { 0: port } }], ramBytes: 0x20_0000 })
  const io = m.io
  const drain = () => {
    const out: number[] = []
    while (io.in8(0x64) & 1) out.push(io.in8(0x60))
    return out
  }
  const kbdCmd = (...bytes: number[]) => {
    for (const b of bytes) io.out8(0x60, b)
    return drain()
  }
  const auxCmd = (...bytes: number[]) => {
    for (const b of bytes) {
      io.out8(0x64, 0xd4)
      io.out8(0x60, b)
    }
    return drain()
  }
  return { m, io, sink: port.sink, drain, kbdCmd, auxCmd }
}

describe('i8042 controller', () => {
  it('passes its self tests and reads/writes the command byte', () => {
    const { io, drain } = machine()
    io.out8(0x64, 0xaa)
    expect(drain()).toEqual([0x55])
    io.out8(0x64, 0xab)
    expect(drain()).toEqual([0x00])
    io.out8(0x64, 0x60)
    io.out8(0x60, 0x47)
    io.out8(0x64, 0x20)
    expect(drain()).toEqual([0x47])
    expect(io.in8(0x64) & 0x04).toBe(0x04)
  })

  it('translates set 2 keys to set 1 and raises IRQ1 per byte', () => {
    const { m, io, sink, drain } = machine()
    m.irq(1).clear()
    sink.putScancodes([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8]) // A down/up, Up down/up
    expect(m.irq(1).level).toBe(true)
    expect(drain()).toEqual([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8])
    expect(m.irq(1).risingEdges).toBe(6)
    io.out8(0x64, 0x60)
    io.out8(0x60, 0x05) // translation off, IRQ1 on
    sink.putScancodes([0x1e, 0x9e])
    expect(drain()).toEqual([0x1c, 0xf0, 0x1c])
  })

  it('keyboard commands: identify, set 1 selection, echo, reset, unknown', () => {
    const { io, sink, kbdCmd, drain } = machine()
    io.out8(0x64, 0x60)
    io.out8(0x60, 0x01)
    expect(kbdCmd(0xf2)).toEqual([0xfa, 0xab, 0x83])
    expect(kbdCmd(0xf0, 0x00)).toEqual([0xfa, 0xfa, 0x02])
    expect(kbdCmd(0xf0, 0x01)).toEqual([0xfa, 0xfa])
    sink.putScancodes([0x10, 0x90])
    expect(drain()).toEqual([0x10, 0x90])
    expect(kbdCmd(0xee)).toEqual([0xee])
    expect(kbdCmd(0x12)).toEqual([0xfe])
    expect(kbdCmd(0xff)).toEqual([0xfa, 0xaa])
  })

  it('reports LED changes to the host', () => {
    const { sink, kbdCmd } = machine()
    const seen: KeyboardLeds[] = []
    sink.subscribe({ onLedsChange: (l) => seen.push(l) })
    expect(kbdCmd(0xed, 0x06)).toEqual([0xfa, 0xfa])
    expect(seen).toEqual([{ scrollLock: false, numLock: true, capsLock: true }])
    expect(sink.leds.capsLock).toBe(true)
  })

  it('repeats a held key at the typematic rate after the delay', () => {
    const { m, sink, kbdCmd, drain } = machine()
    expect(kbdCmd(0xf3, 0x00)).toEqual([0xfa, 0xfa]) // 250 ms delay, 30 cps
    sink.putScancodes([0x1e])
    expect(drain()).toEqual([0x1e])
    m.clock.advanceNs(249_000_000)
    expect(drain()).toEqual([])
    m.clock.advanceNs(1_000_000 + 3 * 33_360_000)
    expect(drain()).toEqual([0x1e, 0x1e, 0x1e, 0x1e])
    sink.putScancodes([0x9e])
    m.clock.advanceNs(500_000_000)
    expect(drain()).toEqual([0x9e])
  })

  it('mouse: identify, IntelliMouse knock, streaming packets on IRQ12', () => {
    const { m, io, sink, auxCmd, drain } = machine()
    io.out8(0x64, 0xa8)
    expect(auxCmd(0xff)).toEqual([0xfa, 0xaa, 0x00])
    expect(auxCmd(0xf2)).toEqual([0xfa, 0x00])
    expect(auxCmd(0xf3, 200, 0xf3, 100, 0xf3, 80)).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa])
    expect(auxCmd(0xf2)).toEqual([0xfa, 0x03])
    expect(auxCmd(0xf4)).toEqual([0xfa])
    m.irq(12).clear()
    sink.putPointerRelative(5, 3, 1, 0, 0x01)
    expect(io.in8(0x64) & 0x21).toBe(0x21)
    expect(m.irq(12).level).toBe(true)
    expect(drain()).toEqual([0x09 | 0x20, 5, 0xfd, 0x01])
    sink.putPointerRelative(-300, 0, -1, 0, 0)
    expect(drain()).toEqual([0x18, 0x00, 0x00, 0xff, 0x18, 0xd4, 0x00, 0x00])
  })

  it('drives A20 and reset through the output port', () => {
    const { m, io } = machine()
    io.out8(0x64, 0xd1)
    io.out8(0x60, 0xdd) // A20 off, reset line high
    m.memory.write8(0x10_0000, 0x77)
    expect(m.memory.read8(0x00_0000)).toBe(0x77)
    io.out8(0x64, 0xd1)
    io.out8(0x60, 0xdf)
    expect(m.memory.read8(0x10_0000)).toBe(0x00) // now distinct from 0 (which got the aliased write)
    expect(m.memory.read8(0x00_0000)).toBe(0x77)
    expect(m.resetRequests).toEqual([])
    io.out8(0x64, 0xfe)
    expect(m.resetRequests).toEqual(['soft'])
  })

  it('save/load keeps queued bytes', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => a.sink.putScancodes([0x1e, 0x9e, 0x1f]))
    expect(b.drain()).toEqual([0x1e, 0x9e, 0x1f])
  })

  it('survives the seeded I/O fuzz', () => {
    const make = () => {
      const port = createInputPort()
      const m = createTestMachine({ devices: [{ definition: i8042Kbc, luns: { 0: port } }] })
      port.sink.putScancodes([0x1e, 0x9e])
      return m
    }
    expect(fuzzDeviceIo(make, { runs: 40 }).writes).toBeGreaterThan(0)
  })
})
