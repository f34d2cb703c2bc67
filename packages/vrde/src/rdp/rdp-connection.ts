// One RDP client (MS-RDPBCGR 1.3.1.1 connection sequence): X.224 negotiation → TLS → MCS/GCC → Client Info
// (authentication) → licensing → capability exchange → finalization → active, with fast-path bitmap and
// pointer output, fast-/slow-path input, and deactivation–reactivation on a mode change (1.3.1.3).
import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { Authenticator } from '../auth/password-store'
import { ClientDisplayState } from '../display/display-hub'
import { readBgrx } from '../display/read-pixels'
import { ProtocolError, VrdeError } from '../errors'
import type { ServerContext } from '../server/server-context'
import { clientHost } from '../server/login-throttle'
import { SEND_HIGH_WATER } from '../server/server-context'
import { InputBuffer } from '../transport/input-buffer'
import { StreamTransport } from '../transport/transport'
import type { Transport } from '../transport/transport'
import type { RdpBpp } from './bitmap-codec'
import { bitmapPdus, encodeTile, pointerPdu, pointerPositionPdu, scrBltPdu, tiles } from './fastpath-output'
import { RdpInput } from './input'
import {
  MCS_IO_CHANNEL,
  MCS_USER_ID,
  attachUserConfirm,
  channelJoinConfirm,
  connectResponse,
  disconnectProviderUltimatum,
  parseConnectInitial,
  parseDomainPdu,
  sendDataIndication,
} from './mcs'
import type { ConnectInitial } from './mcs'
import {
  ERRINFO,
  EXTRA_FLAGS,
  PDUTYPE,
  PDUTYPE2,
  controlPdu,
  deactivateAll,
  demandActive,
  fontMapPdu,
  keyboardIndicatorsPdu,
  licenseValidClient,
  parseClientInfo,
  parseConfirmActive,
  parseShareControl,
  parseShareDataHeader,
  setErrorInfoPdu,
  synchronizePdu,
} from './share-pdus'
import { NEG_FAILURE, PROTOCOL, connectionConfirm, frameLength, parseConnectionRequest, x224Data } from './x224'

/** Options of the RDP protocol layer. */
export interface RdpOptions {
  readonly key: Buffer
  readonly cert: Buffer
  /** Credentials check for External auth; absent = Null auth. */
  readonly authenticator?: Authenticator
  readonly handshakeTimeoutMs: number
  /** Use the planar codec for 32 bpp tiles (else uncompressed only). */
  readonly compress: boolean
}

type Phase = 'x224' | 'tls' | 'mcs-connect' | 'mcs' | 'auth' | 'capabilities' | 'finalize' | 'active' | 'closed'

const MAX_INPUT = 64 * 1024
const SHARE_ID = 0x000103ea

/** The server side of one RDP connection. */
export class RdpConnection {
  readonly #raw: Socket
  readonly #ctx: ServerContext
  readonly #opts: RdpOptions
  readonly #addr: string
  readonly #in = new InputBuffer(MAX_INPUT)
  #t: Transport | null = null
  #phase: Phase = 'x224'
  /** Set once the session has been active: later Demand Actives are reactivations (guest mode changes). */
  #wasActive = false
  #requestedProtocols = 0
  #gcc: ConnectInitial | null = null
  #bpp: RdpBpp = 32
  #clientExtraFlags = 0
  #clientScrBlt = false
  #state: ClientDisplayState | null = null
  #detach: (() => void) | null = null
  #detachInput: (() => void) | null = null
  #input: RdpInput
  #admitted = false
  #scheduled = false
  #size: { width: number; height: number }
  #handshakeTimer: NodeJS.Timeout | null
  #pastLicensing = false
  user = ''

