// Runs a firmware image in QEMU (TCG, the oracle) and in Boxwood's CPU, and returns both serial dumps.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cpu } from '../../src/cpu/cpu'
import type { AccessSize, IoBus } from '../../src/io/io-bus'
import type { InterruptSource } from '../../src/irq/interrupt-source'
import { PhysicalMemory } from '../../src/memory/physical-memory'
import { TestInterrupts, assemble } from '../cpu/harness'
import { firmwareSource } from './runtime'

const run = promisify(execFile)
const RAM_BYTES = 32 << 20

/** Assembles the image for `cases` (see runtime.ts). */
export function buildImage(cases: string, realCases = ''): Uint8Array {
  return assemble(firmwareSource(cases, realCases))
}

/** Runs the image in qemu-system-i386 (CPU model `cpu`) and returns what the guest wrote to COM1. */
export async function runQemu(image: Uint8Array, cpu = 'pentium3'): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-qemu-diff-'))
  try {
    const bios = join(dir, 'bios.bin')
    const out = join(dir, 'serial.bin')
    writeFileSync(bios, image)
    const args = [
      '-accel',
      'tcg',
      '-cpu',
      cpu,
      '-m',
      '32',
      '-bios',
      bios,
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      `file:${out}`,
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-no-reboot',
      '-nodefaults',
    ]
    try {
      await run('qemu-system-i386', args, { timeout: 60_000 })
    } catch (e) {
      // isa-debug-exit makes QEMU exit with status (value << 1) | 1 = 1.
      const code = (e as { code?: unknown }).code
      if (code !== 1) throw e
    }
    return new Uint8Array(readFileSync(out))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Boxwood's execution engines; every differential test runs each of them against the same QEMU output. */
export const ENGINES = [
  { engine: 'interpreter' },
  { engine: 'blocks' },
  { engine: 'compiled', compileThreshold: 0 },
  { engine: 'compiled', compileThreshold: 0, wasmTier: 'sync' },
] as const

/**
 * Extra devices for a run: port handlers (consulted before the default sink; `undefined` from `ioRead` falls
 * through) and the interrupt source the CPU samples.
 */
export interface BoxwoodDevices {
  readonly ioRead?: (port: number, size: AccessSize) => number | undefined
  readonly ioWrite?: (port: number, value: number, size: AccessSize) => void
  readonly interrupts?: InterruptSource
}

/** Runs the image on Boxwood's CPU with a port sink for COM1 and port 0xF4 (and `devices`, if given). */
export function runBoxwood(
  image: Uint8Array,
  engine: (typeof ENGINES)[number] = ENGINES[2],
  maxInstructions = 50_000_000,
  devices: BoxwoodDevices = {},
): Uint8Array {
  const memory = new PhysicalMemory({ ramBytes: RAM_BYTES })
  // Like QEMU's -bios: the whole image ends at 4 GB, its last 128 KB also end at 1 MB.
  memory.mapRom(0x100000 - 0x20000, image.subarray(image.length - 0x20000), 'bios (ISA)')
  memory.mapRom(2 ** 32 - image.length, image, 'bios')
  const serial: number[] = []
  let cpu: Cpu | null = null
  let exited = false
  const io: IoBus = {
    ioRead: (port: number, size: AccessSize) =>
      devices.ioRead?.(port, size) ?? (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff),
    ioWrite: (port: number, value: number, size: AccessSize) => {
      devices.ioWrite?.(port, value, size)
      if (port === 0x3f8) serial.push(value & 0xff)
      if (port === 0xf4) {
        exited = true
        cpu?.requestStop()
      }
    },
  }
  cpu = new Cpu({ memory, io, interrupts: devices.interrupts ?? new TestInterrupts(), ...engine })
  let left = maxInstructions
  while (!exited && left > 0) {
    const exit = cpu.run(Math.min(left, 1_000_000))
    left -= exit.retired
    if (exit.reason === 'halted' || exit.reason === 'triple-fault') break
  }
  if (!exited) throw new Error(`Boxwood did not reach the exit port (EIP ${(cpu.eip >>> 0).toString(16)})`)
  return new Uint8Array(serial)
}
