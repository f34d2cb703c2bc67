// ZRLE encoder: every sub-encoding round-trips through a decoder written from RFC 6143 §7.7.6 for several client
// pixel formats, raw tiles are reported as spans, and the connection's zlib stream (which stores long raw spans
// at level 0) stays one valid stream across updates.
import { constants as zc, createInflate } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { SERVER_PIXEL_FORMAT, encodePixelFormat, pixelValue } from '../../src/rfb/pixel-format'
import type { RfbPixelFormat } from '../../src/rfb/pixel-format'
import { ZrleEncoder } from '../../src/rfb/zrle'
import { RecordingInputSink } from '../helpers/recording-input'
import { RGB565_BE } from '../helpers/pixel-formats'
import { openRfbSession } from '../helpers/rfb-session'
import { decodeZrleTiles } from '../helpers/zrle-decode'

const FORMATS: Record<string, RfbPixelFormat> = {
  server: SERVER_PIXEL_FORMAT,
  'R/B swapped (vncsnapshot)': { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 },
  'colour in the high bytes': { ...SERVER_PIXEL_FORMAT, redShift: 24, greenShift: 16, blueShift: 8 },
  '16 bpp big-endian': RGB565_BE,
  '8 bpp bgr233': {
    ...SERVER_PIXEL_FORMAT,
    bitsPerPixel: 8,
    depth: 8,
    redMax: 7,
    greenMax: 7,
    blueMax: 3,
    redShift: 0,
    greenShift: 3,
    blueShift: 6,
  },
}

/** A picture whose tiles need every sub-encoding: solid, 2/4/16-colour packed, palette RLE, plain RLE, raw. */
function mixedPicture(w: number, h: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h * 4)
  let s = seed >>> 0
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4
      const zone = ((x >> 6) + (y >> 6) * 3) % 7
      let v: number
      if (zone === 0) v = 0x204080
      else if (zone === 1) v = (x + y) & 1 ? 0xffffff : 0x000000
      else if (zone === 2) v = [0x112233, 0x445566, 0x778899, 0xaabbcc][(x * 3 + y) & 3] as number
      else if (zone === 3) v = ((x >> 2) * 0x10203 + y * 0x30201) & 0xffffff
      else if (zone === 4) v = ((y >> 1) * 0x050301 + (x >> 5) * 0x40) & 0xffffff
      else if (zone === 5) v = (x * 0x20304 + y * 0x1) & 0xffffff
      else v = (rnd() << 8) ^ rnd()
      px[o] = v & 0xff
      px[o + 1] = (v >> 8) & 0xff
      px[o + 2] = (v >> 16) & 0xff
      px[o + 3] = 0xaa // the X byte must not leak into pixel values
    }
  }
  return px
}

describe('ZrleEncoder', () => {
  for (const [name, pf] of Object.entries(FORMATS)) {
    it(`round-trips a mixed picture with every sub-encoding (${name})`, () => {
      const w = 300
      const h = 200
      const px = mixedPicture(w, h, 7)
      const enc = new ZrleEncoder(pf)
      const { data, rawSpans } = enc.encode(px, w, h)
      const decoded = decodeZrleTiles(pf, data, w, h)
      const expected = Array.from({ length: w * h }, (_, i) => pixelValue(pf, px, i))
      expect(decoded).toEqual(expected)
      // Raw spans start at a raw tile's subencoding byte and end where a tile ends.
      expect(rawSpans.length).toBeGreaterThan(0)
      expect(rawSpans.length % 2).toBe(0)
      for (let i = 0; i < rawSpans.length; i += 2) {
        expect(data[rawSpans[i] as number]).toBe(0)
        const end = rawSpans[i + 1] as number
        expect(end === data.length || data[end] !== undefined).toBe(true)
      }
    })
  }

  it('round-trips random pictures of random sizes, reusing its buffers between calls', () => {
    const enc = new ZrleEncoder(FORMATS['R/B swapped (vncsnapshot)'] as RfbPixelFormat)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        (w, h, colours, seed) => {
          const px = new Uint8Array(w * h * 4)
          let s = seed >>> 0
          for (let i = 0; i < w * h; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0
            // Runs of a few pixels from a palette of `colours` colours.
            const c = (s >>> 20) % 3 === 0 ? ((s >>> 8) % colours) * 0x010305 : (px[(i - 1) * 4] ?? 0)
            px[i * 4] = c & 0xff
            px[i * 4 + 1] = (c >> 8) & 0xff
            px[i * 4 + 2] = (c >> 16) & 0xff
          }
          const pf = FORMATS['R/B swapped (vncsnapshot)'] as RfbPixelFormat
          const decoded = decodeZrleTiles(pf, enc.encode(px, w, h).data, w, h)
          for (let i = 0; i < w * h; i++) if (decoded[i] !== pixelValue(pf, px, i)) return false
          return true
        },
      ),
      { seed: 8, numRuns: 60 },
    )
  })

  it('reads an unaligned pixel buffer', () => {
    const px = mixedPicture(70, 70, 3)
    const shifted = new Uint8Array(px.length + 1).subarray(1)
    shifted.set(px)
    const data = new ZrleEncoder(SERVER_PIXEL_FORMAT).encode(shifted, 70, 70).data
    expect(decodeZrleTiles(SERVER_PIXEL_FORMAT, data, 70, 70)).toEqual(
      Array.from({ length: 70 * 70 }, (_, i) => pixelValue(SERVER_PIXEL_FORMAT, px, i)),
    )
  })
})

