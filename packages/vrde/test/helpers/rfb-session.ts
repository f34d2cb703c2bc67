// Opens an RfbConnection over a MemoryTransport, past the handshake (RFB 3.8, security None, shared), for tests
// that drive the protocol directly.
import { DisplayHub } from '../../src/display/display-hub'
import type { MemoryDisplaySource } from '../../src/display/memory-display'
import { RfbConnection } from '../../src/rfb/rfb-connection'
import { LoginThrottle } from '../../src/server/login-throttle'
import { SessionRegistry } from '../../src/server/session-registry'
import { MemoryTransport } from './memory-transport'
import type { RecordingInputSink } from './recording-input'

/** A connection to `display` whose client has sent ProtocolVersion, security type None and ClientInit. */
export function openRfbSession(display: MemoryDisplaySource, input: RecordingInputSink): MemoryTransport {
  const t = new MemoryTransport()
  new RfbConnection(
    t,
    {
      hub: new DisplayHub(display),
      input,
      registry: new SessionRegistry({ allowMultiConnection: true, reuseSingleConnection: false, maxConnections: 4 }),
      throttle: new LoginThrottle(1),
      log: () => {},
      stats: { bytesSent: 0, bytesReceived: 0 },
      onConnectionClosed: () => {},
    },
    { desktopName: 'test', handshakeTimeoutMs: 10_000 },
  )
  t.feed(Buffer.from('RFB 003.008\n'))
  t.feed(Buffer.from([1, 1])) // security None, shared
  return t
}
