// IConsole and its children IDisplay/IKeyboard/IMouse for a running VM: state transitions and events on the service
// side, the work done in the VM process (VirtualBox src-client ConsoleImpl.cpp, DisplayImpl.cpp, KeyboardImpl.cpp,
// MouseImpl.cpp; vbox-api.md §1.4, §2.4–2.6).
import { VBoxError } from '../api/errors'
import { VBoxEventType } from '../api/event-types'
import type { IConsole, IDisplay, IEventSource, IKeyboard, IMachine, IMouse, IProgress } from '../api/interfaces'
import type { IVRDEServerInfo, ScreenResolution, VideoModeHint } from '../api/interfaces'
import { BitmapFormat, GuestMonitorStatus, MachineState } from '../api/machine-enums'
import { EventSourceImpl } from '../events/event-source'
import { ApiObject } from '../server/api-object'
import type { MachineCore } from '../server/machine-core'
import { stateName } from '../server/machine-core'
import { runProgress } from '../server/progress'
import type { MachineDriverEvent } from './machine-driver'
import { encodePng, scaleRgba } from './png'
import type { VmProcessHandle } from './vm-launch'

/** The console of one running VM. */
export class ConsoleImpl extends ApiObject implements IConsole {
  readonly interfaceName = 'IConsole'
  readonly _events: EventSourceImpl
  readonly _core: MachineCore
  readonly _vm: VmProcessHandle
  private powerButtonHandled = false

  /** `events`: the event source to fire on (a VM-locked session's console keeps one across power-ups). */
  constructor(core: MachineCore, vm: VmProcessHandle, events = new EventSourceImpl()) {
    super()
    this._core = core
    this._vm = vm
    this._events = events
  }