describe('ZRLE over an RFB connection', () => {
  it('keeps one zlib stream valid across updates mixing stored and deflated tiles, and across a pixel format change', async () => {
    const w = 320
    const h = 192
    const display = new MemoryDisplaySource(w, h)
    const t = openRfbSession(display, new RecordingInputSink())
    t.feed(Buffer.from([2, 0, 0, 1, 0, 0, 0, 16])) // SetEncodings: ZRLE
    const inflate = createInflate()
    const inflateChunk = (data: Uint8Array) =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = []
        const onData = (c: Buffer) => chunks.push(c)
        inflate.on('data', onData)
        inflate.once('error', reject)
        inflate.write(data)
        inflate.flush(zc.Z_SYNC_FLUSH, () => {
          inflate.off('data', onData)
          inflate.off('error', reject)
          resolve(Buffer.concat(chunks))
        })
      })
    try {
      for (let frame = 0; frame < 4; frame++) {
        const px = mixedPicture(w, h, frame + 1)
        // From frame 2 on the client asks for another pixel format: the zlib stream must carry on regardless.
        const pf = frame >= 2 ? RGB565_BE : SERVER_PIXEL_FORMAT
        if (frame === 2) t.feed(Buffer.concat([Buffer.from([0, 0, 0, 0]), encodePixelFormat(RGB565_BE)]))
        t.sent.length = 0
        display.framebuffer().set(px)
        display.invalidate()
        t.feed(Buffer.from([3, frame > 0 ? 1 : 0, 0, 0, 0, 0, w >> 8, w & 0xff, 0, h]))
        let out: Buffer = Buffer.alloc(0)
        for (let i = 0; i < 200 && out.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 10))
          out = t.sentBytes
        }
        expect(out[0]).toBe(0)
        const count = out.readUInt16BE(2)
        let p = 4
        let pixels = 0
        for (let k = 0; k < count; k++) {
          const [x, y, rw, rh] = [0, 2, 4, 6].map((o) => out.readUInt16BE(p + o)) as [number, number, number, number]
          expect(out.readInt32BE(p + 8)).toBe(16)
          const len = out.readUInt32BE(p + 12)
          const raw = await inflateChunk(out.subarray(p + 16, p + 16 + len))
          p += 16 + len
          const decoded = decodeZrleTiles(pf, raw, rw, rh)
          for (let i = 0; i < decoded.length; i++) {
            const at = (y + Math.floor(i / rw)) * w + x + (i % rw)
            if (decoded[i] !== pixelValue(pf, px, at)) throw new Error(`frame ${frame}: pixel ${at}`)
          }
          pixels += decoded.length
        }
        expect([p, pixels]).toEqual([out.length, w * h])
      }
    } finally {
      inflate.destroy()
      t.close()
    }
  })

  it('survives the client leaving at any point of an update (zlib level switches in flight)', async () => {
    for (let ticks = 0; ticks < 12; ticks++) {
      const display = new MemoryDisplaySource(320, 192)
      display.framebuffer().set(mixedPicture(320, 192, ticks))
      const t = openRfbSession(display, new RecordingInputSink())
      t.feed(Buffer.from([2, 0, 0, 1, 0, 0, 0, 16]))
      t.feed(Buffer.from([3, 0, 0, 0, 0, 0, 1, 64, 0, 192]))
      for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r))
      t.close()
      expect(t.closed).toBe(true)
    }
    // Unhandled errors from zlib callbacks would fail the run; give them time to surface.
    await new Promise((r) => setTimeout(r, 100))
  })
})
