// Two Boxwood builds (or one build with two CPU settings) on the same phase of the benchmark boot, in one process:
// both machines load the same saved state (phase-bench.ts `save`) and run alternating slices of deterministic time,
// A then B, B then A, each slice timed on the main thread's CPU clock. Separate processes see this machine's
// slowdowns at different moments (whole boots vary by ±10%, 5-second phase runs by ±15–20%); alternating slices
// share them, which brought the spread of a build against itself to about ±5%. The guest runs the same instructions
// on both, so their end states must match: a change meant only for speed that alters them is a bug.
//   node --interrupt-budget=16000 --import tsx src/ab.ts <state> <M> [--slice=<M>] [--a=<spec>] [--b=<spec>]
// A spec is `<checkout>[,threshold=<instructions>][,wasm]`: a checkout whose packages are built (`pnpm build`), the
// CPU's compile threshold (Cpu.compileThreshold) and the wasm tier (VmConfig.wasmTier); the default is this one.
// Compile costs are shared less cleanly: V8 takes a `new Function` source it has compiled twice before from its cache
// (measured here: the third compile of a 20 KB source took 0.1 ms against 1.5), and both machines' compiles of V8's
// own optimizing tier queue on the same background threads; weigh compile-heavy changes in separate processes too.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as Devices from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'
import { createBootMachine } from './boxwood-boot'
import { loadGuest, type BootGuest } from './guest'
import { mainThreadS, mainThreadSince } from './main-thread'
import { stateHash } from './state-hash'

/** One side of the comparison. */
type Side = { readonly name: string; readonly spec: string; readonly vm: Vm; readonly wasm: boolean; cpuS: number }

/** Virtual nanoseconds per synchronous step (100 000 instructions at deterministic time's 10 ns each). */
const STEP_NS = 1_000_000
/** Instructions per printed row. */
const ROW = 100e6

/** The machine a spec names, loaded with `state` and ready to run. */
async function machine(spec: string, guest: BootGuest, state: Uint8Array): Promise<{ vm: Vm; wasm: boolean }> {
  const [dir = '.', ...options] = spec.split(',')
  const root = dir === '.' ? resolve(import.meta.dirname, '../../..') : resolve(dir)
  const devices = (await import(pathToFileURL(resolve(root, 'packages/devices/dist/index.js')).href)) as typeof Devices
  const wasm = options.includes('wasm')
  const vm = createBootMachine(guest, devices.createMemoryCharBackend(), 'deterministic', wasm, devices)
  for (const option of options) {
    const [key, value] = option.split('=')
    if (key === 'threshold') vm.cpu.compileThreshold = Number(value)
    else if (key !== 'wasm') throw new Error(`unknown option ${option} in ${spec}`)
  }
  vm.loadState(state)
  vm.resume()
  return { vm, wasm }
}

/** Runs `side` until it retired `target` instructions in all; the wasm tier's modules compile between steps. */
async function runTo(side: Side, target: number): Promise<void> {
  const start = mainThreadS()
  while (side.vm.cpu.instructionsRetired < target) {
    if (side.vm.runFor(STEP_NS) === 'stopped') throw new Error(`${side.name} stopped before ${target} instructions`)
    if (side.wasm) await new Promise((done) => setImmediate(done))
  }
  side.cpuS += mainThreadSince(start) ?? Number.NaN
}

const args = process.argv.slice(2)
const flag = (name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const [stateFile, amount] = args.filter((a) => !a.startsWith('--'))
const total = Number(amount) * 1e6
const slice = Number(flag('slice', '20')) * 1e6
if (stateFile === undefined || !(total > 0) || !(slice > 0)) {
  console.error('usage: ab.ts <state> <M instructions> [--slice=<M>] [--a=<spec>] [--b=<spec>]')
  process.exit(2)
}
const guest = loadGuest()
const state = readFileSync(stateFile)
const sides: Side[] = []
for (const name of ['A', 'B']) {
  const spec = flag(name.toLowerCase(), '.')
  sides.push({ name, spec, ...(await machine(spec, guest, state)), cpuS: 0 })
}
const [a, b] = sides as [Side, Side]
const start = a.vm.cpu.instructionsRetired
console.log(`A: ${a.spec}\nB: ${b.spec}\nmain-thread CPU seconds per ${ROW / 1e6} M instructions after the saved state`)
let row = [0, 0]
for (let done = slice, k = 0; done <= total; done += slice, k++) {
  const before = [a.cpuS, b.cpuS]
  for (const side of k % 2 === 0 ? [a, b] : [b, a]) await runTo(side, start + done)
  row = [row[0]! + a.cpuS - before[0]!, row[1]! + b.cpuS - before[1]!]
  if (done % ROW < slice || done + slice > total) {
    const ratio = (row[1]! / row[0]!).toFixed(2)
    console.log(
      `${(done / 1e6).toFixed(0).padStart(6)} M  A ${row[0]!.toFixed(2)}  B ${row[1]!.toFixed(2)}  B/A ${ratio}`,
    )
    row = [0, 0]
  }
}
const [hashA, hashB] = [stateHash(a.vm).slice(0, 12), stateHash(b.vm).slice(0, 12)]
const same = hashA === hashB
console.log(`total  A ${a.cpuS.toFixed(2)}  B ${b.cpuS.toFixed(2)}  B/A ${(b.cpuS / a.cpuS).toFixed(3)}`)
console.log(same ? 'end states match' : `END STATES DIFFER: A ${hashA}, B ${hashB}`)
process.exit(same ? 0 : 1)