  async getMachine(): Promise<IMachine> {
    return this._core.vbox._viewOf(this._core)
  }
  async getState() {
    return this._core.state
  }
  async getDisplay(): Promise<IDisplay> {
    return new DisplayImpl(this)
  }
  async getKeyboard(): Promise<IKeyboard> {
    return new KeyboardImpl(this)
  }
  async getMouse(): Promise<IMouse> {
    return new MouseImpl(this)
  }
  async getEventSource(): Promise<IEventSource> {
    return this._events
  }
  async getVRDEServerInfo(): Promise<IVRDEServerInfo> {
    if (this._core.state === MachineState.Stopping) return { active: false, port: -1, numberOfClients: 0 }
    return this._vm.call('getVRDEServerInfo')
  }
  async powerUp(): Promise<IProgress> {
    throw new VBoxError(
      'VBOX_E_INVALID_VM_STATE',
      `Cannot power up the machine '${this._core.name}' because it is already running (machine state: ${stateName(this._core.state)})`,
      'Console',
    )
  }
  async powerDown(): Promise<IProgress> {
    const core = this._core
    const allowed: MachineState[] = [MachineState.Running, MachineState.Paused, MachineState.Stuck]
    if (!allowed.includes(core.state))
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `Invalid machine state: ${stateName(core.state)} (must be Running, Paused or Stuck)`,
        'Console',
      )
    core.setState(MachineState.Stopping)
    this._vm.expectingExit = true
    return runProgress(
      `Powering off machine '${core.name}'`,
      [{ description: 'Powering off', weight: 1 }],
      async () => {
        try {
          await this._vm.call('powerDown')
        } catch (error) {
          // The process may die while stopping; what matters is that it is gone.
          if (!(error instanceof VBoxError && error.code === 'VBOX_E_VM_ERROR')) throw error
        }
        await this._vm.exitedPromise()
        if (core.state === MachineState.Stopping) core.setState(MachineState.PoweredOff)
      },
      { initiator: 'Console' },
    )
  }
  async reset() {
    this.requireState([MachineState.Running, MachineState.Paused], 'reset')
    await this._vm.call('reset')
  }
  async pause() {
    this.requireState([MachineState.Running], 'pause')
    await this._vm.call('pause')
    this._core.setState(MachineState.Paused)
  }
  async resume() {
    this.requireState([MachineState.Paused], 'resume')
    await this._vm.call('resume')
    this._core.setState(MachineState.Running)
  }
  async powerButton() {
    this.requireState([MachineState.Running], 'send the power button event')
    this.powerButtonHandled = await this._vm.call('powerButton')
  }
  async getPowerButtonHandled() {
    return this.powerButtonHandled
  }

  /** Internal: throws VBOX_E_INVALID_VM_STATE unless the machine is in one of `states`. */
  _requireRunning(what: string): void {
    this.requireState([MachineState.Running, MachineState.Paused], what)
  }
  private requireState(states: MachineState[], what: string): void {
    if (!states.includes(this._core.state))
      throw new VBoxError(
        'VBOX_E_INVALID_VM_STATE',
        `Cannot ${what}: invalid machine state ${stateName(this._core.state)}`,
        'Console',
      )
  }

  /** Internal: mirrors machine state changes on the console's own event source (OnStateChanged). */
  _stateChanged(state: MachineState): void {
    this._events._fire({ type: VBoxEventType.OnStateChanged, machineId: this._core.id, state })
  }

  /** Internal: the VRDE server was restarted with new settings (Console::i_onVRDEServerChange fires both). */
  _vrdeChanged(): void {
    this._events._fire({ type: VBoxEventType.OnVRDEServerChanged })
    this._events._fire({ type: VBoxEventType.OnVRDEServerInfoChanged })
  }

  /** Internal: handles an event from the machine driver. */
  _driverEvent(event: MachineDriverEvent): void {
    const core = this._core
    if (event.kind === 'guruMeditation') {
      core.setState(MachineState.Stuck)
      this._events._fire({
        type: VBoxEventType.OnRuntimeError,
        fatal: true,
        errorId: 'GuruMeditation',
        message: event.message,
      })
    } else if (event.kind === 'poweredOff') {
      // The guest turned itself off: stop the VM process like a power-down.
      if (core.state === MachineState.Running || core.state === MachineState.Paused)
        void this.powerDown().catch(() => undefined)
    } else if (event.kind === 'resolution') {
      this._events._fire({
        type: VBoxEventType.OnGuestMonitorChanged,
        changeType: 0,
        screenId: event.screenId,
        originX: 0,
        originY: 0,
        width: event.width,
        height: event.height,
      })
    }
  }
}