  constructor(socket: Socket, ctx: ServerContext, opts: RdpOptions) {
    this.#raw = socket
    this.#ctx = ctx
    this.#opts = opts
    this.#addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    const { width, height } = ctx.hub.source.mode
    this.#size = { width, height }
    this.#input = new RdpInput(ctx.input, width, height)
    this.#handshakeTimer = setTimeout(() => this.disconnect('handshake timeout'), opts.handshakeTimeoutMs)
    this.#handshakeTimer.unref()
    socket.setNoDelay(true)
    socket.on('data', this.#onRawData)
    socket.on('error', () => this.#cleanup())
    socket.on('close', () => this.#cleanup())
  }

  /** Closes the connection, telling the client why where the protocol allows it. */
  disconnect(reason: string, errorInfo: number = ERRINFO.rpcInitiatedDisconnect): void {
    if (this.#phase === 'closed') return
    this.#ctx.log('info', `rdp ${this.#addr}: disconnected: ${reason}`)
    if (this.#t && this.#pastLicensing) this.#sendSlow(setErrorInfoPdu(SHARE_ID, errorInfo))
    if (this.#t && this.#phase !== 'tls') this.#send(x224Data(disconnectProviderUltimatum()))
    if (this.#t) this.#t.close()
    else this.#raw.destroy()
    this.#cleanup()
  }

  // ---- X.224 on the raw socket, then TLS ----

  readonly #onRawData = (chunk: Buffer): void => {
    if (this.#phase !== 'x224') return
    this.#ctx.stats.bytesReceived += chunk.length
    try {
      this.#in.push(chunk)
      const len = frameLength((i) => this.#in.at(i), this.#in.length)
      if (len === null || this.#in.length < len) return
      if (this.#in.at(0) !== 3) throw new ProtocolError('expected a TPKT Connection Request')
      const req = parseConnectionRequest(this.#in.take(len))
      if (this.#in.length > 0) throw new ProtocolError('data after the Connection Request before TLS')
      this.#negotiate(req.requestedProtocols)
    } catch (err) {
      this.#fail(err)
    }
  }

  #negotiate(requested: number | null): void {
    if (requested === null || (requested & PROTOCOL.ssl) === 0) {
      // Standard RDP security and NLA-only are not offered: say so clearly (vrde.md §1.1).
      this.#raw.write(connectionConfirm('failure', NEG_FAILURE.sslRequiredByServer))
      this.#raw.end()
      throw new VrdeError(
        'REFUSED',
        `client offered protocols ${requested ?? 'none (standard RDP security)'}; TLS is required`,
      )
    }
    this.#requestedProtocols = requested
    this.#raw.write(connectionConfirm('response', PROTOCOL.ssl))
    this.#raw.off('data', this.#onRawData)
    this.#phase = 'tls'
    const tls = new TLSSocket(this.#raw, {
      isServer: true,
      key: this.#opts.key,
      cert: this.#opts.cert,
      minVersion: 'TLSv1.2',
    })
    tls.once('secure', () => {
      if (this.#phase !== 'tls') return
      this.#phase = 'mcs-connect'
      this.#t = new StreamTransport(tls, this.#addr)
      this.#t.setHandlers({
        onData: (c) => this.#onData(c),
        onClose: () => this.#cleanup(),
        onDrain: () => this.#schedule(),
      })
    })
    tls.on('error', (err) => {
      this.#ctx.log('warn', `rdp ${this.#addr}: TLS: ${err.message}`)
      this.#cleanup()
    })
  }

  // ---- framed input after TLS ----

  #send(data: Uint8Array): void {
    this.#ctx.stats.bytesSent += data.length
    this.#t?.send(data)
  }

  #sendSlow(payload: Uint8Array): void {
    this.#send(x224Data(sendDataIndication(MCS_IO_CHANNEL, payload)))
  }

  #onData(chunk: Uint8Array): void {
    if (this.#phase === 'closed') return
    this.#ctx.stats.bytesReceived += chunk.length
    try {
      this.#in.push(chunk)
      for (;;) {
        if (this.#isClosed()) return
        const len = frameLength((i) => this.#in.at(i), this.#in.length)
        if (len === null || this.#in.length < len) return
        const frame = this.#in.take(len)
        if (frame[0] === 3) this.#onTpkt(frame)
        else this.#onFastPathInput(frame)
      }
    } catch (err) {
      this.#fail(err)
    }
  }

  #isClosed(): boolean {
    return this.#phase === 'closed'
  }

  #fail(err: unknown): void {
    const reason = err instanceof VrdeError ? `${err.code}: ${err.message}` : String(err)
    this.#ctx.log('warn', `rdp ${this.#addr}: closing: ${reason}`)
    if (this.#t) this.#t.close()
    else this.#raw.destroy()
    this.#cleanup()
  }

  /**
   * Input the client sent before it saw a Deactivate All (a guest mode change) arrives while it re-activates:
   * it is dropped, as the session is not active (MS-RDPBCGR 1.3.1.3), rather than taken as a protocol error.
   */
  #inputDuringReactivation(): boolean {
    if (this.#phase !== 'capabilities' || !this.#wasActive) return false
    this.#ctx.log('debug', `rdp ${this.#addr}: input dropped during reactivation`)
    return true
  }

  #onFastPathInput(frame: Uint8Array): void {
    if (this.#inputDuringReactivation()) return
    if (this.#phase !== 'active' && this.#phase !== 'finalize') {
      throw new ProtocolError(`fast-path input in phase ${this.#phase}`)
    }
    this.#input.fastPath(frame)
  }

  #onTpkt(frame: Uint8Array): void {
    if (this.#phase === 'mcs-connect') {
      this.#gcc = parseConnectInitial(frame)
      this.#bpp = chooseBpp(this.#gcc)
      this.#send(x224Data(connectResponse(this.#requestedProtocols, this.#gcc.channels.length)))
      this.#phase = 'mcs'
      return
    }
    const pdu = parseDomainPdu(frame)
    switch (pdu.kind) {
      case 'erect-domain':
        return
      case 'attach-user':
        this.#send(x224Data(attachUserConfirm()))
        return
      case 'channel-join': {
        const max = MCS_IO_CHANNEL + (this.#gcc?.channels.length ?? 0)
        if (pdu.channelId !== MCS_USER_ID && (pdu.channelId < MCS_IO_CHANNEL || pdu.channelId > max)) {
          throw new ProtocolError(`join of unknown MCS channel ${pdu.channelId}`)
        }
        this.#send(x224Data(channelJoinConfirm(pdu.channelId)))
        return
      }
      case 'disconnect':
        this.disconnect('client sent Disconnect Provider Ultimatum')
        return
      case 'send-data':
        if (pdu.channelId !== MCS_IO_CHANNEL) return // static virtual channels: nothing is served on them
        this.#onIoData(pdu.data)
        return
    }
  }

  #onIoData(data: Uint8Array): void {
    if (this.#phase === 'mcs') {
      const info = parseClientInfo(data)
      this.user = info.user
      this.#phase = 'auth'
      void this.#authenticate(info.user, info.password, info.domain)
      return
    }
    if (this.#phase === 'auth') throw new ProtocolError('data PDU before authentication finished')
    const sc = parseShareControl(data)
    if (sc.pduType === 0) return // flow-control PDU
    if (sc.pduType === PDUTYPE.confirmActive) {
      if (this.#phase !== 'capabilities') throw new ProtocolError(`Confirm Active in phase ${this.#phase}`)
      const caps = parseConfirmActive(sc.body)
      this.#clientExtraFlags = caps.extraFlags
      this.#clientScrBlt = caps.scrBlt
      this.#ctx.log(
        'debug',
        `rdp ${this.#addr}: client caps: extraFlags 0x${caps.extraFlags.toString(16)}, ScrBlt ${caps.scrBlt}`,
      )
      this.#phase = 'finalize'
      return
    }
    if (sc.pduType !== PDUTYPE.data)
      throw new ProtocolError(`unexpected share control pduType 0x${sc.pduType.toString(16)}`)
    const { pduType2, body } = parseShareDataHeader(sc.body)
    switch (pduType2) {
      case PDUTYPE2.synchronize:
      case PDUTYPE2.control:
      case PDUTYPE2.persistentKeyList:
      case PDUTYPE2.refreshRect:
      case PDUTYPE2.suppressOutput:
      case PDUTYPE2.frameAcknowledge:
        return
      case PDUTYPE2.fontList:
        if (this.#phase !== 'finalize') throw new ProtocolError(`Font List in phase ${this.#phase}`)
        this.#finishActivation()
        return
      case PDUTYPE2.input:
        if (this.#inputDuringReactivation()) return
        if (this.#phase !== 'finalize' && this.#phase !== 'active')
          throw new ProtocolError(`input in phase ${this.#phase}`)
        this.#input.slowPath(body)
        return
      case PDUTYPE2.shutdownRequest:
        this.disconnect('client shut down the session')
        return
      default:
        this.#ctx.log('debug', `rdp ${this.#addr}: ignored data PDU type 0x${pduType2.toString(16)}`)
    }
  }

  async #authenticate(user: string, password: string, domain: string): Promise<void> {
    const auth = this.#opts.authenticator
    let ok = true
    if (auth) {
      try {
        ok = await auth.authenticate(user, password, domain)
      } catch (err) {
        this.#ctx.log('error', `rdp ${this.#addr}: authenticator failed: ${String(err)}`)
        ok = false
      }
    }
    if (this.#isClosed()) return
    this.#pastLicensing = true
    if (!ok) {
      const delay = this.#ctx.throttle.fail(clientHost(this.#addr))
      this.#ctx.log('warn', `rdp ${this.#addr}: login failed for user "${user}"; answering in ${delay} ms`)
      setTimeout(
        () => this.disconnect(`authentication failed for "${user}"`, ERRINFO.serverInsufficientPrivileges),
        delay,
      ).unref()
      return
    }
    this.#ctx.throttle.succeed(clientHost(this.#addr))
    const verdict = this.#ctx.registry.admit(this)
    if (!verdict.ok) {
      this.#ctx.log('warn', `rdp ${this.#addr}: refused: ${verdict.reason}`)
      this.disconnect(verdict.reason, ERRINFO.serverDeniedConnection)
      return
    }
    this.#admitted = true
    this.#ctx.log('info', `rdp ${this.#addr}: user "${user}" connected (${this.#bpp} bpp)`)
    this.#sendSlow(licenseValidClient())
    this.#sendDemandActive()
  }

  #sendDemandActive(): void {
    const { width, height } = this.#ctx.hub.source.mode
    this.#size = { width, height }
    this.#input.resize(width, height)
    this.#sendSlow(demandActive(SHARE_ID, { width, height, bpp: this.#bpp }))
    this.#phase = 'capabilities'
  }

  #finishActivation(): void {
    this.#sendSlow(synchronizePdu(SHARE_ID))
    this.#sendSlow(controlPdu(SHARE_ID, 4))
    this.#sendSlow(controlPdu(SHARE_ID, 2))
    this.#sendSlow(fontMapPdu(SHARE_ID))
    this.#phase = 'active'
    this.#wasActive = true
    if (this.#handshakeTimer) {
      clearTimeout(this.#handshakeTimer)
      this.#handshakeTimer = null
    }
    if (!this.#state) {
      const state = new ClientDisplayState(this.#ctx.hub.source, () => this.#schedule())
      // Pointer warps go out at once: they are tiny and must not wait behind pixels.
      state.onCursorPosition = (x: number, y: number) => {
        if (this.#phase === 'active') this.#send(pointerPositionPdu(x, y))
      }
      this.#state = state
      this.#detach = this.#ctx.hub.attach(state)
      this.#detachInput = this.#ctx.input.subscribe({
        onLedsChange: (leds) => {
          if (this.#phase === 'active') this.#sendSlow(keyboardIndicatorsPdu(SHARE_ID, leds))
        },
      })
    }
    this.#sendSlow(keyboardIndicatorsPdu(SHARE_ID, this.#ctx.input.leds))
    // A mode change during the capability exchange needs another reactivation; otherwise it is already served.
    const mode = this.#ctx.hub.source.mode
    this.#state.modeChanged = mode.width !== this.#size.width || mode.height !== this.#size.height
    this.#state.cursorChanged = true
    this.#state.invalidateAll()
  }

  // ---- output ----

  #schedule(): void {
    if (this.#scheduled || this.#phase !== 'active') return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#flush()
    })
  }

  #flush(): void {
    const st = this.#state
    if (!st || this.#phase !== 'active' || !this.#t) return
    if (this.#t.backlog > SEND_HIGH_WATER) return // onDrain reschedules
    if (st.modeChanged) {
      // Deactivation–reactivation: the client confirms the new size, then gets a full repaint.
      st.modeChanged = false
      this.#sendSlow(deactivateAll(SHARE_ID))
      this.#sendDemandActive()
      return
    }
    if (!(this.#clientExtraFlags & EXTRA_FLAGS.fastPathOutput)) {
      this.disconnect('client does not support fast-path output')
      return
    }
    if (st.cursorChanged) {
      st.cursorChanged = false
      this.#send(pointerPdu(this.#ctx.hub.source.cursor))
    }
    if (st.copy) {
      const { rect, srcX, srcY } = st.copy
      st.copy = null
      const inside = (x: number, y: number) =>
        x + rect.width <= this.#size.width && y + rect.height <= this.#size.height
      // The client copies on its own screen (it was current: the hub keeps a copy only over a clean region);
      // clients without ScrBlt get the pixels.
      if (this.#clientScrBlt && inside(rect.x, rect.y) && inside(srcX, srcY)) this.#send(scrBltPdu(rect, srcX, srcY))
      else st.region.add(rect)
    }
    const source = this.#ctx.hub.source
    const compress = this.#opts.compress && (this.#clientExtraFlags & EXTRA_FLAGS.noBitmapCompressionHdr) !== 0
    const w = Math.min(this.#size.width, source.mode.width)
    const h = Math.min(this.#size.height, source.mode.height)
    const encoded = []
    let buf: Uint8Array | undefined
    for (const t of tiles(st.region.take(w, h))) {
      buf = readBgrx(source, t, buf)
      encoded.push(encodeTile(t, buf, this.#bpp, compress))
    }
    // One write for the whole update: TLS makes its records from it with far fewer calls than one per PDU.
    const pdus = bitmapPdus(encoded, this.#bpp)
    if (pdus.length > 0) this.#send(pdus.length === 1 ? (pdus[0] as Buffer) : Buffer.concat(pdus))
  }

  #cleanup(): void {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer)
    this.#detach?.()
    this.#detach = null
    this.#detachInput?.()
    this.#detachInput = null
    if (this.#admitted) this.#ctx.registry.remove(this)
    this.#raw.destroy()
    this.#ctx.onConnectionClosed(this)
  }
}

/** Session colour depth from the client's core data (2.2.1.3.2): 32 when it wants it, else its high colour depth. */
function chooseBpp(gcc: ConnectInitial): RdpBpp {
  const { earlyCapabilityFlags, supportedColorDepths, highColorDepth } = gcc.core
  if (earlyCapabilityFlags & 0x0002 && supportedColorDepths & 0x0008) return 32
  if (highColorDepth === 24 || highColorDepth === 16 || highColorDepth === 15) return highColorDepth
  return 32
}
