// launchVMProcess and the service side of a running VM: spawns the VM process, tracks its life, turns its
// death into Aborted, and routes Console calls to it (VirtualBox MachineImpl::launchVMProcess, ClientWatcher,
// SessionMachine::i_checkForDeath; vbox-api.md §1.3, §1.4).
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { VBoxError } from '../api/errors'
import type { IConsole } from '../api/interfaces'
import { MachineState, SessionState, SessionType, LockType } from '../api/machine-enums'
import type { DeviceType } from '../api/storage-enums'
import { cloneSettings } from '../settings/machine-settings'
import { entryPoint } from '../process/entry-points'
import type { LockHolder, MachineCore, VmLink } from '../server/machine-core'
import type { MediumImpl } from '../server/medium'
import { runProgress, type ProgressImpl } from '../server/progress'
import { ConsoleImpl } from './console'
import type { DriverMedium, MachineDriverConfig } from './machine-driver'
import type { SessionImpl } from './session'
import type { VmMessage, VmMethod, VmMethods } from './vm-protocol'

/** CPU and memory use reported by a VM process (for the performance collector). */
export interface VmUsage {
  cpuUserUs: number
  cpuSystemUs: number
  rssBytes: number
  at: number
}

/** The service's handle on one VM process. */
export class VmProcessHandle implements VmLink, LockHolder {
  readonly kind = 'vm' as const
  readonly name: string
  readonly frontend: string
  readonly console: ConsoleImpl
  readonly core: MachineCore
  readonly usage: VmUsage[] = []
  private readonly child: ChildProcess
  private readonly pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  private nextId = 1
  private exited = false
  /** Set when the service itself asked the VM to stop (powerDown): exit is then normal, not Aborted. */
  expectingExit = false
  readonly ready: Promise<void>

  constructor(core: MachineCore, frontend: string, env: NodeJS.ProcessEnv) {
    this.core = core
    this.frontend = frontend
    this.name = frontend
    const logs = join(core.folder, 'Logs')
    mkdirSync(logs, { recursive: true })
    const log = openSync(join(logs, 'VBox.log'), 'a')
    const entry = entryPoint('vm-process')
    try {
      this.child = fork(entry.path, ['--comment', core.name, '--startvm', core.id], {
        execArgv: [...entry.execArgv],
        env,
        stdio: ['ignore', log, log, 'ipc'],
        serialization: 'advanced',
      })
    } finally {
      closeSync(log)
    }
    this.console = new ConsoleImpl(core, this)
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: VmMessage) => {
        if (message.type === 'ready') {
          this.child.off('exit', onEarlyExit)
          resolve()
        }
      }
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) =>
        reject(
          new VBoxError(
            'VBOX_E_IPRT_ERROR',
            `The VM process exited during start-up (code ${code}, signal ${signal}); see ${join(logs, 'VBox.log')}`,
            'Machine',
          ),
        )
      this.child.on('message', onMessage)
      this.child.once('exit', onEarlyExit)
      this.child.once('error', reject)
    })
    this.child.on('message', (message: VmMessage) => this.onMessage(message))
    this.child.on('exit', (code, signal) => this.onExit(code, signal))
  }

  get pid(): number {
    return this.child.pid ?? 0
  }

  /** Calls the VM process. */
  call<M extends VmMethod>(method: M, ...args: Parameters<VmMethods[M]>): Promise<ReturnType<VmMethods[M]>> {
    if (this.exited)
      return Promise.reject(new VBoxError('VBOX_E_INVALID_VM_STATE', 'The VM process is not running', 'Console'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pendingCalls.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ type: 'request', id, method, args })
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

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true
    for (const pending of this.pendingCalls.values())
      pending.reject(
        new VBoxError('VBOX_E_VM_ERROR', `The VM process exited (code ${code}, signal ${signal})`, 'Console'),
      )
    this.pendingCalls.clear()
    const core = this.core
    if (core.vm !== this) return
    const wasOnline = core.state !== MachineState.PoweredOff && core.state !== MachineState.Starting
    core.vm = undefined
    // A VM process that dies while running leaves the machine Aborted; the service carries on (ClientWatcher).
    if (!this.expectingExit && wasOnline)
      core.setState(core.state === MachineState.Saved ? MachineState.AbortedSaved : MachineState.Aborted)
    else if (core.state !== MachineState.PoweredOff && core.state !== MachineState.Aborted)
      core.setState(MachineState.PoweredOff)
    releaseVmLock(core, this)
    void core.saveRegistryOnly().catch(() => undefined)
  }

  /** Kills the process (emergency stop and tests). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal)
  }

  /** Resolves once the process has exited. */
  exitedPromise(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return Promise.resolve()
    return new Promise((resolve) => this.child.once('exit', () => resolve()))
  }

  stateChanged(state: MachineState): void {
    this.console._stateChanged(state)
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
      for (let p: MediumImpl | undefined = m._parent; p; p = p._parent) parents[p._id] = p._location
      out.push({ id: m._id, location: m._location, format: m._format, deviceType: m._deviceType, parents })
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
    handle = new VmProcessHandle(core, frontend, applyEnvironmentChanges(process.env, env))
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
        }
        if (core.writeHolder === handle) core.writeHolder = undefined
        core.setSessionState(SessionState.Unlocked)
        throw error
      }
    },
    { initiator: 'Machine' },
  )
}

/** PoweredOff → Starting → Running through the VM process; failure returns the machine to PoweredOff. */
async function powerUpThrough(core: MachineCore, handle: VmProcessHandle): Promise<void> {
  core.setState(MachineState.Starting)
  const config: MachineDriverConfig = {
    machineId: core.id,
    name: core.name,
    machineFolder: core.folder,
    settings: cloneSettings(core.settings),
    media: driverMedia(core),
  }
  try {
    await handle.call('powerUp', config)
  } catch (error) {
    core.setState(MachineState.PoweredOff)
    throw error
  }
  core.setState(MachineState.Running)
}

/** True when a medium of `type` is in use by the running VM (hot changes are not supported yet). */
export function isAttachedType(core: MachineCore, type: DeviceType): boolean {
  return core.settings.hardware.storageControllers.some((c) => c.attachments.some((a) => a.type === type))
}

/** The console of a core's VM, or an error naming the state. */
export function consoleOf(core: MachineCore): IConsole {
  const vm = core.vm
  if (!vm) throw new VBoxError('VBOX_E_INVALID_VM_STATE', `The machine '${core.name}' is not running`, 'Session')
  return vm.console
}
