// `pnpm bench` for the CPU: runs each workload on Boxwood's CPU and on v86 (npm, JIT disabled and enabled) and
// prints guest MIPS. v86 boots the same boot sector from a floppy through SeaBIOS from Debian's seabios
// package (/usr/share/seabios, read at run time, never committed).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Cpu, PhysicalMemory } from '@boxwood/vmm'
import type { AccessSize, InterruptSource } from '@boxwood/vmm'
import { bootSectorSource, COUNTER, WORKLOADS, type Workload } from './workloads'

const WARMUP_MS = Number(process.env.BOXWOOD_BENCH_WARMUP_MS ?? 1000)
const MEASURE_MS = Number(process.env.BOXWOOD_BENCH_MS ?? 3000)
/** Comma-separated substrings of workload names to run (all when unset), e.g. BOXWOOD_BENCH_ONLY=x87,paging. */
const ONLY = (process.env.BOXWOOD_BENCH_ONLY ?? '').split(',').filter((p) => p !== '')
/** BOXWOOD_WASM_TIER=1: Boxwood with the CPU's experimental wasm tier (compiled on the spot: the loop never yields). */
const WASM_TIER = process.env.BOXWOOD_WASM_TIER === '1'
const SEABIOS = '/usr/share/seabios/bios.bin'
const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin'

function assemble(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-bench-'))
  try {
    writeFileSync(join(dir, 'w.asm'), source)
    execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'w.bin'), join(dir, 'w.asm')])
    return new Uint8Array(readFileSync(join(dir, 'w.bin')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** CPU time (user + system, µs) this process used since `start`: robust against other load on the machine. */
function cpuMicros(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return u.user + u.system
}

const noInterrupts: InterruptSource = {
  hasInterrupt: () => false,
  acknowledge: () => 0,
  hasNmi: () => false,
  acknowledgeNmi: () => {},
}

/** Runs a workload on Boxwood for the measuring window; returns guest MIPS (iterations × instructions). */
function benchBoxwood(w: Workload, sector: Uint8Array): number {
  const memory = new PhysicalMemory({ ramBytes: 64 << 20 })
  memory.ram.set(sector, 0x7c00)
  const io = {
    ioRead: (port: number, size: AccessSize) =>
      port === 0x92 ? (memory.a20Enabled ? 2 : 0) : size === 1 ? 0xff : 0xffff,
    ioWrite: (port: number, value: number) => {
      if (port === 0x92) memory.setA20((value & 2) !== 0)
    },
  }
  const cpu = new Cpu({ memory, io, interrupts: noInterrupts, wasmTier: WASM_TIER ? 'sync' : false })
  const s = cpu.getState()
  s.cs = { selector: 0, base: 0, limit: 0xffff, attributes: 0x9b }
  s.eip = 0x7c00
  cpu.setState(s)
  const runFor = (ms: number) => {
    const end = performance.now() + ms
    while (performance.now() < end) cpu.run(200_000)
  }
  runFor(WARMUP_MS)
  const c0 = memory.read32(COUNTER) >>> 0
  const t0 = process.cpuUsage()
  runFor(MEASURE_MS)
  const iterations = (memory.read32(COUNTER) >>> 0) - c0
  return (iterations * w.instructionsPerIteration) / cpuMicros(t0)
}

/** Runs a workload on v86 booted from a floppy holding the boot sector; returns guest MIPS. */
async function benchV86(w: Workload, sector: Uint8Array, jit: boolean): Promise<number | null> {
  const require = createRequire(import.meta.url)
  const v86Dir = dirname(dirname(require.resolve('v86/package.json')))
  const { V86 } = (await import('v86')) as unknown as { V86: new (o: object) => V86Like }
  const floppy = new Uint8Array(1474560)
  floppy.set(sector)
  const emulator = new V86({
    wasm_path: join(v86Dir, 'v86', 'build', 'v86.wasm'),
    bios: { buffer: readFileSync(SEABIOS).buffer },
    vga_bios: { buffer: readFileSync(VGABIOS).buffer },
    fda: { buffer: floppy.buffer },
    memory_size: 64 << 20,
    autostart: true,
    disable_jit: !jit,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  })
  const counter = () => {
    const b = emulator.read_memory(COUNTER, 4)
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  await new Promise<void>((resolve) => emulator.add_listener('emulator-ready', () => resolve()))
  try {
    for (let waited = 0; counter() === 0; waited += 100) {
      if (waited > 20_000) return null
      await sleep(100)
    }
    await sleep(WARMUP_MS)
    const c0 = counter()
    const t0 = process.cpuUsage()
    await sleep(MEASURE_MS)
    const iterations = counter() - c0
    return (iterations * w.instructionsPerIteration) / cpuMicros(t0)
  } finally {
    await emulator.destroy()
  }
}

interface V86Like {
  add_listener(event: string, listener: () => void): void
  read_memory(offset: number, length: number): Uint8Array
  destroy(): Promise<void>
}

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1)).padStart(10)

async function main(): Promise<void> {
  // BOXWOOD_BENCH_V86=0 skips v86 (for profiling Boxwood alone with node --cpu-prof).
  const haveBios = process.env.BOXWOOD_BENCH_V86 !== '0' && existsSync(SEABIOS) && existsSync(VGABIOS)
  console.log(`Guest MIPS per CPU-second of this process (warm-up ${WARMUP_MS} ms, measured ${MEASURE_MS} ms each)`)
  console.log(`${'workload'.padEnd(44)}${'Boxwood'.padStart(10)}${'v86 interp'.padStart(12)}${'v86 JIT'.padStart(10)}`)
  for (const w of WORKLOADS) {
    if (ONLY.length > 0 && !ONLY.some((p) => w.name.includes(p))) continue
    const sector = assemble(bootSectorSource(w))
    const box = benchBoxwood(w, sector)
    const interp = haveBios ? await benchV86(w, sector, false) : null
    const jit = haveBios ? await benchV86(w, sector, true) : null
    console.log(`${w.name.padEnd(44)}${fmt(box)}  ${fmt(interp)}${fmt(jit)}`)
  }
  if (!haveBios) console.log(`(v86 skipped: install Debian's seabios package for ${SEABIOS})`)
  process.exit(0)
}

void main()
