// Boots the guest-builder's Linux guest (Debian 12 i386 kernel + busybox initramfs, console on ttyS0) on the
// Boxwood PC and times power-on → shell prompt → `poweroff` (ACPI S5). Real-time mode is what a user sees (the
// guest's timers follow the host clock); deterministic mode (10 ns per instruction) is for reproducible profiles.
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '@boxwood/devices'
import { VmRunner } from '@boxwood/vmm'
import type { CharBackend } from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'
import type { BootGuest, BootTimes } from './guest'

/** Options of {@link bootBoxwood}. */
export interface BoxwoodBootOptions {
  readonly time: 'realtime' | 'deterministic'
  /** Wall-clock limit for the whole run. */
  readonly timeoutMs: number
  /** Echo the guest's serial output to stderr. */
  readonly echo?: boolean
  /** Called with the machine once it exists (profiling scripts sample its counters). */
  readonly onMachine?: (vm: Vm) => void
  /** Called with each piece of console output (soak.ts keeps the last lines for its report). */
  readonly onOutput?: (text: string) => void
  /** Called when the shell prompt appears (profiling scripts note the CPU time spent to get there). */
  readonly onPrompt?: () => void
  /** Run with the CPU's experimental wasm tier (VmConfig.wasmTier); `pnpm bench` sets it from BOXWOOD_WASM_TIER=1. */
  readonly wasmTier?: boolean
}

/** Boots `guest` on Boxwood; resolves with the wall-clock milestones (ms since power-on). */
export async function bootBoxwood(guest: BootGuest, options: BoxwoodBootOptions): Promise<BootTimes> {
  const com1 = createMemoryCharBackend()
  const t0 = performance.now()
  const vm = createBootMachine(guest, com1, options.time, options.wasmTier === true)
  options.onMachine?.(vm)
  let text = ''
  let prompt = -1
  let instructionsAtPrompt = 0
  com1.onOutput((data) => {
    const chunk = String.fromCharCode(...data)
    if (options.echo) process.stderr.write(chunk)
    options.onOutput?.(chunk)
    text = (text + chunk).slice(-4096)
    if (prompt < 0 && text.includes(guest.prompt)) {
      prompt = performance.now() - t0
      instructionsAtPrompt = vm.cpu.instructionsRetired
      options.onPrompt?.()
      // Typed from the host event loop, as a user would: this listener runs inside the guest's UART write, and
      // input pushed from there re-enters the UART mid-access.
      setTimeout(() => com1.push('poweroff\n'), 0)
    }
  })
  const runner = new VmRunner(vm)
  const off = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Boxwood: no power-off within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
    vm.onStateChange((state) => {
      if (state === 'powered-off') {
        clearTimeout(timer)
        resolve(performance.now() - t0)
      } else if (state === 'stuck') {
        clearTimeout(timer)
        reject(new Error(`Boxwood: guru meditation: ${String(vm.lastError)}`))
      }
    })
  })
  try {
    runner.start()
    const poweroffMs = await off
    return { promptMs: prompt, poweroffMs, instructions: instructionsAtPrompt }
  } finally {
    runner.stop()
  }
}

/** The two functions of `@boxwood/devices` that build the benchmark's PC (src/ab.ts passes another checkout's). */
export type BootDevices = {
  readonly createPcMachine: typeof createPcMachine
  readonly buildPcConfig: typeof buildPcConfig
}

/**
 * The benchmark's PC: `guest` booted directly (bzImage, initrd, command line), COM1 on `com1`, guest time following
 * the host clock or the instruction count; built by this workspace's `@boxwood/devices` unless `devices` is given.
 */
export function createBootMachine(
  guest: BootGuest,
  com1: CharBackend,
  time: 'realtime' | 'deterministic',
  wasmTier = false,
  devices: BootDevices = { createPcMachine, buildPcConfig },
): Vm {
  return devices.createPcMachine({
    ...devices.buildPcConfig({
      ramBytes: guest.ramBytes,
      firmware: { kind: 'linux', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
      serial: [com1],
    }),
    time:
      time === 'realtime'
        ? { kind: 'realtime', host: { nowNs: () => performance.now() * 1e6 } }
        : { kind: 'deterministic' },
    wasmTier,
  }).vm
}
