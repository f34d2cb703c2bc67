// Where one emulator's boot is slower than the other's, by stretches of guest instructions: boots the benchmark
// guest on Boxwood or v86 in real time (the benchmark's command line, so nothing slows either down), sampling the
// guest instructions retired every 250 ms up to the shell prompt, and compares two such timelines by the time each
// took between the same instruction counts (both run the same kernel and initramfs, so equal counts are the same
// point of the boot, up to the timer interrupts that land at other instructions). Each sample also holds the main
// thread's CPU seconds (both emulate there), so a stretch shows how much of its time the emulator worked and how
// much it waited. The seventeenth session found with it that the gap had moved from kernel init to the kernel's XZ
// decompressor.
//   node --interrupt-budget=16000 --import tsx src/timeline.ts boxwood|v86 > a.tsv
//   node --import tsx src/timeline.ts compare a.tsv b.tsv
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'
import { mainThreadS, mainThreadSince } from './main-thread'
import { bootV86 } from './v86-boot'

/**
 * One sample: wall-clock seconds since the emulator was started, millions of instructions retired, and the main
 * thread's CPU seconds since then (NaN in files without them).
 */
type Sample = { readonly s: number; readonly m: number; readonly cpu: number }

const SAMPLE_MS = 250
/** Ends of the stretches compared (millions of instructions; the prompt comes at ~6 300). */
const MARKS_M = [500, 1000, 1500, 2000, 2340, 2400, 2500, 2600, 2700, 3000, 4000, 5000, 6000, 6300]

/** Boots `which`, printing a tab-separated sample line every SAMPLE_MS until the prompt, then exits. */
async function record(which: 'boxwood' | 'v86'): Promise<void> {
  const guest = loadGuest()
  const t0 = performance.now()
  const cpu0 = mainThreadS()
  let counter = () => 0
  // v86's counter is 32 bits wide: the samples add up differences modulo 2^32 (far fewer retire per sample).
  let total = 0
  let last = 0
  const sample = () => {
    const n = counter() >>> 0
    total += (n - last) >>> 0
    last = n
    const cpu = mainThreadSince(cpu0) ?? Number.NaN
    console.log(`${((performance.now() - t0) / 1000).toFixed(3)}\t${(total / 1e6).toFixed(1)}\t${cpu.toFixed(2)}`)
  }
  const onPrompt = () => {
    sample()
    process.exit(0)
  }
  setInterval(sample, SAMPLE_MS)
  const options = { timeoutMs: 600_000, onPrompt }
  if (which === 'v86') {
    await bootV86(guest, { ...options, onStart: (emulator) => (counter = () => emulator.get_instruction_counter()) })
  } else {
    await bootBoxwood(guest, {
      ...options,
      time: 'realtime',
      onMachine: (vm) => (counter = () => vm.cpu.instructionsRetired),
    })
  }
}

/** The samples of a timeline file. */
function load(file: string): Sample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [s, m, cpu] = line.trim().split(/\s+/).map(Number)
      return { s: s!, m: m!, cpu: cpu ?? Number.NaN }
    })
}

/**
 * Wall-clock (`s`) or main-thread CPU (`cpu`) seconds at which the timeline reached `m` million instructions (linear
 * between samples), or NaN if it did not.
 */
function secondsAt(samples: readonly Sample[], m: number, clock: 's' | 'cpu'): number {
  for (let k = 0; k < samples.length; k++) {
    const b = samples[k]!
    if (b.m < m) continue
    if (k === 0) return b[clock]
    const a = samples[k - 1]!
    return a[clock] + ((b[clock] - a[clock]) * (m - a.m)) / Math.max(b.m - a.m, 1e-9)
  }
  return Number.NaN
}

/**
 * Prints the seconds each timeline took per stretch of instructions and their ratio, then the main thread's CPU
 * seconds in the stretch (where the files have them).
 */
function compare(fileA: string, fileB: string): void {
  const a = load(fileA)
  const b = load(fileB)
  const names = `${basename(fileA).padStart(14)}${basename(fileB).padStart(14)}`
  console.log(`${'M instructions'.padEnd(16)}${names}   B/A   main thread CPU s`)
  let fromM = 0
  let prev = [0, 0, 0, 0]
  const cpuText = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(2))
  for (const m of MARKS_M) {
    const at = [secondsAt(a, m, 's'), secondsAt(b, m, 's'), secondsAt(a, m, 'cpu'), secondsAt(b, m, 'cpu')]
    if (Number.isNaN(at[0]!) || Number.isNaN(at[1]!)) break
    const [da, db, ca, cb] = at.map((x, k) => x - prev[k]!) as [number, number, number, number]
    const times = `${da.toFixed(2).padStart(14)}${db.toFixed(2).padStart(14)}`
    const cpu = `${cpuText(ca).padStart(8)}${cpuText(cb).padStart(8)}`
    console.log(`${`${fromM}-${m}`.padEnd(16)}${times}${(db / da).toFixed(2).padStart(6)}  ${cpu}`)
    fromM = m
    prev = at
  }
  const total = `${prev[0]!.toFixed(2).padStart(14)}${prev[1]!.toFixed(2).padStart(14)}`
  console.log(
    `${'total'.padEnd(16)}${total}${''.padStart(6)}  ${cpuText(prev[2]!).padStart(8)}${cpuText(prev[3]!).padStart(8)}`,
  )
}

const [command, first, second] = process.argv.slice(2)
if (command === 'boxwood' || command === 'v86') await record(command)
else if (command === 'compare' && first !== undefined && second !== undefined) compare(first, second)
else {
  console.error('usage: timeline.ts boxwood|v86 > file.tsv | timeline.ts compare a.tsv b.tsv')
  process.exit(2)
}
