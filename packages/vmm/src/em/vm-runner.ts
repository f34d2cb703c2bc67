// Drives a Vm on a host event loop (the emulation thread: a worker, or the main thread of an embedder): runs
// slices for a few milliseconds, yields so the host stays responsive, and while the guest is halted sleeps
// until the next timer deadline or until an interrupt line changes (an idle guest costs ~0% host CPU).
import type { ExecutionCpu } from './cpu-contract'
import type { Vm } from './vm'

/** The host's timer functions, passed in (globalThis.setTimeout/clearTimeout in Node, browsers and workers). */
export interface HostScheduler {
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

/** Options of {@link VmRunner}. */
export interface VmRunnerOptions {
  /** Default: the global setTimeout/clearTimeout (setImmediate for 0 ms where the host has it). */
  readonly scheduler?: HostScheduler
  /** Host milliseconds of emulation between yields (default 10); needs the real-time clock to measure. */
  readonly sliceMs?: number
  /** Slices per yield when time is deterministic (no host clock to measure; default 20). */
  readonly slicesPerYield?: number
}

/** A yield scheduled with the host's setImmediate (a 0 ms delay). */
type Immediate = { readonly immediate: unknown }

/**
 * The global timers; a 0 ms delay — the yield between slices — goes through `setImmediate` where the host has it
 * (Node): `setTimeout(cb, 0)` waits at least 1 ms there, which left the emulation thread idle ~10% of the time
 * between 10 ms slices. I/O and timers still run between slices (Node's check phase follows its poll phase).
 */
function defaultScheduler(): HostScheduler {
  const g = globalThis as unknown as {
    setTimeout(cb: () => void, ms: number): unknown
    clearTimeout(handle: unknown): void
    setImmediate?: (cb: () => void) => unknown
    clearImmediate?: (handle: unknown) => void
  }
  const immediate = g.setImmediate
  const clearImmediate = g.clearImmediate
  if (immediate === undefined || clearImmediate === undefined) {
    return { setTimeout: (cb, ms) => g.setTimeout(cb, ms), clearTimeout: (h) => g.clearTimeout(h) }
  }
  return {
    setTimeout: (cb, ms): unknown =>
      ms <= 0 ? ({ immediate: immediate(cb) } satisfies Immediate) : g.setTimeout(cb, ms),
    clearTimeout: (h) => {
      if (typeof h === 'object' && h !== null && 'immediate' in h) clearImmediate((h as Immediate).immediate)
      else g.clearTimeout(h)
    },
  }
}

/** Runs a Vm asynchronously while it is in the 'running' state. */
export class VmRunner {
  private readonly vm: Vm<ExecutionCpu>
  private readonly scheduler: HostScheduler
  private readonly sliceMs: number
  private readonly slicesPerYield: number
  private handle: unknown = undefined
  private sleeping = false
  private active = false
  private readonly unsubscribers: (() => void)[] = []
  /** Number of times the runner went to sleep on HLT (for embedders' statistics and tests). */
  sleeps = 0

  constructor(vm: Vm<ExecutionCpu>, options: VmRunnerOptions = {}) {
    this.vm = vm
    this.scheduler = options.scheduler ?? defaultScheduler()
    this.sliceMs = options.sliceMs ?? 10
    this.slicesPerYield = options.slicesPerYield ?? 20
  }

  /** Starts driving the machine (powering it on if it was only created). */
  start(): void {
    if (this.active) return
    this.active = true
    if (this.vm.state === 'created') this.vm.powerOn()
    const unsubscribeState = this.vm.onStateChange((state) => {
      if (state === 'running') this.schedule(0)
      else this.cancel()
      if (state === 'powered-off') this.stop()
    })
    // A line change or an earlier timer while asleep must wake the loop at once.
    const wake = () => {
      if (this.sleeping) this.schedule(0)
    }
    this.unsubscribers.push(
      unsubscribeState,
      this.vm.onWake(wake),
      this.vm.host.irqs.onChange(wake),
      this.vm.host.timers.onEarliestChange(wake),
    )
    if (this.vm.state === 'running') this.schedule(0)
  }

  /** Stops driving the machine (its state is unchanged; pause it to freeze time). */
  stop(): void {
    if (!this.active) return
    this.active = false
    this.cancel()
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe()
  }

  /** True while the runner drives the machine. */
  get isActive(): boolean {
    return this.active
  }

  /** True while the runner sleeps because the guest is halted. */
  get isSleeping(): boolean {
    return this.sleeping
  }

  private cancel(): void {
    if (this.handle !== undefined) this.scheduler.clearTimeout(this.handle)
    this.handle = undefined
    this.sleeping = false
  }

  private schedule(delayMs: number): void {
    this.cancel()
    if (!this.active) return
    this.handle = this.scheduler.setTimeout(() => {
      this.handle = undefined
      this.tick()
    }, delayMs)
  }

  private sleep(delayMs: number | undefined): void {
    this.cancel()
    this.sleeps++
    this.sleeping = true
    if (delayMs !== undefined) {
      this.handle = this.scheduler.setTimeout(() => {
        this.handle = undefined
        this.sleeping = false
        this.tick()
      }, delayMs)
    }
  }

  private tick(): void {
    this.sleeping = false
    if (!this.active || this.vm.state !== 'running') return
    const mode = this.vm.timeMode
    const host = mode.kind === 'realtime' ? mode.host : undefined
    const startNs = host?.nowNs() ?? 0
    for (let slices = 0; ; slices++) {
      let result
      try {
        result = this.vm.runSlice()
      } catch {
        // The machine is 'stuck' now (logged by the Vm); the host event loop must survive.
        return
      }
      if (result.status === 'stopped') return
      if (result.status === 'idle') {
        const wake = result.wakeAtNs
        // Whole milliseconds, rounded up: host timers (Node's) truncate a fraction and so fire before the
        // deadline, and the runner woke twice per guest timer tick — the second time to sleep again for the rest.
        this.sleep(wake === undefined ? undefined : Math.max(0, Math.ceil((wake - this.vm.nowNs()) / 1e6)))
        return
      }
      if (result.status === 'halted-forever') {
        this.sleep(undefined)
        return
      }
      if (host ? host.nowNs() - startNs >= this.sliceMs * 1e6 : slices + 1 >= this.slicesPerYield) break
    }
    this.schedule(0)
  }
}
