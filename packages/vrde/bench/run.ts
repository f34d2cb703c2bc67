// VRDE benchmark (`pnpm --filter @boxwood/vrde bench`): a 1024×768×32 display served over VNC and RDP to a client
// in a child process, for text scrolling, full-screen changes and small cursor moves, closed loop (the next
// frame is drawn when the client has received the previous one). Reports frames per second, bytes per frame and
// server CPU per frame (this process: server + the cheap frame drawing), plus the cost of an idle screen. QEMU's
// built-in VNC server is measured on full-screen refreshes of its own (text-mode) screen next to ours.
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MemoryDisplaySource, createVrdeServer } from '../src/index'
import type { VrdeServer } from '../src/index'
import { RecordingInputSink } from '../test/helpers/recording-input'

const W = 1024
const H = 768
const SECONDS = Number(process.env.BOXWOOD_BENCH_SECONDS ?? 3)
/** Runs per scenario (the scenario's seconds are split between them). */
const REPEATS = Math.max(1, Number(process.env.BOXWOOD_BENCH_REPEATS ?? 3))
const certDir = mkdtempSync(join(tmpdir(), 'vrde-bench-'))
const here = fileURLToPath(new URL('.', import.meta.url))

interface Row {
  server: string
  scenario: string
  fps: string
  bytesPerFrame: string
  cpuMsPerFrame: string
}
const rows: Row[] = []

/** Desktop-like frames: gradients, text-like blocks and a photo-like noisy area. */
function makeFrames(n: number): Uint8Array[] {
  const frames: Uint8Array[] = []
  for (let k = 0; k < n; k++) {
    const fb = new Uint8Array(W * H * 4)
    let s = k * 7919 + 1
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 4
        if (y < 200) {
          fb[o] = (x + k * 40) & 0xff
          fb[o + 1] = (y + k * 10) & 0xff
          fb[o + 2] = (x ^ y) & 0xff
        } else if (y < 600) {
          const on = ((x >> 3) * 13 + (y >> 4) * 7 + k) % 5 !== 0 && ((x * 5 + y * 3) & 7) < 3
          fb[o] = fb[o + 1] = fb[o + 2] = on ? 230 : 30
        } else if (x < 700) {
          fb[o] = 200
          fb[o + 1] = 80 + k
          fb[o + 2] = 40
        } else {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0
          fb[o] = s >>> 24
          fb[o + 1] = (s >>> 16) & 0xff
          fb[o + 2] = (s >>> 8) & 0xff
        }
      }
    }
    frames.push(fb)
  }
  return frames
}

const FRAMES = makeFrames(6)
const TEXT_LINE = (() => {
  const line = new Uint8Array(W * 16 * 4)
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < W; x++) {
      const on = y > 2 && y < 13 && ((x >> 3) * 7 + y) % 3 === 0 && (x & 7) < 6
      line.fill(on ? 220 : 16, (y * W + x) * 4, (y * W + x) * 4 + 3)
    }
  return line
})()

/** Median of per-run figures with their range, e.g. `11.20 (10.90–12.40)`. */
function spread(values: number[]): string {
  const v = [...values].sort((a, b) => a - b)
  const median = v[Math.floor(v.length / 2)] as number
  return v.length === 1
    ? median.toFixed(2)
    : `${median.toFixed(2)} (${(v[0] as number).toFixed(2)}–${(v[v.length - 1] as number).toFixed(2)})`
}

type Step = (d: MemoryDisplaySource, i: number) => void

const SCENARIOS: Record<string, Step> = {
  'text scrolling': (d, i) => {
    d.copyRect(0, 16, 0, 0, W, H - 16)
    const fb = d.framebuffer()
    fb.set(TEXT_LINE, (H - 16) * W * 4)
    // Vary the new line so consecutive lines differ.
    fb.fill((i * 37) & 0xff, (H - 16) * W * 4, (H - 16) * W * 4 + (i % 64) * 4)
    d.invalidate(0, H - 16, W, 16)
  },
  'full-screen change': (d, i) => {
    d.framebuffer().set(FRAMES[i % FRAMES.length] as Uint8Array)
    d.invalidate()
  },
  'cursor moves (16×16)': (d, i) => {
    const x = (i * 7) % (W - 16)
    const y = (i * 5) % (H - 16)
    d.invalidate(Math.max(0, x - 7), Math.max(0, y - 5), 16, 16)
    d.fillRect(x, y, 16, 16, i & 1 ? 0xffffff : 0x000000)
  },
}

