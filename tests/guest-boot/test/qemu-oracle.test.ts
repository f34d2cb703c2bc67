// Differential boot test: the same SeaBIOS and the same nasm floppy image on qemu-system-i386 (the oracle) and
// on Boxwood's PC produce the same COM1 output and both power off through ACPI S5.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { assemble, diskImageWithBootSector, seabiosBiosPath } from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createBlockDrive,
  createMemoryCharBackend,
  createMemoryMedium,
  createPcMachine,
} from '@boxwood/devices'
import { runUntilAsync } from './run-until'

describe('boot sector: QEMU oracle vs Boxwood', () => {
  it('prints the same COM1 output and powers off on both', async () => {
    const floppy = diskImageWithBootSector(assemble('serial-hello'), 'floppy')
    const dir = mkdtempSync(join(tmpdir(), 'boxwood-qemu-'))
    try {
      const imagePath = join(dir, 'floppy.img')
      const serialPath = join(dir, 'com1.txt')
      writeFileSync(imagePath, floppy)
      // -no-reboot: a reset would exit too; only a power-off (or the timeout) ends a healthy run.
      execFileSync(
        'qemu-system-i386',
        [
          '-M',
          'pc',
          '-m',
          '64',
          '-bios',
          seabiosBiosPath(),
          '-display',
          'none',
          '-no-reboot',
          '-drive',
          `file=${imagePath},if=floppy,format=raw`,
          '-serial',
          `file:${serialPath}`,
          '-monitor',
          'none',
        ],
        { timeout: 60_000, stdio: 'ignore' },
      )
      const oracle = readFileSync(serialPath, 'latin1')

      const com1 = createMemoryCharBackend()
      const { vm } = createPcMachine(
        buildPcConfig({
          ramBytes: 64 << 20,
          firmware: { kind: 'bios', image: new Uint8Array(readFileSync(seabiosBiosPath())) },
          serial: [com1],
          cmos: { floppies: ['1.44M'] },
          extraDevices: { i82078: { 0: { luns: { 0: createBlockDrive('floppy', createMemoryMedium(floppy)) } } } },
        }),
      )
      vm.powerOn()
      const outcome = await runUntilAsync(vm, () => vm.state === 'powered-off', 20_000_000_000)
      expect(oracle).toContain('BOXWOOD-BOOTSECTOR-OK')
      expect(com1.text()).toBe(oracle)
      expect(outcome.state).toBe('powered-off')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
