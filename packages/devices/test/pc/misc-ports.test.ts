// Port 92h (A20, fast reset), POST port 80h, debug console E9h/402h: guest-visible behaviour and fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, fuzzDeviceIo } from '@boxwood/device-testkit'
import { pcArch } from '../../src/pc/pc-arch'
import { postCodePort } from '../../src/pc/post-port'
import { debugConsole } from '../../src/pc/debug-console'
import { createMemoryCharBackend } from '../../src/backends/char-backend'

describe('port 92h', () => {
  it('gates A20 and requests a reset on bit 0', () => {
    const m = createTestMachine({ devices: [pcArch], ramBytes: 0x20_0000 })
    expect(m.io.in8(0x92) & 0x02).toBe(0x02)
    m.memory.write8(0x10_0000, 0x11)
    m.io.out8(0x92, 0x00)
    expect(m.memory.read8(0x10_0000)).toBe(m.memory.read8(0x00_0000))
    expect(m.io.in8(0x92) & 0x02).toBe(0)
    m.io.out8(0x92, 0x02)
    expect(m.memory.read8(0x10_0000)).toBe(0x11)
    expect(m.resetRequests).toEqual([])
    m.io.out8(0x92, 0x03)
    expect(m.resetRequests).toEqual(['soft'])
    expect(m.io.in8(0x92) & 0x01).toBe(0)
  })
  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(() => createTestMachine({ devices: [pcArch] }), { runs: 20 }).writes).toBeGreaterThan(0)
  })
})

describe('POST port and debug console', () => {
  it('keeps and reports POST codes', () => {
    const codes: number[] = []
    const m = createTestMachine({
      devices: [{ definition: postCodePort, luns: { 0: { onPostCode: (c: number) => codes.push(c) } } }],
    })
    m.io.out8(0x80, 0x55)
    m.io.out8(0x80, 0xaa)
    expect(codes).toEqual([0x55, 0xaa])
    expect(m.io.in8(0x80)).toBe(0xaa)
  })

  it('sends debug console bytes to the char backend on both ports and reads back E9h', () => {
    const e9 = createMemoryCharBackend()
    const p402 = createMemoryCharBackend()
    const m = createTestMachine({
      devices: [
        { definition: debugConsole, luns: { 0: e9 } },
        { definition: debugConsole, instance: 1, config: { base: 0x402 }, luns: { 0: p402 } },
      ],
    })
    for (const c of 'hi\n') m.io.out8(0xe9, c.charCodeAt(0))
    m.io.out8(0x402, 0x41)
    expect(e9.text()).toBe('hi\n')
    expect(p402.text()).toBe('A')
    expect(m.io.in8(0xe9)).toBe(0xe9)
  })

  it('survive the seeded I/O fuzz', () => {
    const make = () =>
      createTestMachine({
        devices: [postCodePort, { definition: debugConsole, luns: { 0: createMemoryCharBackend() } }],
      })
    expect(fuzzDeviceIo(make, { runs: 20 }).writes).toBeGreaterThan(0)
  })
})
