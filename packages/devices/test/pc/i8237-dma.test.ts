// i8237 pair through its ports plus a test device using the IsaDma service: single-cycle, auto-init,
// decrement, 16-bit channels, terminal count status, masking, page scratch registers, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { defineDevice, defineState, u8 } from '@boxwood/vmm/device-api'
import { i8237Dma } from '../../src/pc/i8237-dma'
import { isaDmaContract } from '../../src/pc/isa-dma'

/** A device that, on port 0x600 = channel, moves a pattern to memory or memory to its own buffer. */
let sink: number[] = []
const dmaUser = defineDevice({
  name: 'dma-user',
  maxInstances: 1,
  config: {},
  savedState: defineState({ unit: 'dma-user', version: 1, fields: { x: u8 } }),
  create(ctx) {
    let dma: ReturnType<typeof ctx.service<typeof isaDmaContract extends { is(v: unknown): v is infer T } ? T : never>>
    const handler = (channel: number, position: number, size: number): number => {
      const mode = dma!.channelMode(channel)
      if (((mode >> 2) & 3) === 1) {
        const chunk = Uint8Array.from({ length: size - position }, (_, i) => (position + i + 1) & 0xff)
        return position + dma!.writeMemory(channel, chunk, position)
      }
      const buffer = new Uint8Array(size - position)
      const n = dma!.readMemory(channel, buffer, position)
      sink.push(...buffer.subarray(0, n))
      return position + n
    }
    ctx
      .ioPorts(
        1,
        {
          sizes: [1],
          write: (_o, v) => {
            dma!.setDreq(v & 7, true)
            dma!.setDreq(v & 7, false)
          },
        },
        'dma user',
      )
      .map(0x600)
    return {
      state: { x: 0 },
      reset() {},
      afterReset() {
        dma = ctx.service(isaDmaContract)
        for (const c of [1, 2, 5]) dma!.registerChannel(c, handler)
      },
    }
  },
})

const machine = () => createTestMachine({ devices: [i8237Dma, dmaUser], ramBytes: 0x40_0000 })

function program(m: ReturnType<typeof machine>, channel: 2 | 1, address: number, count: number, mode: number) {
  const io = m.io
  io.out8(0x0a, 0x04 | channel)
  io.out8(0x0c, 0)
  io.out8(0x0b, mode | channel)
  io.out8(channel * 2, address & 0xff)
  io.out8(channel * 2, (address >> 8) & 0xff)
  io.out8([0x87, 0x83, 0x81][channel]!, address >> 16)
  io.out8(channel * 2 + 1, (count - 1) & 0xff)
  io.out8(channel * 2 + 1, (count - 1) >> 8)
  io.out8(0x0a, channel)
}

describe('i8237 DMA', () => {
  it('writes a device transfer to memory through the page register and sets terminal count', () => {
    const m = machine()
    program(m, 2, 0x12_3400, 512, 0x44) // single, write to memory
    m.io.out8(0x600, 2)
    expect(m.memory.read8(0x12_3400)).toBe(1)
    expect(m.memory.read8(0x12_35ff)).toBe(0)
    expect(m.memory.read8(0x12_3600)).toBe(0)
    expect(m.io.in8(0x08) & 0x04).toBe(0x04)
    expect(m.io.in8(0x08) & 0x04).toBe(0) // cleared by the read
    expect(m.io.in8(0x0f) & 0x04).toBe(0x04) // masked after TC (no auto-init)
    m.io.out8(0x0c, 0)
    expect(m.io.in8(0x05) | (m.io.in8(0x05) << 8)).toBe(0xffff)
  })

  it('reads memory to a device, decrementing, with auto-init reloading the registers', () => {
    const m = machine()
    for (let i = 0; i < 4; i++) m.memory.write8(0x2000 + i, 0x10 + i)
    sink = []
    program(m, 1, 0x2003, 4, 0x58 | 0x20) // read from memory, auto-init, decrement
    m.io.out8(0x600, 1)
    expect(sink).toEqual([0x13, 0x12, 0x11, 0x10])
    m.io.out8(0x600, 1)
    expect(sink.length).toBe(8)
    expect(m.io.in8(0x0f) & 0x02).toBe(0)
  })

  it('does nothing while the channel is masked or the controller disabled', () => {
    const m = machine()
    program(m, 2, 0x3000, 16, 0x44)
    m.io.out8(0x0a, 0x06)
    m.io.out8(0x600, 2)
    expect(m.memory.read8(0x3000)).toBe(0)
    m.io.out8(0x0a, 0x02)
    m.io.out8(0x08, 0x04)
    m.io.out8(0x600, 2)
    expect(m.memory.read8(0x3000)).toBe(0)
  })

  it('16-bit channel 5 addresses words within a 128K page', () => {
    const m = machine()
    const io = m.io
    io.out8(0xd4, 0x05) // mask ch5
    io.out8(0xd8, 0)
    io.out8(0xd6, 0x45) // single, write, ch 5
    io.out8(0xc4, 0x00)
    io.out8(0xc4, 0x08) // word address 0x0800 → byte 0x1000 in the page
    io.out8(0x8b, 0x02) // page 0x02 → 0x20000
    io.out8(0xc6, 3)
    io.out8(0xc6, 0) // 4 words
    io.out8(0xd4, 0x01)
    io.out8(0x600, 5)
    expect(m.memory.read8(0x2_1000)).toBe(1)
    expect(m.memory.read8(0x2_1007)).toBe(8)
    expect(m.memory.read8(0x2_1008)).toBe(0)
  })

  it('keeps scratch page registers and survives save/load', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a, b, (m) => {
      m.io.out8(0x84, 0x5a)
      program(m, 2, 0x4000, 100, 0x44)
    })
    expect(b.io.in8(0x84)).toBe(0x5a)
    b.io.out8(0x600, 2)
    expect(b.memory.read8(0x4000 + 99)).toBe(100)
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(() => createTestMachine({ devices: [i8237Dma] }), { runs: 40 }).writes).toBeGreaterThan(0)
  })
})
