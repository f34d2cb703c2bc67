// `pnpm bench` for guest boots: the guest-builder's Debian 12 i386 kernel + busybox initramfs (console on ttyS0,
// 128 MiB) from power-on to the shell prompt and to `poweroff`, on Boxwood, v86 (npm, wasm JIT) and QEMU TCG,
// one after the other in the same run, each boot in a process of its own (boot-child.ts; QEMU is one anyway); prints
// a table of wall-clock seconds and CPU seconds (the fair measure on a loaded machine: wall-clock time there is mostly
// waiting for a core), of the process and of its main thread, where Boxwood and v86 emulate (what the main thread
// leaves idle of the wall-clock time is waiting).
// BOXWOOD_BENCH_BOOT=boxwood,v86,qemu picks emulators; BOXWOOD_BENCH_ROUNDS=n boots each n times (medians, and
// Boxwood over v86 per round); BOXWOOD_BENCH_ECHO=1 echoes the consoles to stderr; BOXWOOD_BENCH_TIME=deterministic
// runs Boxwood on instruction-count time (10 ns per instruction: HLT skips ahead, the boot is reproducible) instead of
// real time.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BOXWOOD_TIME, ECHO, TIMEOUT_MS, WASM_TIER } from './bench-settings'
import { RESULT_PREFIX, type ChildResult } from './boot-child'
import { loadGuest } from './guest'
import type { BootGuest, BootTimes } from './guest'
import { bootQemu } from './qemu-boot'
import { SEABIOS, VGABIOS } from './v86-boot'

const only = (process.env.BOXWOOD_BENCH_BOOT ?? 'boxwood,v86,qemu').split(',')
const CHILD = fileURLToPath(new URL('./boot-child.ts', import.meta.url))
/** BOXWOOD_BENCH_ROUNDS=n boots each emulator n times, alternating the order, and prints medians (default 1). */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BOXWOOD_BENCH_ROUNDS ?? 1)) || 1)

interface Row {
  readonly name: string
  /** The emulator and round (0-based) the row is of. */
  readonly contender: Contender
  readonly round: number
  readonly times: BootTimes | null
  /** CPU seconds of the emulator's process (Boxwood's and v86's boot process, boot-child.ts; QEMU's). */
  readonly cpuS: number | null
  /** CPU seconds of that process's main thread, where Boxwood and v86 emulate (null for QEMU, or without /proc). */
  readonly mainS: number | null
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

/** Boots `contender` once (round `round`), or notes why it cannot run here. */
async function measure(contender: Contender, round: number): Promise<Row> {
  const name = ROUNDS > 1 ? `${contender.name} #${round + 1}` : contender.name
  const row = { name, contender, round }
  if (typeof contender.boot === 'string') return { ...row, times: null, cpuS: null, mainS: null, note: contender.boot }
  try {
    return { ...row, ...(await contender.boot()), note: '' }
  } catch (e) {
    return { ...row, times: null, cpuS: null, mainS: null, note: (e as Error).message }
  }
}

/** A boot's times and the CPU seconds it took (of the emulator's process, and of its main thread). */
interface Measured {
  readonly times: BootTimes
  readonly cpuS: number | null
  readonly mainS: number | null
}

/**
 * Boots `emulator` in a new process with this process's Node flags (boot-child.ts); the child's console echo and
 * errors go to this process's standard error.
 */
function bootInChild(emulator: 'boxwood' | 'v86'): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD, emulator], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text: string) => (out += text))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (line === undefined) return reject(new Error(`the ${emulator} boot process exited (${code}) without a result`))
      const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult
      if (result.times === null) reject(new Error(result.error))
      else resolve({ times: result.times, cpuS: result.cpuS, mainS: result.mainS })
    })
  })
}

const sec = (ms: number | undefined) => (ms === undefined || ms < 0 ? 'n/a' : (ms / 1000).toFixed(1))

const cpuSec = (s: number | null) => (s === null ? '-' : s.toFixed(1))

