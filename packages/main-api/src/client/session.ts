// ISession: a client's handle for locking one machine (Write/VM/Shared) or launching it (Remote). A Write lock
// gives the mutable machine only; a VM lock also gives a console that powers the machine up (hosted-console.ts)
// (VirtualBox src/VBox/Main/src-client/SessionImpl.cpp; vbox-api.md §1.2, §2.3).
import { VBoxError } from '../api/errors'
import type { IConsole, IMachine, ISession } from '../api/interfaces'
import { LockType, SessionState, SessionType } from '../api/machine-enums'
import { ApiObject } from '../server/api-object'
import type { CoreSession, MachineCore } from '../server/machine-core'
import { MachineImpl } from '../server/machine'
import { HostedConsoleImpl } from './hosted-console'

/** A session. Created by IVirtualBoxClient.getSession(); owned by that client, which unlocks it when it leaves. */
export class SessionImpl extends ApiObject implements ISession, CoreSession {
  readonly interfaceName = 'ISession'
  readonly kind = 'session' as const
  name = ''
  readonly pid: number
  _state: SessionState = SessionState.Unlocked
  _type: SessionType = SessionType.Null
  _core: MachineCore | undefined
  _lockType: LockType = LockType.Null
  private machine: MachineImpl | undefined
  /** The console of a VM lock (LockType.VM): this session hosts the machine's VM. */
  private hosted: HostedConsoleImpl | undefined

  constructor(pid: number) {
    super()
    this.pid = pid
  }

  async getState() {
    return this._state
  }
  async getType() {
    return this._type
  }
  async getName() {
    return this.name
  }
  async setName(name: string) {
    if (this._state !== SessionState.Unlocked)
      throw new VBoxError('VBOX_E_INVALID_OBJECT_STATE', 'The session name can only be set while unlocked', 'Session')
    this.name = name
  }
  async getMachine(): Promise<IMachine> {
    if (this._state !== SessionState.Locked || !this.machine)
      throw new VBoxError(
        'VBOX_E_INVALID_SESSION_STATE',
        `The session is not locked (state: ${stateText(this._state)})`,
        'Session',
      )
    return this.machine
  }
  async getConsole(): Promise<IConsole | null> {
    if (this._state !== SessionState.Locked)
      throw new VBoxError(
        'VBOX_E_INVALID_SESSION_STATE',
        `The session is not locked (state: ${stateText(this._state)})`,
        'Session',
      )
    if (this.hosted) return this.hosted
    return this._core?.vm?.console ?? null
  }
  async unlockMachine(): Promise<void> {
    if (this._state !== SessionState.Locked || !this._core)
      throw new VBoxError(
        'VBOX_E_INVALID_SESSION_STATE',
        `The session is not locked (state: ${stateText(this._state)})`,
        'Session',
      )
    this._state = SessionState.Unlocking
    this._core.unlock(this)
  }

  /** Internal: called by the machine when a lock is granted. */
  _lockedBy(core: MachineCore, type: SessionType, lockType: LockType): void {
    this._core = core
    this._type = type
    this._lockType = lockType
    this._state = SessionState.Locked
    this.machine = new MachineImpl(core, { kind: 'session', session: this })
    this.hosted = lockType === LockType.VM ? new HostedConsoleImpl(core, () => this.getMachine()) : undefined
  }

  /** Internal: marks the session as spawning (launchVMProcess in progress). */
  _spawning(core: MachineCore): void {
    this._core = core
    this._type = SessionType.Remote
    this._state = SessionState.Spawning
  }

  /** Internal: called by the machine when the lock is gone. */
  _released(): void {
    this._core = undefined
    this.machine = undefined
    this.hosted = undefined
    this._type = SessionType.Null
    this._lockType = LockType.Null
    this._state = SessionState.Unlocked
  }
}

function stateText(state: SessionState): string {
  return Object.entries(SessionState).find(([, v]) => v === state)?.[0] ?? String(state)
}
