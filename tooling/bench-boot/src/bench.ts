// `pnpm bench` for guest boots: the guest-builder's Debian 12 i386 kernel + busybox initramfs (console on ttyS0,
// 128 MiB) from power-on to the shell prompt and to `poweroff`, on Boxwood, v86 (npm, wasm JIT) and QEMU TCG,
// one after the other in the same run; prints a table of wall-clock seconds and CPU seconds (the fair measure on
// a loaded machine: wall-clock time there is mostly waiting for a core).
// BOXWOOD_BENCH_BOOT=boxwood,v86,qemu picks emulators; BOXWOOD_BENCH_ROUNDS=n boots each n times (medians, and
// Boxwood over v86 per round); BOXWOOD_BENCH_ECHO=1 echoes the consoles to stderr; BOXWOOD_BENCH_TIME=deterministic
// runs Boxwood on instruction-count time (10 ns per instruction: HLT skips ahead, the boot is reproducible) instead of
// real time.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'
import type { BootGuest, BootTimes } from './guest'
import { bootQemu } from './qemu-boot'
import { bootV86, SEABIOS, VGABIOS } from './v86-boot'

const TIMEOUT_MS = Number(process.env.BOXWOOD_BENCH_BOOT_TIMEOUT_MS ?? 1_800_000)
const echo = process.env.BOXWOOD_BENCH_ECHO === '1'
const only = (process.env.BOXWOOD_BENCH_BOOT ?? 'boxwood,v86,qemu').split(',')
const boxwoodTime = process.env.BOXWOOD_BENCH_TIME === 'deterministic' ? 'deterministic' : 'realtime'
const WASM_TIER = process.env.BOXWOOD_WASM_TIER === '1'
/** BOXWOOD_BENCH_ROUNDS=n boots each emulator n times, alternating the order, and prints medians (default 1). */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BOXWOOD_BENCH_ROUNDS ?? 1)) || 1)

interface Row {
  readonly name: string
  readonly times: BootTimes | null
  /** CPU seconds of the emulator (this process for Boxwood and v86; QEMU's own process). */
  readonly cpuS: number | null
  readonly note: string
}

function haveQemu(): boolean {
  try {
    execFileSync('qemu-system-i386', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function measure(name: string, run: () => Promise<BootTimes>, inProcess: boolean): Promise<Row> {
  const c0 = process.cpuUsage()
  try {
    const times = await run()
    const c = process.cpuUsage(c0)
    return { name, times, cpuS: inProcess ? (c.user + c.system) / 1e6 : (times.cpuS ?? null), note: '' }
  } catch (e) {
    return { name, times: null, cpuS: null, note: (e as Error).message }
  }
}

const sec = (ms: number | undefined) => (ms === undefined || ms < 0 ? 'n/a' : (ms / 1000).toFixed(1))

/** One emulator of the run: its table name and how to boot it once (or why it cannot run here). */
interface Contender {
  readonly name: string
  readonly boot: (() => Promise<BootTimes>) | string
  /** Boots in this process (CPU seconds are the process's). */
  readonly inProcess: boolean
}

function contenders(guest: BootGuest): Contender[] {
  const list: Contender[] = []
  if (only.includes('boxwood')) {
    const name = (boxwoodTime === 'realtime' ? 'Boxwood' : 'Boxwood (det.)') + (WASM_TIER ? ' wasm' : '')
    const boot = () => bootBoxwood(guest, { time: boxwoodTime, timeoutMs: TIMEOUT_MS, echo, wasmTier: WASM_TIER })
    list.push({ name, boot, inProcess: true })
  }
  if (only.includes('v86')) {
    const ready = existsSync(SEABIOS) && existsSync(VGABIOS)
    const boot = () => bootV86(guest, { timeoutMs: TIMEOUT_MS, echo })
    list.push({ name: 'v86 (JIT)', boot: ready ? boot : `needs Debian's seabios (${SEABIOS})`, inProcess: true })
  }
  if (only.includes('qemu')) {
    const boot = () => bootQemu(guest, { timeoutMs: TIMEOUT_MS, echo })
    list.push({ name: 'QEMU TCG', boot: haveQemu() ? boot : 'qemu-system-i386 not installed', inProcess: false })
  }
  return list
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  const guest: BootGuest = loadGuest()
  console.log(
    `Boot of Debian 12 i386 + busybox initramfs (${guest.ramBytes >> 20} MiB, "${guest.cmdline}"): wall-clock seconds`,
  )
  const all = contenders(guest)
  const rows: Row[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round in reverse order: the machine's drift and warm caches favour no emulator.
    const order = round % 2 === 0 ? all : [...all].reverse()
    for (const c of order) {
      const name = ROUNDS > 1 ? `${c.name} #${round + 1}` : c.name
      if (typeof c.boot === 'string') rows.push({ name, times: null, cpuS: null, note: c.boot })
      else rows.push(await measure(name, c.boot, c.inProcess))
    }
  }
  console.log(`${'emulator'.padEnd(18)}${'to prompt'.padStart(11)}${'to poweroff'.padStart(13)}${'CPU s'.padStart(8)}`)
  for (const r of rows) {
    const cpu = r.cpuS === null ? '-' : r.cpuS.toFixed(1)
    console.log(
      `${r.name.padEnd(18)}${sec(r.times?.promptMs).padStart(11)}${sec(r.times?.poweroffMs).padStart(13)}${cpu.padStart(8)}` +
        (r.note ? `  (${r.note})` : ''),
    )
  }
  if (ROUNDS > 1) printMedians(all, rows)
  process.exit(0)
}

/** Medians over the rounds, and Boxwood's time to the prompt over v86's within each round (the target is ≤ 1). */
function printMedians(all: readonly Contender[], rows: readonly Row[]): void {
  console.log(`medians of ${ROUNDS} rounds:`)
  const promptOf = new Map<string, number[]>()
  for (const c of all) {
    const mine = rows.filter((r) => r.name.startsWith(`${c.name} #`) && r.times !== null)
    if (mine.length === 0) continue
    const prompts = mine.map((r) => r.times!.promptMs)
    promptOf.set(c.name, prompts)
    const off = median(mine.map((r) => r.times!.poweroffMs))
    const cpus = mine.flatMap((r) => (r.cpuS === null ? [] : [r.cpuS]))
    const cpu = cpus.length === 0 ? '-' : median(cpus).toFixed(1)
    console.log(`${c.name.padEnd(18)}${sec(median(prompts)).padStart(11)}${sec(off).padStart(13)}${cpu.padStart(8)}`)
  }
  const boxwood = [...promptOf.keys()].find((n) => n.startsWith('Boxwood'))
  const v86 = promptOf.get('v86 (JIT)')
  if (boxwood !== undefined && v86 !== undefined && v86.length === promptOf.get(boxwood)!.length) {
    const ratios = promptOf.get(boxwood)!.map((ms, i) => ms / v86[i]!)
    console.log(
      `${boxwood} / v86 to the prompt, per round: ${ratios.map((x) => x.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`,
    )
  }
}

void main()
