// RDP server against FreeRDP 2 (xfreerdp under Xvfb, /sec:tls): the client window shows exactly the source
// pixels (planar at 32 bpp, interleaved RLE at 16 and 24 bpp), xdotool keys and clicks arrive at the input sink as set 1
// scancodes and absolute positions, and a guest mode change reaches the client (deactivation–reactivation).
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MemoryDisplaySource, PasswordStore, RdpServer } from '@boxwood/vrde'
import type { VrdeSettings } from '@boxwood/vrde'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countMismatches, screenshotRoot, waitFor } from './helpers/image'
import { RecordingInputSink } from '../../../packages/vrde/test/helpers/recording-input'
import { drawTestPattern } from './helpers/test-pattern'
import { startXvfb, stopProcess } from './helpers/xvfb'
import type { Xvfb } from './helpers/xvfb'

const run = promisify(execFile)
let certDir = ''

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'boxwood-rdp-cert-'))
})
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true })
})

interface Session {
  readonly x: Xvfb
  readonly client: ChildProcess
  readonly output: () => string
  readonly env: NodeJS.ProcessEnv
}

async function connect(port: number, screen: { w: number; h: number }, extra: string[] = []): Promise<Session> {
  const x = await startXvfb(screen.w, screen.h)
  const env = { ...process.env, DISPLAY: x.display, HOME: certDir }
  let out = ''
  const client = spawn(
    'xfreerdp',
    [`/v:127.0.0.1:${port}`, '/sec:tls', '/cert:ignore', '/f', '-grab-keyboard', '/log-level:WARN', ...extra],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  client.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  client.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  return { x, client, env, output: () => out }
}

async function close(s: Session): Promise<void> {
  await stopProcess(s.client)
  await s.x.stop()
}

function serverSettings(extra: Partial<VrdeSettings> = {}): VrdeSettings {
  return { properties: { 'TCP/Ports': '3400-3499' }, certificateDir: certDir, logger: () => {}, ...extra }
}

/** Index of `needle` as a contiguous run inside `hay`, or -1. */
function indexOfRun(hay: readonly number[], needle: readonly number[]): number {
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((v, k) => hay[i + k] === v)) return i
  return -1
}

describe('xfreerdp /sec:tls', () => {
  it('shows the source pixels, delivers keys, clicks and wheel, and follows a resize', async () => {
    const display = new MemoryDisplaySource(480, 360)
    drawTestPattern(display, 21)
    const input = new RecordingInputSink()
    const logs: string[] = []
    const server = new RdpServer(serverSettings({ logger: (l, m) => logs.push(`${l} ${m}`) }), display, input)
    const { port } = await server.start()
    const s = await connect(port, { w: 480, h: 360 }, ['/u:tester', '/p:none'])
    try {
      const shown = await waitFor(
        async () => countMismatches(display, await screenshotRoot(s.x.display, 480)) === 0,
        30_000,
        300,
      )
      expect(shown, s.output()).toBe(true)

      // An incremental change.
      display.fillRect(100, 100, 90, 70, 0x12ab34)
      expect(
        await waitFor(async () => countMismatches(display, await screenshotRoot(s.x.display, 480)) === 0, 10_000),
      ).toBe(true)

      input.scancodes.length = 0
      await run('xdotool', ['key', '--delay', '60', 'a', 'b', 'Insert'], { env: s.env })
      const keys = [0x1e, 0x9e, 0x30, 0xb0, 0xe0, 0x52, 0xe0, 0xd2]
      expect(await waitFor(() => indexOfRun(input.scancodes, keys) >= 0, 5000), JSON.stringify(input.scancodes)).toBe(
        true,
      )

      input.pointer.length = 0
      await run('xdotool', ['mousemove', '123', '45', 'click', '1', 'click', '4'], { env: s.env })
      expect(await waitFor(() => input.pointer.some((p) => p.dz !== 0), 5000)).toBe(true)
      expect(input.pointer.find((p) => p.buttons === 1)).toMatchObject({ kind: 'abs', x: 123, y: 45 })
      expect(input.pointer.find((p) => p.dz !== 0)).toMatchObject({ dz: -1, buttons: 0 })

      // Guest mode change: 480×360 → 400×300; the client re-activates and shows the new picture.
      display.setMode(400, 300)
      drawTestPattern(display, 22)
      const resized = await waitFor(async () => {
        const shot = await screenshotRoot(s.x.display, 480)
        return countMismatches(display, shot) === 0 || countMismatches(display, shot, 40, 30) === 0
      }, 20_000)
      expect(resized, s.output()).toBe(true)
    } finally {
      await close(s)
      await server.stop()
    }
  })

  for (const bpp of [16, 24] as const) {
    it(`serves a ${bpp} bpp session (interleaved RLE) to a /bpp:${bpp} client`, async () => {
      const display = new MemoryDisplaySource(320, 240)
      drawTestPattern(display, 31)
      display.fillRect(20, 20, 200, 60, 0x2060a0) // a flat area that RLE must compress
      const server = new RdpServer(serverSettings(), display, new RecordingInputSink())
      const { port } = await server.start()
      const s = await connect(port, { w: 320, h: 240 }, [`/bpp:${bpp}`])
      try {
        // RGB565 keeps 5/6/5 bits: compare with a tolerance of the lost low bits; 24 bpp is exact.
        const tolerance = bpp === 16 ? 8 : 0
        const shown = await waitFor(
          async () => countMismatches(display, await screenshotRoot(s.x.display, 320), 0, 0, tolerance) === 0,
          30_000,
          300,
        )
        expect(shown, s.output()).toBe(true)
        // Compressed: well under the uncompressed size of one screen.
        expect(server.info.bytesSent).toBeLessThan(320 * 240 * (bpp / 8) * 0.85)
      } finally {
        await close(s)
        await server.stop()
      }
    })
  }

  it('checks External auth against the password store and refuses a wrong password', async () => {
    const display = new MemoryDisplaySource(320, 240)
    drawTestPattern(display, 41)
    const store = PasswordStore.inMemory()
    await store.setPassword('alice', 'right-horse')
    const logs: string[] = []
    const server = new RdpServer(
      serverSettings({ authType: 'External', authenticator: store, logger: (l, m) => logs.push(`${l} ${m}`) }),
      display,
      new RecordingInputSink(),
    )
    const { port } = await server.start()
    const bad = await connect(port, { w: 320, h: 240 }, ['/u:alice', '/p:wrong'])
    try {
      const exited = await new Promise<number | null>((resolve) => bad.client.once('exit', (code) => resolve(code)))
      expect(exited).not.toBe(0)
      expect(logs.some((l) => /login failed for user "alice"/.test(l))).toBe(true)
    } finally {
      await close(bad)
    }
    const good = await connect(port, { w: 320, h: 240 }, ['/u:alice', '/p:right-horse'])
    try {
      expect(
        await waitFor(
          async () => countMismatches(display, await screenshotRoot(good.x.display, 320)) === 0,
          30_000,
          300,
        ),
      ).toBe(true)
    } finally {
      await close(good)
      await server.stop()
    }
  })
})
