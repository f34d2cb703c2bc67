// launchVMProcess and the service side of a running VM: spawns the VM process, tracks its life, turns its
// death into Aborted, re-attaches to VMs a previous service left running, and routes Console calls to them (VirtualBox MachineImpl::launchVMProcess, ClientWatcher,
// SessionMachine::i_checkForDeath; vbox-api.md §1.3, §1.4).
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import { VBoxError } from '../api/errors'
import { MachineState, SessionState, SessionType, LockType } from '../api/machine-enums'
import { cloneSettings, type VrdeSettings } from '../settings/machine-settings'
import { entryPoint } from '../process/entry-points'
import type { LockHolder, MachineCore, VmLink } from '../server/machine-core'
import { startableStates, stateName } from '../server/machine-core'
import type { MediumImpl } from '../server/medium'
import type { VirtualBoxImpl } from '../server/virtualbox'
import { runProgress, type ProgressImpl } from '../server/progress'
import type { EventSourceImpl } from '../events/event-source'
import { ConsoleImpl } from './console'
import type { DriverMedium, MachineDriverConfig } from './machine-driver'
import type { SessionImpl } from './session'
import { frameReader, sendFrame, vmSocketPath } from './vm-channel'
import type { VmHello, VmMessage, VmMethod, VmMethods } from './vm-protocol'

/** CPU and memory use reported by a VM process (for the performance collector). */
export interface VmUsage {
  cpuUserUs: number
  cpuSystemUs: number
  rssBytes: number
  at: number
}

/** The service's handle on one VM process, over its control socket. */
export class VmProcessHandle implements VmLink, LockHolder {
  readonly kind = 'vm' as const
  readonly name: string
  readonly frontend: string
  readonly console: ConsoleImpl
  readonly core: MachineCore
  readonly usage: VmUsage[] = []
  readonly socketPath: string
  private readonly child: ChildProcess | undefined
  private socket: Socket | undefined
  private readonly pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  private nextId = 1
  private exited = false
  private detaching = false
  private processId = 0
  /** Set when the service itself asked the VM to stop (powerDown): exit is then normal, not Aborted. */
  expectingExit = false
  /** Resolves with the VM's hello once the control connection is up. */
  readonly ready: Promise<VmHello>

  private constructor(
    core: MachineCore,
    frontend: string,
    socketPath: string,
    child: ChildProcess | undefined,
    events?: EventSourceImpl,
  ) {
    this.core = core
    this.frontend = frontend
    this.name = frontend
    this.socketPath = socketPath
    this.child = child
    this.processId = child?.pid ?? 0
    this.console = new ConsoleImpl(core, this, events)
    this.ready = this.connect()
    this.ready.catch(() => undefined)
    child?.once('exit', () => this.onGone())
  }

  /** Spawns a VM process for `core` (detached: it outlives the service). */
  static spawn(core: MachineCore, frontend: string, env: NodeJS.ProcessEnv, events?: EventSourceImpl): VmProcessHandle {
    const logs = join(core.folder, 'Logs')
    mkdirSync(logs, { recursive: true })
    const log = openSync(join(logs, 'VBox.log'), 'a')
    const entry = entryPoint('vm-process')
    const socketPath = vmSocketPath(core.vbox._home, core.id)
    let child: ChildProcess
    try {
      child = spawn(
        process.execPath,
        [
          ...entry.execArgv,
          entry.path,
          '--comment',
          core.name,
          '--startvm',
          core.id,
          '--socket',
          socketPath,
          '--frontend',
          frontend,
        ],
        { env, stdio: ['ignore', log, log], detached: true },
      )
    } finally {
      closeSync(log)
    }
    child.unref()
    return new VmProcessHandle(core, frontend, socketPath, child, events)
  }

  /** Re-attaches to the running VM of `core` left by a previous service, if there is one. */
  static async attach(core: MachineCore): Promise<VmProcessHandle | undefined> {
    const socketPath = vmSocketPath(core.vbox._home, core.id)
    if (!existsSync(socketPath)) return undefined
    const handle = new VmProcessHandle(core, 'headless', socketPath, undefined)
    try {
      const hello = await handle.ready
      if (hello.machineId !== core.id || hello.status === 'created') {
        handle.detach()
        return undefined
      }
      return handle
    } catch {
      return undefined
    }
  }

  get pid(): number {
    return this.processId
  }

