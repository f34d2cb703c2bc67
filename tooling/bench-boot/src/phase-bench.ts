// Times one phase of the benchmark boot in a fresh process, for A/B comparisons of CPU changes on a noisy
// machine: whole boots vary by ±10% from minute to minute here, so a change worth 3% needs many short,
// alternating runs rather than a few long ones. In deterministic time (10 ns per instruction) the guest runs the
// same instructions every time, so a saved state taken once replays the same phase each run.
//   tsx --conditions=@boxwood/source src/phase-bench.ts save <file> <G instructions>
//   tsx --conditions=@boxwood/source src/phase-bench.ts run <file> <M instructions>
// `save` boots to the given instruction count and writes the machine's saved state; `run` loads it, runs the
// given number of instructions more and prints the main thread's CPU seconds and the wall-clock seconds
// (the phase starts with cold block caches and no compiled code, as a boot reaches it only once), and a hash of the
// guest's state at its end (registers and RAM): a change meant only for speed must leave it as it was.
import { readFileSync, writeFileSync } from 'node:fs'
import { mainThreadS, mainThreadSince } from './main-thread'
import { phaseMachine, runTo } from './phase-machine'
import { stateHash } from './state-hash'

const [command, file, amount] = process.argv.slice(2)
const n = Number(amount)
if ((command !== 'save' && command !== 'run') || file === undefined || !(n > 0)) {
  console.error('usage: phase-bench.ts save <file> <G instructions> | run <file> <M instructions>')
  process.exit(2)
}
const vm = phaseMachine()
if (command === 'save') {
  vm.powerOn()
  runTo(vm, n * 1e9)
  vm.pause()
  writeFileSync(file, vm.saveState())
  console.log(`saved the machine at ${vm.cpu.instructionsRetired} instructions to ${file}`)
} else {
  vm.loadState(readFileSync(file))
  vm.resume()
  const start = vm.cpu.instructionsRetired
  const cpu0 = mainThreadS()
  const wall0 = performance.now()
  runTo(vm, start + n * 1e6)
  const cpu = mainThreadSince(cpu0)
  const wall = (performance.now() - wall0) / 1000
  console.log(
    JSON.stringify({
      instructions: vm.cpu.instructionsRetired - start,
      mainThreadS: cpu,
      wallS: wall,
      stateHash: stateHash(vm),
    }),
  )
}
process.exit(0)
