// Boots the benchmark guest on Boxwood only, for profiling: `node --cpu-prof --conditions=@boxwood/source
// --import tsx src/profile-boot.ts [realtime|deterministic]`. Every 10 s it prints the guest MIPS per CPU-second
// and EIP, so slow phases of the boot stand out, and the CPU time at the shell prompt; BOXWOOD_PROFILE_MS ends
// the process early, BOXWOOD_PROFILE_UNTIL=prompt at the prompt (the profile is still written);
// BOXWOOD_PROFILE_INTERVAL_MS sets the report interval. BOXWOOD_PROFILE_WINDOW=from-to (CPU seconds) profiles only
// that phase of the boot (no --cpu-prof needed) into boot-<from>-<to>.cpuprofile in the temporary directory.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Vm } from '@boxwood/vmm'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'
import { mainThreadS } from './main-thread'

const time = process.argv[2] === 'deterministic' ? 'deterministic' : 'realtime'
const limitMs = Number(process.env.BOXWOOD_PROFILE_MS ?? 0)
const cpuS = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
let machine: Vm | undefined
let lastInstructions = 0
let lastCpuS = 0
let lastMainS = 0
const startMs = performance.now()
setInterval(
  () => {
    if (machine === undefined) return
    const n = machine.cpu.instructionsRetired
    const t = cpuS()
    const eip = (machine.cpu.getState().eip >>> 0).toString(16)
    const main = mainThreadS() ?? 0
    console.log(
      `MIPS ${((n - lastInstructions) / (t - lastCpuS) / 1e6).toFixed(1)} (main thread ${((n - lastInstructions) / (main - lastMainS) / 1e6).toFixed(1)}) eip ${eip} cpu ${t.toFixed(1)} s, wall ${((performance.now() - startMs) / 1000).toFixed(1)} s, ${(n / 1e9).toFixed(2)} G instructions`,
    )
    lastMainS = main
    lastInstructions = n
    lastCpuS = t
  },
  Number(process.env.BOXWOOD_PROFILE_INTERVAL_MS ?? 10_000),
).unref()
const window = /^([\d.]+)-([\d.]+)$/.exec(process.env.BOXWOOD_PROFILE_WINDOW ?? '')
if (window !== null) profileWindow(Number(window[1]), Number(window[2]))
if (limitMs > 0) {
  setTimeout(() => {
    console.log(JSON.stringify({ time, stoppedAfterMs: limitMs, cpuS: cpuS() }))
    process.exit(0)
  }, limitMs)
}
const times = await bootBoxwood(loadGuest(), {
  time,
  wasmTier: process.env.BOXWOOD_WASM_TIER === '1',
  timeoutMs: 1_800_000,
  echo: process.env.BOXWOOD_BENCH_ECHO === '1',
  onMachine: (vm) => (machine = vm),
  onPrompt: () => {
    console.log(
      `prompt at cpu ${cpuS().toFixed(1)} s (main thread ${(mainThreadS() ?? 0).toFixed(1)} s), wall ${((performance.now() - startMs) / 1000).toFixed(1)} s, ${machine?.cpu.instructionsRetired} instructions${machine?.cpu.compileError ? `, compiling stopped: ${String(machine.cpu.compileError)}` : ''}`,
    )
    if (process.env.BOXWOOD_PROFILE_UNTIL === 'prompt') process.exit(0)
  },
})
console.log(JSON.stringify({ time, ...times, cpuS: cpuS() }))
process.exit(0)

/** Starts the V8 profiler when the process has used `fromS` CPU seconds and writes the profile at `toS`. */
function profileWindow(fromS: number, toS: number): void {
  const session = new Session()
  session.connect()
  let started = false
  const poll = setInterval(() => {
    const t = cpuS()
    if (!started && t >= fromS) {
      started = true
      void session.post('Profiler.enable').then(() => session.post('Profiler.start'))
    } else if (started && t >= toS) {
      clearInterval(poll)
      void session.post('Profiler.stop').then(({ profile }) => {
        const file = join(tmpdir(), `boot-${fromS}-${toS}.cpuprofile`)
        writeFileSync(file, JSON.stringify(profile))
        console.log(`profile of CPU seconds ${fromS}-${toS} written to ${file}`)
      })
    }
  }, 100)
  poll.unref()
}
