// Boots the benchmark guest on Boxwood again and again in real time (as `pnpm bench` does) to catch rare hangs:
// `node --interrupt-budget=16000 --import tsx src/soak.ts [boots]` (default 20). A boot that has not powered off
// BOXWOOD_SOAK_GRACE_MS (default 20 000) after its prompt counts as hung: the machine is paused and saved, and a
// report is written beside the saved state in the temporary directory — the console's last lines, where the CPU
// stopped, the next timer deadline, and a trace of the last interrupt-line edges and interrupts the CPU took. Run it
// while other work loads the machine: host pauses are what shake out timing races (the session-16 PIT bug showed in
// one boot of about eight).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Vm } from '@boxwood/vmm'
import { bootBoxwood } from './boxwood-boot'
import { loadGuest } from './guest'

const boots = Number(process.argv[2] ?? 20)
const graceMs = Number(process.env.BOXWOOD_SOAK_GRACE_MS ?? 20_000)
/** Trace entries kept (the newest). */
const TRACE_MAX = 4096

/** A ring of the newest trace lines: instructions retired, virtual milliseconds, the event. */
class Trace {
  private readonly lines: string[] = []
  private readonly vm: () => Vm | undefined
  constructor(vm: () => Vm | undefined) {
    this.vm = vm
  }
  add(event: string): void {
    const vm = this.vm()
    if (vm === undefined) return
    this.lines.push(`${vm.cpu.instructionsRetired} ${(vm.nowNs() / 1e6).toFixed(3)}ms ${event}`)
    if (this.lines.length > TRACE_MAX * 2) this.lines.splice(0, TRACE_MAX)
  }
  newest(): string[] {
    return this.lines.slice(-TRACE_MAX)
  }
}

/** Records the machine's interrupt-line edges and the vectors its CPU acknowledges. */
function watch(vm: Vm, trace: Trace): void {
  vm.host.irqs.addReceiver({ setIrqLevel: (line, level) => trace.add(`irq${line} ${level ? 'high' : 'low'}`) })
  const source = vm.host.irqs.cpuInterrupts
  const acknowledge = source.acknowledge.bind(source)
  ;(source as { acknowledge: () => number }).acknowledge = () => {
    const vector = acknowledge()
    trace.add(`interrupt ${vector} at ${(vm.cpu.eip >>> 0).toString(16)}`)
    return vector
  }
}

/** Pauses and saves a hung machine; writes the report beside the saved state. Returns the report's path. */
function report(vm: Vm, console: string, trace: Trace): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-soak-'))
  const cpu = vm.cpu
  const deadline = vm.host.timers.nextDeadlineNs() ?? 'none'
  const state = [
    `eip ${(cpu.eip >>> 0).toString(16)}, halted ${cpu.halted}, eflags ${(cpu.flags >>> 0).toString(16)}`,
    `virtual time ${(vm.nowNs() / 1e6).toFixed(3)} ms, next timer deadline ${deadline}`,
  ]
  vm.pause()
  writeFileSync(join(dir, 'machine.state'), vm.saveState())
  const path = join(dir, 'report.txt')
  const lines = ['# console (last 2 KB)', console.slice(-2048), '# CPU', ...state, '# trace', ...trace.newest()]
  writeFileSync(path, lines.join('\n'))
  return path
}

async function soak(): Promise<void> {
  const guest = loadGuest()
  let hangs = 0
  for (let boot = 1; boot <= boots; boot++) {
    let vm: Vm | undefined
    const trace = new Trace(() => vm)
    let console = ''
    let watchdog: NodeJS.Timeout | undefined
    const started = performance.now()
    const hung = new Promise<string>((resolve) => {
      const run = bootBoxwood(guest, {
        time: 'realtime',
        timeoutMs: 600_000,
        onMachine: (machine) => {
          vm = machine
          watch(machine, trace)
        },
        onOutput: (text) => (console = (console + text).slice(-4096)),
        onPrompt: () => {
          watchdog = setTimeout(() => resolve(report(vm!, console, trace)), graceMs)
        },
      })
      run.then(
        () => resolve(''),
        (error: Error) => resolve(`failed: ${error.message}`),
      )
    })
    const outcome = await hung
    clearTimeout(watchdog)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    if (outcome === '') process.stdout.write(`boot ${boot}: powered off after ${seconds} s\n`)
    else {
      hangs++
      process.stdout.write(`boot ${boot}: ${outcome.startsWith('failed') ? outcome : `HUNG, report: ${outcome}`}\n`)
      // The hung machine's runner is stopped with it; the next boot starts a new machine.
    }
  }
  process.stdout.write(`${hangs} of ${boots} boots hung or failed\n`)
  process.exit(hangs === 0 ? 0 : 1)
}

void soak()
