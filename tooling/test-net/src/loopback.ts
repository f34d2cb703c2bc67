// Loopback TCP helpers for tests that start servers (VRDE, serial TCP, boxsvc clients) on 127.0.0.1: pick a port
// nobody listens on, probe whether a port accepts connections, and connect to a port that is still being opened.
import { connect, createServer, type Socket } from 'node:net'

/** The loopback address every helper uses (tests bind their servers there too). */
const HOST = '127.0.0.1'

/** A TCP port nobody listens on right now (the kernel picks it; another process may take it later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      if (typeof address !== 'object' || address === null) {
        server.close(() => reject(new Error(`freePort: no TCP address for a listening server (${String(address)})`)))
        return
      }
      server.close(() => resolve(address.port))
    })
  })
}

/** True when 127.0.0.1:`port` accepts a TCP connection (the connection is closed at once). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Connects to 127.0.0.1:`port`, which may not be listening yet (a VM process opens it while starting): retries
 * every 100 ms and rejects with the last connection error once `timeoutMs` has passed.
 */
export async function connectWithRetry(port: number, timeoutMs = 20_000): Promise<Socket> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const socket = connect(port, HOST)
    const error = await new Promise<Error | undefined>((resolve) =>
      socket.once('connect', () => resolve(undefined)).once('error', resolve),
    )
    if (!error) return socket
    socket.destroy()
    if (Date.now() > deadline) throw error
    await new Promise((r) => setTimeout(r, 100))
  }
}
