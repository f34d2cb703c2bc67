// One RFB client (RFC 6143): handshake for protocol 3.3/3.7/3.8, security None or VNC Authentication, then
// client messages (§7.5) and framebuffer updates (§7.6) with Raw, CopyRect, ZRLE and the DesktopSize, Cursor and
// QEMU Extended Key Event pseudo-encodings.
import { randomBytes } from 'node:crypto'
import { createDeflate, constants as zc } from 'node:zlib'
import type { Deflate } from 'node:zlib'
import type { DisplayMode } from '@boxwood/devices'
import { ClientDisplayState } from '../display/display-hub'
import { readBgrx } from '../display/read-pixels'
import { ProtocolError, VrdeError } from '../errors'
import { clientHost } from '../server/login-throttle'
import type { ServerContext } from '../server/server-context'
import { SEND_HIGH_WATER } from '../server/server-context'
import type { Transport } from '../transport/transport'
import { InputBuffer } from '../transport/input-buffer'
import { KEYSYM_PAUSE, PAUSE_SEQUENCE, keysymToScancode, scancodeBytes } from './keysym'
import { SERVER_PIXEL_FORMAT, decodePixelFormat, encodePixelFormat, translatePixels } from './pixel-format'
import type { RfbPixelFormat } from './pixel-format'
import { vncAuthCheck } from './vnc-auth'
import { ZrleEncoder } from './zrle'
import type { ZrleTiles } from './zrle'

/** Encoding numbers (RFC 6143 §7.7, §7.8; QEMU's in the RFB community registry). */
export const RFB_ENCODING = {
  raw: 0,
  copyRect: 1,
  zrle: 16,
  cursor: -239,
  desktopSize: -223,
  qemuExtendedKeyEvent: -258,
  qemuLedState: -261,
} as const

/** Options of the RFB protocol layer. */
export interface RfbOptions {
  /** VNC Authentication password (only the first 8 characters count); absent = security type None. */
  readonly password?: string
  /** Desktop name shown by viewers. */
  readonly desktopName: string
  /** A client must finish the handshake (including authentication) within this many milliseconds. */
  readonly handshakeTimeoutMs: number
}

type Phase = 'version' | 'security-choice' | 'vnc-auth' | 'auth-wait' | 'client-init' | 'normal' | 'closed'

const MAX_INPUT = 1 << 20
const MAX_ENCODINGS = 1024
const MAX_CUT_TEXT = 1 << 20
/** zlib level for ZRLE data: level 1 already finds the repeats of text and palette tiles, much faster than 6. */
const ZLIB_LEVEL = 1
/** Raw-tile runs at least this long are stored rather than deflated (two 64×64 tiles at 3 bytes a pixel ≈ 24 KiB). */
const STORED_MIN_BYTES = 16 * 1024

/** The server side of one RFB connection. */
export class RfbConnection {
  readonly #t: Transport
  readonly #ctx: ServerContext
  readonly #opts: RfbOptions
  readonly #in = new InputBuffer(MAX_INPUT)
  #phase: Phase = 'version'
  #minor = 8
  #challenge: Uint8Array = new Uint8Array(0)
  #pf: RfbPixelFormat = SERVER_PIXEL_FORMAT
  #encodings = new Set<number>()
  #preferZrle = false
  #wantUpdate = false
  #busy = false
  #scheduled = false
  #extKeyConfirmed = false
  /** LED state last sent with the QEMU LED State pseudo-encoding (-1 = never). */
  #ledsSent = -1
  #detachInput: (() => void) | null = null
  #detach: (() => void) | null = null
  #state: ClientDisplayState | null = null
  #clientSize: { width: number; height: number }
  #deflate: Deflate | null = null
  /** The zlib level the stream is currently set to (0 for raw tiles, 1 otherwise). */
  #deflateLevel = ZLIB_LEVEL
  #zrle: ZrleEncoder | null = null
  #buttons = 0
  #lastX = 0
  #lastY = 0
  #admitted = false
  /** Reused per-update buffer of pixels read from the display. */
  #pixelScratch: Uint8Array | undefined
  #handshakeTimer: NodeJS.Timeout | null

