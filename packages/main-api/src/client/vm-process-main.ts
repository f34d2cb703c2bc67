// Entry point of a VM process (VirtualBox's VBoxHeadless/VirtualBoxVM role): started by launchVMProcess, it loads
// the machine driver, runs the machine with its remote display server, and answers Console calls from whichever
// service is connected to its control socket. It keeps running when its service goes away and serves the next one.
import { chmodSync, unlinkSync } from 'node:fs'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createServer, type Socket } from 'node:net'
import { toVBoxError, VBoxError } from '../api/errors'
import type { VideoModeHint } from '../api/interfaces'
import { captureRgba } from './framebuffer'
import { loadMachineDriverFactory, type MachineDriver } from './machine-driver'
import { frameReader, sendFrame } from './vm-channel'
import type { VmMessage, VmMethods, VmRequest } from './vm-protocol'
import type { VrdeSettings } from '../settings/machine-settings'
import { startVrde, type VmVrde } from './vm-vrde'

function arg(name: string): string {
  const index = process.argv.indexOf(name)
  const value = index >= 0 ? process.argv[index + 1] : undefined
  if (!value) throw new Error(`usage: vm-process --startvm <uuid> --socket <path> [--frontend <name>]`)
  return value
}

const machineId = arg('--startvm')
const socketPath = arg('--socket')
const frontend = process.argv.includes('--frontend') ? arg('--frontend') : 'headless'
/**
 * How long a running VM waits for a service to re-attach after losing its own (ms, default 10 s; 0 = forever).
 * A bounded wait keeps a VM whose frontend or service is gone for good from running unattended.
 */
const orphanTimeoutMs = Number(process.env.BOXWOOD_VM_ORPHAN_TIMEOUT_MS ?? 10_000)

