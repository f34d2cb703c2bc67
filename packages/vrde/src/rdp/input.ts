// RDP keyboard and mouse input, fast-path (MS-RDPBCGR 2.2.8.1.2.2) and slow-path (2.2.8.1.1.3.1.1), delivered
// to an InputSink as set 1 scancodes and pointer events. Lock keys follow the client's Synchronize events.
import type { InputSink } from '@boxwood/devices'
import { ProtocolError } from '../errors'
import { ByteReader } from './byte-writer'

const PTR = {
  hwheel: 0x0400,
  wheel: 0x0200,
  wheelNegative: 0x0100,
  move: 0x0800,
  down: 0x8000,
  b1: 0x1000,
  b2: 0x2000,
  b3: 0x4000,
} as const
const SYNC = { scroll: 1, num: 2, caps: 4 } as const

/** Translates RDP input events for one connection (keeps the held-button state). */
export class RdpInput {
  readonly #sink: InputSink
  #buttons = 0
  #lastX = 0
  #lastY = 0
  #width: number
  #height: number

  constructor(sink: InputSink, width: number, height: number) {
    this.#sink = sink
    this.#width = width
    this.#height = height
  }

  /** Updates the screen size used to clamp pointer positions. */
  resize(width: number, height: number): void {
    this.#width = width
    this.#height = height
  }

  /** A key: set 1 `code`, with `extended` (E0) or `extended1` (E1, Pause) prefix. */
  key(code: number, release: boolean, extended: boolean, extended1: boolean): void {
    const byte = (code & 0x7f) | (release ? 0x80 : 0)
    if (extended1) this.#sink.putScancodes([0xe1, byte])
    else if (extended) this.#sink.putScancodes([0xe0, byte])
    else this.#sink.putScancodes([byte])
  }

  /** Client lock-key state: toggles the guest's locks that differ, by pressing the keys (as VirtualBox does). */
  sync(flags: number): void {
    const leds = this.#sink.leds
    const press = (code: number) => this.#sink.putScancodes([code, code | 0x80])
    if (((flags & SYNC.caps) !== 0) !== leds.capsLock) press(0x3a)
    if (((flags & SYNC.num) !== 0) !== leds.numLock) press(0x45)
    if (((flags & SYNC.scroll) !== 0) !== leds.scrollLock) press(0x46)
  }

  /** TS_POINTER_EVENT. */
  mouse(flags: number, x: number, y: number): void {
    let dz = 0
    let dw = 0
    if (flags & (PTR.wheel | PTR.hwheel)) {
      // 9-bit signed rotation, 120 units per notch; positive = away from the user.
      const raw = flags & 0x1ff
      const rotation = flags & PTR.wheelNegative ? raw - 0x200 : raw
      const notches = rotation === 0 ? 0 : Math.sign(rotation) * Math.max(1, Math.round(Math.abs(rotation) / 120))
      if (flags & PTR.wheel) dz = -notches
      else dw = notches
    } else {
      const bit = flags & PTR.b1 ? 0x01 : flags & PTR.b2 ? 0x02 : flags & PTR.b3 ? 0x04 : 0
      if (bit) this.#buttons = flags & PTR.down ? this.#buttons | bit : this.#buttons & ~bit
    }
    const moves = (flags & PTR.move) !== 0 || (flags & (PTR.b1 | PTR.b2 | PTR.b3)) !== 0
    this.#pointer(moves ? x : this.#lastX, moves ? y : this.#lastY, dz, dw)
  }

  /** TS_POINTERX_EVENT (side buttons). */
  mouseX(flags: number, x: number, y: number): void {
    const bit = flags & 0x0001 ? 0x20 : flags & 0x0002 ? 0x40 : 0
    if (bit) this.#buttons = flags & 0x8000 ? this.#buttons | bit : this.#buttons & ~bit
    this.#pointer(x, y, 0, 0)
  }

  #pointer(x: number, y: number, dz: number, dw: number): void {
    const cx = Math.min(Math.max(0, x), this.#width - 1)
    const cy = Math.min(Math.max(0, y), this.#height - 1)
    if (this.#sink.absoluteSupported) this.#sink.putPointerAbsolute(cx, cy, dz, dw, this.#buttons)
    else this.#sink.putPointerRelative(cx - this.#lastX, cy - this.#lastY, dz, dw, this.#buttons)
    this.#lastX = cx
    this.#lastY = cy
  }

  /** Parses a whole fast-path input PDU (header byte, length, events). */
  fastPath(frame: Uint8Array): void {
    const r = new ByteReader(frame, 'fast-path input')
    const header = r.u8()
    if (header & 0xc0) throw new ProtocolError('encrypted fast-path input under TLS')
    const b1 = r.u8()
    if (b1 & 0x80) r.skip(1)
    let n = (header >> 2) & 0x0f
    if (n === 0) n = r.u8()
    for (let i = 0; i < n; i++) {
      const eh = r.u8()
      const code = eh >> 5
      const f = eh & 0x1f
      switch (code) {
        case 0:
          this.key(r.u8(), (f & 1) !== 0, (f & 2) !== 0, (f & 4) !== 0)
          break
        case 1:
          this.mouse(r.u16le(), r.u16le(), r.u16le())
          break
        case 2:
          this.mouseX(r.u16le(), r.u16le(), r.u16le())
          break
        case 3:
          this.sync(f)
          break
        case 4:
          r.skip(2) // Unicode keyboard events were not advertised; ignore them
          break
        case 6:
          r.skip(4) // QoE timestamp
          break
        default:
          throw new ProtocolError(`fast-path input event code ${code}`)
      }
    }
    if (r.remaining !== 0) throw new ProtocolError(`fast-path input: ${r.remaining} trailing bytes`)
  }

  /** Parses a slow-path Input Event PDU body (TS_INPUT_PDU_DATA). */
  slowPath(r: ByteReader): void {
    const n = r.u16le()
    r.skip(2)
    for (let i = 0; i < n; i++) {
      r.skip(4) // eventTime
      const type = r.u16le()
      switch (type) {
        case 0x0000: {
          r.skip(2)
          this.sync(r.u32le())
          break
        }
        case 0x0004: {
          const flags = r.u16le()
          const code = r.u16le()
          r.skip(2)
          this.key(code, (flags & 0x8000) !== 0, (flags & 0x0100) !== 0, (flags & 0x0200) !== 0)
          break
        }
        case 0x0005:
          r.skip(6)
          break
        case 0x8001:
          this.mouse(r.u16le(), r.u16le(), r.u16le())
          break
        case 0x8002:
          this.mouseX(r.u16le(), r.u16le(), r.u16le())
          break
        default:
          throw new ProtocolError(`slow-path input event type 0x${type.toString(16)}`)
      }
    }
  }
}