  constructor(transport: Transport, ctx: ServerContext, opts: RfbOptions) {
    this.#t = transport
    this.#ctx = ctx
    this.#opts = opts
    const { width, height } = ctx.hub.source.mode
    this.#clientSize = { width, height }
    transport.setHandlers({
      onData: (c) => this.#onData(c),
      onClose: () => this.#cleanup(),
      onDrain: () => this.#schedule(),
    })
    this.#handshakeTimer = setTimeout(() => this.disconnect('handshake timeout'), opts.handshakeTimeoutMs)
    this.#handshakeTimer.unref()
    this.#send(Buffer.from('RFB 003.008\n', 'latin1'))
  }

  /** Closes the connection, logging `reason`. */
  disconnect(reason: string): void {
    if (this.#phase === 'closed') return
    this.#ctx.log('info', `rfb ${this.#t.remoteAddress}: disconnected: ${reason}`)
    this.#t.close()
    this.#cleanup()
  }

  #send(data: Uint8Array): void {
    this.#ctx.stats.bytesSent += data.length
    this.#t.send(data)
  }

  #onData(chunk: Uint8Array): void {
    if (this.#phase === 'closed') return
    this.#ctx.stats.bytesReceived += chunk.length
    try {
      this.#in.push(chunk)
      while (this.#step()) {
        /* keep parsing */
      }
    } catch (err) {
      const reason = err instanceof VrdeError ? `${err.code}: ${err.message}` : String(err)
      this.#ctx.log('warn', `rfb ${this.#t.remoteAddress}: closing: ${reason}`)
      this.#t.close()
      this.#cleanup()
    }
  }

  /** Parses one unit of input; returns false when more bytes are needed. */
  #step(): boolean {
    const inb = this.#in
    switch (this.#phase) {
      case 'version': {
        if (inb.length < 12) return false
        const text = Buffer.from(inb.take(12)).toString('latin1')
        const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text)
        if (!m) throw new ProtocolError('bad ProtocolVersion')
        const major = Number(m[1])
        const minor = Number(m[2])
        if (major !== 3) throw new ProtocolError(`unsupported protocol version ${major}.${minor}`)
        // RFC 6143 §7.1.1: unknown minors are treated as 3.3; 3.889 (Apple) and higher as 3.8.
        this.#minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3
        const type = this.#opts.password !== undefined ? 2 : 1
        if (this.#minor === 3) {
          this.#send(u32(type))
          this.#afterSecurityChosen(type)
        } else {
          this.#send(Uint8Array.of(1, type))
          this.#phase = 'security-choice'
        }
        return true
      }
      case 'security-choice': {
        if (inb.length < 1) return false
        const choice = inb.take(1)[0] ?? 0
        const offered = this.#opts.password !== undefined ? 2 : 1
        if (choice !== offered) {
          if (this.#minor === 8) this.#send(failureResult('security type not offered'))
          throw new ProtocolError(`client chose security type ${choice}, offered ${offered}`)
        }
        this.#afterSecurityChosen(choice)
        return true
      }
      case 'vnc-auth': {
        if (inb.length < 16) return false
        const response = inb.take(16)
        this.#phase = 'auth-wait'
        const ok = vncAuthCheck(this.#challenge, response, this.#opts.password ?? '')
        const addr = this.#t.remoteAddress
        const host = clientHost(addr)
        if (ok) {
          this.#ctx.throttle.succeed(host)
          this.#send(u32(0))
          this.#phase = 'client-init'
          return true
        }
        const delay = this.#ctx.throttle.fail(host)
        this.#ctx.log('warn', `rfb ${addr}: VNC authentication failed; answering in ${delay} ms`)
        setTimeout(() => {
          if (this.#phase === 'closed') return
          this.#send(this.#minor === 8 ? failureResult('Authentication failed') : u32(1))
          this.#t.close()
          this.#cleanup()
        }, delay).unref()
        return false
      }
      case 'auth-wait':
        return false
      case 'client-init': {
        if (inb.length < 1) return false
        inb.skip(1) // shared flag: the VRDE connection policy decides instead
        const verdict = this.#ctx.registry.admit(this)
        if (!verdict.ok) throw new VrdeError('REFUSED', verdict.reason)
        this.#admitted = true
        this.#ctx.log('info', `rfb ${this.#t.remoteAddress}: client connected (RFB 3.${this.#minor})`)
        this.#serverInit()
        return true
      }
      case 'normal':
        return this.#message()
      case 'closed':
        return false
    }
  }

  #afterSecurityChosen(type: number): void {
    if (type === 2) {
      this.#challenge = randomBytes(16)
      this.#send(this.#challenge)
      this.#phase = 'vnc-auth'
    } else {
      if (this.#minor === 8) this.#send(u32(0))
      this.#phase = 'client-init'
    }
  }

  #serverInit(): void {
    const mode = this.#ctx.hub.source.mode
    this.#clientSize = { width: mode.width, height: mode.height }
    const name = Buffer.from(this.#opts.desktopName, 'utf8')
    const b = Buffer.alloc(24 + name.length)
    b.writeUInt16BE(mode.width, 0)
    b.writeUInt16BE(mode.height, 2)
    b.set(encodePixelFormat(SERVER_PIXEL_FORMAT), 4)
    b.writeUInt32BE(name.length, 20)
    b.set(name, 24)
    this.#send(b)
    this.#phase = 'normal'
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer)
    this.#state = new ClientDisplayState(this.#ctx.hub.source, () => this.#schedule())
    this.#detach = this.#ctx.hub.attach(this.#state)
    this.#detachInput = this.#ctx.input.subscribe({ onLedsChange: () => this.#schedule() })
  }

