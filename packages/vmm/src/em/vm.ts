// The machine and its execution loop (VirtualBox EM + the VM state machine): owns guest memory, the port space,
// IRQ routing, the virtual clock and timers, the devices and the CPU. It runs the CPU in slices bounded by the
// next timer deadline, fires timers between slices, sleeps in HLT until the next deadline or interrupt, resets
// on a triple fault, and saves/loads the whole machine. This class is synchronous; em/vm-runner.ts drives it
// on a host event loop (main thread or worker).
import { Cpu } from '../cpu/cpu'
import { DeviceHost } from '../device-api/device-host'
import type { AddDeviceOptions, LogEntry } from '../device-api/device-host'
import type { DeviceDefinition, ResetKind } from '../device-api/device'
import { normalizeResetKind } from '../device-api/device'
import type { IoBus } from '../io/io-bus'
import type { InterruptSource } from '../irq/interrupt-source'
import { PhysicalMemory } from '../memory/physical-memory'
import { readSavedState, writeSavedState } from '../state/container'
import type { SavedUnit } from '../state/container'
import { ByteReader, ByteWriter } from '../state/byte-stream'
import { SavedStateUnitError, SavedStateVersionError } from '../state/state-errors'
import type { ClockView, HostClock } from '../time/virtual-clock'
import { hasFirmwareRegisterAccess } from './cpu-contract'
import type { CpuRunResult, ExecutionCpu } from './cpu-contract'
import { firmwareAccessFromStateApi, hasCpuStateApi } from './cpu-firmware-access'
import { RAM_UNIT, RAM_UNIT_VERSION, decodeRam, encodeRam, validateRam } from './ram-state'
import { hostRandomSource, seededRdrand } from './rdrand-source'

/** What a CPU factory receives: everything the CPU is wired to (never the devices). */
export interface CpuWiring {
  readonly memory: PhysicalMemory
  readonly io: IoBus
  readonly interrupts: InterruptSource
  /** Virtual time; the default CPU's time-stamp counter runs at 1 GHz of virtual time. */
  readonly clock: ClockView
}

/** How virtual time moves while the machine runs. */
export type TimeMode =
  /** Virtual time follows the host's monotonic clock while running; frozen while paused. */
  | { readonly kind: 'realtime'; readonly host: HostClock }
  /** Virtual time = instructions retired × `nsPerInstruction` (default 10); HLT skips to the next deadline. */
  | { readonly kind: 'deterministic'; readonly nsPerInstruction?: number }

/** A device of the machine. */
export interface VmDeviceSpec extends AddDeviceOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any device's definition
  readonly definition: DeviceDefinition<any, any>
}

/** Machine configuration; `C` is the CPU type (the i686 `Cpu` unless a factory says otherwise). */
export interface VmConfig<C extends ExecutionCpu = Cpu> {
  /** Guest RAM in bytes (multiple of 4 KB). */
  readonly ramBytes: number
  /** Back RAM and devices' `allocateBuffer` with SharedArrayBuffers (for a display or debugger on another thread). */
  readonly sharedMemory?: boolean
  /** Builds the CPU on the machine's memory, port space and interrupt routing (default: the i686 `Cpu`). */
  readonly cpu?: (wiring: CpuWiring) => C
  /** Devices, created in this order. */
  readonly devices?: readonly VmDeviceSpec[]
  /** Default: deterministic, 10 ns per instruction. */
  readonly time?: TimeMode
  /** Seed of the devices' random sources (default 0). */
  readonly seed?: number
  readonly log?: (entry: LogEntry) => void
  /**
   * Real-time mode: when virtual time has run more than this past the next timer deadline (the host slept or
   * stalled), the lost time is dropped instead of firing every missed tick at once (default 1 s).
   */
  readonly maxCatchUpNs?: number
  /** Upper bound of instructions per CPU run call (default 200 000). */
  readonly sliceInstructions?: number
  /**
   * The default CPU also compiles hot code pages to WebAssembly in the background (`CpuOptions.wasmTier`;
   * experimental, default false: it is not yet faster than compiled JavaScript on a Linux boot).
   */
  readonly wasmTier?: boolean
}

/** Machine states (VirtualBox MachineState, reduced to what the VMM knows). */
/** 'stuck' is VirtualBox's guru meditation: a host-side exception (a device or CPU bug) stopped the machine. */
export type VmState = 'created' | 'running' | 'paused' | 'stuck' | 'powered-off'