/** A table line: name, seconds to the prompt and to power-off, CPU seconds (all threads, and the main thread). */
function line(
  name: string,
  promptMs: number | undefined,
  poweroffMs: number | undefined,
  cpuS: number | null,
  mainS: number | null,
): string {
  const times = `${sec(promptMs).padStart(11)}${sec(poweroffMs).padStart(13)}`
  return `${name.padEnd(18)}${times}${cpuSec(cpuS).padStart(8)}${cpuSec(mainS).padStart(8)}`
}

/** One emulator of the run: its table name and how to boot it once (or why it cannot run here). */
interface Contender {
  readonly name: string
  readonly boot: (() => Promise<Measured>) | string
}

function contenders(guest: BootGuest): Contender[] {
  const list: Contender[] = []
  if (only.includes('boxwood')) {
    const name = (BOXWOOD_TIME === 'realtime' ? 'Boxwood' : 'Boxwood (det.)') + (WASM_TIER ? ' wasm' : '')
    list.push({ name, boot: () => bootInChild('boxwood') })
  }
  if (only.includes('v86')) {
    const ready = existsSync(SEABIOS) && existsSync(VGABIOS)
    const boot = () => bootInChild('v86')
    list.push({ name: 'v86 (JIT)', boot: ready ? boot : `needs Debian's seabios (${SEABIOS})` })
  }
  if (only.includes('qemu')) {
    const boot = async (): Promise<Measured> => {
      const times = await bootQemu(guest, { timeoutMs: TIMEOUT_MS, echo: ECHO })
      return { times, cpuS: times.cpuS ?? null, mainS: null }
    }
    list.push({ name: 'QEMU TCG', boot: haveQemu() ? boot : 'qemu-system-i386 not installed' })
  }
  return list
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The median of the values that are known, or null when none is. */
const medianOfKnown = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null)
  return known.length === 0 ? null : median(known)
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
    for (const c of order) rows.push(await measure(c, round))
  }
  const head = `${'to prompt'.padStart(11)}${'to poweroff'.padStart(13)}${'CPU s'.padStart(8)}${'main s'.padStart(8)}`
  console.log(`${'emulator'.padEnd(18)}${head}`)
  for (const r of rows) {
    const text = line(r.name, r.times?.promptMs, r.times?.poweroffMs, r.cpuS, r.mainS)
    console.log(text + (r.note ? `  (${r.note})` : ''))
  }
  if (ROUNDS > 1) printMedians(all, rows)
  process.exit(0)
}

/**
 * Medians over the rounds, and Boxwood's time to the prompt over v86's in each round both finished (the target is
 * ≤ 1).
 */
function printMedians(all: readonly Contender[], rows: readonly Row[]): void {
  console.log(`medians of ${ROUNDS} rounds:`)
  const booted = rows.filter((r) => r.times !== null)
  for (const c of all) {
    const mine = booted.filter((r) => r.contender === c)
    if (mine.length === 0) continue
    const prompt = median(mine.map((r) => r.times!.promptMs))
    const off = median(mine.map((r) => r.times!.poweroffMs))
    console.log(
      line(c.name, prompt, off, medianOfKnown(mine.map((r) => r.cpuS)), medianOfKnown(mine.map((r) => r.mainS))),
    )
  }
  const boxwood = all.find((c) => c.name.startsWith('Boxwood'))
  const v86 = all.find((c) => c.name.startsWith('v86'))
  const promptIn = (c: Contender | undefined, round: number) =>
    booted.find((r) => r.contender === c && r.round === round)?.times?.promptMs
  const ratios: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const mine = promptIn(boxwood, round)
    const theirs = promptIn(v86, round)
    if (mine !== undefined && theirs !== undefined) ratios.push(mine / theirs)
  }
  if (boxwood !== undefined && ratios.length > 0) {
    const each = ratios.map((x) => x.toFixed(2)).join(' ')
    console.log(`${boxwood.name} / v86 to the prompt, per round: ${each}; median ${median(ratios).toFixed(2)}`)
  }
}

void main()
