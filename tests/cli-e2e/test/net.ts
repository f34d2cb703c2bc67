// TCP helpers for the end-to-end tests: a port nobody listens on, a connect probe, and a connect that waits for a
// listener.
import { connect, createServer, type Socket } from 'node:net'

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** True when 127.0.0.1:`port` accepts a TCP connection. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Connects to a loopback port that may not be listening yet (the VM process opens it while starting). */
export async function connectWithRetry(port: number, timeoutMs = 20_000): Promise<Socket> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const socket = connect(port, '127.0.0.1')
    const error = await new Promise<Error | undefined>((resolve) =>
      socket.once('connect', () => resolve(undefined)).once('error', resolve),
    )
    if (!error) return socket
    socket.destroy()
    if (Date.now() > deadline) throw error
    await new Promise((r) => setTimeout(r, 100))
  }
}