let driver: MachineDriver | undefined
let paused = false
let vrde: VmVrde = { server: undefined, error: undefined }
let vrdeSettings: VrdeSettings | undefined
let stopping = false
let controller: Socket | undefined
let orphanTimer: NodeJS.Timeout | undefined
/** The last video mode hint per screen (IDisplay.setVideoModeHint / getVideoModeHint). */
const videoModeHints = new Map<number, VideoModeHint>()
const NO_VIDEO_MODE_HINT: VideoModeHint = {
  enabled: true,
  changeOrigin: false,
  originX: 0,
  originY: 0,
  width: 0,
  height: 0,
  bitsPerPixel: 0,
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} VM ${machineId}: ${message}\n`)
}

function send(message: VmMessage): void {
  if (controller && !controller.destroyed) sendFrame(controller, message)
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

function exit(code: number): void {
  try {
    unlinkSync(socketPath)
  } catch {
    // already gone
  }
  process.exit(code)
}

type Handler = (...args: never[]) => unknown
const handlers: {
  [K in keyof VmMethods]: (
    ...args: Parameters<VmMethods[K]>
  ) => Promise<ReturnType<VmMethods[K]>> | ReturnType<VmMethods[K]>
} = {
  async powerUp(config) {
    if (driver) throw new VBoxError('VBOX_E_INVALID_VM_STATE', 'The machine is already running', 'Console')
    const factory = await loadMachineDriverFactory()
    const created = await factory(config)
    created.onEvent((event) => send({ type: 'event', event }))
    created.display?.subscribe({
      onModeChange: (mode) =>
        send({ type: 'event', event: { kind: 'resolution', screenId: 0, width: mode.width, height: mode.height } }),
    })
    const saved = config.stateFilePath ? new Uint8Array(await readFile(config.stateFilePath)) : undefined
    await created.powerUp(saved)
    driver = created
    log('powered up')
    vrdeSettings = config.settings.hardware.vrde
    vrde = await startVrde(vrdeSettings, created.display, created.input)
    if (vrde.error) log(`VRDE: ${vrde.error}`)
    if (vrde.server) log(`VRDE server is listening on port ${vrde.server.info.port}`)
  },
  async powerDown() {
    await shutdown()
    log('powered down')
    setImmediate(() => exit(0))
  },
  async saveState(path) {
    const d = running()
    if (!d.saveState) throw new VBoxError('VBOX_E_NOT_SUPPORTED', 'This machine cannot save its state', 'Console')
    const state = await d.saveState()
    await mkdir(dirname(path), { recursive: true })
    const temp = `${path}.tmp`
    const file = await open(temp, 'w', 0o600)
    try {
      await file.writeFile(state)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
    await shutdown()
    log(`state saved to ${path}`)
    setImmediate(() => exit(0))
  },
  async pause() {
    await running().pause()
    paused = true
  },
  async resume() {
    await running().resume()
    paused = false
  },
  reset: () => running().reset(),
  powerButton: () => running().powerButton(),
  getScreenResolution: () => {
    const mode = display().mode
    const bpp = { x8r8g8b8: 32, r8g8b8: 24, r5g6b5: 16, x1r5g5b5: 15, indexed8: 8 }[mode.format]
    return { width: mode.width, height: mode.height, bitsPerPixel: bpp }
  },
  takeScreenshot: () => captureRgba(display()),
  setVideoModeHint: (screenId, hint) => {
    const d = running()
    videoModeHints.set(screenId, hint)
    // Like VirtualBox without guest additions: the hint is kept (and readable back); only a guest that can
    // take hints acts on it.
    if (hint.enabled && d.setVideoModeHint) d.setVideoModeHint(screenId, hint.width, hint.height, hint.bitsPerPixel)
  },
  getVideoModeHint: (screenId) => {
    running()
    return videoModeHints.get(screenId) ?? NO_VIDEO_MODE_HINT
  },
  putScancodes: (codes) => {
    input().putScancodes(codes)
    return codes.length
  },
  getMouseCapabilities: () => ({ absolute: input().absoluteSupported, relative: true }),
  putMouseEvent: (dx, dy, dz, dw, b) => input().putPointerRelative(dx, dy, dz, dw, b),
  // IMouse.putMouseEventAbsolute counts from [1,1]; the input contract from (0,0).
  putMouseEventAbsolute: (x, y, dz, dw, b) => input().putPointerAbsolute(x - 1, y - 1, dz, dw, b),
  async setVRDE(settings) {
    // Console::i_onVRDEServerChange: stop the server, start it with the new settings; if that fails, go back to
    // the previous settings and report the error (the service then reverts its copy too).
    const d = running()
    await vrde.server?.stop().catch(() => undefined)
    vrde = await startVrde(settings, d.display, d.input)
    if (vrde.error) {
      const failed = vrde.error
      log(`VRDE: cannot apply the new settings: ${failed}`)
      vrde = vrdeSettings ? await startVrde(vrdeSettings, d.display, d.input) : { server: undefined, error: undefined }
      throw new VBoxError('E_FAIL', `The remote display server could not be started: ${failed}`, 'Console')
    }
    vrdeSettings = settings
    log(vrde.server ? `VRDE server is listening on port ${vrde.server.info.port}` : 'VRDE server stopped')
  },
  getVRDEServerInfo: () => {
    const info = vrde.server?.info
    if (info) return { active: info.active, port: info.port, numberOfClients: info.numberOfClients }
    return { active: false, port: vrde.error ? 0 : -1, numberOfClients: 0 }
  },
}

function onRequest(socket: Socket, message: VmRequest): void {
  if (message?.type !== 'request') return
  const handler = handlers[message.method] as Handler | undefined
  const reply = (m: VmMessage) => {
    if (!socket.destroyed) sendFrame(socket, m)
  }
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`Unknown VM process call '${message.method}'`)
      return handler(...(message.args as never[]))
    })
    .then(
      (result) => reply({ type: 'response', id: message.id, ok: true, result: result ?? null }),
      (error: unknown) =>
        reply({ type: 'response', id: message.id, ok: false, error: toVBoxError(error, 'Console').toErrorInfo() }),
    )
}

function armOrphanTimer(): void {
  if (orphanTimer) clearTimeout(orphanTimer)
  orphanTimer = undefined
  if (orphanTimeoutMs > 0 && !controller)
    orphanTimer = setTimeout(() => {
      log('no service for too long: powering off')
      void shutdown().finally(() => exit(0))
    }, orphanTimeoutMs)
}

// One controlling service at a time: a new connection (a restarted service) replaces the old one.
const server = createServer((socket) => {
  controller?.destroy()
  controller = socket
  armOrphanTimer()
  socket.on(
    'data',
    frameReader(
      (m) => onRequest(socket, m as VmRequest),
      () => socket.destroy(),
    ),
  )
  socket.on('error', () => socket.destroy())
  socket.on('close', () => {
    if (controller !== socket) return
    controller = undefined
    if (!stopping) {
      // Before power-up nobody else can take over the machine: a vanished launcher ends the process.
      if (!driver) exit(1)
      log('service disconnected; the VM keeps running and waits for the next service')
      armOrphanTimer()
    }
  })
  sendFrame(socket, {
    type: 'hello',
    pid: process.pid,
    machineId,
    status: driver ? (paused ? 'paused' : 'running') : 'created',
    frontend,
  } satisfies VmMessage)
})

try {
  unlinkSync(socketPath)
} catch {
  // no stale socket
}
server.listen(socketPath, () => {
  chmodSync(socketPath, 0o600)
  log(`control socket ${socketPath}`)
})
server.on('error', (error) => {
  log(`cannot listen on ${socketPath}: ${error.message}`)
  exit(1)
})

// A launcher that never connects (it died right after spawning us) must not leave us behind.
setTimeout(() => {
  if (!driver && !controller) exit(1)
}, 60_000).unref()

const usageTimer = setInterval(() => {
  const cpu = process.cpuUsage()
  send({ type: 'usage', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss })
}, 1000)
usageTimer.unref()

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    log(`${signal}: powering off`)
    void shutdown().finally(() => exit(0))
  })
