// noVNC (the npm package @novnc/novnc) in headless Chromium, driven by playwright-core, connects to the VNC
// server over WebSocket and renders the display source; its canvas must equal the source pixels.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, normalize } from 'node:path'
import { MemoryDisplaySource, VncServer } from '@boxwood/vrde'
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { waitFor } from './helpers/image'
import { RecordingInputSink } from '../../../packages/vrde/test/helpers/recording-input'
import { drawTestPattern } from './helpers/test-pattern'

const novncRoot = dirname(dirname(createRequire(import.meta.url).resolve('@novnc/novnc')))

const PAGE = `<!doctype html><html><body style="margin:0"><div id="screen"></div><script type="module">
import RFB from '/novnc/core/rfb.js'
const port = new URLSearchParams(location.search).get('port')
const rfb = new RFB(document.getElementById('screen'), 'ws://127.0.0.1:' + port)
rfb.addEventListener('connect', () => { window.vncConnected = true })
rfb.addEventListener('disconnect', (e) => { window.vncDisconnected = String(e.detail.clean) })
window.rfb = rfb
</script></body></html>`

/** Serves the test page and noVNC's files on 127.0.0.1. */
async function serveStatic(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
      return
    }
    const rel = normalize(url.pathname.replace(/^\/novnc\//, ''))
    if (!url.pathname.startsWith('/novnc/') || rel.startsWith('..')) {
      res.writeHead(404).end()
      return
    }
    readFile(join(novncRoot, rel)).then(
      (data) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(data),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 }
}

describe('noVNC in headless Chromium', () => {
  it('renders the screen over WebSocket', async () => {
    const display = new MemoryDisplaySource(256, 192)
    drawTestPattern(display, 5)
    const input = new RecordingInputSink()
    const vnc = new VncServer(
      { properties: { 'TCP/Ports': '5960-5999', 'WebSocket/Ports': '5700-5799' } },
      display,
      input,
    )
    const { webSocketPort } = await vnc.start()
    const web = await serveStatic()
    const profile = await mkdtemp(join(tmpdir(), 'boxwood-chromium-'))
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      await page.goto(`http://127.0.0.1:${web.port}/?port=${webSocketPort}`)
      await page.waitForFunction(() => (window as unknown as { vncConnected?: boolean }).vncConnected === true, null, {
        timeout: 20_000,
      })
      const { stride } = display.mode
      const fb = display.framebuffer()
      const matches = async () => {
        const rgba: number[] = await page.evaluate(() => {
          const canvas = document.querySelector('#screen canvas') as HTMLCanvasElement | null
          if (!canvas || canvas.width !== 256) return []
          return Array.from(canvas.getContext('2d')?.getImageData(0, 0, 256, 192).data ?? [])
        })
        if (rgba.length !== 256 * 192 * 4) return false
        for (let y = 0; y < 192; y++) {
          for (let x = 0; x < 256; x++) {
            const i = (y * 256 + x) * 4
            const s = y * stride + x * 4
            if (rgba[i] !== fb[s + 2] || rgba[i + 1] !== fb[s + 1] || rgba[i + 2] !== fb[s]) return false
          }
        }
        return true
      }
      // The waits only bound a hang: each check reads the canvas back through the browser (a 192 K-element array),
      // which took seconds in a CI run with every test suite beside it (the incremental update missed 10 s there).
      expect(await waitFor(matches, 40_000, 300)).toBe(true)
      // A change after connecting arrives too (incremental update).
      display.fillRect(10, 10, 50, 30, 0x3366cc)
      expect(await waitFor(matches, 40_000, 200)).toBe(true)

      // Keyboard and mouse from the browser: noVNC sends QEMU extended key events (scancodes) and pointer events.
      // noVNC centres its canvas in the page: click relative to where it is.
      const box = await page.locator('#screen canvas').boundingBox()
      await page.mouse.click((box?.x ?? 0) + 40, (box?.y ?? 0) + 25)
      expect(await waitFor(() => input.pointer.some((p) => p.buttons === 1), 15_000)).toBe(true)
      expect(input.pointer.find((p) => p.buttons === 1)).toMatchObject({ kind: 'abs', x: 40, y: 25 })
      input.scancodes.length = 0
      await page.keyboard.press('KeyA')
      await page.keyboard.press('ArrowLeft')
      expect(await waitFor(() => input.scancodes.length >= 6, 15_000)).toBe(true)
      expect(input.scancodes).toEqual([0x1e, 0x9e, 0xe0, 0x4b, 0xe0, 0xcb])
    } finally {
      await context.close()
      await rm(profile, { recursive: true, force: true })
      web.server.close()
      await vnc.stop()
    }
  })
})