interface ClientHandle {
  child: ChildProcess
  bytes: number
}

function startClient(kind: string, port: number): Promise<ClientHandle> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'bench-client-main.ts'), [kind, String(port)], {
      execArgv: ['--import', 'tsx', '--conditions=@boxwood/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const h: ClientHandle = { child, bytes: 0 }
    child.on('message', (m: { bytes: number }) => {
      h.bytes = m.bytes
      resolve(h)
    })
    child.once('exit', (code) => reject(new Error(`bench client exited ${code}`)))
  })
}

async function caughtUp(server: VrdeServer, client: ClientHandle, before: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  await new Promise((r) => setImmediate(r)) // let the server schedule its update
  for (;;) {
    const sent = server.info.bytesSent
    if (sent > before && client.bytes >= sent) return
    if (Date.now() > end) throw new Error(`client did not catch up: sent ${sent}, received ${client.bytes}`)
    // Sleep, don't spin: a busy wait here would be counted as server CPU.
    await new Promise((r) => setTimeout(r, 1))
  }
}

async function measure(protocol: 'vnc' | 'rdp', scenario: string, step: Step): Promise<void> {
  const display = new MemoryDisplaySource(W, H)
  display.framebuffer().set(FRAMES[0] as Uint8Array)
  const server = createVrdeServer(
    {
      extPack: protocol === 'vnc' ? 'VNC' : '',
      properties: { 'TCP/Ports': protocol === 'vnc' ? '15900-15999' : '13900-13999' },
      certificateDir: certDir,
      logger: () => {},
    },
    display,
    new RecordingInputSink(),
  )
  const { port } = await server.start()
  const client = await startClient(protocol === 'vnc' ? 'rfb' : 'rdp', port)
  try {
    await caughtUp(server, client, 0)
    await new Promise((r) => setTimeout(r, 300))
    // Several runs, each timed by this process's CPU (server + frame drawing), not wall time: the machine is
    // shared, and the median of the runs with their range says more than one run.
    const bytes0 = server.info.bytesSent
    const perFrame: number[] = []
    let frames = 0
    let wall = 0
    for (let run = 0; run < REPEATS; run++) {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      let n = 0
      while (performance.now() - t0 < (SECONDS * 1000) / REPEATS) {
        const before = server.info.bytesSent
        step(display, frames + n + 1)
        await caughtUp(server, client, before)
        n++
      }
      wall += performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      perFrame.push((cpu.user + cpu.system) / 1000 / n)
      frames += n
    }
    rows.push({
      server: `boxwood ${protocol.toUpperCase()}`,
      scenario,
      fps: (frames / (wall / 1000)).toFixed(1),
      bytesPerFrame: Math.round((server.info.bytesSent - bytes0) / frames).toLocaleString('en'),
      cpuMsPerFrame: spread(perFrame),
    })
    // Idle: nothing changes for a second (after half a second for the garbage of the busy phase to be collected).
    await new Promise((r) => setTimeout(r, 500))
    const idleBytes = server.info.bytesSent
    const idleCpu = process.cpuUsage()
    await new Promise((r) => setTimeout(r, 1000))
    const ic = process.cpuUsage(idleCpu)
    if (scenario === 'full-screen change') {
      rows.push({
        server: `boxwood ${protocol.toUpperCase()}`,
        scenario: 'idle (1 s)',
        fps: '0',
        bytesPerFrame: `${server.info.bytesSent - idleBytes} B total`,
        cpuMsPerFrame: `${((ic.user + ic.system) / 1000).toFixed(2)} ms total`,
      })
    }
  } finally {
    client.child.kill()
    await server.stop()
  }
}

