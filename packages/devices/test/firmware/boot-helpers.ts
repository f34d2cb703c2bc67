// Helpers of the Boxwood BIOS boot tests: nasm programs assembled at test time and a PC with the BIOS, VGA,
// IDE and COM1 on the real CPU, run until a serial marker appears (yielding so host media I/O completes).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '../../src/index'
import type { CmosBootDevice } from '../../src/pc/cmos-layout'
import type { DevicesTree } from '../../src/machine/config-tree'
import type { VgaInstance } from '../../src/graphics/vga/vga-device'
import type { BlockDrive } from '../../src/backends/block-backend'

export function nasm(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-nasm-'))
  writeFileSync(join(dir, 'p.asm'), source)
  execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'p.bin'), join(dir, 'p.asm')])
  return new Uint8Array(readFileSync(join(dir, 'p.bin')))
}

export interface BootOptions {
  readonly luns: { readonly ide?: Record<number, unknown>; readonly floppy?: Record<number, unknown> }
  readonly bootOrder?: readonly CmosBootDevice[]
  readonly floppy?: boolean
  readonly ramBytes?: number
  readonly extra?: DevicesTree
}

/** Builds the PC and runs it until COM1 shows `marker` (or the virtual-time budget runs out). */
export async function bootUntil(options: BootOptions, marker: string, budgetNs = 20_000_000_000) {
  const com1 = createMemoryCharBackend()
  const cfg = buildPcConfig({
    ramBytes: options.ramBytes ?? 32 << 20,
    firmware: { kind: 'boxwood' },
    serial: [com1],
    vga: true,
    ide: (options.luns.ide ?? {}) as Record<number, BlockDrive>,
    ...(options.luns.floppy ? { floppies: [options.luns.floppy[0] as BlockDrive] as [BlockDrive] } : {}),
    cmos: {
      bootOrder: options.bootOrder ?? ['floppy', 'disk', 'cdrom'],
      ...(options.floppy ? { floppies: ['1.44M', 'none'] } : {}),
    } as never,
    ...(options.extra ? { extraDevices: options.extra } : {}),
  })
  const machine = createPcMachine(cfg)
  const { vm } = machine
  vm.powerOn()
  const start = vm.nowNs()
  while (!com1.text().includes(marker) && vm.nowNs() - start < budgetNs && vm.state === 'running') {
    // Short slices: a BIOS call waiting for host media I/O spins until the event loop has run.
    vm.runFor(2_000_000)
    await new Promise((resolve) => setImmediate(resolve))
  }
  const vga = vm.host.devices.find((d) => d.definition.name === 'vga')!.device as unknown as VgaInstance
  return { vm, com1, vga }
}
