import { describe, expect, it } from 'vitest'
import { DeviceHost, PhysicalMemory } from '../../src/index'
import { createSeededRandom, defineDevice, defineState } from '../../src/device-api/index'
import type { AccessSize, DeviceContext } from '../../src/device-api/index'
import { adaptWidths } from '../../src/io/access-split'

describe('access width adaptation', () => {
  it('splits a dword into words when the device implements words', () => {
    const calls: string[] = []
    const h = adaptWidths({ sizes: [2], read: (o, s) => (calls.push(`r${o}/${s}`), o === 0 ? 0x1111 : 0x2222) })
    expect(h.read(0, 4)).toBe(0x22221111)
    expect(calls).toEqual(['r0/2', 'r2/2'])
  })

  it('extracts bytes of an unaligned narrow read from a word-only device', () => {
    const h = adaptWidths({ sizes: [2], read: (o) => (o === 2 ? 0xabcd : 0) })
    expect(h.read(3, 1)).toBe(0xab)
    expect(h.read(2, 1)).toBe(0xcd)
  })

  it('reads all ones and ignores writes without handlers', () => {
    const h = adaptWidths({})
    expect([h.read(0, 1), h.read(0, 2), h.read(0, 4)]).toEqual([0xff, 0xffff, 0xffffffff])
    expect(() => h.write(0, 1, 4)).not.toThrow()
  })
})

describe('device context roles', () => {
  it('MMIO regions get widths adapted and move when re-mapped', () => {
    const memory = new PhysicalMemory({ ramBytes: 0x10000 })
    const host = new DeviceHost({ memory })
    const regs = new Uint8Array(8)
    const seen: AccessSize[] = []
    const st = defineState({ unit: 'mm', version: 1, fields: {} })
    let ctx!: DeviceContext
    host.addDevice(
      defineDevice({
        name: 'mm',
        maxInstances: 1,
        config: {},
        savedState: st,
        create(c) {
          ctx = c
          const region = c.mmio(
            8,
            {
              sizes: [1],
              read: (o, s) => (seen.push(s), regs[o]!),
              write: (o, v) => (regs[o] = v),
            },
            'byte regs',
          )
          region.map(0xfed0_0000)
          return { state: st.initial(), reset() {} }
        },
      }),
    )
    memory.write32(0xfed0_0000, 0x04030201)
    expect(Array.from(regs.subarray(0, 4))).toEqual([1, 2, 3, 4])
    expect(memory.read32(0xfed0_0000)).toBe(0x04030201)
    expect(seen.every((s) => s === 1)).toBe(true)
    const region = host.devices[0]!.regions[0]!
    region.map(0xfed1_0000)
    expect(region.base).toBe(0xfed1_0000)
    expect(memory.read8(0xfed0_0000)).toBe(0xff)
    expect(memory.read8(0xfed1_0001)).toBe(2)
    expect(() => ctx.mmio(0, {}, 'empty')).toThrow(/bad mmio region/)
  })

  it('interrupt controller changed() notifies the loop; a second CPU-facing controller is refused', () => {
    const host = new DeviceHost({ memory: new PhysicalMemory({ ramBytes: 0x10000 }) })
    let notified = 0
    host.irqs.onChange(() => notified++)
    const st = defineState({ unit: 'ctl', version: 1, fields: {} })
    let changed!: () => void
    const source = { hasInterrupt: () => false, acknowledge: () => 0, hasNmi: () => true, acknowledgeNmi() {} }
    const ctl = defineDevice({
      name: 'ctl',
      maxInstances: 2,
      config: {},
      savedState: st,
      create(c) {
        changed = c.interruptController({ cpu: source }).changed
        return { state: st.initial(), reset() {} }
      },
    })
    host.addDevice(ctl)
    changed()
    expect(notified).toBe(1)
    expect(host.irqs.cpuInterrupts.hasNmi()).toBe(true)
    expect(() => host.addDevice(ctl)).toThrow(/already has an interrupt controller/)
  })

  it('seeded random streams are reproducible, distinct per stream and roughly uniform', () => {
    const a = createSeededRandom(42, 'uart#0')
    const b = createSeededRandom(42, 'uart#0')
    const c = createSeededRandom(42, 'uart#1')
    const xs = Array.from({ length: 1000 }, () => a.nextU32())
    expect(Array.from({ length: 1000 }, () => b.nextU32())).toEqual(xs)
    expect(c.nextU32()).not.toBe(xs[0])
    const mean = xs.reduce((s, x) => s + x / 2 ** 32, 0) / xs.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
    const f = a.nextFloat()
    expect(f >= 0 && f < 1).toBe(true)
  })
})