/** Full-screen refreshes (non-incremental requests) against an RFB server; CPU of `pid` from /proc, or ours. */
async function measureFullRefresh(label: string, port: number, pid: number | null): Promise<void> {
  const client = await startClient('rfb-full', port)
  const child = client.child
  let updates = 0
  child.on('message', (m: { updates: number }) => (updates = m.updates))
  await new Promise((r) => setTimeout(r, 500))
  const u0 = updates
  const b0 = client.bytes
  const cpuOf = () => {
    if (pid === null) {
      const c = process.cpuUsage()
      return (c.user + c.system) / 1000
    }
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100 // utime + stime in clock ticks (USER_HZ = 100)
  }
  const c0 = cpuOf()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  const n = updates - u0
  rows.push({
    server: label,
    scenario: 'full refresh (720×400 text screen)',
    fps: (n / ((performance.now() - t0) / 1000)).toFixed(1),
    bytesPerFrame: n ? Math.round((client.bytes - b0) / n).toLocaleString('en') : '-',
    cpuMsPerFrame: n ? ((cpuOf() - c0) / n).toFixed(2) : '-',
  })
  child.kill()
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const a = s.address()
  const port = typeof a === 'object' && a ? a.port : 0
  await new Promise((r) => s.close(r))
  return port
}

async function qemuComparison(): Promise<void> {
  let port = await freePort()
  while (port < 5900) port = await freePort()
  const qemu = spawn(
    'qemu-system-i386',
    [
      '-display',
      'none',
      '-nodefaults',
      '-vga',
      'std',
      '-m',
      '32',
      '-vnc',
      `127.0.0.1:${port - 5900}`,
      '-boot',
      'menu=off',
    ],
    { stdio: 'ignore' },
  )
  try {
    await new Promise((r) => setTimeout(r, 1500)) // SeaBIOS reaches "No bootable device"
    await measureFullRefresh('QEMU VNC (qemu-system-i386 -vnc)', port, qemu.pid ?? null)
  } catch (err) {
    rows.push({
      server: 'QEMU VNC',
      scenario: `not measured: ${String(err)}`,
      fps: '-',
      bytesPerFrame: '-',
      cpuMsPerFrame: '-',
    })
  } finally {
    qemu.kill()
  }
  // Ours on a comparable screen: 720×400, text-like content.
  const display = new MemoryDisplaySource(720, 400)
  const fb = display.framebuffer()
  for (let y = 0; y < 400; y++)
    for (let x = 0; x < 720; x++) {
      const on = y % 16 > 2 && y % 16 < 13 && ((x >> 3) * 7 + (y >> 4)) % 3 === 0 && (x & 7) < 6
      fb.fill(on ? 170 : 0, (y * 720 + x) * 4, (y * 720 + x) * 4 + 3)
    }
  const server = createVrdeServer(
    { extPack: 'VNC', properties: { 'TCP/Ports': '15900-15999' }, logger: () => {} },
    display,
    new RecordingInputSink(),
  )
  const { port: ours } = await server.start()
  await measureFullRefresh('boxwood VNC', ours, null)
  await server.stop()
}

for (const protocol of ['vnc', 'rdp'] as const) {
  for (const [name, step] of Object.entries(SCENARIOS)) await measure(protocol, name, step)
}
await qemuComparison()
rmSync(certDir, { recursive: true, force: true })

console.log(
  `\nVRDE benchmark: ${W}×${H}×32, ${SECONDS} s per scenario in ${REPEATS} runs (CPU: median and range of the runs), closed loop (client in a child process)\n`,
)
console.log('| server | scenario | frames/s | bytes/frame | server CPU ms/frame |')
console.log('|---|---|---:|---:|---:|')
for (const r of rows)
  console.log(`| ${r.server} | ${r.scenario} | ${r.fps} | ${r.bytesPerFrame} | ${r.cpuMsPerFrame} |`)