  /** The guest's lock LEDs as the QEMU LED State byte: bit 0 Scroll, 1 Num, 2 Caps. */
  #ledByte(): number {
    const l = this.#ctx.input.leds
    return (l.scrollLock ? 1 : 0) | (l.numLock ? 2 : 0) | (l.capsLock ? 4 : 0)
  }

  /** Parses one client-to-server message (§7.5). */
  #message(): boolean {
    const inb = this.#in
    if (inb.length < 1) return false
    const type = inb.at(0)
    switch (type) {
      case 0: {
        if (inb.length < 20) return false
        const b = inb.take(20)
        this.#pf = decodePixelFormat(b.subarray(4, 20))
        this.#zrle = null
        return true
      }
      case 2: {
        if (inb.length < 4) return false
        const n = (inb.at(2) << 8) | inb.at(3)
        if (n > MAX_ENCODINGS) throw new ProtocolError(`SetEncodings with ${n} encodings`, 'TOO_LARGE')
        if (inb.length < 4 + 4 * n) return false
        const b = inb.take(4 + 4 * n)
        const dv = new DataView(b.buffer, b.byteOffset, b.length)
        const list: number[] = []
        for (let i = 0; i < n; i++) list.push(dv.getInt32(4 + 4 * i))
        this.#encodings = new Set(list)
        const zrleAt = list.indexOf(RFB_ENCODING.zrle)
        const rawAt = list.indexOf(RFB_ENCODING.raw)
        this.#preferZrle = zrleAt >= 0 && (rawAt < 0 || zrleAt < rawAt)
        return true
      }
      case 3: {
        if (inb.length < 10) return false
        const b = inb.take(10)
        const dv = new DataView(b.buffer, b.byteOffset, 10)
        const incremental = (b[1] ?? 0) !== 0
        if (!incremental && this.#state) {
          const x = dv.getUint16(2)
          const y = dv.getUint16(4)
          const w = dv.getUint16(6)
          const h = dv.getUint16(8)
          const { width, height } = this.#clientSize
          this.#state.copy = null
          this.#state.region.add({
            x,
            y,
            width: Math.min(w, width - Math.min(x, width)),
            height: Math.min(h, height - Math.min(y, height)),
          })
          // A full refresh must be answered even if the rectangle was empty or outside the screen.
          if (this.#state.region.empty) this.#state.region.add({ x: 0, y: 0, width: 1, height: 1 })
        }
        this.#wantUpdate = true
        this.#schedule()
        return true
      }
      case 4: {
        if (inb.length < 8) return false
        const b = inb.take(8)
        const down = (b[1] ?? 0) !== 0
        const keysym = new DataView(b.buffer, b.byteOffset, 8).getUint32(4)
        this.#keysym(keysym, down)
        return true
      }
      case 5: {
        if (inb.length < 6) return false
        const b = inb.take(6)
        const dv = new DataView(b.buffer, b.byteOffset, 6)
        this.#pointer(b[1] ?? 0, dv.getUint16(2), dv.getUint16(4))
        return true
      }
      case 6: {
        if (inb.length < 8) return false
        const len = ((inb.at(4) << 24) | (inb.at(5) << 16) | (inb.at(6) << 8) | inb.at(7)) >>> 0
        if (len > MAX_CUT_TEXT) throw new ProtocolError(`ClientCutText of ${len} bytes`, 'TOO_LARGE')
        if (inb.length < 8 + len) return false
        inb.skip(8 + len) // clipboard sharing is not implemented; the text is dropped
        return true
      }
      case 255: {
        if (inb.length < 2) return false
        const sub = inb.at(1)
        if (sub !== 0 || !this.#encodings.has(RFB_ENCODING.qemuExtendedKeyEvent)) {
          throw new ProtocolError(`QEMU client message subtype ${sub} not negotiated`)
        }
        if (inb.length < 12) return false
        const b = inb.take(12)
        const dv = new DataView(b.buffer, b.byteOffset, 12)
        const down = dv.getUint16(2) !== 0
        const keysym = dv.getUint32(4)
        const keycode = dv.getUint32(8)
        if (keycode === 0) this.#keysym(keysym, down)
        else
          this.#ctx.input.putScancodes(scancodeBytes(keycode & 0x80 ? 0xe000 | (keycode & 0x7f) : keycode & 0x7f, down))
        return true
      }
      default:
        throw new ProtocolError(`unknown client message type ${type}`)
    }
  }

  #keysym(keysym: number, down: boolean): void {
    if (keysym === KEYSYM_PAUSE) {
      if (down) this.#ctx.input.putScancodes(PAUSE_SEQUENCE)
      return
    }
    const code = keysymToScancode(keysym)
    if (code === undefined) {
      this.#ctx.log('debug', `rfb: no scancode for keysym 0x${keysym.toString(16)}`)
      return
    }
    this.#ctx.input.putScancodes(scancodeBytes(code, down))
  }

  #pointer(mask: number, x: number, y: number): void {
    // RFB bits: 0 left, 1 middle, 2 right, 3/4 wheel up/down, 5/6 wheel left/right (pressed then released).
    const buttons = (mask & 1) | ((mask & 4) >> 1) | ((mask & 2) << 1)
    const pressed = mask & ~this.#buttons
    this.#buttons = mask
    const dz = (pressed & 0x10 ? 1 : 0) - (pressed & 0x08 ? 1 : 0)
    const dw = (pressed & 0x40 ? 1 : 0) - (pressed & 0x20 ? 1 : 0)
    const input = this.#ctx.input
    if (input.absoluteSupported) input.putPointerAbsolute(x, y, dz, dw, buttons)
    else input.putPointerRelative(x - this.#lastX, y - this.#lastY, dz, dw, buttons)
    this.#lastX = x
    this.#lastY = y
  }

  #schedule(): void {
    if (this.#scheduled || this.#phase !== 'normal') return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      void this.#maybeSend()
    })
  }

  /** Sends one framebuffer update if the client asked for one, something changed and its socket has room. */
  async #maybeSend(): Promise<void> {
    const st = this.#state
    if (!st || this.#busy || !this.#wantUpdate || this.#phase !== 'normal') return
    const needExtKeyConfirm = this.#encodings.has(RFB_ENCODING.qemuExtendedKeyEvent) && !this.#extKeyConfirmed
    const needLeds = this.#encodings.has(RFB_ENCODING.qemuLedState) && this.#ledByte() !== this.#ledsSent
    if (!st.pending && !needExtKeyConfirm && !needLeds) return
    if (this.#t.backlog > SEND_HIGH_WATER) return // onDrain reschedules
    this.#busy = true
    this.#wantUpdate = false
    try {
      const { count, parts } = await this.#buildUpdate(st, needExtKeyConfirm)
      if (this.#phase !== 'normal') return
      const head = Buffer.alloc(4)
      head[0] = 0
      head.writeUInt16BE(count, 2)
      this.#send(count > 0 ? Buffer.concat([head, ...parts]) : head)
    } catch (err) {
      this.disconnect(`update failed: ${String(err)}`)
    } finally {
      this.#busy = false
      // A connection closed during the update left its zlib stream to be destroyed here (see #cleanup).
      if (this.#isClosed()) this.#destroyDeflate()
    }
    if (st.pending) this.#schedule()
  }

  async #buildUpdate(st: ClientDisplayState, extKey: boolean): Promise<{ count: number; parts: Uint8Array[] }> {
    // One entry per rectangle; an entry may be several buffers (header + data).
    const rects: Uint8Array[][] = []
    const source = this.#ctx.hub.source
    const enc = this.#encodings
    if (extKey) {
      rects.push([rectHeader(0, 0, 0, 0, RFB_ENCODING.qemuExtendedKeyEvent)])
      this.#extKeyConfirmed = true
    }
    if (enc.has(RFB_ENCODING.qemuLedState) && this.#ledByte() !== this.#ledsSent) {
      this.#ledsSent = this.#ledByte()
      rects.push([rectHeader(0, 0, 0, 0, RFB_ENCODING.qemuLedState), Uint8Array.of(this.#ledsSent)])
    }
    if (st.modeChanged) {
      st.modeChanged = false
      const mode: DisplayMode = source.mode
      if (enc.has(RFB_ENCODING.desktopSize)) {
        this.#clientSize = { width: mode.width, height: mode.height }
        rects.push([rectHeader(0, 0, mode.width, mode.height, RFB_ENCODING.desktopSize)])
      }
      st.region.addAll(this.#clientSize.width, this.#clientSize.height)
    }
    if (st.cursorChanged) {
      st.cursorChanged = false
      if (enc.has(RFB_ENCODING.cursor)) rects.push([this.#cursorRect()])
    }
    const { width: cw, height: ch } = this.#clientSize
    if (st.copy) {
      const c = st.copy
      st.copy = null
      const r = c.rect
      const fits = r.x + r.width <= cw && r.y + r.height <= ch && c.srcX + r.width <= cw && c.srcY + r.height <= ch
      if (enc.has(RFB_ENCODING.copyRect) && fits) {
        const b = Buffer.alloc(16)
        b.set(rectHeader(r.x, r.y, r.width, r.height, RFB_ENCODING.copyRect))
        b.writeUInt16BE(c.srcX, 12)
        b.writeUInt16BE(c.srcY, 14)
        rects.push([b])
      } else st.region.add(r)
    }
    const w = Math.min(cw, source.mode.width)
    const h = Math.min(ch, source.mode.height)
    for (const r of st.region.take(w, h)) {
      const pixels = readBgrx(source, r, this.#pixelScratch)
      this.#pixelScratch = pixels
      if (this.#preferZrle) {
        this.#zrle ??= new ZrleEncoder(this.#pf)
        // The zlib stream is done with the encoder's buffer once compress() resolves (updates are sequential).
        const data = await this.#compress(this.#zrle.encode(pixels, r.width, r.height))
        const head = Buffer.alloc(16)
        head.set(rectHeader(r.x, r.y, r.width, r.height, RFB_ENCODING.zrle))
        head.writeUInt32BE(data.length, 12)
        rects.push([head, data])
      } else {
        rects.push([
          rectHeader(r.x, r.y, r.width, r.height, RFB_ENCODING.raw),
          translatePixels(this.#pf, pixels, r.width * r.height),
        ])
      }
    }
    return { count: rects.length, parts: rects.flat() }
  }

  #cursorRect(): Uint8Array {
    const shape = this.#ctx.hub.source.cursor
    if (!shape || shape.width === 0 || shape.height === 0) return rectHeader(0, 0, 0, 0, RFB_ENCODING.cursor)
    const { width: w, height: h } = shape
    const bgrx = new Uint8Array(w * h * 4)
    const maskRow = Math.ceil(w / 8)
    const mask = new Uint8Array(maskRow * h)
    for (let i = 0; i < w * h; i++) {
      bgrx[i * 4] = shape.pixels[i * 4] ?? 0
      bgrx[i * 4 + 1] = shape.pixels[i * 4 + 1] ?? 0
      bgrx[i * 4 + 2] = shape.pixels[i * 4 + 2] ?? 0
      if ((shape.pixels[i * 4 + 3] ?? 0) >= 128) {
        const y = Math.floor(i / w)
        const x = i % w
        mask[y * maskRow + (x >> 3)] = (mask[y * maskRow + (x >> 3)] ?? 0) | (0x80 >> (x & 7))
      }
    }
    const px = translatePixels(this.#pf, bgrx, w * h)
    return Buffer.concat([rectHeader(shape.hotX, shape.hotY, w, h, RFB_ENCODING.cursor), px, mask])
  }

  /**
   * Compresses tile data with this connection's zlib stream (one stream for the whole connection, §7.7.6). Long
   * runs of raw tiles go through at level 0 (stored blocks): zlib gains a few percent on them at most, and they
   * are where nearly all of its time went; everything else is deflated at level 1.
   */
  async #compress(tiles: ZrleTiles): Promise<Uint8Array> {
    if (!this.#deflate) {
      this.#deflate = createDeflate({ level: ZLIB_LEVEL })
      this.#deflateLevel = ZLIB_LEVEL
    }
    const z = this.#deflate
    const chunks: Buffer[] = []
    const onData = (c: Buffer) => chunks.push(c)
    z.on('data', onData)
    try {
      const { data, rawSpans } = tiles
      let at = 0
      for (let i = 0; i + 1 < rawSpans.length; i += 2) {
        const start = rawSpans[i] as number
        const end = rawSpans[i + 1] as number
        if (end - start < STORED_MIN_BYTES) continue
        if (start > at) await this.#deflateAt(z, ZLIB_LEVEL, data.subarray(at, start))
        await this.#deflateAt(z, 0, data.subarray(start, end))
        at = end
      }
      await this.#deflateAt(z, ZLIB_LEVEL, data.subarray(at), true)
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    } finally {
      z.off('data', onData)
    }
  }

  /** Feeds `data` to the stream at `level` (switching levels flushes, as deflateParams needs); `sync` flushes. */
  async #deflateAt(z: Deflate, level: number, data: Uint8Array, sync = false): Promise<void> {
    if (this.#isClosed()) throw new VrdeError('CLOSED', 'connection closed during an update')
    if (level !== this.#deflateLevel) {
      await new Promise<void>((resolve) => z.params(level, zc.Z_DEFAULT_STRATEGY, () => resolve()))
      this.#deflateLevel = level
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err)
      const done = () => {
        z.off('error', onError)
        resolve()
      }
      z.once('error', onError)
      if (sync) {
        if (data.length > 0) z.write(data)
        z.flush(zc.Z_SYNC_FLUSH, done)
      } else if (data.length > 0) z.write(data, done)
      else done()
    })
  }

  /** A method, not an inline test: TypeScript would keep the phase narrowed across the awaits of an update. */
  #isClosed(): boolean {
    return this.#phase === 'closed'
  }

  #destroyDeflate(): void {
    this.#deflate?.destroy()
    this.#deflate = null
  }

  #cleanup(): void {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer)
    this.#detach?.()
    this.#detach = null
    this.#detachInput?.()
    this.#detachInput = null
    // Destroying zlib under an update in flight would make its pending level switch fail an internal assertion
    // (an uncaught exception): the update ends first and destroys it.
    if (!this.#busy) this.#destroyDeflate()
    if (this.#admitted) this.#ctx.registry.remove(this)
    this.#ctx.onConnectionClosed(this)
  }
}

function u32(v: number): Uint8Array {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(v >>> 0)
  return b
}

function failureResult(reason: string): Uint8Array {
  const r = Buffer.from(reason, 'utf8')
  return Buffer.concat([u32(1), u32(r.length), r])
}

function rectHeader(x: number, y: number, w: number, h: number, encoding: number): Buffer {
  const b = Buffer.alloc(12)
  b.writeUInt16BE(x, 0)
  b.writeUInt16BE(y, 2)
  b.writeUInt16BE(w, 4)
  b.writeUInt16BE(h, 6)
  b.writeInt32BE(encoding, 8)
  return b
}
