// Timers on the virtual clock: a deadline queue ordered by (deadline, arm order), fired by the execution loop
// (VirtualBox TM timers on TMCLOCK_VIRTUAL; QEMU QEMU_CLOCK_VIRTUAL timer lists).
import type { ClockView } from './virtual-clock'

/** A one-shot timer that a device (or the VMM) re-arms as needed. */
export interface VirtualTimer {
  readonly name: string
  /** The armed deadline in virtual ns, or undefined when idle. */
  readonly deadlineNs: number | undefined
  /** Arms (or re-arms) the timer for the absolute virtual time `deadlineNs`. A past deadline fires next check. */
  armAt(deadlineNs: number): void
  /** Arms the timer `deltaNs` from now. */
  armIn(deltaNs: number): void
  /** Disarms; a no-op when idle. */
  cancel(): void
}

/** Errors of timer use. */
export class TimerError extends Error {
  override readonly name = 'TimerError'
  readonly code: 'TIMER_DEADLINE'
  constructor(code: 'TIMER_DEADLINE', message: string) {
    super(message)
    this.code = code
  }
}

interface TimerImpl extends VirtualTimer {
  deadline: number | undefined
  seq: number
  readonly onExpire: (deadlineNs: number) => void
}

/** The queue of armed timers. Few timers exist (tens), so a sorted array beats a heap here. */
export class TimerQueue {
  private readonly armed: TimerImpl[] = []
  private seq = 0
  private readonly listeners = new Set<() => void>()

  private readonly clock: ClockView

  constructor(clock: ClockView) {
    this.clock = clock
  }

  /** Creates an idle timer; `onExpire` gets the deadline it was armed for (re-arm relative to it for no drift). */
  createTimer(name: string, onExpire: (deadlineNs: number) => void): VirtualTimer {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the timer object's methods close over the queue
    const queue = this
    const timer: TimerImpl = {
      name,
      deadline: undefined,
      seq: 0,
      onExpire,
      get deadlineNs() {
        return timer.deadline
      },
      armAt(deadlineNs: number) {
        if (!Number.isFinite(deadlineNs)) {
          throw new TimerError('TIMER_DEADLINE', `timer ${name}: deadline ${String(deadlineNs)} is not finite`)
        }
        queue.remove(timer)
        timer.deadline = Math.max(0, Math.floor(deadlineNs))
        timer.seq = queue.seq++
        queue.insert(timer)
      },
      armIn(deltaNs: number) {
        timer.armAt(queue.clock.nowNs() + Math.max(0, deltaNs))
      },
      cancel() {
        queue.remove(timer)
        timer.deadline = undefined
      },
    }
    return timer
  }

  /**
   * Calls `listener` when a timer is armed ahead of every other one (the loop ends the CPU slice early or
   * shortens a HLT sleep). Returns the unsubscribe function.
   */
  onEarliestChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The earliest armed deadline, or undefined when no timer is armed. */
  nextDeadlineNs(): number | undefined {
    return this.armed[0]?.deadline
  }

  /** Number of armed timers. */
  get size(): number {
    return this.armed.length
  }

  /**
   * Fires every timer whose deadline is ≤ `nowNs`, earliest first, including timers re-armed into the past by
   * a callback. Returns how many fired. A callback re-arming at the same deadline forever is cut off after
   * 100 000 firings per call so a buggy device cannot hang the host thread.
   */
  runDue(nowNs: number): number {
    let fired = 0
    while (fired < 100_000) {
      const first = this.armed[0]
      if (first === undefined || first.deadline! > nowNs) break
      this.armed.shift()
      const deadline = first.deadline!
      first.deadline = undefined
      fired++
      first.onExpire(deadline)
    }
    return fired
  }

  private insert(timer: TimerImpl): void {
    const deadline = timer.deadline!
    let i = this.armed.length
    while (i > 0 && this.armed[i - 1]!.deadline! > deadline) i--
    this.armed.splice(i, 0, timer)
    if (i === 0) for (const listener of this.listeners) listener()
  }

  private remove(timer: TimerImpl): void {
    if (timer.deadline === undefined) return
    const i = this.armed.indexOf(timer)
    if (i >= 0) this.armed.splice(i, 1)
  }
}
