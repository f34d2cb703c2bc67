// Seeded fuzzing of the RFB connection: random, truncated, oversized and out-of-order client bytes either wait
// for more input or close that one connection with a logged reason — never an exception, never a hang, and a
// fresh connection on the same server still works.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DisplayHub } from '../../src/display/display-hub'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { RfbConnection } from '../../src/rfb/rfb-connection'
import { LoginThrottle } from '../../src/server/login-throttle'
import type { ServerContext } from '../../src/server/server-context'
import { SessionRegistry } from '../../src/server/session-registry'
import { MemoryTransport } from '../helpers/memory-transport'
import { RecordingInputSink } from '../helpers/recording-input'

function context(logs: string[]): ServerContext {
  const display = new MemoryDisplaySource(64, 48)
  display.fillRect(0, 0, 64, 48, 0x808080)
  return {
    hub: new DisplayHub(display),
    input: new RecordingInputSink(),
    registry: new SessionRegistry({ allowMultiConnection: true, reuseSingleConnection: false, maxConnections: 1000 }),
    throttle: new LoginThrottle(1),
    log: (l, m) => logs.push(`${l} ${m}`),
    stats: { bytesSent: 0, bytesReceived: 0 },
    onConnectionClosed: () => {},
  }
}

const HANDSHAKE = [Buffer.from('RFB 003.008\n'), Buffer.from([1]), Buffer.from([1])]

/** Valid client messages after ServerInit. */
const VALID: Buffer[] = [
  Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]),
  Buffer.from([2, 0, 0, 3, 0, 0, 0, 16, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]),
  Buffer.from([3, 0, 0, 0, 0, 0, 0, 64, 0, 48]),
  Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]),
  Buffer.from([5, 1, 0, 10, 0, 10]),
  Buffer.from([6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]),
]

function run(chunks: Uint8Array[], ctx: ServerContext, opts = { desktopName: 'fuzz', handshakeTimeoutMs: 60_000 }) {
  const t = new MemoryTransport()
  new RfbConnection(t, ctx, opts)
  for (const c of chunks) t.feed(c)
  return t
}

describe('RFB connection under fuzzing', () => {
  it('never throws on arbitrary bytes, before or after the handshake', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 12 }),
        (handshaken, junk) => {
          const logs: string[] = []
          const t = run([...(handshaken ? HANDSHAKE : []), ...junk], context(logs))
          // Closed connections always say why.
          if (t.closed) expect(logs.some((l) => /closing: (PROTOCOL|TOO_LARGE|REFUSED)/.test(l))).toBe(true)
        },
      ),
      { seed: 0x5eed, numRuns: 600 },
    )
  })

  it('survives valid messages that are truncated, split, mutated or reordered', () => {
    const msg = fc.constantFrom(...VALID)
    fc.assert(
      fc.property(
        fc.array(msg, { minLength: 1, maxLength: 8 }),
        fc.nat(200),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        (msgs, cut, patch, split) => {
          const stream = Buffer.concat([...HANDSHAKE, ...msgs])
          const at = Math.min(cut, stream.length - 1)
          stream.set(patch.subarray(0, Math.max(0, stream.length - at)), at)
          const chunks: Uint8Array[] = []
          for (let i = 0; i < stream.length; i += split) chunks.push(stream.subarray(i, i + split))
          const logs: string[] = []
          const t = run(chunks, context(logs))
          if (t.closed) expect(logs.some((l) => /closing:/.test(l))).toBe(true)
        },
      ),
      { seed: 42, numRuns: 600 },
    )
  })

  it('closes oversized messages instead of buffering them', () => {
    const logs: string[] = []
    const huge = Buffer.alloc(8)
    huge[0] = 6
    huge.writeUInt32BE(0x7fffffff, 4)
    const t = run([...HANDSHAKE, huge], context(logs))
    expect(t.closed).toBe(true)
    expect(logs.join('\n')).toMatch(/TOO_LARGE: ClientCutText of 2147483647 bytes/)
    const enc = Buffer.from([2, 0, 0xff, 0xff])
    const t2 = run([...HANDSHAKE, enc], context(logs))
    expect(t2.closed).toBe(true)
  })

  it('answers a valid session after others were killed by bad input', () => {
    const logs: string[] = []
    const ctx = context(logs)
    for (let i = 0; i < 20; i++) run([...HANDSHAKE, Buffer.from([99, i])], ctx)
    const good = run([...HANDSHAKE, VALID[2] as Buffer], ctx)
    expect(good.closed).toBe(false)
    const out = good.sentBytes
    // ProtocolVersion(12) + security list(2) + result(4) + ServerInit(24+4 name) …
    expect(out.subarray(0, 12).toString()).toBe('RFB 003.008\n')
    expect(out.readUInt16BE(18)).toBe(64)
  })
})
