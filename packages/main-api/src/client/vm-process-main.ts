// Entry point of a VM process (VirtualBox's VBoxHeadless/VirtualBoxVM role): started by launchVMProcess, it loads
// the machine driver, runs the machine with its remote display server, and answers Console calls from the service
// over the IPC channel.
import { toVBoxError, VBoxError } from '../api/errors'
import { captureRgba } from './framebuffer'
import { loadMachineDriverFactory, type MachineDriver } from './machine-driver'
import type { VmMessage, VmMethods, VmRequest } from './vm-protocol'
import { startVrde, type VmVrde } from './vm-vrde'

let driver: MachineDriver | undefined
let vrde: VmVrde = { server: undefined, error: undefined }
let stopping = false

function send(message: VmMessage): void {
  if (process.connected) process.send?.(message)
}

function running(): MachineDriver {
  if (!driver) throw new VBoxError('VBOX_E_INVALID_VM_STATE', 'The machine is not running', 'Console')
  return driver
}

function display() {
  const d = running().display
  if (!d) throw new VBoxError('VBOX_E_NOT_SUPPORTED', 'The machine has no graphics device', 'Display')
  return d
}

function input() {
  const i = running().input
  if (!i) throw new VBoxError('VBOX_E_NOT_SUPPORTED', 'The machine has no keyboard or mouse device', 'Keyboard')
  return i
}

async function shutdown(): Promise<void> {
  stopping = true
  const d = driver
  driver = undefined
  await vrde.server?.stop().catch(() => undefined)
  await d?.powerDown()
}

type Handler = (...args: never[]) => unknown
const handlers: {
  [K in keyof VmMethods]: (
    ...args: Parameters<VmMethods[K]>
  ) => Promise<ReturnType<VmMethods[K]>> | ReturnType<VmMethods[K]>
} = {
  async powerUp(config) {
    const factory = await loadMachineDriverFactory()
    const created = await factory(config)
    created.onEvent((event) => send({ type: 'event', event }))
    created.display?.subscribe({
      onModeChange: (mode) =>
        send({ type: 'event', event: { kind: 'resolution', screenId: 0, width: mode.width, height: mode.height } }),
    })
    await created.powerUp()
    driver = created
    vrde = await startVrde(config.settings.hardware.vrde, created.display, created.input)
    if (vrde.error) process.stderr.write(`VRDE: ${vrde.error}\n`)
    if (vrde.server) process.stdout.write(`VRDE server is listening on port ${vrde.server.info.port}\n`)
  },
  async powerDown() {
    await shutdown()
    setImmediate(() => process.exit(0))
  },
  pause: () => running().pause(),
  resume: () => running().resume(),
  reset: () => running().reset(),
  powerButton: () => running().powerButton(),
  getScreenResolution: () => {
    const mode = display().mode
    const bpp = { x8r8g8b8: 32, r8g8b8: 24, r5g6b5: 16, x1r5g5b5: 15, indexed8: 8 }[mode.format]
    return { width: mode.width, height: mode.height, bitsPerPixel: bpp }
  },
  takeScreenshot: () => captureRgba(display()),
  setVideoModeHint: (screenId, w, h, bpp) => {
    const d = running()
    if (!d.setVideoModeHint)
      throw new VBoxError('VBOX_E_NOT_SUPPORTED', 'The guest does not take video mode hints', 'Display')
    d.setVideoModeHint(screenId, w, h, bpp)
  },
  putScancodes: (codes) => {
    input().putScancodes(codes)
    return codes.length
  },
  getMouseCapabilities: () => ({ absolute: input().absoluteSupported, relative: true }),
  putMouseEvent: (dx, dy, dz, dw, b) => input().putPointerRelative(dx, dy, dz, dw, b),
  // IMouse.putMouseEventAbsolute counts from [1,1]; the input contract from (0,0).
  putMouseEventAbsolute: (x, y, dz, dw, b) => input().putPointerAbsolute(x - 1, y - 1, dz, dw, b),
  getVRDEServerInfo: () => {
    const info = vrde.server?.info
    if (info) return { active: info.active, port: info.port, numberOfClients: info.numberOfClients }
    return { active: false, port: vrde.error ? 0 : -1, numberOfClients: 0 }
  },
}

process.on('message', (message: VmRequest) => {
  if (message?.type !== 'request') return
  const handler = handlers[message.method] as Handler | undefined
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`Unknown VM process call '${message.method}'`)
      return handler(...(message.args as never[]))
    })
    .then(
      (result) => send({ type: 'response', id: message.id, ok: true, result: result ?? null }),
      (error: unknown) =>
        send({ type: 'response', id: message.id, ok: false, error: toVBoxError(error, 'Console').toErrorInfo() }),
    )
})

// Without its service the VM cannot be controlled: power it off cleanly rather than run orphaned.
process.on('disconnect', () => {
  if (stopping) return
  void shutdown().finally(() => process.exit(0))
})

const usageTimer = setInterval(() => {
  const cpu = process.cpuUsage()
  send({ type: 'usage', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss })
}, 1000)
usageTimer.unref()

send({ type: 'ready', pid: process.pid })
