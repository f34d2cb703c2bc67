// The PC machine assembly: config tree validation, creation order, and a hand-assembled boot sector that
// writes to COM1 running on the real CPU through the assembled machine.
import { describe, expect, it } from 'vitest'
import {
  MachineConfigError,
  buildPcConfig,
  createBlockDrive,
  createMemoryMedium,
  createMemoryCharBackend,
  createPcMachine,
  parseBzImage,
  buildBootStub,
  buildE820Map,
} from '../../src/index'

// mov dx,0x3f8; mov al,'O'; out dx,al; mov al,'K'; out dx,al; mov al,dl(=drive); add al,'0'... ; cli; hlt
const SECTOR = new Uint8Array(512)
SECTOR.set([0x88, 0xd3, 0xba, 0xf8, 0x03, 0xb0, 0x4f, 0xee, 0xb0, 0x4b, 0xee, 0x88, 0xd8, 0xee, 0xfa, 0xf4])
SECTOR[510] = 0x55
SECTOR[511] = 0xaa

describe('PC machine assembly', () => {
  it('rejects unknown devices and bad instance numbers, naming them', () => {
    expect(() => createPcMachine({ ramBytes: 1 << 20, devices: { nosuch: { 0: {} } } })).toThrow(MachineConfigError)
    expect(() => createPcMachine({ ramBytes: 1 << 20, devices: { serial: { 7: {} } } })).toThrow(/serial\/7/)
    expect(() => createPcMachine({ ramBytes: 1000, devices: {} })).toThrow(/ramBytes/)
  })

  it('creates devices in registry order with their instances', () => {
    const cfg = buildPcConfig({ ramBytes: 1 << 20, firmware: { kind: 'none' }, serial: [null, null] })
    const m = createPcMachine(cfg)
    expect(m.devices.slice(0, 5).map((d) => d.name)).toEqual(['i8259', 'i440fx', 'piix3', 'i8254', 'mc146818'])
    expect(m.devices.filter((d) => d.name === 'serial').map((d) => d.instance)).toEqual([0, 1])
  })

  it('puts the PIIX3 IDE controller at PCI 00:01.1 next to the ISA bridge at 00:01.0 when drives are attached', () => {
    const disk = createBlockDrive('hard-disk', createMemoryMedium(new Uint8Array(64 * 512)))
    const { vm } = createPcMachine(buildPcConfig({ ramBytes: 1 << 20, firmware: { kind: 'none' }, ide: { 0: disk } }))
    vm.powerOn() // the reset fills the configuration spaces
    const config = (fn: number, reg: number) => {
      vm.host.ports.ioWrite(0xcf8, 0x8000_0000 | (1 << 11) | (fn << 8) | reg, 4)
      return vm.host.ports.ioRead(0xcfc, 4) >>> 0
    }
    expect(config(0, 0)).toBe(0x7000_8086)
    expect(config(1, 0)).toBe(0x7010_8086)
    expect(config(1, 8) >>> 8).toBe(0x01_0180)
  })

  it('runs a boot sector on the CPU that prints on COM1 and halts', () => {
    const com1 = createMemoryCharBackend()
    const cfg = buildPcConfig({
      ramBytes: 2 << 20,
      firmware: { kind: 'boot-sector', image: SECTOR, drive: 0x80 },
      serial: [com1],
    })
    const { vm } = createPcMachine(cfg)
    vm.powerOn()
    expect(vm.runFor(1_000_000)).toBe('ran') // halted with the PIT still ticking
    expect(com1.text()).toBe('OK\x80')
  })

  it('parses bzImage headers and builds the stub and memory map', () => {
    const image = new Uint8Array(0x2000)
    image[0x1f1] = 4
    image[0x1fe] = 0x55
    image[0x1ff] = 0xaa
    image.set([0x48, 0x64, 0x72, 0x53, 0x0f, 0x02], 0x202)
    image[0x201] = 0x6a
    image[0x211] = 1
    image.set([0, 0, 0x10, 0], 0x214)
    const header = parseBzImage(image)
    expect(header).toMatchObject({ setupSectors: 4, protocol: 0x20f, code32Start: 0x100000, kernelOffset: 2560 })
    expect(() => parseBzImage(new Uint8Array(0x2000))).toThrow(/bzImage/)
    const stub = buildBootStub(0x100000)
    expect(Array.from(stub.subarray(0xff0, 0xff3))).toEqual([0xe9, 0x0d, 0xf0])
    const map = buildE820Map(64 << 20)
    expect(map.find((e) => e.address === 0x100000)?.length).toBe((64 << 20) - 0x100000)
  })
})

describe('PC machine with APIC', () => {
  it('runs the boot sector with the local APIC as the interrupt source and the PIC on LINT0', () => {
    const com1 = createMemoryCharBackend()
    const cfg = buildPcConfig({
      ramBytes: 2 << 20,
      firmware: { kind: 'boot-sector', image: SECTOR, drive: 0x80 },
      serial: [com1],
      apic: true,
    })
    const m = createPcMachine(cfg)
    expect(m.devices.map((d) => d.name)).toContain('lapic')
    m.vm.powerOn()
    m.vm.runFor(1_000_000)
    expect(com1.text()).toBe('OK\x80')
  })
})
