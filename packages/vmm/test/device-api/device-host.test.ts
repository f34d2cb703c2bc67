import { describe, expect, it } from 'vitest'
import { DeviceHost, PhysicalMemory } from '../../src/index'
import type { LogEntry } from '../../src/index'
import {
  DeviceConfigError,
  DeviceDefinitionError,
  DmaError,
  SavedStateUnitError,
  defineContract,
  defineDevice,
  defineState,
  u8,
} from '../../src/device-api/index'
import type { DeviceContext, ResetKind } from '../../src/device-api/index'

const log: string[] = []
const counterState = defineState({ unit: 'counter', version: 1, fields: { value: u8 }, config: { base: u8 } })

/** A device that records its lifecycle into `log` and keeps a counter at port `base`. */
const counter = defineDevice({
  name: 'counter',
  maxInstances: 2,
  config: { base: { type: 'u8', default: 0x10 }, label: { type: 'string', optional: true } },
  savedState: counterState,
  create(ctx, config) {
    const state = counterState.initial()
    const irq = ctx.irq(3)
    ctx.ioPorts(1, { read: () => state.value, write: (_o, v) => (state.value = v) }, 'counter').map(config.base)
    return {
      state,
      reset: (kind: ResetKind) => {
        log.push(`reset:${ctx.instance}:${kind}`)
        state.value = 0
      },
      afterReset: (kind: ResetKind) => {
        log.push(`afterReset:${ctx.instance}:${kind}`)
        if (state.value === 0 && ctx.instance === 1) irq.raise()
      },
      afterLoad: () => log.push(`afterLoad:${ctx.instance}:${state.value}`),
    }
  },
})

const newHost = (logs: LogEntry[] = []) =>
  new DeviceHost({ memory: new PhysicalMemory({ ramBytes: 0x10000 }), log: (e) => logs.push(e), seed: 9 })

