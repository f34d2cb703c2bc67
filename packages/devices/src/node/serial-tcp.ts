// TCP serial modes (VirtualBox PortMode_TCP with "server" on or off): thin names over the socket backends.
import { createSocketClientSerial, createSocketServerSerial } from './serial-socket'
import type { NodeCharBackend } from './serial-stream'
import type { SocketServerSerial } from './serial-socket'

/** Listens on TCP `port` (0 = any free port) at `host` (default 127.0.0.1). */
export function createTcpServerSerial(port: number, host = '127.0.0.1'): SocketServerSerial {
  return createSocketServerSerial({ port, host })
}

/** Connects to TCP `host:port`. */
export function createTcpClientSerial(port: number, host = '127.0.0.1'): NodeCharBackend {
  return createSocketClientSerial({ port, host })
}
