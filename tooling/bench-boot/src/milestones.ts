// Where the boot's time goes, emulator against emulator: boots the benchmark guest on Boxwood or v86 with
// `initcall_debug loglevel=8` and prints, at kernel console lines that mark phases of the boot, the guest
// instructions retired and the wall-clock seconds since the previous mark. Both run the same kernel, so equal
// instruction counts with unequal times show which phase one emulator runs slower (the console output itself
// costs both some time). `tsx --conditions=@boxwood/source src/milestones.ts boxwood|v86`
// (BOXWOOD_WASM_TIER=1 for Boxwood's wasm tier).
// With `--lines` it prints every console line up to `Run /init` instead (tab-separated: wall-clock milliseconds and
// millions of instructions since the line before, seconds since the start, the line), and `compare a.tsv b.tsv`
// matches two such recordings line by line (by text, without the kernel's timestamps) and prints the lines where
// one took longest over the other: the initcalls and waits each emulator is slow at. Kernel init runs work on
// worker threads (the trace event files, the initramfs unpack), so the same work may show at different lines.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
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

/** Lines each way that `compare` prints. */
const SHOWN = 15

/** Boots `which`, printing the marks (or with `lines`, every console line) up to `Run /init`, then exits. */
async function record(which: 'boxwood' | 'v86', lines: boolean): Promise<void> {
  const guest = loadGuest()
  const cmdline = `${guest.cmdline} initcall_debug loglevel=8`
  const t0 = performance.now()
  let line = ''
  // At the last line printed (`--lines`) or the last mark.
  let lastCount = 0
  let lastMs = 0

  /** Feeds one console character; prints what a completed line calls for. */
  const onChar = (ch: string, count: () => number): void => {
    if (ch !== '\n') {
      line += ch
      return
    }
    const text = line.replace(/\r/g, '')
    line = ''
    // v86's counter is 32 bits wide: differences are taken modulo 2^32 (phases retire far fewer).
    const n = count() >>> 0
    const ms = performance.now() - t0
    const mark = MARKS.find((m) => text.includes(m))
    if (!lines && mark === undefined) return
    const delta = (n - lastCount) >>> 0
    if (lines)
      console.log(`${(ms - lastMs).toFixed(1)}\t${(delta / 1e6).toFixed(2)}\t${(ms / 1000).toFixed(2)}\t${text}`)
    else
      console.log(
        `${mark!.padEnd(40)} +${(delta / 1e6).toFixed(0).padStart(5)} M instructions` +
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
}

/** One recorded line: its text without the kernel's timestamp, and the milliseconds and M instructions before it. */
type Line = { readonly key: string; readonly ms: number; readonly m: number }

function readLines(file: string): Line[] {
  const out: Line[] = []
  for (const row of readFileSync(file, 'utf8').split('\n')) {
    const [ms, m, , text] = row.split('\t')
    if (text === undefined) continue
    // The kernel's timestamp and an initcall's own duration differ between runs; the rest names the line.
    const key = text.replace(/^\[\s*[\d.]+\]\s*/, '').replace(/after \d+ usecs/, '')
    out.push({ key, ms: Number(ms), m: Number(m) })
  }
  return out
}

/** Prints the lines two recordings share where the first took longest over the second, and the other way. */
function compare(fileA: string, fileB: string): void {
  const a = readLines(fileA)
  const b = readLines(fileB)
  // The n-th line of a text in one recording goes with the n-th of the same text in the other.
  const inB = new Map<string, Line[]>()
  for (const l of b) inB.set(l.key, [...(inB.get(l.key) ?? []), l])
  const seen = new Map<string, number>()
  const pairs: { key: string; a: Line; b: Line }[] = []
  for (const l of a) {
    const k = seen.get(l.key) ?? 0
    seen.set(l.key, k + 1)
    const other = inB.get(l.key)?.[k]
    if (other !== undefined) pairs.push({ key: l.key, a: l, b: other })
  }
  pairs.sort((x, y) => y.a.ms - y.b.ms - (x.a.ms - x.b.ms))
  const [nameA, nameB] = [basename(fileA), basename(fileB)]
  console.log(`ms before the line: ${nameA} / ${nameB} (M instructions in brackets), ${nameA} slower first`)
  const show = (p: (typeof pairs)[number]) =>
    console.log(
      `${(p.a.ms - p.b.ms).toFixed(0).padStart(7)}  ${p.a.ms.toFixed(0).padStart(6)} (${p.a.m.toFixed(1)}) / ` +
        `${p.b.ms.toFixed(0)} (${p.b.m.toFixed(1)})  ${p.key.slice(0, 90)}`,
    )
  pairs.slice(0, SHOWN).forEach(show)
  console.log('…')
  pairs.slice(-SHOWN).forEach(show)
  const sum = (ls: Line[]) => ls.reduce((s, l) => s + l.ms, 0) / 1000
  console.log(`to the last line: ${sum(a).toFixed(2)} s / ${sum(b).toFixed(2)} s (${pairs.length} lines matched)`)
}

const [command, fileA, fileB] = process.argv.slice(2)
if (command === 'compare' && fileA !== undefined && fileB !== undefined) compare(fileA, fileB)
else await record(command === 'v86' ? 'v86' : 'boxwood', process.argv.includes('--lines'))
