// The RDP flavour of the VRDE server (VirtualBox's default VRDP): TLS-only RDP on the first free configured port.
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import type { DisplaySource, InputSink } from '@boxwood/devices'
import { bindAddress, checkAuth, parsePortList } from '../config/vrde-settings'
import type { VrdeSettings } from '../config/vrde-settings'
import { DisplayHub } from '../display/display-hub'
import { VrdeConfigError } from '../errors'
import { stderrLogger } from '../log'
import { listenFirstFree } from '../server/listen'
import { LoginThrottle } from '../server/login-throttle'
import type { ServerContext } from '../server/server-context'
import { SessionRegistry } from '../server/session-registry'
import type { VrdeServer, VrdeServerInfo } from '../server/vrde-server'
import { RdpConnection } from './rdp-connection'
import type { RdpOptions } from './rdp-connection'
import { defaultCertificateDir, loadTlsIdentity } from './tls-certificate'

/** Default RDP port when TCP/Ports is unset or 0. */
export const RDP_DEFAULT_PORT = 3389

/** Connections still in their handshake allowed at once, beyond the session limit. */
const MAX_PENDING = 64

/** An RDP server over TLS (Enhanced RDP Security). */
export class RdpServer implements VrdeServer {
  readonly protocol = 'rdp'
  readonly #settings: VrdeSettings
  readonly #ctx: ServerContext
  readonly #connections = new Set<RdpConnection>()
  #opts: RdpOptions | null = null
  #tcp: Server | null = null
  #port = -1
  #active = false

  constructor(settings: VrdeSettings, display: DisplaySource, input: InputSink) {
    checkAuth(settings)
    const method = settings.properties?.['Security/Method'] ?? 'Negotiate'
    if (!/^(negotiate|tls)$/i.test(method)) {
      throw new VrdeConfigError(`Security/Method ${method} is not supported: only TLS (Negotiate selects TLS)`)
    }
    if (settings.authType === 'External' && !settings.authenticator) {
      throw new VrdeConfigError('auth type External needs an authenticator (e.g. a PasswordStore)')
    }
    this.#settings = settings
    this.#ctx = {
      hub: new DisplayHub(display),
      input,
      registry: new SessionRegistry({
        allowMultiConnection: settings.allowMultiConnection ?? false,
        reuseSingleConnection: settings.reuseSingleConnection ?? false,
        maxConnections: settings.maxConnections ?? 16,
      }),
      throttle: new LoginThrottle(),
      log: settings.logger ?? stderrLogger,
      stats: { bytesSent: 0, bytesReceived: 0 },
      onConnectionClosed: (c) => this.#connections.delete(c as RdpConnection),
    }
  }

  get info(): VrdeServerInfo {
    return {
      active: this.#active,
      port: this.#port,
      address: bindAddress(this.#settings),
      webSocketPort: -1,
      numberOfClients: this.#ctx.registry.count,
      bytesSent: this.#ctx.stats.bytesSent,
      bytesReceived: this.#ctx.stats.bytesReceived,
    }
  }

  async start(): Promise<VrdeServerInfo> {
    if (this.#active) return this.info
    const s = this.#settings
    const { key, cert } = await loadTlsIdentity(s.properties ?? {}, s.certificateDir ?? defaultCertificateDir())
    this.#opts = {
      key,
      cert,
      ...(s.authType === 'External' && s.authenticator ? { authenticator: s.authenticator } : {}),
      handshakeTimeoutMs: Math.max(s.authTimeout ?? 5000, 10_000),
      compress: s.properties?.['Boxwood/BitmapCompression'] !== '0',
    }
    const address = bindAddress(s)
    const tcp = createServer((socket) => this.#accept(socket))
    this.#tcp = tcp
    try {
      this.#port = await listenFirstFree(tcp, parsePortList(s.properties?.['TCP/Ports'], RDP_DEFAULT_PORT), address)
    } catch (err) {
      this.#port = 0
      tcp.close()
      throw err
    }
    this.#active = true
    this.#ctx.log('info', `rdp: listening on ${address}:${this.#port}`)
    return this.info
  }

  async stop(): Promise<void> {
    this.#active = false
    for (const c of [...this.#connections]) c.disconnect('server stopped')
    this.#ctx.registry.disconnectAll('server stopped')
    const tcp = this.#tcp
    this.#tcp = null
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()))
  }

  #accept(socket: Socket): void {
    const opts = this.#opts
    if (!opts || this.#connections.size >= MAX_PENDING + (this.#settings.maxConnections ?? 16)) {
      this.#ctx.log('warn', `rdp ${socket.remoteAddress ?? '?'}: refused: too many connections`)
      socket.destroy()
      return
    }
    this.#connections.add(new RdpConnection(socket, this.#ctx, opts))
  }
}
