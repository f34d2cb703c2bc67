// The hard cap on connections of either server: clients still in their handshake count too (64 beyond the
// session limit), so a flood of idle sockets is refused at accept time — logged — and cannot exhaust the process.
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { RdpServer } from '../../src/rdp/rdp-server'
import { VncServer } from '../../src/rfb/vnc-server'
import type { VrdeServer } from '../../src/server/vrde-server'
import { RecordingInputSink } from '../helpers/recording-input'
import { until } from '../helpers/until'

let certDir = ''
beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'vrde-limit-test-'))
})
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true })
})

/** Opens `n` sockets that never say anything; resolves once all are connected. */
async function idleSockets(port: number, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s))
          s.once('error', reject)
        }),
    ),
  )
}

describe.each(['vnc', 'rdp'] as const)('%s server connection cap', (kind) => {
  it('refuses sockets beyond 64 pending plus the session limit, and serves again when they leave', async () => {
    const logs: string[] = []
    const common = {
      maxConnections: 1,
      allowMultiConnection: true,
      authTimeout: 60_000,
      logger: (_level: string, message: string) => void logs.push(message),
    }
    const display = new MemoryDisplaySource(8, 8)
    const server: VrdeServer =
      kind === 'vnc'
        ? new VncServer({ ...common, properties: { 'TCP/Ports': '13580-13589' } }, display, new RecordingInputSink())
        : new RdpServer(
            { ...common, properties: { 'TCP/Ports': '13590-13599' }, certificateDir: certDir },
            display,
            new RecordingInputSink(),
          )
    const { port } = await server.start()
    const held = await idleSockets(port, 65)
    try {
      const extra = await idleSockets(port, 1)
      const closed = new Promise<boolean>((resolve) => (extra[0] as Socket).once('close', () => resolve(true)))
      expect(await until(() => logs.some((l) => /refused: too many connections/.test(l)))).toBe(true)
      expect(await closed).toBe(true)
      expect(logs.filter((l) => /too many connections/.test(l))).toHaveLength(1)
      // Once the flood leaves, a new client is accepted again.
      for (const s of held) s.destroy()
      await new Promise((r) => setTimeout(r, 200))
      const again = await idleSockets(port, 1)
      await new Promise((r) => setTimeout(r, 200))
      expect(logs.filter((l) => /too many connections/.test(l))).toHaveLength(1)
      again[0]?.destroy()
    } finally {
      for (const s of held) s.destroy()
      await server.stop()
    }
  })
})
