// Control of a machine running on another thread (VirtualBox's VM process: the emulation thread is a worker):
// a small command/event protocol over any MessagePort-like object (worker_threads, Web Workers, MessageChannel).
// The emulation side serves a Vm; the control side gets a RemoteVm with promise-returning methods, state events
// and — when the machine was created with sharedMemory — guest RAM shared without copies.
import type { ExecutionCpu } from './cpu-contract'
import type { Vm, VmState } from './vm'

/** The part of a MessagePort both sides use (Node's worker_threads MessagePort and the DOM's both fit). */
export interface PortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void
  start?(): void
}

/** Commands a RemoteVm sends. */
export type RemoteCommand = 'powerOn' | 'pause' | 'resume' | 'reset' | 'powerOff' | 'saveState' | 'loadState' | 'status'

interface CommandMessage {
  readonly kind: 'command'
  readonly id: number
  readonly command: RemoteCommand
  readonly argument?: unknown
}
interface ReplyMessage {
  readonly kind: 'reply'
  readonly id: number
  readonly ok: boolean
  readonly value?: unknown
  readonly error?: { readonly name: string; readonly code: string; readonly message: string }
}
interface EventMessage {
  readonly kind: 'state'
  readonly state: VmState
  readonly nowNs: number
}
interface HelloMessage {
  readonly kind: 'hello'
  readonly state: VmState
  readonly ram: Uint8Array | undefined
}

/** An error thrown on the emulation side, re-created on the control side with its name and code. */
export class RemoteVmError extends Error {
  override readonly name = 'RemoteVmError'
  /** Name of the original error class ('VmStateError', 'SavedStateFormatError', …). */
  readonly remoteName: string
  readonly code: string
  constructor(remoteName: string, code: string, message: string) {
    super(message)
    this.remoteName = remoteName
    this.code = code
  }
}

/**
 * Serves `vm` on `port` (call on the emulation thread). `run` is what starts execution after power-on and
 * resume (typically `() => runner.start()`). Returns a function that stops serving.
 */
export function serveVm(vm: Vm<ExecutionCpu>, port: PortLike, run: () => void = () => {}): () => void {
  const onMessage = (event: { readonly data: unknown }) => {
    const message = event.data as CommandMessage
    if (message?.kind !== 'command') return
    let reply: ReplyMessage
    try {
      reply = { kind: 'reply', id: message.id, ok: true, value: execute(message) }
    } catch (error) {
      const e = error as { name?: string; code?: unknown; message?: string }
      reply = {
        kind: 'reply',
        id: message.id,
        ok: false,
        error: {
          name: e.name ?? 'Error',
          code: typeof e.code === 'string' ? e.code : 'ERROR',
          message: String(e.message),
        },
      }
    }
    port.postMessage(reply)
  }
  const execute = (message: CommandMessage): unknown => {
    switch (message.command) {
      case 'powerOn':
        vm.powerOn()
        run()
        return undefined
      case 'pause':
        return vm.pause()
      case 'resume':
        vm.resume()
        run()
        return undefined
      case 'reset':
        return vm.reset()
      case 'powerOff':
        return vm.powerOff()
      case 'saveState':
        return vm.saveState()
      case 'loadState':
        if (!(message.argument instanceof Uint8Array)) throw new TypeError('loadState needs a Uint8Array')
        return vm.loadState(message.argument)
      case 'status':
        return { state: vm.state, nowNs: vm.nowNs() }
      default:
        throw new TypeError(`unknown command ${String(message.command)}`)
    }
  }
  const unsubscribe = vm.onStateChange((state) => {
    const event: EventMessage = { kind: 'state', state, nowNs: vm.nowNs() }
    port.postMessage(event)
  })
  port.addEventListener('message', onMessage)
  port.start?.()
  const ram = vm.memory.ram.buffer instanceof SharedArrayBuffer ? vm.memory.ram : undefined
  const hello: HelloMessage = { kind: 'hello', state: vm.state, ram }
  port.postMessage(hello)
  return () => {
    unsubscribe()
    port.removeEventListener('message', onMessage)
  }
}

/** The control side of a served machine. */
export class RemoteVm {
  private readonly port: PortLike
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly listeners = new Set<(state: VmState) => void>()
  private lastState: VmState = 'created'
  private sharedRam: Uint8Array | undefined
  private readonly ready: Promise<void>
  private readonly onMessage: (event: { readonly data: unknown }) => void

  constructor(port: PortLike) {
    this.port = port
    let markReady: () => void = () => {}
    this.ready = new Promise((resolve) => (markReady = resolve))
    this.onMessage = (event) => {
      const message = event.data as ReplyMessage | EventMessage | HelloMessage
      if (message?.kind === 'hello') {
        this.lastState = message.state
        this.sharedRam = message.ram
        markReady()
      } else if (message?.kind === 'state') {
        this.lastState = message.state
        for (const listener of this.listeners) listener(message.state)
      } else if (message?.kind === 'reply') {
        const waiter = this.pending.get(message.id)
        if (!waiter) return
        this.pending.delete(message.id)
        if (message.ok) waiter.resolve(message.value)
        else waiter.reject(new RemoteVmError(message.error!.name, message.error!.code, message.error!.message))
      }
    }
    port.addEventListener('message', this.onMessage)
    port.start?.()
  }

  /** Resolves once the emulation side said hello (state and shared RAM known). */
  whenReady(): Promise<void> {
    return this.ready
  }

  /** The last state the emulation side reported. */
  get state(): VmState {
    return this.lastState
  }

  /** Guest RAM, shared with the emulation thread (only when the machine was created with sharedMemory). */
  get ram(): Uint8Array | undefined {
    return this.sharedRam
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (state: VmState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  powerOn(): Promise<void> {
    return this.call('powerOn') as Promise<void>
  }
  pause(): Promise<void> {
    return this.call('pause') as Promise<void>
  }
  resume(): Promise<void> {
    return this.call('resume') as Promise<void>
  }
  reset(): Promise<void> {
    return this.call('reset') as Promise<void>
  }
  powerOff(): Promise<void> {
    return this.call('powerOff') as Promise<void>
  }
  saveState(): Promise<Uint8Array> {
    return this.call('saveState') as Promise<Uint8Array>
  }
  loadState(bytes: Uint8Array): Promise<void> {
    return this.call('loadState', bytes) as Promise<void>
  }
  status(): Promise<{ state: VmState; nowNs: number }> {
    return this.call('status') as Promise<{ state: VmState; nowNs: number }>
  }

  /** Stops listening; pending calls are rejected. */
  close(): void {
    this.port.removeEventListener('message', this.onMessage)
    for (const waiter of this.pending.values()) waiter.reject(new RemoteVmError('Error', 'CLOSED', 'connection closed'))
    this.pending.clear()
  }

  private call(command: RemoteCommand, argument?: unknown): Promise<unknown> {
    const id = this.nextId++
    const message: CommandMessage =
      argument === undefined ? { kind: 'command', id, command } : { kind: 'command', id, command, argument }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.port.postMessage(message)
    })
  }
}
