// Entry point of a VM process (VirtualBox's VBoxHeadless/VirtualBoxVM role): started by launchVMProcess, it loads
// the machine driver, runs the machine and answers Console calls from the service over the IPC channel.
import { toVBoxError } from '../api/errors'
import { loadMachineDriverFactory, type MachineDriver } from './machine-driver'
import type { VmMessage, VmMethods, VmRequest } from './vm-protocol'

let driver: MachineDriver | undefined
let stopping = false

function send(message: VmMessage): void {
  if (process.connected) process.send?.(message)
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
    await created.powerUp()
    driver = created
  },
  async powerDown() {
    stopping = true
    const d = driver
    driver = undefined
    await d?.powerDown()
    setImmediate(() => process.exit(0))
  },
  pause: () => running().pause(),
  resume: () => running().resume(),
  reset: () => running().reset(),
  powerButton: () => running().powerButton(),
  getScreenResolution: (screenId) => running().getScreenResolution(screenId),
  takeScreenshot: (screenId) => running().takeScreenshot(screenId),
  setVideoModeHint: (screenId, w, h, bpp) => running().setVideoModeHint(screenId, w, h, bpp),
  putScancodes: (codes) => running().putScancodes(codes),
  getMouseCapabilities: () => ({ absolute: running().mouseAbsoluteSupported, relative: true }),
  putMouseEvent: (dx, dy, dz, dw, b) => running().putMouseEvent(dx, dy, dz, dw, b),
  putMouseEventAbsolute: (x, y, dz, dw, b) => running().putMouseEventAbsolute(x, y, dz, dw, b),
}

function running(): MachineDriver {
  if (!driver) throw new Error('The machine is not running')
  return driver
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
  stopping = true
  void Promise.resolve(driver?.powerDown()).finally(() => process.exit(0))
})

const usageTimer = setInterval(() => {
  const cpu = process.cpuUsage()
  send({ type: 'usage', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss })
}, 1000)
usageTimer.unref()

send({ type: 'ready', pid: process.pid })
