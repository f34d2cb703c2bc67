// The loopback helpers against real sockets: a free port really is bindable and unused, the probe tells a
// listening port from a closed one, and connectWithRetry waits for a late listener but not forever.
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { canConnect, connectWithRetry, freePort } from '../src/index'

const servers: Server[] = []

/** Starts a loopback server on `port` that counts its connections. */
function listen(port: number): Promise<{ server: Server; accepted: () => number }> {
  let count = 0
  const server = createServer((socket) => {
    count++
    socket.destroy()
  })
  servers.push(server)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve({ server, accepted: () => count }))
  })
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => (s.listening ? close(s) : Promise.resolve())))
})

describe('freePort', () => {
  it('returns a port in the dynamic range that nobody listens on and that a server can bind', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    expect(port).toBeLessThan(65536)
    expect(await canConnect(port)).toBe(false)
    const { server } = await listen(port)
    expect(server.address()).toMatchObject({ port })
  })
})

describe('canConnect', () => {
  it('is true for a listening port (and really connects) and false once the server has closed', async () => {
    const port = await freePort()
    const { server, accepted } = await listen(port)
    expect(await canConnect(port)).toBe(true)
    await waitUntil(() => accepted() === 1)
    await close(server)
    expect(await canConnect(port)).toBe(false)
  })
})

describe('connectWithRetry', () => {
  it('waits for a listener that starts after the first attempts', async () => {
    const port = await freePort()
    const late = new Promise((resolve) => setTimeout(resolve, 350)).then(() => listen(port))
    const socket = await connectWithRetry(port, 10_000)
    const { accepted } = await late
    expect(socket.remotePort).toBe(port)
    socket.destroy()
    await waitUntil(() => accepted() === 1)
  })

  it('rejects with the connection error once the timeout has passed', async () => {
    const port = await freePort()
    const started = Date.now()
    await expect(connectWithRetry(port, 300)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
  })
})

/** Polls until `check` holds (the server's connection callback runs a turn after the client's). */
async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5))
}
