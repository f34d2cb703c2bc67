// Unix-domain socket serial mode (VirtualBox PortMode_HostPipe on Unix hosts): server or client on a path.
import { createSocketClientSerial, createSocketServerSerial } from './serial-socket'
import type { NodeCharBackend } from './serial-stream'
import type { SocketServerSerial } from './serial-socket'

/** Creates the socket at `path` and waits for one client. */
export function createUnixServerSerial(path: string): SocketServerSerial {
  return createSocketServerSerial({ path })
}

/** Connects to the Unix socket at `path`. */
export function createUnixClientSerial(path: string): NodeCharBackend {
  return createSocketClientSerial({ path })
}