describe('DeviceHost', () => {
  it('validates config: unknown keys, wrong types, missing required keys', () => {
    const host = newHost()
    expect(() => host.addDevice(counter, { config: { bogus: 1 } })).toThrow(DeviceConfigError)
    expect(() => host.addDevice(counter, { config: { bogus: 1 } })).toThrow(
      /unknown config key bogus \(known: base, label\)/,
    )
    expect(() => host.addDevice(counter, { config: { base: 300 } })).toThrow(/must be a u8, got 300/)
    expect(() => host.addDevice(counter, { config: { label: 5 } })).toThrow(/must be a string/)
    expect(() => host.addDevice(counter, { instance: 2 })).toThrow(/instance 2 is outside 0..1/)
  })

  it('resets in two phases: every reset() before any afterReset(), unknown kinds as hard', () => {
    log.length = 0
    const host = newHost()
    host.addDevice(counter)
    host.addDevice(counter, { config: { base: 0x11 } })
    const levels: boolean[] = []
    host.irqs.addReceiver({ setIrqLevel: (_l, level) => levels.push(level) })
    host.reset('bogus' as ResetKind)
    expect(log).toEqual(['reset:0:hard', 'reset:1:hard', 'afterReset:0:hard', 'afterReset:1:hard'])
    expect(levels).toEqual([true])
    host.reset('soft')
    // The line was dropped silently before the reset phase, so afterReset raises it again: a new edge.
    expect(levels).toEqual([true, true])
  })

  it('saves and loads units; load validates every unit before touching any device', () => {
    log.length = 0
    const host = newHost()
    host.addDevice(counter)
    host.addDevice(counter, { config: { base: 0x11 } })
    host.ports.ioWrite(0x10, 5, 1)
    host.ports.ioWrite(0x11, 6, 1)
    const units = host.saveUnits()
    expect(units.map((u) => [u.name, u.instance, u.version, Array.from(u.bytes)])).toEqual([
      ['counter', 0, 1, [0x10, 5]],
      ['counter', 1, 1, [0x11, 6]],
    ])
    host.ports.ioWrite(0x10, 1, 1)
    const broken = [units[0]!, { ...units[1]!, bytes: new Uint8Array([0x11]) }]
    expect(() => host.loadUnits(broken)).toThrow(/truncated/)
    expect(host.ports.ioRead(0x10, 1)).toBe(1)
    expect(() => host.loadUnits([units[0]!])).toThrow(SavedStateUnitError)
    expect(() =>
      host.loadUnits([...units, { name: 'ghost', instance: 0, version: 1, bytes: new Uint8Array() }]),
    ).toThrow(/ghost#0 belongs to no device/)
    host.loadUnits(units)
    expect(host.ports.ioRead(0x10, 1)).toBe(5)
    expect(log.slice(-2)).toEqual(['afterLoad:0:5', 'afterLoad:1:6'])
  })

  it('attaches backends by LUN through a checked contract', () => {
    interface Char {
      write(b: number): void
    }
    const charContract = defineContract<Char>('char', (v): v is Char => typeof (v as Char)?.write === 'function')
    let got: Char | undefined
    const probeState = defineState({ unit: 'probe', version: 1, fields: {} })
    const probe = defineDevice({
      name: 'probe',
      maxInstances: 1,
      config: {},
      savedState: probeState,
      create(ctx) {
        got = ctx.attach(0, charContract)
        expect(ctx.attach(1, charContract)).toBeUndefined()
        return { state: probeState.initial(), reset() {} }
      },
    })
    const sink = { write: () => {} }
    newHost().addDevice(probe, { luns: { 0: sink } })
    expect(got).toBe(sink)
    expect(() => newHost().addDevice(probe, { luns: { 0: { nope: 1 } } })).toThrow(/LUN#0 does not implement char/)
  })

  it('lets devices offer and use platform services, one provider per contract', () => {
    interface Bus {
      slots: number
    }
    const busContract = defineContract<Bus>('pci-bus', (v): v is Bus => typeof (v as Bus)?.slots === 'number')
    const host = newHost()
    const s = defineState({ unit: 'svc', version: 1, fields: {} })
    let ctxRef: DeviceContext | undefined
    const svc = defineDevice({
      name: 'svc',
      maxInstances: 2,
      config: {},
      savedState: s,
      create(ctx) {
        ctxRef = ctx
        if (ctx.instance === 0) ctx.provide(busContract, { slots: 32 })
        return { state: s.initial(), reset() {} }
      },
    })
    host.addDevice(svc)
    host.addDevice(svc)
    expect(ctxRef?.service(busContract)?.slots).toBe(32)
    expect(() => ctxRef?.provide(busContract, { slots: 1 })).toThrow(/pci-bus is provided by svc#0/)
  })

  it('gives devices DMA, ROM, A20, machine requests, logs and a seeded random source', () => {
    const logs: LogEntry[] = []
    const host = newHost(logs)
    const requests: string[] = []
    host.onResetRequest = (k) => requests.push(`reset:${k}`)
    host.onPowerOffRequest = () => requests.push('off')
    const s = defineState({ unit: 'misc', version: 1, fields: {} })
    let ctx!: DeviceContext
    const misc = defineDevice({
      name: 'misc',
      maxInstances: 1,
      config: {},
      savedState: s,
      create(c) {
        ctx = c
        c.rom(new Uint8Array([0x55, 0xaa]), 'option rom').map(0x10000)
        return { state: s.initial(), reset() {} }
      },
    })
    host.addDevice(misc)
    ctx.dma.write(0x100, new Uint8Array([1, 2, 3, 4]))
    expect(ctx.dma.readU32(0x100)).toBe(0x04030201)
    ctx.dma.writeU16(0x200, 0xbeef)
    expect(host.memory.ram[0x200]).toBe(0xef)
    expect(ctx.dma.readU8(0x20000)).toBe(0xff)
    expect(() => ctx.dma.readU32(-1)).toThrow(DmaError)
    expect(() => ctx.dma.read(0xffff_fffe, new Uint8Array(4))).toThrow(DmaError)
    const rom = new Uint8Array(2)
    ctx.dma.read(0x10000, rom)
    expect(Array.from(rom)).toEqual([0x55, 0xaa])
    ctx.machine.setA20(false)
    expect(ctx.machine.a20Enabled).toBe(false)
    ctx.machine.requestReset()
    ctx.machine.requestPowerOff()
    expect(requests).toEqual(['reset:hard', 'off'])
    ctx.log.warn('odd', { reg: 3 })
    expect(logs).toEqual([{ level: 'warn', source: 'misc#0', message: 'odd', data: { reg: 3 } }])
    const first = ctx.random.nextU32()
    expect(Number.isInteger(first) && first >= 0 && first < 2 ** 32).toBe(true)
    host.freeze()
    expect(() => ctx.ioPorts(1, { read: () => 0 }, 'late')).toThrow(/after power-on/)
    expect(() => ctx.timer('late', () => {})).toThrow(/after power-on/)
  })

  it('checks device definitions', () => {
    const s = defineState({ unit: 'other', version: 1, fields: {} })
    const create = () => ({ state: {}, reset() {} })
    expect(() => defineDevice({ name: 'x', maxInstances: 1, config: {}, savedState: s, create })).toThrow(
      DeviceDefinitionError,
    )
    expect(() => defineDevice({ name: 'other', maxInstances: 0, config: {}, savedState: s, create })).toThrow(
      /maxInstances/,
    )
    expect(() => defineDevice({ name: 'o ther', maxInstances: 1, config: {}, savedState: s, create })).toThrow(
      /device name/,
    )
  })
})