/** IDisplay of a running VM. */
export class DisplayImpl extends ApiObject implements IDisplay {
  readonly interfaceName = 'IDisplay'
  private readonly console: ConsoleImpl
  constructor(console: ConsoleImpl) {
    super()
    this.console = console
  }
  async getScreenResolution(screenId: number): Promise<ScreenResolution> {
    this.checkScreen(screenId)
    this.console._requireRunning('query the screen resolution')
    const r = await this.console._vm.call('getScreenResolution', screenId)
    return { ...r, xOrigin: 0, yOrigin: 0, guestMonitorStatus: GuestMonitorStatus.Enabled }
  }
  async takeScreenShotToArray(screenId: number, width: number, height: number, format: number): Promise<Uint8Array> {
    this.checkScreen(screenId)
    this.console._requireRunning('take a screenshot')
    const formats: number[] = [BitmapFormat.PNG, BitmapFormat.RGBA, BitmapFormat.BGRA, BitmapFormat.BGR0]
    if (!formats.includes(format))
      throw new VBoxError('E_INVALIDARG', `Unsupported screenshot format 0x${format.toString(16)}`, 'Display')
    if (width < 0 || height < 0 || width > 16384 || height > 16384)
      throw new VBoxError('E_INVALIDARG', `Invalid screenshot size ${width}x${height}`, 'Display')
    const shot = await this.console._vm.call('takeScreenshot', screenId)
    const w = width === 0 ? shot.width : width
    const h = height === 0 ? shot.height : height
    const rgba = scaleRgba(shot.rgba, shot.width, shot.height, w, h)
    if (format === BitmapFormat.PNG) return encodePng(w, h, rgba)
    if (format === BitmapFormat.RGBA) return rgba
    const out = new Uint8Array(rgba.length)
    for (let i = 0; i < rgba.length; i += 4) {
      out[i] = rgba[i + 2] as number
      out[i + 1] = rgba[i + 1] as number
      out[i + 2] = rgba[i] as number
      out[i + 3] = format === BitmapFormat.BGR0 ? 0 : (rgba[i + 3] as number)
    }
    return out
  }
  async setVideoModeHint(
    display: number,
    enabled: boolean,
    changeOrigin: boolean,
    originX: number,
    originY: number,
    width: number,
    height: number,
    bitsPerPixel: number,
    notify: boolean,
  ) {
    void notify
    this.checkScreen(display)
    this.console._requireRunning('set a video mode hint')
    const hint: VideoModeHint = { enabled, changeOrigin, originX, originY, width, height, bitsPerPixel }
    await this.console._vm.call('setVideoModeHint', display, hint)
  }
  async getVideoModeHint(display: number): Promise<VideoModeHint> {
    this.checkScreen(display)
    this.console._requireRunning('read the video mode hint')
    return this.console._vm.call('getVideoModeHint', display)
  }
  private checkScreen(screenId: number) {
    const monitors = this.console._core.settings.hardware.monitorCount
    if (!Number.isInteger(screenId) || screenId < 0 || screenId >= monitors)
      throw new VBoxError(
        'E_INVALIDARG',
        `Invalid screen ID ${screenId} (the machine has ${monitors} monitors)`,
        'Display',
      )
  }
}

/** IKeyboard of a running VM. */
export class KeyboardImpl extends ApiObject implements IKeyboard {
  readonly interfaceName = 'IKeyboard'
  private readonly console: ConsoleImpl
  constructor(console: ConsoleImpl) {
    super()
    this.console = console
  }
  async putScancode(scancode: number) {
    await this.putScancodes([scancode])
  }
  async putScancodes(scancodes: number[]): Promise<number> {
    this.console._requireRunning('send keyboard input')
    for (const code of scancodes)
      if (!Number.isInteger(code) || code < 0 || code > 0xff)
        throw new VBoxError('E_INVALIDARG', `Invalid scancode ${code}`, 'Keyboard')
    return this.console._vm.call('putScancodes', scancodes)
  }
  async putCAD() {
    // Ctrl (1d), Alt (38), Del (e0 53) make, then breaks in reverse order.
    await this.putScancodes([0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d])
  }
  async releaseKeys() {
    this.console._requireRunning('release keys')
  }
}

/** IMouse of a running VM. */
export class MouseImpl extends ApiObject implements IMouse {
  readonly interfaceName = 'IMouse'
  private readonly console: ConsoleImpl
  constructor(console: ConsoleImpl) {
    super()
    this.console = console
  }
  async getAbsoluteSupported() {
    this.console._requireRunning('query the mouse')
    return (await this.console._vm.call('getMouseCapabilities')).absolute
  }
  async getRelativeSupported() {
    this.console._requireRunning('query the mouse')
    return (await this.console._vm.call('getMouseCapabilities')).relative
  }
  async putMouseEvent(dx: number, dy: number, dz: number, dw: number, buttonState: number) {
    this.console._requireRunning('send mouse input')
    await this.console._vm.call('putMouseEvent', dx, dy, dz, dw, buttonState)
  }
  async putMouseEventAbsolute(x: number, y: number, dz: number, dw: number, buttonState: number) {
    this.console._requireRunning('send mouse input')
    await this.console._vm.call('putMouseEventAbsolute', x, y, dz, dw, buttonState)
  }
}
