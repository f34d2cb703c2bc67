// Socket serial modes (VirtualBox PortMode_TCP and PortMode_HostPipe, DrvTCP.cpp / DrvNamedPipe.cpp): a TCP or
// Unix-domain socket, as a server (one client at a time, later clients are refused while one is connected) or
// as a client.
import { connect, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { once } from 'node:events'
import { StreamCharBackend } from './serial-stream'
import type { NodeCharBackend } from './serial-stream'

/** Where a socket serial port listens or connects. */
export type SocketAddress = { readonly port: number; readonly host?: string } | { readonly path: string }

/** A server-mode socket backend; `address` is known once `ready` resolves (port 0 picks a free port). */
export interface SocketServerSerial extends NodeCharBackend {
  readonly address: { readonly port?: number; readonly path?: string }
}

/** Listens on `address`; the connected client is the other end of the guest's serial line. */
export function createSocketServerSerial(address: SocketAddress): SocketServerSerial {
  let client: Socket | undefined
  const backend = new StreamCharBackend(() => {
    client?.destroy()
    server.close()
  })
  const server: Server = createServer((socket) => {
    if (client && !client.destroyed) {
      socket.destroy()
      return
    }
    client = socket
    socket.setNoDelay?.(true)
    backend.attach(socket, socket)
    socket.on('close', () => {
      if (client === socket) {
        client = undefined
        backend.detach()
      }
    })
  })
  if ('path' in address) server.listen(address.path)
  else server.listen(address.port, address.host ?? '127.0.0.1')
  const ready = once(server, 'listening').then(() => undefined)
  backend.ready = ready
  return Object.defineProperty(backend, 'address', {
    get() {
      const a = server.address()
      if (typeof a === 'string') return { path: a }
      return a ? { port: a.port } : {}
    },
  }) as unknown as SocketServerSerial
}

/** Connects to `address`; bytes the guest writes before the connection is up are dropped. */
export function createSocketClientSerial(address: SocketAddress): NodeCharBackend {
  const backend = new StreamCharBackend(() => socket.destroy())
  const socket: Socket = 'path' in address ? connect(address.path) : connect(address.port, address.host ?? '127.0.0.1')
  socket.on('error', () => backend.detach())
  backend.ready = once(socket, 'connect').then(() => {
    socket.setNoDelay?.(true)
    backend.attach(socket, socket)
  })
  return backend
}