describe('allocateBuffer', () => {
  it('is shared exactly when the machine shares memory across threads', () => {
    const st = defineState({ unit: 'fb', version: 1, fields: {} })
    const buffers: Uint8Array[] = []
    const fb = defineDevice({
      name: 'fb',
      maxInstances: 1,
      config: {},
      savedState: st,
      create(c) {
        buffers.push(c.allocateBuffer(4096))
        expect(() => c.allocateBuffer(-1)).toThrow(/buffer of -1 bytes/)
        return { state: st.initial(), reset() {} }
      },
    })
    new DeviceHost({ memory: new PhysicalMemory({ ramBytes: 0x1000 }), sharedBuffers: true }).addDevice(fb)
    new DeviceHost({ memory: new PhysicalMemory({ ramBytes: 0x1000 }) }).addDevice(fb)
    expect(buffers[0]!.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(buffers[1]!.buffer).toBeInstanceOf(ArrayBuffer)
    expect(buffers[0]!.length).toBe(4096)
  })
})

describe('guest-chosen mappings and failed construction', () => {
  it('tryMap refuses overlaps and bad bases without throwing, leaving the region unmapped', () => {
    const memory = new PhysicalMemory({ ramBytes: 0x10000 })
    const host = new DeviceHost({ memory })
    const st = defineState({ unit: 'bar', version: 1, fields: {} })
    let ctx!: DeviceContext
    host.addDevice(
      defineDevice({
        name: 'bar',
        maxInstances: 1,
        config: {},
        savedState: st,
        create(c) {
          ctx = c
          c.ioPorts(8, { read: () => 1 }, 'fixed').map(0x1f0)
          c.mmio(0x1000, { read: () => 2 }, 'fixed mmio').map(0xfebf_0000)
          return { state: st.initial(), reset() {} }
        },
      }),
    )
    const io = ctx.ioPorts(16, { read: () => 3 }, 'io bar')
    expect(io.tryMap(0xc000)).toBe(true)
    expect(host.ports.ioRead(0xc000, 1)).toBe(3)
    expect(io.tryMap(0x1f4)).toBe(false)
    expect(io.base).toBeUndefined()
    expect(host.ports.ioRead(0xc000, 1)).toBe(0xff)
    expect(io.tryMap(0xfffc)).toBe(false)
    const mem = ctx.mmio(0x1000, { read: () => 4 }, 'mem bar')
    expect(mem.tryMap(0xfebf_0800)).toBe(false)
    expect(mem.tryMap(0xfebe_0000)).toBe(true)
    expect(memory.read8(0xfebe_0000)).toBe(4)
  })

  it('a device whose create throws leaves nothing mapped', () => {
    const host = new DeviceHost({ memory: new PhysicalMemory({ ramBytes: 0x10000 }) })
    const st = defineState({ unit: 'broken', version: 1, fields: {} })
    const broken = defineDevice({
      name: 'broken',
      maxInstances: 1,
      config: {},
      savedState: st,
      create(c) {
        c.ioPorts(4, { read: () => 0 }, 'broken').map(0x300)
        c.timer('t', () => {}).armAt(100)
        throw new Error('no backend')
      },
    })
    expect(() => host.addDevice(broken)).toThrow('no backend')
    expect(host.ports.rangeAt(0x300)).toBeUndefined()
    expect(host.timers.size).toBe(0)
    expect(host.devices.length).toBe(0)
  })
})
