// IProgress: weighted operations, percent, completion with result code and error info, wait with timeout, cancel
// (VirtualBox src/VBox/Main/src-all/ProgressImpl.cpp; vbox-api.md §2.8).
import { randomUUID } from 'node:crypto'
import { ResultCode, toVBoxError, VBoxError, type VirtualBoxErrorInfo } from '../api/errors'
import { VBoxEventType } from '../api/event-types'
import type { IEventSource, IProgress } from '../api/interfaces'
import { EventSourceImpl } from '../events/event-source'
import { ApiObject } from './api-object'

/** One step of a progress: description and relative weight. */
export interface ProgressOperation {
  readonly description: string
  readonly weight: number
}

/** Handle given to the task running behind a progress. */
export interface ProgressTask {
  /** Moves to operation `index` (0-based). */
  nextOperation(index: number): void
  /** Sets the percentage of the current operation. */
  setOperationPercent(percent: number): void
  /** True once cancel() was called; tasks check it between steps. */
  readonly canceled: boolean
}

/** A progress object; create with {@link runProgress}. */
export class ProgressImpl extends ApiObject implements IProgress {
  readonly interfaceName = 'IProgress'
  readonly _id = randomUUID()
  readonly _events = new EventSourceImpl()
  private operation = 0
  private operationPercent = 0
  private completed = false
  private canceled = false
  private resultCode = 0
  private errorInfo: VirtualBoxErrorInfo | null = null
  private timeout = -1
  private readonly waiters = new Set<() => void>()
  private readonly started = Date.now()

  private readonly description: string
  private readonly operations: readonly ProgressOperation[]
  private readonly cancelable: boolean
  private readonly initiator: string

  constructor(
    description: string,
    operations: readonly ProgressOperation[],
    cancelable: boolean,
    initiator = 'VirtualBox',
  ) {
    super()
    this.description = description
    this.operations = operations.length > 0 ? operations : [{ description, weight: 1 }]
    this.cancelable = cancelable
    this.initiator = initiator
  }

  async getId() {
    return this._id
  }
  async getDescription() {
    return this.description
  }
  async getInitiator() {
    return this.initiator
  }
  async getCancelable() {
    return this.cancelable && !this.completed
  }
  async getPercent() {
    return this._percent()
  }
  async getTimeRemaining() {
    const percent = this._percent()
    if (this.completed) return 0
    if (percent <= 0) return -1
    const elapsed = (Date.now() - this.started) / 1000
    return Math.round((elapsed * (100 - percent)) / percent)
  }
  async getCompleted() {
    return this.completed
  }
  async getCanceled() {
    return this.canceled
  }
  async getResultCode() {
    return this.resultCode
  }
  async getErrorInfo() {
    return this.errorInfo
  }
  async getOperationCount() {
    return this.operations.length
  }
  async getOperation() {
    return this.operation
  }
  async getOperationDescription() {
    return this.operations[this.operation]?.description ?? ''
  }
  async getOperationPercent() {
    return this.operationPercent
  }
  async getTimeout() {
    return this.timeout
  }
  async setTimeout(ms: number) {
    this.timeout = ms
    if (ms > 0)
      setTimeout(() => {
        if (!this.completed && this.cancelable) void this.cancel()
      }, ms).unref()
  }
  async getEventSource(): Promise<IEventSource> {
    return this._events
  }

  async waitForCompletion(timeoutMs: number): Promise<void> {
    if (this.completed) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.waiters.delete(done)
        if (timer) clearTimeout(timer)
        resolve()
      }
      const timer = timeoutMs >= 0 ? setTimeout(done, timeoutMs) : undefined
      this.waiters.add(done)
    })
  }

  async waitForOperationCompletion(operation: number, timeoutMs: number): Promise<void> {
    const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs
    while (!this.completed && this.operation <= operation && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, Math.min(20, Math.max(0, deadline - Date.now()))))
  }

  async cancel(): Promise<void> {
    if (!this.cancelable) throw new VBoxError('E_FAIL', 'Operation cannot be canceled', 'Progress')
    if (!this.completed) this.canceled = true
  }

  /** Internal: weighted percentage over all operations. */
  _percent(): number {
    if (this.completed) return 100
    const total = this.operations.reduce((sum, op) => sum + op.weight, 0) || 1
    let done = 0
    for (let i = 0; i < this.operation; i++) done += this.operations[i]?.weight ?? 0
    done += ((this.operations[this.operation]?.weight ?? 0) * this.operationPercent) / 100
    return Math.min(99, Math.floor((done * 100) / total))
  }

  /** Internal: the task handle. */
  _task(): ProgressTask {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this
    return {
      nextOperation(index: number) {
        self.operation = Math.min(index, self.operations.length - 1)
        self.operationPercent = 0
        self._notify()
      },
      setOperationPercent(percent: number) {
        self.operationPercent = Math.max(0, Math.min(100, percent))
        self._notify()
      },
      get canceled() {
        return self.canceled
      },
    }
  }

  private _notify(): void {
    this._events._fire({
      type: VBoxEventType.OnProgressPercentageChanged,
      progressId: this._id,
      percent: this._percent(),
    })
  }

  /** Internal: completes the progress with success or an error. */
  _complete(error?: unknown): void {
    if (this.completed) return
    if (error !== undefined) {
      const info = toVBoxError(error, this.initiator).toErrorInfo()
      this.errorInfo = info
      this.resultCode = info.resultCode
    } else if (this.canceled) {
      this.resultCode = ResultCode.E_FAIL
      this.errorInfo = {
        resultCode: ResultCode.E_FAIL,
        code: 'E_FAIL',
        text: 'Operation canceled',
        component: this.initiator,
      }
    }
    this.operation = Math.max(0, this.operations.length - 1)
    this.operationPercent = 100
    this.completed = true
    this._events._fire({ type: VBoxEventType.OnProgressTaskCompleted, progressId: this._id, percent: 100 })
    for (const w of [...this.waiters]) w()
  }

  /** Internal: resolves when completed (no timeout). */
  _done(): Promise<void> {
    return this.waitForCompletion(-1)
  }
}

/**
 * Creates a progress and runs `task` behind it. The call returns at once; a failure of the task is reported
 * through resultCode/errorInfo, as with VirtualBox's IProgress.
 */
export function runProgress(
  description: string,
  operations: readonly ProgressOperation[],
  task: (t: ProgressTask) => Promise<void>,
  options: { cancelable?: boolean; initiator?: string } = {},
): ProgressImpl {
  const progress = new ProgressImpl(description, operations, options.cancelable ?? false, options.initiator)
  const handle = progress._task()
  setImmediate(() => {
    task(handle).then(
      () => progress._complete(),
      (error: unknown) => progress._complete(error),
    )
  })
  return progress
}

/** Waits for a progress and throws its error as a VBoxError when it failed (a convenience for callers). */
export async function completeOrThrow(progress: IProgress): Promise<void> {
  await progress.waitForCompletion(-1)
  const code = await progress.getResultCode()
  if (code === 0) return
  const info = await progress.getErrorInfo()
  throw info ? VBoxError.fromErrorInfo(info) : new VBoxError('E_FAIL', 'Operation failed', 'Progress')
}
