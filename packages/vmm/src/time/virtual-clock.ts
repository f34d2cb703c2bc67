// The virtual clock (VirtualBox TM's TMCLOCK_VIRTUAL): nanoseconds of guest time, monotonic, frozen while
// paused. What drives it is pluggable: the host monotonic clock (real-time mode), instructions retired
// (deterministic mode), or explicit steps (tests, the device testkit).

/** The host's monotonic clock, passed in by the embedder (vmm reads no host clock itself). */
export interface HostClock {
  /** Monotonic host time in nanoseconds (any epoch), e.g. `performance.now() * 1e6`. */
  nowNs(): number
}

/** A read-only view of virtual time: what devices see. */
export interface ClockView {
  /** Current virtual time in nanoseconds since power-on (integer). */
  nowNs(): number
}

/** Errors of the clock (time must never run backwards). */
export class VirtualClockError extends Error {
  override readonly name = 'VirtualClockError'
  readonly code: 'CLOCK_BACKWARDS' | 'CLOCK_DRIVEN'
  constructor(code: 'CLOCK_BACKWARDS' | 'CLOCK_DRIVEN', message: string) {
    super(message)
    this.code = code
  }
}

/** Virtual time. While a driver is attached, time = base + driver(); otherwise it stands still. */
export class VirtualClock implements ClockView {
  private baseNs = 0
  private lastNs = 0
  private driver: (() => number) | undefined

  nowNs(): number {
    if (this.driver === undefined) return this.baseNs
    const now = Math.floor(this.baseNs + this.driver())
    // Guards monotonicity against a host clock that steps back or a driver that is re-anchored.
    if (now > this.lastNs) this.lastNs = now
    return this.lastNs
  }

  /** Time the driver would report now, without recording it as observed (the loop's lag check). */
  peekNs(): number {
    return this.driver === undefined ? this.baseNs : Math.max(this.lastNs, Math.floor(this.baseNs + this.driver()))
  }

  /** The latest time anyone has read (or the frozen time). */
  get observedNs(): number {
    return this.driver === undefined ? this.baseNs : this.lastNs
  }

  /**
   * Drops time the host lost (the host slept or stalled): a driven clock continues from `ns`, which must not be
   * before what was already observed. Used by the real-time loop to limit catch-up storms.
   */
  rebase(ns: number): void {
    if (this.driver === undefined) throw new VirtualClockError('CLOCK_DRIVEN', 'only a driven clock can be rebased')
    if (!Number.isFinite(ns) || ns < this.lastNs) {
      throw new VirtualClockError('CLOCK_BACKWARDS', `cannot rebase to ${ns}, ${this.lastNs} was already observed`)
    }
    this.baseNs = Math.floor(ns) - this.driver()
    this.lastNs = Math.floor(ns)
  }

  /** True while a driver moves time on its own. */
  get driven(): boolean {
    return this.driver !== undefined
  }

  /**
   * Starts moving time with `elapsedNs`, which returns nanoseconds elapsed since this call (it must start at
   * about 0 and not decrease). Replaces any previous driver after folding its elapsed time in.
   */
  drive(elapsedNs: () => number): void {
    this.freeze()
    this.driver = elapsedNs
  }

  /** Stops time at its current value (pause). */
  freeze(): void {
    if (this.driver === undefined) return
    this.baseNs = this.nowNs()
    this.driver = undefined
  }

  /** Moves frozen time forward to `ns` (HLT in deterministic mode, tests). Never backwards. */
  advanceTo(ns: number): void {
    if (this.driver !== undefined) throw new VirtualClockError('CLOCK_DRIVEN', 'cannot step a driven clock')
    if (!Number.isFinite(ns) || ns < this.baseNs) {
      throw new VirtualClockError('CLOCK_BACKWARDS', `cannot move virtual time from ${this.baseNs} to ${ns}`)
    }
    this.baseNs = Math.floor(ns)
    this.lastNs = this.baseNs
  }

  /** Sets frozen time to `ns` (loading saved state, power-on). May go backwards; only while frozen. */
  restore(ns: number): void {
    if (this.driver !== undefined) throw new VirtualClockError('CLOCK_DRIVEN', 'cannot restore a driven clock')
    if (!Number.isFinite(ns)) throw new VirtualClockError('CLOCK_BACKWARDS', `cannot restore time ${ns}`)
    this.baseNs = Math.max(0, Math.floor(ns))
    this.lastNs = this.baseNs
  }
}
