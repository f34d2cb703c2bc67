// Boots the benchmark guest on Boxwood only, for profiling: `node --cpu-prof --conditions=@boxwood/source
// --import tsx src/profile-boot.ts [realtime|deterministic]`. Every 10 s it prints the guest MIPS per CPU-second
// and EIP, so slow phases of the boot stand out, and the CPU time at the shell prompt; BOXWOOD_PROFILE_MS ends
// the process early, BOXWOOD_PROFILE_UNTIL=prompt at the prompt (the profile is still written).
import type { Vm } from '@boxwood/vmm'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'

const time = process.argv[2] === 'deterministic' ? 'deterministic' : 'realtime'
const limitMs = Number(process.env.BOXWOOD_PROFILE_MS ?? 0)
const cpuS = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
let machine: Vm | undefined
let lastInstructions = 0
let lastCpuS = 0
setInterval(() => {
  if (machine === undefined) return
  const n = machine.cpu.instructionsRetired
  const t = cpuS()
  const eip = (machine.cpu.getState().eip >>> 0).toString(16)
  console.log(`MIPS ${((n - lastInstructions) / (t - lastCpuS) / 1e6).toFixed(1)} eip ${eip} cpu ${t.toFixed(1)} s`)
  lastInstructions = n
  lastCpuS = t
}, 10_000).unref()
if (limitMs > 0) {
  setTimeout(() => {
    console.log(JSON.stringify({ time, stoppedAfterMs: limitMs, cpuS: cpuS() }))
    process.exit(0)
  }, limitMs)
}
const times = await bootBoxwood(loadGuest(), {
  time,
  timeoutMs: 1_800_000,
  echo: process.env.BOXWOOD_BENCH_ECHO === '1',
  onMachine: (vm) => (machine = vm),
  onPrompt: () => {
    console.log(`prompt at cpu ${cpuS().toFixed(1)} s, ${machine?.cpu.instructionsRetired} instructions`)
    if (process.env.BOXWOOD_PROFILE_UNTIL === 'prompt') process.exit(0)
  },
})
console.log(JSON.stringify({ time, ...times, cpuS: cpuS() }))
process.exit(0)
