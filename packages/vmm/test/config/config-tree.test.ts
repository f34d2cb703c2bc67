import { describe, expect, it } from 'vitest'
import { ConfigTreeError, createVm, devicesFromConfigTree } from '../../src/index'
import { defineDevice, defineState, u16 } from '../../src/device-api/index'

const s = defineState({ unit: 'uart', version: 1, fields: { base: u16 } })
const uart = defineDevice({
  name: 'uart',
  maxInstances: 4,
  config: { base: { type: 'u16', default: 0x3f8 } },
  savedState: s,
  create(ctx, config) {
    const state = s.initial()
    state.base = config.base
    const backend = ctx.attach(0, { name: 'char', is: (v): v is string => typeof v === 'string' })
    ctx
      .ioPorts(8, { read: (o) => (o === 0 ? (backend ?? '?').charCodeAt(0) : 0) }, `uart ${ctx.instance}`)
      .map(config.base)
    return { state, reset() {} }
  },
})
const ps = defineState({ unit: 'pci', version: 1, fields: {} })
const pci = defineDevice({
  name: 'pci',
  maxInstances: 1,
  config: {},
  savedState: ps,
  create: () => ({ state: ps.initial(), reset() {} }),
})

describe('devicesFromConfigTree', () => {
  it('builds device specs in registry order, then instance order, with config and LUNs', () => {
    const specs = devicesFromConfigTree(
      {
        Devices: {
          uart: { '1': { Config: { base: 0x2f8 }, 'LUN#0': 'B' }, '0': { 'LUN#0': 'A' } },
          pci: { '0': {} },
        },
      },
      [pci, uart],
    )
    expect(specs.map((d) => `${d.definition.name}#${d.instance}`)).toEqual(['pci#0', 'uart#0', 'uart#1'])
    const vm = createVm({ ramBytes: 0x10000, devices: specs })
    expect(vm.host.ports.ioRead(0x3f8, 1)).toBe(0x41)
    expect(vm.host.ports.ioRead(0x2f8, 1)).toBe(0x42)
  })

  it('names the offending node', () => {
    expect(() => devicesFromConfigTree({ Devices: { vga: {} } }, [uart])).toThrow(ConfigTreeError)
    expect(() => devicesFromConfigTree({ Devices: { vga: {} } }, [uart])).toThrow(
      'Devices/vga: no such device (known: uart)',
    )
    expect(() => devicesFromConfigTree({ Devices: { uart: { x: {} } } }, [uart])).toThrow('Devices/uart/x')
    expect(() => devicesFromConfigTree({ Devices: { uart: { '0': { Lun0: 1 } as never } } }, [uart])).toThrow(
      'Devices/uart/0/Lun0: expected Config or LUN#<n>',
    )
    expect(() =>
      createVm({
        ramBytes: 0x10000,
        devices: devicesFromConfigTree({ Devices: { uart: { '0': { Config: { bogus: 1 } } } } }, [uart]),
      }),
    ).toThrow(/unknown config key bogus/)
  })
})
