// What every protocol connection of a server shares: the display fan-out, the input sink, the connection policy,
// login throttling, logging and traffic counters.
import type { InputSink } from '@boxwood/devices'
import type { DisplayHub } from '../display/display-hub'
import type { VrdeLogger } from '../log'
import type { LoginThrottle } from './login-throttle'
import type { SessionRegistry } from './session-registry'

/** Traffic counters of a server (VirtualBox IVRDEServerInfo bytesSent/bytesReceived). */
export interface TrafficStats {
  bytesSent: number
  bytesReceived: number
}

/** Shared state handed to each connection. */
export interface ServerContext {
  readonly hub: DisplayHub
  readonly input: InputSink
  readonly registry: SessionRegistry
  readonly throttle: LoginThrottle
  readonly log: VrdeLogger
  readonly stats: TrafficStats
  /** Called when a connection ends (for the server's bookkeeping). */
  readonly onConnectionClosed: (conn: object) => void
}

/**
 * A connection keeps at most this many bytes in flight before it stops encoding updates for its client. The
 * display is read again when the client catches up, so a slow client gets fewer, fresher frames.
 */
export const SEND_HIGH_WATER = 256 * 1024