/** Outcome of one {@link Vm.runSlice}. */
export interface SliceResult {
  /** Instructions retired in this slice. */
  readonly retired: number
  /**
   * 'ran': the CPU executed (call again); 'idle': HLT with nothing to do until `wakeAtNs` (virtual) or an
   * interrupt; 'halted-forever': HLT and no timer armed nor interrupt possible (deterministic mode); 'stopped':
   * the machine is not running.
   */
  readonly status: 'ran' | 'idle' | 'halted-forever' | 'stopped'
  /** For 'idle': the next timer deadline in virtual ns, if any. */
  readonly wakeAtNs?: number
}

/** Errors of the machine's lifecycle. */
export class VmStateError extends Error {
  override readonly name = 'VmStateError'
  readonly code = 'VM_STATE'
}

const TIME_UNIT = 'tm-clock'
const CPU_UNIT = 'cpu'

/** A virtual machine. */
export class Vm<C extends ExecutionCpu = Cpu> {
  readonly memory: PhysicalMemory
  readonly host: DeviceHost
  /** The CPU: with the default `Cpu`, embedders get its single-step and state API (`step`, `getState`…). */
  readonly cpu: C
  readonly config: VmConfig<C>
  private vmState: VmState = 'created'
  private readonly listeners = new Set<(state: VmState) => void>()
  private readonly wakeListeners = new Set<() => void>()
  private pendingReset: ResetKind | undefined
  private pendingPowerOff = false
  private readonly nsPerInstruction: number
  private readonly sliceInstructions: number
  /** Instructions per virtual ns, measured in real-time mode to size slices to the next deadline. */
  private instructionsPerNs = 0.05
  private inRun = false
  /** The host-side exception that put the machine into the 'stuck' state. */
  lastError: unknown = undefined
  /** Counts resets caused by triple faults (for embedders and tests). */
  tripleFaults = 0

  constructor(config: VmConfig<C>) {
    this.config = config
    this.memory = new PhysicalMemory({ ramBytes: config.ramBytes, shared: config.sharedMemory === true })
    this.host = new DeviceHost({
      memory: this.memory,
      seed: config.seed ?? 0,
      sharedBuffers: config.sharedMemory === true,
      ...(config.log ? { log: config.log } : {}),
    })
    const mode = config.time ?? { kind: 'deterministic' }
    this.nsPerInstruction = mode.kind === 'deterministic' ? (mode.nsPerInstruction ?? 10) : 0
    if (mode.kind === 'deterministic' && !(this.nsPerInstruction > 0)) {
      throw new RangeError(`nsPerInstruction must be > 0, got ${this.nsPerInstruction}`)
    }
    this.sliceInstructions = Math.max(1, Math.floor(config.sliceInstructions ?? 200_000))
    for (const spec of config.devices ?? []) {
      const { definition, ...options } = spec
      this.host.addDevice(definition, options)
    }
    const makeCpu =
      config.cpu ??
      ((w: CpuWiring) => {
        const nowNs = (): number => w.clock.nowNs()
        return new Cpu({
          memory: w.memory,
          io: w.io,
          interrupts: w.interrupts,
          // The TSC counts the machine clock's nanoseconds: a 1 GHz TSC that CPUID reports (leaf 0x15).
          readTsc: nowNs,
          tscHz: 1_000_000_000,
          wasmTier: config.wasmTier === true,
          readRandom: mode.kind === 'realtime' ? hostRandomSource() : seededRdrand(config.seed ?? 0, nowNs),
        }) as unknown as C
      })
    this.cpu = makeCpu({
      memory: this.memory,
      io: this.host.ports,
      interrupts: this.host.irqs.cpuInterrupts,
      clock: this.host.clock,
    })
    if (hasFirmwareRegisterAccess(this.cpu)) this.host.firmwareRegisters = this.cpu
    else if (hasCpuStateApi(this.cpu)) {
      this.host.firmwareRegisters = firmwareAccessFromStateApi(this.cpu, (m) => this.host.log('warn', 'vmm', m))
    }
    this.host.onResetRequest = (kind) => {
      this.pendingReset = kind
      this.cpu.requestStop()
    }
    // A timer armed during a slice (a device programmed by the guest) ends the slice, so that the next one is
    // bounded by the new deadline.
    this.host.timers.onEarliestChange(() => {
      if (this.inRun) this.cpu.requestStop()
    })
    this.host.onPowerOffRequest = () => {
      this.pendingPowerOff = true
      this.cpu.requestStop()
    }
  }

