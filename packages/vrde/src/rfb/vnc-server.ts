// The VNC flavour of the VRDE server (VirtualBox's "VNC" extension pack): RFB over TCP and, for noVNC, over
// WebSocket, sharing one display source, input sink and connection policy.
import { createServer as createHttpServer } from 'node:http'
import type { IncomingMessage, Server as HttpServer } from 'node:http'
import { createServer } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Server, Socket } from 'node:net'
import type { DisplaySource, InputSink } from '@boxwood/devices'
import { WebSocketServer } from 'ws'
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
import { StreamTransport, WebSocketTransport } from '../transport/transport'
import type { Transport, WebSocketLike } from '../transport/transport'
import { RfbConnection } from './rfb-connection'
import type { RfbOptions } from './rfb-connection'

/** Default VNC port (display :0). */
export const VNC_DEFAULT_PORT = 5900

/**
 * Ports tried in order when TCP/Ports is unset or 0: displays :0 to :99, like the VNC extension pack's automatic
 * port (libvncserver's autoPort), so that several VMs with default settings each get one.
 */
export const VNC_AUTO_PORTS: readonly number[] = Array.from({ length: 100 }, (_, i) => VNC_DEFAULT_PORT + i)

/** Unauthenticated connections allowed at once (each is small, but a flood must not exhaust the process). */
const MAX_PENDING = 64

/** An RFB 3.8 server (VNC), reachable over TCP and optionally WebSocket. */
export class VncServer implements VrdeServer {
  readonly protocol = 'vnc'
  readonly #settings: VrdeSettings
  readonly #ctx: ServerContext
  readonly #opts: RfbOptions
  readonly #connections = new Set<RfbConnection>()
  #tcp: Server | null = null
  #ws: WebSocketServer | null = null
  #http: HttpServer | null = null
  #port = -1
  #wsPort = -1
  #active = false

  constructor(settings: VrdeSettings, display: DisplaySource, input: InputSink) {
    checkAuth(settings)
    const password = settings.properties?.['VNCPassword']
    if (settings.authType === 'External' && (password === undefined || password === '')) {
      throw new VrdeConfigError('VNC authentication needs the VNCPassword property (RFB cannot carry user names)')
    }
    this.#settings = settings
    this.#opts = {
      ...(password !== undefined && password !== '' ? { password } : {}),
      desktopName: settings.desktopName ?? 'Boxwood',
      handshakeTimeoutMs: settings.authTimeout ?? 5000,
    }
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
      onConnectionClosed: (c) => this.#connections.delete(c as RfbConnection),
    }
  }

  get info(): VrdeServerInfo {
    return {
      active: this.#active,
      port: this.#port,
      address: bindAddress(this.#settings),
      webSocketPort: this.#wsPort,
      numberOfClients: this.#ctx.registry.count,
      bytesSent: this.#ctx.stats.bytesSent,
      bytesReceived: this.#ctx.stats.bytesReceived,
    }
  }

  async start(): Promise<VrdeServerInfo> {
    if (this.#active) return this.info
    const address = bindAddress(this.#settings)
    const tcp = createServer((socket) => this.#acceptSocket(socket))
    this.#tcp = tcp
    try {
      this.#port = await listenFirstFree(
        tcp,
        parsePortList(this.#settings.properties?.['TCP/Ports'], VNC_AUTO_PORTS),
        address,
      )
      const wsPorts = this.#settings.properties?.['WebSocket/Ports']
      if (wsPorts !== undefined && wsPorts.trim() !== '') {
        const http = createHttpServer((_req, res) => {
          res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket (RFB) endpoint\n')
        })
        this.#http = http
        this.#wsPort = await listenFirstFree(http, parsePortList(wsPorts, 5700), address)
        const wss = new WebSocketServer({
          noServer: true,
          maxPayload: 1 << 20,
          handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
        })
        this.#ws = wss
        http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
          const addr = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0} (websocket)`
          wss.handleUpgrade(req, socket, head, (ws) => this.acceptWebSocket(ws, addr))
        })
      }
    } catch (err) {
      this.#port = 0
      tcp.close()
      this.#http?.close()
      throw err
    }
    this.#active = true
    this.#ctx.log('info', `vnc: listening on ${address}:${this.#port}`)
    return this.info
  }

  /** Serves an already-upgraded WebSocket (for embedding the VNC server in your own HTTP server). */
  acceptWebSocket(ws: WebSocketLike, remoteAddress: string): void {
    this.#accept(new WebSocketTransport(ws, remoteAddress))
  }

  async stop(): Promise<void> {
    this.#active = false
    this.#ctx.registry.disconnectAll('server stopped')
    for (const c of [...this.#connections]) c.disconnect('server stopped')
    this.#ws?.close()
    this.#http?.close()
    this.#http = null
    const tcp = this.#tcp
    this.#tcp = null
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()))
  }

  #acceptSocket(socket: Socket): void {
    socket.setNoDelay(true)
    this.#accept(new StreamTransport(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`))
  }

  #accept(t: Transport): void {
    if (this.#connections.size >= MAX_PENDING + (this.#settings.maxConnections ?? 16)) {
      this.#ctx.log('warn', `vnc ${t.remoteAddress}: refused: too many connections`)
      t.close()
      return
    }
    this.#connections.add(new RfbConnection(t, this.#ctx, this.#opts))
  }
}
