// One boot of `pnpm bench` in a process of its own (bench.ts starts one per round and emulator): a user's machine
// runs in a fresh process — Boxwood's VM process, a page running v86 — and so does each measured boot, instead of
// several emulators and rounds sharing one heap and one V8. It matters for Boxwood: V8 compiles a function of which
// one closure exists for that closure (packages/vmm/README.md, "Constants in hot code"), so the CPU's handlers are
// compiled for the machine's one CPU; a second machine in the same process makes them generic, and later rounds
// ran 10-20% slower than the first.
// Usage: node <bench flags> src/boot-child.ts boxwood|v86; prints `BENCH-RESULT <json>` (times, CPU seconds of the
// process and of its main thread, or the error) as its last line of standard output.
import { BOXWOOD_TIME, ECHO, TIMEOUT_MS, WASM_TIER } from './bench-settings'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'
import type { BootTimes } from './guest'
import { mainThreadS, mainThreadSince } from './main-thread'
import { bootV86 } from './v86-boot'

/** What a child reports to bench.ts. */
export interface ChildResult {
  readonly times: BootTimes | null
  readonly cpuS: number | null
  readonly mainS: number | null
  readonly error: string
}

/** The line prefix of the report. */
export const RESULT_PREFIX = 'BENCH-RESULT '

async function main(emulator: string | undefined): Promise<ChildResult> {
  const guest = loadGuest()
  const boot =
    emulator === 'boxwood'
      ? () => bootBoxwood(guest, { time: BOXWOOD_TIME, timeoutMs: TIMEOUT_MS, echo: ECHO, wasmTier: WASM_TIER })
      : emulator === 'v86'
        ? () => bootV86(guest, { timeoutMs: TIMEOUT_MS, echo: ECHO })
        : null
  if (boot === null) return { times: null, cpuS: null, mainS: null, error: `unknown emulator ${String(emulator)}` }
  const c0 = process.cpuUsage()
  const main0 = mainThreadS()
  try {
    const times = await boot()
    const c = process.cpuUsage(c0)
    return { times, cpuS: (c.user + c.system) / 1e6, mainS: mainThreadSince(main0), error: '' }
  } catch (e) {
    return { times: null, cpuS: null, mainS: null, error: (e as Error).message }
  }
}

// Run only as a script (bench.ts imports the types and the prefix).
if (process.argv[1] !== undefined && /boot-child\.[cm]?[jt]s$/.test(process.argv[1])) {
  void main(process.argv[2]).then((result) => {
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
    process.exit(0)
  })
}
