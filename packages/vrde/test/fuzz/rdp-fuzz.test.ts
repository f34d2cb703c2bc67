// Seeded fuzzing of every RDP parser (X.224, MCS/GCC, domain PDUs, Client Info, share PDUs, fast-/slow-path
// input) with random and mutated-valid input — only VrdeErrors may come out — and of live connections: a
// corrupted PDU anywhere in the connection sequence closes that connection with a logged reason while the
// server keeps serving a well-behaved client.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { VrdeError } from '../../src/errors'
import { ByteReader } from '../../src/rdp/byte-writer'
import { RdpInput } from '../../src/rdp/input'
import { parseConnectInitial, parseDomainPdu } from '../../src/rdp/mcs'
import { RdpServer } from '../../src/rdp/rdp-server'
import { parseClientInfo, parseConfirmActive, parseShareControl, parseShareDataHeader } from '../../src/rdp/share-pdus'
import { frameLength, parseConnectionRequest } from '../../src/rdp/x224'
import { activationSequence, connectionRequest, rdpTestClient } from '../helpers/rdp-client'
import { RecordingInputSink } from '../helpers/recording-input'

/** Runs `f`; any exception other than a VrdeError fails the property. */
function onlyVrdeErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof VrdeError)) throw err
  }
}

const seq = activationSequence(800, 600)
const valid: Record<string, Buffer> = {
  connectionRequest: connectionRequest(3),
  connectInitial: seq[0] as Buffer,
  attach: seq[2] as Buffer,
  join: seq[3] as Buffer,
  clientInfo: seq[6] as Buffer,
  confirmActive: seq[7] as Buffer,
  fontList: seq[11] as Buffer,
}

/** A valid PDU with a byte range overwritten, or truncated, or extended. */
const mutated = (base: Buffer) =>
  fc
    .tuple(fc.nat(base.length), fc.uint8Array({ minLength: 0, maxLength: 8 }), fc.nat(base.length + 40))
    .map(([at, patch, len]) => {
      const b = Buffer.alloc(len)
      base.copy(b, 0, 0, Math.min(len, base.length))
      b.set(patch.subarray(0, Math.max(0, len - at)), Math.min(at, len))
      return b
    })

describe('RDP parsers under fuzzing', () => {
  it('reject random bytes with VrdeErrors only', () => {
    const input = new RdpInput(new RecordingInputSink(), 100, 100)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes)
        onlyVrdeErrors(() => parseConnectionRequest(b))
        onlyVrdeErrors(() => parseConnectInitial(b))
        onlyVrdeErrors(() => parseDomainPdu(b))
        onlyVrdeErrors(() => parseClientInfo(b))
        onlyVrdeErrors(() => parseConfirmActive(new ByteReader(b, 'fuzz')))
        onlyVrdeErrors(() => parseShareDataHeader(parseShareControl(b).body))
        onlyVrdeErrors(() => input.fastPath(b))
        onlyVrdeErrors(() => input.slowPath(new ByteReader(b, 'fuzz')))
        onlyVrdeErrors(() => frameLength((i) => b[i] ?? 0, b.length))
      }),
      { seed: 7, numRuns: 2000 },
    )
  })

  it('reject mutated valid PDUs with VrdeErrors only', () => {
    const input = new RdpInput(new RecordingInputSink(), 100, 100)
    fc.assert(
      fc.property(mutated(valid.connectionRequest as Buffer), (b) => onlyVrdeErrors(() => parseConnectionRequest(b))),
      { seed: 1, numRuns: 500 },
    )
    fc.assert(
      fc.property(mutated(valid.connectInitial as Buffer), (b) => onlyVrdeErrors(() => parseConnectInitial(b))),
      { seed: 2, numRuns: 1000 },
    )
    for (const name of ['attach', 'join', 'clientInfo', 'confirmActive', 'fontList']) {
      fc.assert(
        fc.property(mutated(valid[name] as Buffer), (b) =>
          onlyVrdeErrors(() => {
            const pdu = parseDomainPdu(b)
            if (pdu.kind !== 'send-data') return
            if (name === 'clientInfo') parseClientInfo(pdu.data)
            else {
              const sc = parseShareControl(pdu.data)
              if (sc.pduType === 0x13) parseConfirmActive(sc.body)
              else parseShareDataHeader(sc.body)
            }
          }),
        ),
        { seed: 3, numRuns: 400 },
      )
    }
    const slow = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x80, 0x00, 0x08, 10, 0, 20, 0])
    fc.assert(
      fc.property(mutated(slow), (b) => onlyVrdeErrors(() => input.slowPath(new ByteReader(b, 'fuzz')))),
      { seed: 4, numRuns: 500 },
    )
  })
})

describe('live RDP connections under fuzzing', () => {
  let certDir = ''
  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'vrde-rdp-fuzz-'))
  })
  afterAll(async () => {
    await rm(certDir, { recursive: true, force: true })
  })

  it('closes only the offending connection; a good client still gets the screen', async () => {
    const logs: string[] = []
    const display = new MemoryDisplaySource(128, 96)
    display.fillRect(0, 0, 128, 96, 0xaabbcc)
    const server = new RdpServer(
      {
        properties: { 'TCP/Ports': '13600-13699' },
        certificateDir: certDir,
        allowMultiConnection: true,
        logger: (l, m) => logs.push(`${l} ${m}`),
      },
      display,
      new RecordingInputSink(),
    )
    const { port } = await server.start()
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(seq.length - 1),
          fc.nat(400),
          fc.uint8Array({ minLength: 1, maxLength: 6 }),
          async (which, at, patch) => {
            const pdus = seq.map((b) => Buffer.from(b))
            const target = pdus[which] as Buffer
            target.set(patch.subarray(0, Math.max(0, target.length - (at % target.length))), at % target.length)
            const c = await rdpTestClient(port, pdus)
            // Either the server closes the connection or it keeps it (the mutation may be harmless).
            await Promise.race([c.closed, new Promise((r) => setTimeout(r, 150))])
            c.close()
          },
        ),
        { seed: 99, numRuns: 25 },
      )
      expect(logs.some((l) => /closing: (PROTOCOL|TOO_LARGE)/.test(l))).toBe(true)
      const good = await rdpTestClient(port)
      const end = Date.now() + 5000
      while (good.fastPathPdus === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
      expect(good.fastPathPdus).toBeGreaterThan(0)
      good.close()
    } finally {
      await server.stop()
    }
  }, 60_000)
})
