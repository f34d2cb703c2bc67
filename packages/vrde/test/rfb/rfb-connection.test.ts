import { describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { RecordingInputSink } from '../helpers/recording-input'
import { openRfbSession } from '../helpers/rfb-session'

const tick = () => new Promise((r) => setTimeout(r, 30))

function setup() {
  const display = new MemoryDisplaySource(32, 16)
  const input = new RecordingInputSink()
  const t = openRfbSession(display, input)
  return { display, input, t }
}

function setEncodings(list: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * list.length)
  b[0] = 2
  b.writeUInt16BE(list.length, 2)
  list.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i))
  return b
}

const request = (incremental: boolean) => Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 32, 0, 16])

describe('RfbConnection', () => {
  it('answers a full request with Raw pixels in the client format', async () => {
    const { display, t } = setup()
    display.fillRect(0, 0, 32, 16, 0x102030)
    t.sent.length = 0
    t.feed(request(false))
    await tick()
    const out = t.sentBytes
    expect([out[0], out.readUInt16BE(2)]).toEqual([0, 1])
    expect(out.readInt32BE(4 + 8)).toBe(0) // Raw
    expect([...out.subarray(16, 20)]).toEqual([0x30, 0x20, 0x10, 0])
    expect(out.length).toBe(16 + 32 * 16 * 4)
  })

  it('waits for a change before answering an incremental request, then sends only the change', async () => {
    const { display, t } = setup()
    t.feed(request(true))
    await tick()
    t.sent.length = 0
    await tick()
    expect(t.sent.length).toBe(0)
    display.fillRect(4, 2, 3, 2, 0xffffff)
    await tick()
    const out = t.sentBytes
    expect([out.readUInt16BE(4), out.readUInt16BE(6), out.readUInt16BE(8), out.readUInt16BE(10)]).toEqual([4, 2, 3, 2])
  })

  it('confirms QEMU extended keys, reports guest LEDs and turns key events into scancodes', async () => {
    const { input, t } = setup()
    t.sent.length = 0
    t.feed(setEncodings([0, -258, -261]))
    t.feed(request(true))
    await tick()
    const first = t.sentBytes
    const encs = [first.readInt32BE(4 + 8), first.readInt32BE(4 + 12 + 8)]
    expect(encs).toEqual([-258, -261])
    t.sent.length = 0
    input.setLeds({ capsLock: true, numLock: false, scrollLock: false })
    t.feed(request(true))
    await tick()
    const leds = t.sentBytes
    expect(leds.readInt32BE(4 + 8)).toBe(-261)
    expect(leds[16]).toBe(4)
    // QEMU extended key event: Right Ctrl as XT 0x9d (E0 1D), then a plain keysym 'q'.
    const ext = Buffer.from([255, 0, 0, 1, 0, 0, 0xff, 0xe4, 0, 0, 0, 0x9d])
    t.feed(ext)
    t.feed(Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x71]))
    t.feed(Buffer.from([5, 0x10, 0, 3, 0, 4])) // wheel down at (3,4)
    expect(input.scancodes).toEqual([0xe0, 0x1d, 0x10])
    expect(input.pointer).toEqual([{ kind: 'abs', x: 3, y: 4, dz: 1, dw: 0, buttons: 0 }])
  })
})
