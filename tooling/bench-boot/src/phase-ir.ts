// Counts the host instructions of one phase of the boot under Valgrind, where timing cannot be trusted: on the
// shared development machine the same phase run varies by ±5-20% from one minute to the next, but the instructions
// the host executes for it repeat to within 0.1%. Loads a `phase-bench.ts` saved state, runs `warm` million
// instructions, then runs `measure` million more inside `Reflect.apply`, so that Callgrind, told to collect only
// inside that builtin, counts exactly the measured stretch (V8's embedded builtins carry symbols, JavaScript does not):
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=Builtins_ReflectApply --smc-check=all-non-file \
//     --dump-instr=yes --callgrind-out-file=/tmp/ir.out node --perf-basic-prof --single-threaded --random-seed=1 \
//     --interrupt-budget=16000 --import tsx src/phase-ir.ts <state> <warm M> <measure M> [compile threshold]
//   node --import tsx src/ir-report.ts /tmp/ir.out /tmp/perf-<valgrind pid>.map
// Callgrind prints the total ("Collected"); ir-report.ts names the JavaScript functions through the perf map V8
// writes with --perf-basic-prof. --single-threaded makes V8 optimize at once on the main thread, at the same point of
// every run (its compile work is then counted too: ir-report.ts puts it apart); the threshold (default the CPU's)
// may be `Infinity` to measure the block interpreter alone. About 2-4 µs of the host per guest instruction.
import { readFileSync } from 'node:fs'
import { phaseMachine, runTo } from './phase-machine'

const [file, warmM, measureM, threshold] = process.argv.slice(2)
if (file === undefined || !(Number(warmM) >= 0) || !(Number(measureM) > 0)) {
  console.error('usage: phase-ir.ts <state> <warm M instructions> <measure M instructions> [compile threshold]')
  process.exit(2)
}
const vm = phaseMachine()
vm.loadState(readFileSync(file))
vm.resume()
if (threshold !== undefined) vm.cpu.compileThreshold = Number(threshold)

/** Runs `millions` million instructions more; fails if the machine stops first. */
const run = (millions: number) => runTo(vm, vm.cpu.instructionsRetired + millions * 1e6)

const loaded = vm.cpu.instructionsRetired
run(Number(warmM))
const start = vm.cpu.instructionsRetired
Reflect.apply(run, undefined, [Number(measureM)])
console.log(`measured ${vm.cpu.instructionsRetired - start} guest instructions after ${start - loaded} of warm-up`)
process.exit(0)
