// The "Disconnected" serial port mode (VirtualBox PortMode_Disconnected): the UART exists, nothing is attached
// to the wire — output is discarded and no input ever arrives.
import { StreamCharBackend } from './serial-stream'
import type { NodeCharBackend } from './serial-stream'

/** A char backend with no peer. */
export function createDisconnectedSerial(): NodeCharBackend {
  return new StreamCharBackend()
}
