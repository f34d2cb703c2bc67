// VNC server against real viewers: vncsnapshot (RFB 3.3, Raw) captures the exact source frame, VNC auth accepts
// the right password and refuses a wrong one, and TigerVNC's viewer (RFB 3.8, ZRLE) shows the frame, follows a
// resolution change and delivers typed keys and clicks as scancodes and pointer events.
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MemoryDisplaySource, VncServer } from '@boxwood/vrde'
import type { VrdeLogger } from '@boxwood/vrde'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countMismatches, readImage, screenshotRoot, waitFor } from './helpers/image'
import { RecordingInputSink } from '../../../packages/vrde/test/helpers/recording-input'
import { rfbBenchClient } from '../../../packages/vrde/bench/rfb-bench-client'
import { drawTestPattern } from './helpers/test-pattern'
import { startTigerVnc } from './helpers/tigervnc'
import { startXvfb, stopProcess } from './helpers/xvfb'

const run = promisify(execFile)
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boxwood-vnc-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function collectingLogger(lines: string[]): VrdeLogger {
  return (level, message) => lines.push(`${level} ${message}`)
}

const JPEG_TOLERANCE = 6

/** Flat 16×16 blocks of distinct colours, aligned to JPEG's blocks so the lossy file still matches. */
function drawBlocks(d: MemoryDisplaySource): void {
  const { width, height } = d.mode
  for (let y = 0; y < height; y += 16) {
    for (let x = 0; x < width; x += 16) {
      d.fillRect(x, y, 16, 16, (((x * 3) & 0xff) << 16) | (((y * 5) & 0xff) << 8) | (((x + y) * 2) & 0xff))
    }
  }
}

/** vncsnapshot takes a display number: port − 5900. */
function vncTarget(port: number): string {
  return `127.0.0.1:${port - 5900}`
}

async function vncPasswordFile(password: string): Promise<string> {
  const file = join(dir, `pw-${password}`)
  const child = spawn('sh', ['-c', `vncpasswd -f > '${file}'`], { stdio: ['pipe', 'ignore', 'ignore'] })
  child.stdin.end(`${password}\n${password}\n`)
  await new Promise((r) => child.once('exit', r))
  return file
}

describe('vncsnapshot', () => {
  it('captures a frame equal to the source pixels from the port chosen in a TCP/Ports list', async () => {
    const display = new MemoryDisplaySource(320, 240)
    drawBlocks(display)
    // The first port of the list is taken: the server moves on to the next free one and reports it.
    const blocker = createServer()
    const blocked = await new Promise<number>((resolve) => {
      blocker.once('error', () => resolve(-1))
      blocker.listen(0, '127.0.0.1', () => {
        const a = blocker.address()
        resolve(typeof a === 'object' && a ? a.port : -1)
      })
    })
    expect(blocked).toBeGreaterThan(0)
    const server = new VncServer(
      { properties: { 'TCP/Ports': `${blocked},5960-5999` } },
      display,
      new RecordingInputSink(),
    )
    const { port } = await server.start()
    try {
      expect(port).toBeGreaterThanOrEqual(5960)
      expect(server.info.port).toBe(port)
      const out = join(dir, 'snap.png')
      await run('vncsnapshot', ['-quiet', '-quality', '100', vncTarget(port), out], { timeout: 20_000 })
      const image = await readImage(out)
      expect([image.width, image.height]).toEqual([320, 240])
      // vncsnapshot writes JPEG: flat 16×16 blocks survive it within a small tolerance.
      expect(countMismatches(display, image, 0, 0, JPEG_TOLERANCE)).toBe(0)
    } finally {
      await server.stop()
      blocker.close()
    }
  })

  it('logs in with the right VNC password and is refused with a wrong one', async () => {
    const display = new MemoryDisplaySource(64, 48)
    drawBlocks(display)
    const logs: string[] = []
    const server = new VncServer(
      {
        properties: { 'TCP/Ports': '5960-5999', VNCPassword: 'sesame' },
        logger: collectingLogger(logs),
        allowMultiConnection: true,
      },
      display,
      new RecordingInputSink(),
    )
    const { port } = await server.start()
    try {
      const good = join(dir, 'good.png')
      await run(
        'vncsnapshot',
        ['-quiet', '-quality', '100', '-passwd', await vncPasswordFile('sesame'), vncTarget(port), good],
        {
          timeout: 20_000,
        },
      )
      expect(countMismatches(display, await readImage(good), 0, 0, JPEG_TOLERANCE)).toBe(0)
      const bad = join(dir, 'bad.png')
      const result = await run('vncsnapshot', ['-passwd', await vncPasswordFile('wrong'), vncTarget(port), bad], {
        timeout: 20_000,
      }).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout?: string; stderr?: string }) => (e.stdout ?? '') + (e.stderr ?? ''),
      )
      expect(result).toMatch(/authentication failed/i)
      expect(logs.some((l) => /VNC authentication failed/.test(l))).toBe(true)
      // A second wrong password from the same host (a new connection, so a new source port) waits twice as long.
      await run('vncsnapshot', ['-passwd', await vncPasswordFile('wrong2'), vncTarget(port), bad], {
        timeout: 20_000,
      }).catch(() => undefined)
      const delays = logs.flatMap((l) => /VNC authentication failed; answering in (\d+) ms/.exec(l)?.[1] ?? [])
      expect(delays.map(Number)).toEqual([500, 1000])
    } finally {
      await server.stop()
    }
  })
})

