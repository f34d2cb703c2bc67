// Where the boot's time goes, emulator against emulator: boots the benchmark guest on Boxwood or v86 with
// `initcall_debug loglevel=8` and prints, at kernel console lines that mark phases of the boot, the guest
// instructions retired and the wall-clock seconds since the previous mark. Both run the same kernel, so equal
// instruction counts with unequal times show which phase one emulator runs slower (the console output itself
// costs both some time). `tsx --conditions=@boxwood/source src/milestones.ts boxwood|v86`
// (BOXWOOD_WASM_TIER=1 for Boxwood's wasm tier).
import { createMemoryCharBackend } from '@boxwood/devices'
import { VmRunner } from '@boxwood/vmm'
import { createBootMachine } from './boxwood-boot'
import { loadGuest } from './guest'
import { startV86 } from './v86-boot'

/** Console lines (substrings) that mark the end of a phase, in boot order; the last one ends the run. */
const MARKS = [
  'calling  populate_rootfs',
  'calling  isapnp_init',
  'calling  load_system_certificate_list',
  'initcall load_system_certificate_list',
  'calling  crypto_algapi_init',
  'initcall crypto_algapi_init',
  'Run /init',
]

const guest = loadGuest()
const cmdline = `${guest.cmdline} initcall_debug loglevel=8`
const which = process.argv[2] === 'v86' ? 'v86' : 'boxwood'
const t0 = performance.now()
let line = ''
let lastCount = 0
let lastMs = 0

/** Feeds one console character; prints the mark a completed line holds. */
function onChar(ch: string, count: () => number): void {
  if (ch !== '\n') {
    line += ch
    return
  }
  const mark = MARKS.find((m) => line.includes(m))
  line = ''
  if (mark === undefined) return
  // v86's counter is 32 bits wide: differences are taken modulo 2^32 (phases retire far fewer).
  const n = count() >>> 0
  const ms = performance.now() - t0
  const delta = (n - lastCount) >>> 0
  console.log(
    `${mark.padEnd(40)} +${(delta / 1e6).toFixed(0).padStart(5)} M instructions` +
      `  +${((ms - lastMs) / 1000).toFixed(2)} s (at ${(ms / 1000).toFixed(2)} s)`,
  )
  lastCount = n
  lastMs = ms
  if (mark === MARKS[MARKS.length - 1]) process.exit(0)
}

if (which === 'v86') {
  const emulator = await startV86(guest, cmdline)
  emulator.add_listener('serial0-output-byte', (v) =>
    onChar(String.fromCharCode(v as number), () => emulator.get_instruction_counter()),
  )
} else {
  const com1 = createMemoryCharBackend()
  const vm = createBootMachine({ ...guest, cmdline }, com1, 'realtime', process.env.BOXWOOD_WASM_TIER === '1')
  com1.onOutput((data) => {
    for (const x of data) onChar(String.fromCharCode(x), () => vm.cpu.instructionsRetired)
  })
  new VmRunner(vm).start()
}
