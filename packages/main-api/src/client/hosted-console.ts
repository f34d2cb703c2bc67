// IConsole of a session that holds LockType.VM: the console exists before the VM runs, powerUp starts it, and the
// other calls go to the running VM (VirtualBox creates Console in the locking process for LockType_VM;
// SessionImpl.cpp, ConsoleImpl.cpp; vbox-api.md §1.2).
import { VBoxError } from '../api/errors'
import type { IConsole, IDisplay, IEventSource, IKeyboard, IMachine, IMouse, IProgress } from '../api/interfaces'
import type { IVRDEServerInfo } from '../api/interfaces'
import { EventSourceImpl } from '../events/event-source'
import { ApiObject } from '../server/api-object'
import type { MachineCore } from '../server/machine-core'
import { stateName } from '../server/machine-core'
import { ConsoleImpl } from './console'
import { powerUpHosted } from './vm-launch'

/** The console a VM-locked session hands out; one per lock, with one event source across power-ups. */
export class HostedConsoleImpl extends ApiObject implements IConsole {
  readonly interfaceName = 'IConsole'
  readonly _core: MachineCore
  private readonly machine: () => Promise<IMachine>
  private readonly events = new EventSourceImpl()

  constructor(core: MachineCore, machine: () => Promise<IMachine>) {
    super()
    this._core = core
    this.machine = machine
  }

  /** The console of the VM this session started, or VBOX_E_INVALID_VM_STATE. */
  private running(what: string): ConsoleImpl {
    const console = this._core.vm?.console
    if (!(console instanceof ConsoleImpl))
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `Cannot ${what}: the machine is not running (machine state: ${stateName(this._core.state)})`,
        'Console',
      )
    return console
  }

  async getMachine() {
    return this.machine()
  }
  async getState() {
    return this._core.state
  }
  async getEventSource(): Promise<IEventSource> {
    return this.events
  }
  async powerUp(): Promise<IProgress> {
    return powerUpHosted(this._core, this.events)
  }
  async getDisplay(): Promise<IDisplay> {
    return this.running('get the display').getDisplay()
  }
  async getKeyboard(): Promise<IKeyboard> {
    return this.running('get the keyboard').getKeyboard()
  }
  async getMouse(): Promise<IMouse> {
    return this.running('get the mouse').getMouse()
  }
  async getVRDEServerInfo(): Promise<IVRDEServerInfo> {
    const console = this._core.vm?.console
    return console ? console.getVRDEServerInfo() : { active: false, port: -1, numberOfClients: 0 }
  }
  async powerDown() {
    return this.running('power down').powerDown()
  }
  async reset() {
    await this.running('reset').reset()
  }
  async pause() {
    await this.running('pause').pause()
  }
  async resume() {
    await this.running('resume').resume()
  }
  async powerButton() {
    await this.running('send the power button event').powerButton()
  }
  async getPowerButtonHandled() {
    return this._core.vm ? this.running('query the power button').getPowerButtonHandled() : false
  }
}