describe('VRDE connection policy with vncsnapshot', () => {
  it('refuses a second client in single mode, replaces the first with reuse, and caps multi-connection mode', async () => {
    const display = new MemoryDisplaySource(64, 48)
    drawBlocks(display)
    const snap = join(dir, 'policy.png')
    const snapshot = () =>
      run('vncsnapshot', ['-quiet', '-quality', '100', vncTarget(port), snap], { timeout: 20_000 }).then(
        () => 'ok',
        () => 'failed',
      )
    let port = 0
    for (const [policy, expected] of [
      [{}, 'failed'],
      [{ reuseSingleConnection: true }, 'ok'],
      [{ allowMultiConnection: true, maxConnections: 1 }, 'failed'],
      [{ allowMultiConnection: true, maxConnections: 2 }, 'ok'],
    ] as const) {
      const logs: string[] = []
      const server = new VncServer(
        { properties: { 'TCP/Ports': '5960-5999' }, logger: collectingLogger(logs), ...policy },
        display,
        new RecordingInputSink(),
      )
      port = (await server.start()).port
      // The first client holds its session (a scripted RFB client that keeps asking for updates).
      const first = await rfbBenchClient(port)
      try {
        await waitFor(() => server.info.numberOfClients === 1, 5000)
        const outcome = await snapshot()
        expect(outcome, `${JSON.stringify(policy)}: ${logs.join(' | ')}`).toBe(expected)
        if (expected === 'failed') expect(logs.some((l) => /refused|REFUSED/.test(l))).toBe(true)
        if ('reuseSingleConnection' in policy) {
          expect(logs.some((l) => /replaced by a new client/.test(l))).toBe(true)
        }
      } finally {
        first.close()
        await server.stop()
      }
    }
  })
})

describe('TigerVNC viewer', () => {
  it('shows the frame (ZRLE) next to a second client, follows a resize and delivers keys and clicks', async () => {
    const display = new MemoryDisplaySource(400, 300)
    drawTestPattern(display, 11)
    const input = new RecordingInputSink()
    const server = new VncServer(
      { properties: { 'TCP/Ports': '5960-5999' }, allowMultiConnection: true },
      display,
      input,
    )
    const { port } = await server.start()
    const x = await startXvfb(400, 300)
    const env = { ...process.env, DISPLAY: x.display }
    const viewer = startTigerVnc(x.display, port)
    try {
      const shown = await waitFor(
        async () => countMismatches(display, await screenshotRoot(x.display, 400)) === 0,
        20_000,
        300,
      )
      expect(shown).toBe(true)

      // A second client at the same time (multi-connection): vncsnapshot gets the frame too.
      const snap = join(dir, 'second.png')
      await run('vncsnapshot', ['-quiet', '-quality', '100', vncTarget(port), snap], { timeout: 20_000 })
      expect((await readImage(snap)).width).toBe(400)
      expect(server.info.numberOfClients).toBeGreaterThanOrEqual(1)

      // Typing: a, b (plain keys), Insert (extended: E0 prefix) — TigerVNC sends QEMU extended key events.
      await run('xdotool', ['key', '--delay', '50', 'a', 'b', 'Insert'], { env })
      await waitFor(() => input.scancodes.length >= 8, 5000)
      expect(input.scancodes).toEqual([0x1e, 0x9e, 0x30, 0xb0, 0xe0, 0x52, 0xe0, 0xd2])

      await run('xdotool', ['mousemove', '123', '45', 'click', '1'], { env })
      await waitFor(() => input.pointer.some((p) => p.buttons === 1), 5000)
      const press = input.pointer.find((p) => p.buttons === 1)
      expect(press).toMatchObject({ kind: 'abs', x: 123, y: 45 })
      await waitFor(() => input.pointer.at(-1)?.buttons === 0, 5000)
      expect(input.pointer.at(-1)?.buttons).toBe(0)

      // A mode change reaches the viewer through DesktopSize: the full-screen window shows the new picture.
      display.setMode(320, 200)
      drawTestPattern(display, 12)
      // The full-screen viewer centres a framebuffer smaller than the screen.
      const resized = await waitFor(
        async () => countMismatches(display, await screenshotRoot(x.display, 400), 40, 50) === 0,
        20_000,
        300,
      )
      expect(resized).toBe(true)
    } finally {
      await stopProcess(viewer)
      await x.stop()
      await server.stop()
    }
  })
})
