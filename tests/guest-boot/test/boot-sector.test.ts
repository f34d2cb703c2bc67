// Boot test 1 (direct load): a nasm boot-sector program, assembled at test time, loaded at 0000:7C00 by the
// machine assembly, prints its marker on COM1 and powers the machine off through ACPI S5.
import { describe, expect, it } from 'vitest'
import { assemble } from '@boxwood/guest-builder'
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '@boxwood/devices'
import { runUntil } from './run-until'

describe('boot sector on the PC machine', () => {
  it('prints on COM1 and powers off via ACPI S5', () => {
    const sector = assemble('serial-hello')
    expect(sector.length).toBe(512)
    const com1 = createMemoryCharBackend()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 16 << 20,
        firmware: { kind: 'boot-sector', image: sector, drive: 0x80 },
        serial: [com1],
      }),
    )
    vm.powerOn()
    const outcome = runUntil(vm, () => vm.state === 'powered-off', 1_000_000_000)
    expect(com1.text()).toBe('BOXWOOD-BOOTSECTOR-OK drive=80\n')
    expect(outcome.state).toBe('powered-off')
  })
})
