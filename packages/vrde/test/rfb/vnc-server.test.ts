// VncServer ports (VirtualBox's TCP/Ports): lists and ranges bind the first free port and report it; 0 or unset
// takes the first free VNC display port from 5900 up; a connecting RFB client finds the server on that port.
// Flow control: a client that keeps asking for updates but never reads neither stalls the others nor grows the
// server's memory.
import { connect, createServer } from 'node:net'
import type { Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { VNC_AUTO_PORTS, VncServer } from '../../src/rfb/vnc-server'
import { rfbBenchClient } from '../../bench/rfb-bench-client'
import { RecordingInputSink } from '../helpers/recording-input'
import { noise, until } from '../helpers/until'

/** Occupies `port` on loopback; resolves null when someone else already holds it (it is busy either way). */
async function occupy(port: number): Promise<Server | null> {
  const s = createServer()
  return new Promise((resolve) => {
    s.once('error', () => resolve(null))
    s.listen(port, '127.0.0.1', () => resolve(s))
  })
}

/** Reads the 12-byte RFB ProtocolVersion a server sends first. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1')
    let text = ''
    sock.on('data', (d) => {
      text += d.toString('latin1')
      if (text.length >= 12) {
        sock.destroy()
        resolve(text)
      }
    })
    sock.once('error', reject)
  })
}

function server(ports: string | undefined): VncServer {
  return new VncServer(
    { properties: ports === undefined ? {} : { 'TCP/Ports': ports }, logger: () => {} },
    new MemoryDisplaySource(8, 8),
    new RecordingInputSink(),
  )
}

describe('VncServer TCP/Ports', () => {
  it('binds the first free port of a list with ranges and reports it', async () => {
    const blockers = [await occupy(13560), await occupy(13562)]
    const vnc = server('13560,13562-13564')
    try {
      const info = await vnc.start()
      expect(info.port).toBe(13563)
      expect(vnc.info).toMatchObject({ active: true, port: 13563, address: '127.0.0.1' })
      expect(await greeting(13563)).toBe('RFB 003.008\n')
    } finally {
      await vnc.stop()
      for (const b of blockers) b?.close()
    }
  })

  it('takes the next free display port when TCP/Ports is 0 or unset and 5900 is busy', async () => {
    const blocker = await occupy(5900)
    const a = server('0')
    const b = server(undefined)
    try {
      const pa = (await a.start()).port
      const pb = (await b.start()).port
      for (const p of [pa, pb]) {
        expect(p).not.toBe(5900)
        expect(VNC_AUTO_PORTS).toContain(p)
        expect(await greeting(p)).toBe('RFB 003.008\n')
      }
      expect(pa).not.toBe(pb)
    } finally {
      await a.stop()
      await b.stop()
      blocker?.close()
    }
  })

  it('fails clearly when no port of the list is free, reporting port 0', async () => {
    const blocker = await occupy(13566)
    const vnc = server('13566')
    try {
      await expect(vnc.start()).rejects.toMatchObject({ code: 'NO_FREE_PORT' })
      expect(vnc.info.port).toBe(0)
    } finally {
      await vnc.stop()
      blocker?.close()
    }
  })
})

describe('VncServer with a client that never reads', () => {
  it('keeps serving a fast client, with bounded memory for the stalled one', async () => {
    const display = new MemoryDisplaySource(256, 192)
    noise(display, 1)
    const vnc = new VncServer(
      { properties: { 'TCP/Ports': '13570-13579' }, allowMultiConnection: true, logger: () => {} },
      display,
      new RecordingInputSink(),
    )
    const { port } = await vnc.start()
    // The stalled client writes its whole handshake blind (security None, Raw only), then asks for an update
    // every few milliseconds, but never reads a byte.
    const stalled = connect(port, '127.0.0.1')
    stalled.pause()
    stalled.on('error', () => {})
    const request = Buffer.from([3, 1, 0, 0, 0, 0, 1, 0, 0, 192])
    stalled.write(
      Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])]),
    )
    const nagging = setInterval(() => stalled.write(request), 3)
    const fast = await rfbBenchClient(port)
    try {
      await until(() => fast.bytes > 0)
      const frameBytes = 256 * 192 * 3 // ZRLE of noise: raw tiles, 3 bytes a pixel
      // The screen keeps changing until the fast client has had 20 frames' worth (at least 300 changes): how
      // many changes that takes depends on how busy the host is, not on the stalled client.
      const deadline = Date.now() + 40_000
      for (let i = 0; (i < 300 || fast.bytes <= 20 * frameBytes) && Date.now() < deadline; i++) {
        noise(display, i + 2)
        await new Promise((r) => setImmediate(r))
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      expect(await until(() => fast.bytes > 20 * frameBytes, 5_000)).toBe(true)
      // The stalled client got only what fits in socket buffers, one high-water mark and a frame: far from the
      // ~60 MB of 300 Raw frames.
      // Bytes still on their way to the fast client count as sent: wait until it has caught up (the difference
      // stops changing), so only what went to the stalled client remains.
      let sentToStalled = vnc.info.bytesSent - fast.bytes
      for (let stable = 0, i = 0; stable < 5 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50))
        const now = vnc.info.bytesSent - fast.bytes
        stable = now === sentToStalled ? stable + 1 : 0
        sentToStalled = now
      }
      expect(sentToStalled).toBeGreaterThan(256 * 192 * 4)
      expect(sentToStalled).toBeLessThan(12 * 1024 * 1024)
      expect(vnc.info.numberOfClients).toBe(2)
    } finally {
      clearInterval(nagging)
      stalled.destroy()
      fast.close()
      await vnc.stop()
    }
  }, 90_000)
})
