// PCI through configuration mechanism #1: host bridge and PIIX3 identity, master abort, BAR sizing and
// mapping of a test device's I/O and memory BARs, INTx routing through PIRQRC to ISA IRQs and to GSIs,
// CF9h reset, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { defineDevice, defineState, u8 } from '@boxwood/vmm/device-api'
import { i440fxHostBridge } from '../../src/bus/pci/i440fx-host'
import { piix3IsaBridge } from '../../src/bus/pci/piix3-isa'
import { attachPciFunction, pciConfigField } from '../../src/bus/pci/pci-function'
import type { PciFunctionHandle } from '../../src/bus/pci/pci-function'

let testHandle: PciFunctionHandle | undefined
const testDevice = defineDevice({
  name: 'pci-test',
  maxInstances: 1,
  config: {},
  savedState: defineState({ unit: 'pci-test', version: 1, fields: { config: pciConfigField, reg: u8 } }),
  create(ctx) {
    const state = { config: new Uint8Array(256), reg: 0 }
    const io = ctx.ioPorts(16, { sizes: [1], read: () => state.reg, write: (_o, v) => (state.reg = v) }, 'test io BAR')
    const mmio = ctx.mmio(4096, { sizes: [4], read: () => 0xc0ffee, write: () => {} }, 'test mmio BAR')
    const handle = attachPciFunction(ctx, state.config, {
      name: 'test',
      devfn: 3 << 3,
      vendorId: 0x1234,
      deviceId: 0x5678,
      classCode: 0xff0000,
      interruptPin: 1,
      bars: [
        { kind: 'io', size: 16, region: io },
        { kind: 'memory', size: 4096, region: mmio },
      ],
    })
    testHandle = handle
    return { state, reset: () => handle.reset(), afterLoad: () => handle.afterLoad() }
  },
})

function machine() {
  const m = createTestMachine({ devices: [i440fxHostBridge, piix3IsaBridge, testDevice], ramBytes: 0x20_0000 })
  const cfgAddr = (dev: number, fn: number, reg: number) => 0x8000_0000 | (dev << 11) | (fn << 8) | (reg & 0xfc)
  const read32 = (dev: number, fn: number, reg: number) => {
    m.io.out32(0xcf8, cfgAddr(dev, fn, reg))
    return m.io.in32(0xcfc) >>> 0
  }
  const write32 = (dev: number, fn: number, reg: number, v: number) => {
    m.io.out32(0xcf8, cfgAddr(dev, fn, reg))
    m.io.out32(0xcfc, v)
  }
  const write8 = (dev: number, fn: number, reg: number, v: number) => {
    m.io.out32(0xcf8, cfgAddr(dev, fn, reg))
    m.io.out8(0xcfc + (reg & 3), v)
  }
  return { m, read32, write32, write8 }
}

describe('PCI', () => {
  it('enumerates the i440FX, the PIIX3 and the test device; empty slots master-abort', () => {
    const { read32 } = machine()
    expect(read32(0, 0, 0)).toBe(0x1237_8086)
    expect(read32(0, 0, 8) >>> 8).toBe(0x060000)
    expect(read32(1, 0, 0)).toBe(0x7000_8086)
    expect((read32(1, 0, 0x0c) >> 16) & 0xff).toBe(0x80)
    expect(read32(3, 0, 0)).toBe(0x5678_1234)
    expect(read32(5, 0, 0)).toBe(0xffff_ffff)
  })

  it('sizes BARs and maps them when decoding is enabled', () => {
    const { m, read32, write32 } = machine()
    write32(3, 0, 0x10, 0xffff_ffff)
    expect(read32(3, 0, 0x10)).toBe(0xffff_fff1)
    write32(3, 0, 0x14, 0xffff_ffff)
    expect(read32(3, 0, 0x14)).toBe(0xffff_f000)
    write32(3, 0, 0x10, 0xc000)
    write32(3, 0, 0x14, 0xfebf_0000)
    expect(m.io.in8(0xc000)).toBe(0xff) // decoding still off
    write32(3, 0, 0x04, 0x0003)
    m.io.out8(0xc005, 0x42)
    expect(m.io.in8(0xc003)).toBe(0x42)
    expect(m.memory.read32(0xfebf_0010) >>> 0).toBe(0xc0ffee)
    write32(3, 0, 0x10, 0xd000)
    expect(m.io.in8(0xd000)).toBe(0x42)
    expect(m.io.in8(0xc000)).toBe(0xff)
  })

  it('routes INTA of slot 3 through PIRQD to the programmed ISA IRQ and to GSI 19', () => {
    const { m, read32, write8 } = machine()
    expect(read32(1, 0, 0x60)).toBe(0x8080_8080)
    write8(1, 0, 0x63, 11) // PIRQD → IRQ11 (slot 3, INTA → PIRQ (0 + 3) & 3 = D)
    testHandle!.setIrq(true)
    expect(m.irq(11).level).toBe(true)
    expect(m.irq(19).level).toBe(true)
    expect((read32(3, 0, 4) >>> 16) & 0x08).toBe(0x08)
    write8(1, 0, 0x63, 10)
    expect(m.irq(11).level).toBe(false)
    expect(m.irq(10).level).toBe(true)
    testHandle!.setIrq(false)
    expect(m.irq(10).level).toBe(false)
  })

  it('resets through CF9h', () => {
    const { m } = machine()
    m.io.out8(0xcf9, 0x02)
    m.io.out8(0xcf9, 0x06)
    expect(m.resetRequests).toEqual(['hard'])
  })

  it('keeps BAR mappings across save/load', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.write32(3, 0, 0x10, 0xc100)
      a.write32(3, 0, 0x04, 0x0001)
      a.m.io.out8(0xc101, 0x33)
    })
    expect(b.m.io.in8(0xc10f)).toBe(0x33)
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(() => machine().m, { runs: 30 }).writes).toBeGreaterThan(0)
  })
})
