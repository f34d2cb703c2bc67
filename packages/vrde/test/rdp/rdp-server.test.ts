import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { RdpServer } from '../../src/rdp/rdp-server'
import type { VrdeSettings } from '../../src/config/vrde-settings'
import { createVrdeServer } from '../../src/server/create-server'
import { VncServer } from '../../src/rfb/vnc-server'
import { activationSequence, dataPdu, fastPathKey, rdpTestClient } from '../helpers/rdp-client'
import { RecordingInputSink } from '../helpers/recording-input'
import { noise, until } from '../helpers/until'

let certDir = ''
beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'vrde-rdp-test-'))
})
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true })
})

function settings(extra: Partial<VrdeSettings> = {}, logs: string[] = []): VrdeSettings {
  return {
    properties: { 'TCP/Ports': '13400-13499' },
    certificateDir: certDir,
    logger: (l, m) => logs.push(`${l} ${m}`),
    ...extra,
  }
}

describe('RdpServer with a scripted client', () => {
  it('activates, sends the screen as fast-path bitmaps and takes fast-path keys', async () => {
    const display = new MemoryDisplaySource(256, 192)
    display.fillRect(0, 0, 256, 192, 0x336699)
    const input = new RecordingInputSink()
    const server = new RdpServer(settings(), display, input)
    const { port } = await server.start()
    const c = await rdpTestClient(port)
    try {
      expect(await until(() => c.fastPathPdus > 0)).toBe(true)
      c.send(fastPathKey(0x1d, false))
      c.send(fastPathKey(0x1d, true))
      expect(await until(() => input.scancodes.length === 2)).toBe(true)
      expect(input.scancodes).toEqual([0x1d, 0x9d])
      expect(server.info.numberOfClients).toBe(1)

      // Slow-path Input PDU: extended key down/up, a left click, a Synchronize turning Caps Lock on.
      const ev = (type: number, a: number, b: number, c: number) => {
        const e = Buffer.alloc(12)
        e.writeUInt16LE(type, 4)
        e.writeUInt16LE(a, 6)
        e.writeUInt16LE(b, 8)
        e.writeUInt16LE(c, 10)
        return e
      }
      const events = [
        ev(0x0004, 0x0100, 0x48, 0),
        ev(0x0004, 0x8100, 0x48, 0),
        ev(0x8001, 0x9000, 5, 6),
        ev(0x0000, 0, 4, 0),
      ]
      const head = Buffer.alloc(4)
      head.writeUInt16LE(events.length, 0)
      c.send(dataPdu(0x1c, Buffer.concat([head, ...events])))
      expect(await until(() => input.scancodes.length === 8)).toBe(true)
      expect(input.scancodes.slice(2)).toEqual([0xe0, 0x48, 0xe0, 0xc8, 0x3a, 0xba])
      expect(input.pointer).toEqual([{ kind: 'abs', x: 5, y: 6, dz: 0, dw: 0, buttons: 1 }])
    } finally {
      c.close()
      await server.stop()
    }
  })

  it('forwards pointer shapes, pointer warps and the guest keyboard LEDs', async () => {
    const display = new MemoryDisplaySource(128, 96)
    const input = new RecordingInputSink()
    const server = new RdpServer(settings(), display, input)
    const { port } = await server.start()
    const c = await rdpTestClient(port)
    try {
      expect(await until(() => c.fastPathPdus > 0)).toBe(true)
      const pixels = new Uint8Array(8 * 8 * 4).fill(255)
      display.setCursor({ width: 8, height: 8, hotX: 1, hotY: 1, pixels })
      expect(await until(() => c.updateCodes.includes(0xb))).toBe(true)
      display.setCursor(null)
      expect(await until(() => c.updateCodes.includes(0x5))).toBe(true)
      display.moveCursor(10, 20)
      expect(await until(() => c.updateCodes.includes(0x8))).toBe(true)
      // A scroll becomes a 20-byte ScrBlt order (fast-path Orders update), not pixels.
      const bytes = c.fastPathBytes
      display.copyRect(0, 8, 0, 0, 128, 88)
      expect(await until(() => c.updateCodes.includes(0x0))).toBe(true)
      expect(c.fastPathBytes - bytes).toBeLessThan(40)
      const before = c.dataPduTypes.filter((t) => t === 0x29).length
      input.setLeds({ numLock: true, capsLock: false, scrollLock: false })
      expect(await until(() => c.dataPduTypes.filter((t) => t === 0x29).length > before)).toBe(true)
    } finally {
      c.close()
      await server.stop()
    }
  })

  it('reactivates the client on a mode change (Deactivate All, Demand Active) and repaints', async () => {
    const display = new MemoryDisplaySource(128, 96)
    const input = new RecordingInputSink()
    const server = new RdpServer(settings(), display, input)
    const { port } = await server.start()
    const c = await rdpTestClient(port)
    try {
      expect(await until(() => c.fastPathPdus > 0)).toBe(true)
      expect(c.shareTypes.filter((t) => t === 1)).toHaveLength(1)
      display.setMode(64, 40)
      expect(await until(() => c.shareTypes.filter((t) => t === 1).length === 2)).toBe(true)
      expect(c.shareTypes.slice(-2)).toEqual([6, 1])
      // Keys the client sent before it saw the Deactivate All arrive now: dropped, not a reason to disconnect.
      c.send(fastPathKey(0x1e, false))
      c.send(dataPdu(0x1c, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0x1e, 0, 0, 0])))
      const before = c.fastPathPdus
      for (const pdu of activationSequence(64, 40).slice(7)) c.send(pdu) // Confirm Active … Font List again
      expect(await until(() => c.fastPathPdus > before)).toBe(true)
      expect(input.scancodes).toEqual([])
      c.send(fastPathKey(0x1e, false))
      expect(await until(() => input.scancodes.length > 0)).toBe(true)
      expect(input.scancodes).toEqual([0x1e])
    } finally {
      c.close()
      await server.stop()
    }
  })

  it('binds the first free port of the list and reports it', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(13550, '127.0.0.1', r))
    const server = new RdpServer(
      settings({ properties: { 'TCP/Ports': '13550,13551-13552' } }),
      new MemoryDisplaySource(8, 8),
      new RecordingInputSink(),
    )
    try {
      expect((await server.start()).port).toBe(13551)
      expect(server.info).toMatchObject({ active: true, port: 13551, address: '127.0.0.1' })
    } finally {
      await server.stop()
      blocker.close()
    }
  })

  it('refuses a second client in single-connection mode and replaces it with reuse', async () => {
    const display = new MemoryDisplaySource(64, 48)
    const logs: string[] = []
    const single = new RdpServer(settings({}, logs), display, new RecordingInputSink())
    const { port } = await single.start()
    const a = await rdpTestClient(port)
    try {
      await until(() => a.fastPathPdus > 0)
      const b = await rdpTestClient(port)
      await b.closed
      expect(logs.some((l) => /refused: another client is connected/.test(l))).toBe(true)
      expect(single.info.numberOfClients).toBe(1)
    } finally {
      a.close()
      await single.stop()
    }
    const reuse = new RdpServer(settings({ reuseSingleConnection: true }), display, new RecordingInputSink())
    const r = await reuse.start()
    const first = await rdpTestClient(r.port)
    try {
      await until(() => first.fastPathPdus > 0)
      const second = await rdpTestClient(r.port)
      await first.closed
      expect(await until(() => second.fastPathPdus > 0)).toBe(true)
      second.close()
    } finally {
      await reuse.stop()
    }
  })

  it('keeps serving a fast client while another never reads, with bounded memory for the stalled one', async () => {
    const display = new MemoryDisplaySource(256, 192)
    noise(display, 1)
    const server = new RdpServer(settings({ allowMultiConnection: true }), display, new RecordingInputSink())
    const { port } = await server.start()
    const stalled = await rdpTestClient(port)
    await until(() => stalled.fastPathPdus > 0)
    stalled.tls.pause() // never reads again: TCP buffers fill, the server's backlog stops growing
    const fast = await rdpTestClient(port)
    try {
      await until(() => fast.fastPathPdus > 0)
      const frameBytes = 256 * 192 * 4
      const frames = 300
      for (let i = 0; i < frames; i++) {
        noise(display, i + 2)
        await new Promise((r) => setImmediate(r))
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      await until(() => fast.fastPathBytes > 20 * frameBytes, 20_000)
      // The fast client kept getting frames …
      expect(fast.fastPathBytes).toBeGreaterThan(20 * frameBytes)
      // … while the stalled one was sent only what fits in socket buffers plus one high-water mark and a frame,
      // far from the ~60 MB that 300 queued frames would take.
      const sentToStalled = server.info.bytesSent - fast.fastPathBytes
      expect(sentToStalled).toBeLessThan(12 * 1024 * 1024)
    } finally {
      stalled.close()
      fast.close()
      await server.stop()
    }
  }, 60_000)
})

describe('createVrdeServer', () => {
  it('selects VNC for the "VNC" ext pack and RDP otherwise, and refuses Guest auth', () => {
    const d = new MemoryDisplaySource(8, 8)
    const i = new RecordingInputSink()
    expect(createVrdeServer({ extPack: 'VNC' }, d, i)).toBeInstanceOf(VncServer)
    expect(createVrdeServer({}, d, i)).toBeInstanceOf(RdpServer)
    expect(createVrdeServer({ extPack: 'Oracle VirtualBox Extension Pack' }, d, i).protocol).toBe('rdp')
    expect(() => createVrdeServer({ authType: 'Guest' }, d, i)).toThrow(/reserved/)
    expect(() => createVrdeServer({ authType: 'External' }, d, i)).toThrow(/authenticator/)
    expect(() => createVrdeServer({ extPack: 'VNC', authType: 'External' }, d, i)).toThrow(/VNCPassword/)
    expect(() => createVrdeServer({ properties: { 'Security/Method': 'RDP' } }, d, i)).toThrow(/only TLS/)
  })
})