  private async connect(): Promise<VmHello> {
    const deadline = Date.now() + 20_000
    for (;;) {
      if (this.exited) throw this.startError('exited during start-up')
      const socket = await new Promise<Socket | undefined>((done) => {
        const s = createConnection(this.socketPath)
        s.once('connect', () => done(s))
        s.once('error', () => done(undefined))
      })
      if (socket) return this.adopt(socket)
      if (!this.child || Date.now() > deadline) throw this.startError('does not answer on its control socket')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  private startError(what: string): VBoxError {
    const log = join(this.core.folder, 'Logs', 'VBox.log')
    return new VBoxError('VBOX_E_IPRT_ERROR', `The VM process ${what}; see ${log}`, 'Machine')
  }

  private adopt(socket: Socket): Promise<VmHello> {
    this.socket = socket
    return new Promise((resolve, reject) => {
      let greeted = false
      socket.on(
        'data',
        frameReader(
          (message) => {
            const m = message as VmMessage
            if (m.type === 'hello' && !greeted) {
              greeted = true
              this.processId = m.pid
              resolve(m)
            } else this.onMessage(m)
          },
          () => socket.destroy(),
        ),
      )
      socket.on('error', () => socket.destroy())
      socket.once('close', () => {
        if (!greeted) reject(this.startError('closed its control socket'))
        this.onSocketClosed()
      })
    })
  }

  /** Calls the VM process. */
  call<M extends VmMethod>(method: M, ...args: Parameters<VmMethods[M]>): Promise<ReturnType<VmMethods[M]>> {
    const socket = this.socket
    if (this.exited || !socket || socket.destroyed)
      return Promise.reject(new VBoxError('VBOX_E_INVALID_VM_STATE', 'The VM process is not running', 'Console'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pendingCalls.set(id, { resolve: resolve as (v: unknown) => void, reject })
      sendFrame(socket, { type: 'request', id, method, args })
    })
  }

  private onMessage(message: VmMessage): void {
    if (message.type === 'response') {
      const pending = this.pendingCalls.get(message.id)
      if (!pending) return
      this.pendingCalls.delete(message.id)
      if (message.ok) pending.resolve(message.result)
      else pending.reject(VBoxError.fromErrorInfo(message.error))
    } else if (message.type === 'event') {
      this.console._driverEvent(message.event)
    } else if (message.type === 'usage') {
      this.usage.push({ ...message, at: Date.now() })
      if (this.usage.length > 8) this.usage.shift()
    }
  }

  private failPending(text: string): void {
    for (const pending of this.pendingCalls.values()) pending.reject(new VBoxError('VBOX_E_VM_ERROR', text, 'Console'))
    this.pendingCalls.clear()
  }

  /** The control connection closed: the VM exited (or another service took it over). */
  private onSocketClosed(): void {
    this.failPending('The connection to the VM process was closed')
    if (this.detaching || this.exited) return
    void (async () => {
      // The process may take a moment to exit after closing its socket.
      for (let i = 0; i < 100 && isAlive(this.processId); i++) await new Promise((r) => setTimeout(r, 50))
      this.onGone()
    })()
  }

  /** The VM process is gone (or unreachable for good): update the machine. */
  private onGone(): void {
    if (this.exited || this.detaching) return
    this.exited = true
    this.failPending('The VM process exited')
    const core = this.core
    if (core.vm !== this) return
    const wasOnline = core.state !== MachineState.PoweredOff && core.state !== MachineState.Starting
    core.vm = undefined
    // A VM process that dies while running leaves the machine Aborted (AbortedSaved while restoring a saved
    // state); the service carries on (ClientWatcher). A VM that saved its state leaves the machine Saved.
    if (!this.expectingExit && wasOnline)
      core.setState(core.state === MachineState.Restoring ? MachineState.AbortedSaved : MachineState.Aborted)
    else if (
      core.state !== MachineState.PoweredOff &&
      core.state !== MachineState.Aborted &&
      core.state !== MachineState.Saved
    )
      core.setState(MachineState.PoweredOff)
    releaseVmLock(core, this)
    void core.saveRegistryOnly().catch(() => undefined)
  }

  /** Lets go of the VM without changing its state: it keeps running for the next service. */
  detach(): void {
    this.detaching = true
    this.failPending('The service detached from the VM')
    this.socket?.destroy()
  }

  /** Kills the process (emergency stop and tests). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.processId > 0 && isAlive(this.processId)) process.kill(this.processId, signal)
  }

  /** Resolves once the process has exited. */
  async exitedPromise(): Promise<void> {
    while (!this.exited && isAlive(this.processId)) await new Promise((r) => setTimeout(r, 20))
    this.onGone()
  }

  stateChanged(state: MachineState): void {
    this.console._stateChanged(state)
  }

  async vrdeChanged(settings: VrdeSettings): Promise<void> {
    await this.call('setVRDE', settings)
    this.console._vrdeChanged()
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function releaseVmLock(core: MachineCore, holder: VmProcessHandle): void {
  for (const s of [...core.sharedSessions]) core.unlock(s)
  if (core.writeHolder === holder) {
    core.writeHolder = undefined
    core.pending = undefined
    core.setSessionState(SessionState.Unlocked)
  }
}

/** Media of the current state, with the locations of their parents for opening chains. */
function driverMedia(core: MachineCore): DriverMedium[] {
  const out: DriverMedium[] = []
  for (const c of core.settings.hardware.storageControllers)
    for (const a of c.attachments) {
      if (!a.mediumId) continue
      const m = core.vbox._findMedium(a.mediumId)
      if (!m)
        throw new VBoxError(
          'VBOX_E_OBJECT_NOT_FOUND',
          `Medium {${a.mediumId}} attached to '${c.name}' port ${a.port} is not registered`,
          'Console',
        )
      const parents: Record<string, string> = {}
      const chain = [m._location]
      for (let p: MediumImpl | undefined = m._parent; p; p = p._parent) {
        parents[p._id] = p._location
        chain.push(p._location)
      }
      out.push({ id: m._id, location: m._location, format: m._format, deviceType: m._deviceType, parents, chain })
    }
  return out
}

/** Applies putenv-style changes ("VAR=VALUE" sets, "VAR" unsets) to a copy of the environment. */
export function applyEnvironmentChanges(base: NodeJS.ProcessEnv, changes: readonly string[]): NodeJS.ProcessEnv {
  const env = { ...base }
  for (const change of changes) {
    const eq = change.indexOf('=')
    if (eq < 0) delete env[change]
    else env[change.slice(0, eq)] = change.slice(eq + 1)
  }
  return env
}

/**
 * Starts the VM process and powers the machine up. The returned progress has two operations ("Creating process
 * for virtual machine …", then the power-up) and fails with the power-up error, leaving the machine powered off.
 */
export function launchVmProcess(
  core: MachineCore,
  session: SessionImpl,
  frontend: string,
  env: readonly string[],
): ProgressImpl {
  let handle: VmProcessHandle
  try {
    handle = VmProcessHandle.spawn(core, frontend, applyEnvironmentChanges(process.env, env))
  } catch (error) {
    throw new VBoxError('VBOX_E_IPRT_ERROR', `Could not launch the VM process: ${(error as Error).message}`, 'Machine')
  }
  core.writeHolder = handle
  core.vm = handle
  session._spawning(core)
  core.setSessionState(SessionState.Spawning)
  return runProgress(
    'Starting VM',
    [
      { description: `Creating process for virtual machine "${core.name}" (${frontend})`, weight: 1 },
      { description: 'Powering up', weight: 3 },
    ],
    async (task) => {
      try {
        await handle.ready
        task.nextOperation(1)
        await powerUpThrough(core, handle)
        session._lockedBy(core, SessionType.Remote, LockType.Shared)
        core.sharedSessions.add(session)
        core.setSessionState(SessionState.Locked)
      } catch (error) {
        session._released()
        handle.expectingExit = true
        if (core.vm === handle) {
          core.vm = undefined
          handle.kill('SIGTERM')
          handle.detach()
        }
        if (core.writeHolder === handle) core.writeHolder = undefined
        core.setSessionState(SessionState.Unlocked)
        throw error
      }
    },
    { initiator: 'Machine' },
  )
}

/**
 * IConsole.powerUp of a VM-locked session (LockType.VM: "create objects necessary for running a VM in this
 * process"). Boxwood runs every VM in a VM process of its own; here that process belongs to the session, which
 * keeps the machine's lock: the VM runs on the committed settings and stops when the session unlocks.
 */
export function powerUpHosted(core: MachineCore, events: EventSourceImpl): ProgressImpl {
  if (core.vm)
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot power up the machine '${core.name}' because it is already running (machine state: ${stateName(core.state)})`,
      'Console',
    )
  if (!startableStates.includes(core.state))
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot power up the machine '${core.name}' in the state ${stateName(core.state)}`,
      'Console',
    )
  let handle: VmProcessHandle
  try {
    handle = VmProcessHandle.spawn(core, 'vm', process.env, events)
  } catch (error) {
    throw new VBoxError('VBOX_E_IPRT_ERROR', `Could not start the VM process: ${(error as Error).message}`, 'Console')
  }
  core.vm = handle
  return runProgress(
    `Starting virtual machine`,
    [{ description: 'Powering up', weight: 1 }],
    async () => {
      try {
        await handle.ready
        await powerUpThrough(core, handle)
      } catch (error) {
        handle.expectingExit = true
        if (core.vm === handle) {
          core.vm = undefined
          handle.kill('SIGTERM')
          handle.detach()
        }
        throw error
      }
    },
    { initiator: 'Console' },
  )
}

/**
 * PoweredOff → Starting → Running (or Saved → Restoring → Running) through the VM process. A failed start
 * returns the machine to its previous state; a restored saved state is deleted, as VirtualBox does.
 */
async function powerUpThrough(core: MachineCore, handle: VmProcessHandle): Promise<void> {
  const previous = core.state
  const stateFile = core.settings.stateFile ? core.resolvePath(core.settings.stateFile) : undefined
  core.setState(stateFile ? MachineState.Restoring : MachineState.Starting)
  const config: MachineDriverConfig = {
    machineId: core.id,
    name: core.name,
    machineFolder: core.folder,
    settings: cloneSettings(core.settings),
    media: driverMedia(core),
    ...(stateFile ? { stateFilePath: stateFile } : {}),
  }
  try {
    await handle.call('powerUp', config)
  } catch (error) {
    core.setState(
      stateFile ? (previous === MachineState.AbortedSaved ? previous : MachineState.Saved) : MachineState.PoweredOff,
    )
    throw error
  }
  core.setState(MachineState.Running)
  if (stateFile) {
    await unlink(stateFile).catch(() => undefined)
    core.settings.stateFile = undefined
    if (core.pending) core.pending.stateFile = undefined
    await core.saveRegistryOnly()
  }
}

/** Machine.saveState: Running/Paused → Saving → Saved; the VM process writes the state file and exits. */
export function saveStateThrough(core: MachineCore): ProgressImpl {
  const vm = core.vm
  if (!(vm instanceof VmProcessHandle))
    throw new VBoxError('VBOX_E_INVALID_VM_STATE', `The machine '${core.name}' is not running`, 'SessionMachine')
  const previous = core.state
  if (previous !== MachineState.Running && previous !== MachineState.Paused)
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot save the execution state as the machine is not running or paused (machine state: ${stateName(previous)})`,
      'SessionMachine',
    )
  // VirtualBox names saved states by their UTC time stamp, in the snapshot folder.
  const stamp = new Date().toISOString().replace(/:/g, '-')
  const path = join(core.resolvePath(core.settings.snapshotFolder), `${stamp}.sav`)
  core.setState(MachineState.Saving)
  return runProgress(
    'Saving the execution state of the virtual machine',
    [{ description: 'Saving the execution state', weight: 1 }],
    async () => {
      try {
        vm.expectingExit = true
        await vm.call('saveState', path)
      } catch (error) {
        vm.expectingExit = false
        if (core.state === MachineState.Saving) core.setState(previous)
        throw error
      }
      const stored = core.storedPath(path)
      core.settings.stateFile = stored
      if (core.pending) core.pending.stateFile = stored
      core.setState(MachineState.Saved)
      await vm.exitedPromise()
      await core.saveRegistryOnly()
    },
    { initiator: 'Machine' },
  )
}

/**
 * Re-attaches the VMs a previous service (or process) left running: each registered machine with a live control
 * socket becomes Running (or Paused) again, locked by its VM process.
 */
export async function reattachVms(vbox: VirtualBoxImpl): Promise<number> {
  let count = 0
  for (const core of vbox._machineCores()) {
    const handle = await VmProcessHandle.attach(core)
    if (!handle) continue
    const hello = await handle.ready
    core.vm = handle
    core.writeHolder = handle
    core.setSessionState(SessionState.Locked)
    core.setState(hello.status === 'paused' ? MachineState.Paused : MachineState.Running)
    count++
  }
  return count
}

/** Lets go of every VM without stopping them (the process using the API is going away). */
export function detachVms(vbox: VirtualBoxImpl): void {
  for (const core of vbox._machineCores()) {
    const vm = core.vm
    if (vm instanceof VmProcessHandle) vm.detach()
  }
}