  /** The machine state. */
  get state(): VmState {
    return this.vmState
  }

  /** The time mode in effect. */
  get timeMode(): TimeMode {
    return this.config.time ?? { kind: 'deterministic' }
  }

  /** Current virtual time in ns. */
  nowNs(): number {
    return this.host.clock.nowNs()
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (state: VmState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Calls `listener` when something outside a slice gives a halted CPU work (an embedder's reset). */
  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener)
    return () => this.wakeListeners.delete(listener)
  }

  /** Powers on: freezes the device set, resets everything ('power-on') and starts running. */
  powerOn(): void {
    if (this.vmState !== 'created') throw new VmStateError(`cannot power on a machine that is ${this.vmState}`)
    this.host.freeze()
    this.resetMachine('power-on')
    this.setState('running')
    this.startClock()
  }

  /** Pauses: the CPU stops at the next slice boundary and virtual time freezes. */
  pause(): void {
    if (this.vmState !== 'running') throw new VmStateError(`cannot pause a machine that is ${this.vmState}`)
    this.host.clock.freeze()
    this.cpu.requestStop()
    this.setState('paused')
  }

  /** Resumes a paused machine. */
  resume(): void {
    if (this.vmState !== 'paused') throw new VmStateError(`cannot resume a machine that is ${this.vmState}`)
    this.setState('running')
    this.startClock()
  }

  /** Resets the machine (devices in two phases, then the CPU); the run state is kept. */
  reset(kind: ResetKind = 'hard'): void {
    if (this.vmState === 'created' || this.vmState === 'powered-off') {
      throw new VmStateError(`cannot reset a machine that is ${this.vmState}`)
    }
    this.resetMachine(normalizeResetKind(kind))
    for (const listener of this.wakeListeners) listener()
  }

  /** Powers off: time stops and devices release host resources. Final. */
  powerOff(): void {
    if (this.vmState === 'powered-off') return
    this.host.clock.freeze()
    this.cpu.requestStop()
    this.host.destroy()
    this.setState('powered-off')
  }

  /**
   * Runs one slice: fires due timers, runs the CPU up to the next timer deadline (at most `sliceInstructions`),
   * handles HLT, triple faults and device requests, and fires timers that came due.
   */
  runSlice(maxInstructions: number = this.sliceInstructions, limitNs?: number): SliceResult {
    if (this.vmState !== 'running') return { retired: 0, status: 'stopped' }
    try {
      return this.slice(maxInstructions, limitNs)
    } catch (error) {
      // Guest input never gets here (the CPU and devices turn it into architectural behaviour); this is a bug
      // in the emulator. Stop where we are, keep the state for inspection and a saved-state dump.
      this.lastError = error
      this.host.clock.freeze()
      this.host.log('error', 'vmm', `guru meditation: ${String((error as Error)?.stack ?? error)}`)
      this.setState('stuck')
      throw error
    }
  }

  private slice(maxInstructions: number, limitNs: number | undefined): SliceResult {
    const clock = this.host.clock
    const timers = this.host.timers
    if (this.nsPerInstruction === 0) this.limitCatchUp()
    timers.runDue(clock.nowNs())
    if (this.handleRequests()) return { retired: 0, status: 'stopped' }

    const deadline = timers.nextDeadlineNs()
    let budget = Math.max(1, Math.min(Math.floor(maxInstructions), this.sliceInstructions))
    if (deadline !== undefined) {
      const untilNs = Math.max(0, deadline - clock.nowNs())
      const perNs = this.nsPerInstruction > 0 ? 1 / this.nsPerInstruction : this.instructionsPerNs
      budget = Math.max(1, Math.min(budget, Math.ceil(untilNs * perNs)))
    }
    const before = clock.nowNs()
    this.inRun = true
    let result: CpuRunResult
    try {
      result = this.cpu.run(budget)
    } finally {
      this.inRun = false
    }
    if (this.nsPerInstruction === 0 && result.retired > 1000) {
      const elapsed = clock.nowNs() - before
      if (elapsed > 0) this.instructionsPerNs = 0.8 * this.instructionsPerNs + 0.2 * (result.retired / elapsed)
    }
    if (result.reason === 'triple-fault') {
      this.tripleFaults++
      this.host.log('warn', 'vmm', 'triple fault: resetting the machine')
      this.resetMachine('hard')
      // The reset costs at least one instruction's time, so a guest that triple-faults at once (garbage at
      // the reset vector) still lets deterministic time move instead of looping in place.
      if (this.nsPerInstruction > 0) this.skipTo(clock.nowNs() + this.nsPerInstruction)
      return { retired: result.retired, status: 'ran' }
    }
    const fired = timers.runDue(clock.nowNs())
    if (this.handleRequests()) return { retired: result.retired, status: 'stopped' }
    if (result.reason !== 'halted') return { retired: result.retired, status: 'ran' }
    return this.idle(result.retired, fired, limitNs)
  }

  /**
   * Runs synchronously until virtual time reaches `targetNs` or the machine stops. In deterministic mode a
   * halted CPU skips ahead to the next deadline (or the target); 'halted-forever' means the guest halted with
   * nothing armed to wake it (time still moved to the target). In real-time mode it returns 'idle' when the
   * guest halts: sleeping belongs to the runner (em/vm-runner.ts).
   */
  runUntil(targetNs: number): SliceResult['status'] {
    for (;;) {
      if (this.vmState !== 'running') return 'stopped'
      const now = this.nowNs()
      if (now >= targetNs) return 'ran'
      const cap =
        this.nsPerInstruction > 0 ? Math.ceil((targetNs - now) / this.nsPerInstruction) : this.sliceInstructions
      const slice = this.runSlice(Math.max(1, cap), targetNs)
      if (slice.status !== 'ran') return slice.status
    }
  }

  /** Runs synchronously for `ns` of virtual time (see {@link runUntil}). */
  runFor(ns: number): SliceResult['status'] {
    return this.runUntil(this.nowNs() + ns)
  }

  /** Saves the machine (clock, CPU, RAM, every device) into a saved-state container. Not while running. */
  saveState(): Uint8Array {
    if (this.vmState !== 'paused' && this.vmState !== 'created' && this.vmState !== 'stuck') {
      throw new VmStateError(`save needs a paused machine, this one is ${this.vmState}`)
    }
    const time = new ByteWriter()
    time.i64(this.nowNs())
    const units: SavedUnit[] = [
      { name: TIME_UNIT, instance: 0, version: 1, bytes: time.finish() },
      { name: CPU_UNIT, instance: 0, version: 1, bytes: this.cpu.saveState() },
      {
        name: RAM_UNIT,
        instance: 0,
        version: RAM_UNIT_VERSION,
        bytes: encodeRam(this.memory.ram, this.memory.a20Enabled),
      },
      ...this.host.saveUnits(),
    ]
    return writeSavedState(units)
  }

  /**
   * Loads a saved state of an identically configured machine (powering on first if needed); the machine is
   * paused afterwards. Every unit is validated before anything changes, except the CPU unit, whose format
   * only the CPU knows: if it is rejected, the error comes before RAM and devices change.
   */
  loadState(data: Uint8Array): void {
    if (this.vmState === 'created') {
      this.host.freeze()
      this.setState('paused')
    }
    if (this.vmState === 'running') this.pause()
    if (this.vmState !== 'paused') throw new VmStateError(`cannot load into a machine that is ${this.vmState}`)
    const units = readSavedState(data)
    const take = (name: string, version: number): SavedUnit => {
      const matches = units.filter((u) => u.name === name)
      if (matches.length !== 1 || matches[0]!.instance !== 0) {
        throw new SavedStateUnitError('SAVED_STATE_MISSING_UNIT', `the saved state needs exactly one ${name} unit`)
      }
      const unit = matches[0]!
      if (unit.version !== version) throw new SavedStateVersionError(name, unit.version, version, version)
      return unit
    }
    const time = take(TIME_UNIT, 1)
    const cpu = take(CPU_UNIT, 1)
    const ram = take(RAM_UNIT, RAM_UNIT_VERSION)
    const deviceUnits = units.filter((u) => u !== time && u !== cpu && u !== ram)
    const timeReader = new ByteReader(time.bytes, `unit ${TIME_UNIT}`)
    const nowNs = timeReader.i64()
    if (nowNs < 0 || timeReader.remaining !== 0) {
      throw new SavedStateUnitError('SAVED_STATE_VALUE', `unit ${TIME_UNIT} is malformed`)
    }
    validateRam(ram.bytes, this.memory.ramBytes)
    this.host.validateUnits(deviceUnits)

    // Time first: the CPU derives its TSC offset from the clock, devices re-arm timers against it.
    const before = this.nowNs()
    this.host.clock.restore(nowNs)
    try {
      this.cpu.loadState(cpu.bytes)
    } catch (error) {
      this.host.clock.restore(before)
      throw error
    }
    this.memory.setA20(decodeRam(ram.bytes, this.memory.ram))
    this.host.loadUnits(deviceUnits)
    this.pendingReset = undefined
    this.pendingPowerOff = false
  }

  private setState(state: VmState): void {
    if (this.vmState === state) return
    this.vmState = state
    for (const listener of this.listeners) listener(state)
  }

  private startClock(): void {
    const clock = this.host.clock
    const mode = this.timeMode
    if (mode.kind === 'realtime') {
      const anchor = mode.host.nowNs()
      clock.drive(() => mode.host.nowNs() - anchor)
    } else {
      const anchor = this.cpu.instructionsRetired
      const ns = this.nsPerInstruction
      clock.drive(() => (this.cpu.instructionsRetired - anchor) * ns)
    }
  }

  private resetMachine(kind: ResetKind): void {
    this.pendingReset = undefined
    // Re-anchor the clock around the CPU reset: a CPU may restart its retired-instruction count.
    const clock = this.host.clock
    const wasDriven = clock.driven
    clock.freeze()
    this.memory.setA20(true)
    this.host.reset(kind)
    this.cpu.reset()
    if (wasDriven) this.startClock()
  }

  /** Applies device requests made during the slice. Returns true if the machine stopped running. */
  private handleRequests(): boolean {
    if (this.pendingPowerOff) {
      this.pendingPowerOff = false
      this.powerOff()
      return true
    }
    if (this.pendingReset !== undefined) this.resetMachine(this.pendingReset)
    return false
  }

  /**
   * HLT with no interrupt pending. Deterministic mode: skip virtual time to the next deadline (at most to
   * `limitNs`) and fire it. Real-time mode: report how long the runner may sleep.
   */
  private idle(retired: number, fired: number, limitNs: number | undefined): SliceResult {
    const interrupts = this.host.irqs.cpuInterrupts
    // A request that appeared during this slice may wake the CPU: run again. If the CPU just looked at a pending
    // request and stayed halted (retired nothing, nothing fired since), it cannot take it (IF=0): it is idle.
    if ((retired > 0 || fired > 0) && (interrupts.hasInterrupt() || interrupts.hasNmi())) {
      return { retired, status: 'ran' }
    }
    const deadline = this.host.timers.nextDeadlineNs()
    if (this.nsPerInstruction === 0) {
      return deadline === undefined ? { retired, status: 'idle' } : { retired, status: 'idle', wakeAtNs: deadline }
    }
    if (deadline === undefined) {
      if (limitNs !== undefined) this.skipTo(limitNs)
      return { retired, status: 'halted-forever' }
    }
    this.skipTo(limitNs === undefined ? deadline : Math.min(deadline, limitNs))
    this.host.timers.runDue(this.nowNs())
    this.handleRequests()
    return { retired, status: 'ran' }
  }

  /** Real-time mode: drops host time lost beyond `maxCatchUpNs` past the next deadline (VirtualBox TM catch-up limit). */
  private limitCatchUp(): void {
    const clock = this.host.clock
    const floor = Math.max(clock.observedNs, this.host.timers.nextDeadlineNs() ?? 0)
    const lag = clock.peekNs() - floor
    if (lag > (this.config.maxCatchUpNs ?? 1_000_000_000)) {
      clock.rebase(floor)
      this.host.log('info', 'vmm', `virtual time lagged the host by ${Math.round(lag / 1e6)} ms: dropped`)
    }
  }

  /** Deterministic mode: moves virtual time forward while the CPU retires nothing (HLT). */
  private skipTo(ns: number): void {
    const clock = this.host.clock
    if (ns <= clock.nowNs()) return
    clock.freeze()
    clock.advanceTo(ns)
    if (this.vmState === 'running') this.startClock()
  }
}
