// Boot test 1 with external firmware: Debian's SeaBIOS bios.bin on the assembled PC finds fw_cfg and the
// i440FX/PIIX3, logs to the debug port 0x402, runs our BEV option ROM (offered through fw_cfg), which boots
// the nasm boot-sector program: it prints on COM1 and powers off through ACPI S5.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assemble, buildBevBootRom, diskImageWithBootSector, seabiosBiosPath } from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createBlockDrive,
  createMemoryCharBackend,
  createMemoryMedium,
  createPcMachine,
} from '@boxwood/devices'
import { runUntil, runUntilAsync } from './run-until'

describe('SeaBIOS on the PC machine', () => {
  it('boots a boot sector through a BEV option ROM; the program prints on COM1 and powers off', () => {
    const image = new Uint8Array(readFileSync(seabiosBiosPath()))
    const debug = createMemoryCharBackend()
    const com1 = createMemoryCharBackend()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 64 << 20,
        firmware: { kind: 'bios', image, optionRom: buildBevBootRom() },
        serial: [com1],
        debugConsole: debug,
      }),
    )
    vm.powerOn()
    const outcome = runUntil(vm, () => vm.state === 'powered-off', 20_000_000_000, 100_000_000)
    const log = debug.text()
    expect(log).toMatch(/SeaBIOS \(version [^)]+\)/)
    expect(log).toContain('Found QEMU fw_cfg')
    expect(log).toContain('PCI: init bdf=00:01.0 id=8086:7000')
    expect(com1.text(), `SeaBIOS log tail:\n${log.split('\n').slice(-12).join('\n')}`).toContain(
      'BOXWOOD-BOOTSECTOR-OK drive=80',
    )
    expect(outcome.state).toBe('powered-off')
  })
})

describe('SeaBIOS booting from a floppy image', () => {
  it('loads the boot sector through the FDC and ISA DMA; it prints on COM1 and powers off', async () => {
    const image = new Uint8Array(readFileSync(seabiosBiosPath()))
    const floppy = diskImageWithBootSector(assemble('serial-hello'), 'floppy')
    const debug = createMemoryCharBackend()
    const com1 = createMemoryCharBackend()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 64 << 20,
        firmware: { kind: 'bios', image },
        serial: [com1],
        debugConsole: debug,
        cmos: { floppies: ['1.44M'] },
        extraDevices: { i82078: { 0: { luns: { 0: createBlockDrive('floppy', createMemoryMedium(floppy)) } } } },
      }),
    )
    vm.powerOn()
    const outcome = await runUntilAsync(vm, () => vm.state === 'powered-off', 20_000_000_000)
    const log = debug.text()
    expect(log).toContain('Booting from Floppy...')
    expect(com1.text(), `SeaBIOS log tail:\n${log.split('\n').slice(-12).join('\n')}`).toBe(
      'BOXWOOD-BOOTSECTOR-OK drive=00\n',
    )
    expect(outcome.state).toBe('powered-off')
  })
})
