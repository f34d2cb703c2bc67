// `pnpm bench` for guest boots: the guest-builder's Debian 12 i386 kernel + busybox initramfs (console on ttyS0,
// 128 MiB) from power-on to the shell prompt and to `poweroff`, on Boxwood, v86 (npm, wasm JIT) and QEMU TCG,
// one after the other in the same run; prints a table of wall-clock seconds and CPU seconds (the fair measure on
// a loaded machine: wall-clock time there is mostly waiting for a core).
// BOXWOOD_BENCH_BOOT=boxwood,v86,qemu picks emulators; BOXWOOD_BENCH_ECHO=1 echoes the consoles to stderr;
// BOXWOOD_BENCH_TIME=deterministic runs Boxwood on instruction-count time (10 ns per instruction: HLT skips ahead,
// the boot is reproducible) instead of real time.
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

async function main(): Promise<void> {
  const guest: BootGuest = loadGuest()
  console.log(
    `Boot of Debian 12 i386 + busybox initramfs (${guest.ramBytes >> 20} MiB, "${guest.cmdline}"): wall-clock seconds`,
  )
  const rows: Row[] = []
  if (only.includes('boxwood')) {
    const name = (boxwoodTime === 'realtime' ? 'Boxwood' : 'Boxwood (det.)') + (WASM_TIER ? ' wasm' : '')
    rows.push(
      await measure(
        name,
        () => bootBoxwood(guest, { time: boxwoodTime, timeoutMs: TIMEOUT_MS, echo, wasmTier: WASM_TIER }),
        true,
      ),
    )
  }
  if (only.includes('v86')) {
    if (existsSync(SEABIOS) && existsSync(VGABIOS)) {
      rows.push(await measure('v86 (JIT)', () => bootV86(guest, { timeoutMs: TIMEOUT_MS, echo }), true))
    } else rows.push({ name: 'v86 (JIT)', times: null, cpuS: null, note: `needs Debian's seabios (${SEABIOS})` })
  }
  if (only.includes('qemu')) {
    if (haveQemu()) rows.push(await measure('QEMU TCG', () => bootQemu(guest, { timeoutMs: TIMEOUT_MS, echo }), false))
    else rows.push({ name: 'QEMU TCG', times: null, cpuS: null, note: 'qemu-system-i386 not installed' })
  }
  console.log(`${'emulator'.padEnd(16)}${'to prompt'.padStart(11)}${'to poweroff'.padStart(13)}${'CPU s'.padStart(8)}`)
  for (const r of rows) {
    const cpu = r.cpuS === null ? '-' : r.cpuS.toFixed(1)
    console.log(
      `${r.name.padEnd(16)}${sec(r.times?.promptMs).padStart(11)}${sec(r.times?.poweroffMs).padStart(13)}${cpu.padStart(8)}` +
        (r.note ? `  (${r.note})` : ''),
    )
  }
  process.exit(0)
}

void main()
