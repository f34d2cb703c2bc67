// A scripted RDP client for unit tests: just enough of the connection sequence (MS-RDPBCGR 1.3.1.1) to reach the
// active state over TLS, then it counts fast-path output. Also the source of valid PDUs for the fuzz tests.
import { connect as tlsConnect } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'

export function tpkt(payload: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + payload.length)
  b[0] = 3
  b.writeUInt16BE(b.length, 2)
  b.set(payload, 4)
  return b
}

export function x224(payload: Uint8Array): Buffer {
  return tpkt(Buffer.concat([Buffer.from([2, 0xf0, 0x80]), payload]))
}

export function connectionRequest(protocols: number): Buffer {
  const cookie = Buffer.from('Cookie: mstshash=test\r\n', 'latin1')
  const neg = Buffer.from([1, 0, 8, 0, protocols & 0xff, 0, 0, 0])
  const body = Buffer.concat([Buffer.from([0xe0, 0, 0, 0, 0, 0]), cookie, neg])
  return tpkt(Buffer.concat([Buffer.from([body.length]), body]))
}

function ber(tag: number[], content: Uint8Array): Buffer {
  const n = content.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([...tag, ...len]), content])
}

function perLen(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x80 | (n >> 8), n & 0xff])
}

/** MCS Connect-Initial with CS_CORE (`width`×`height`, 32 bpp wanted) and CS_NET with `channels`. */
export function connectInitial(width: number, height: number, channels: string[] = []): Buffer {
  const core = Buffer.alloc(4 + 142)
  core.writeUInt16LE(0xc001, 0)
  core.writeUInt16LE(core.length, 2)
  core.writeUInt32LE(0x80004, 4)
  core.writeUInt16LE(width, 8)
  core.writeUInt16LE(height, 10)
  core.write('test', 24, 'utf16le')
  core.writeUInt16LE(24, 4 + 136)
  core.writeUInt16LE(0x000f, 4 + 138)
  core.writeUInt16LE(0x0002, 4 + 140)
  const net = Buffer.alloc(8 + channels.length * 12)
  net.writeUInt16LE(0xc003, 0)
  net.writeUInt16LE(net.length, 2)
  net.writeUInt32LE(channels.length, 4)
  channels.forEach((c, i) => net.write(c, 8 + i * 12, 'latin1'))
  const blocks = Buffer.concat([core, net])
  const ccr = Buffer.concat([
    Buffer.from([0, 8, 0, 0x10, 0, 1, 0xc0, 0]),
    Buffer.from('Duca'),
    perLen(blocks.length),
    blocks,
  ])
  const gcc = Buffer.concat([Buffer.from([0, 5, 0, 0x14, 0x7c, 0, 1]), perLen(ccr.length), ccr])
  const seq = ber([0x30], Buffer.alloc(0))
  const body = Buffer.concat([
    ber([0x04], Buffer.from([1])),
    ber([0x04], Buffer.from([1])),
    ber([0x01], Buffer.from([0xff])),
    seq,
    seq,
    seq,
    ber([0x04], gcc),
  ])
  return x224(ber([0x7f, 0x65], body))
}

export function sendData(data: Uint8Array, channel = 1003): Buffer {
  return x224(Buffer.concat([Buffer.from([0x64, 0, 1, channel >> 8, channel & 0xff, 0x70]), perLen(data.length), data]))
}

export function clientInfo(user: string, password: string): Buffer {
  const u = Buffer.from(user, 'utf16le')
  const p = Buffer.from(password, 'utf16le')
  const head = Buffer.alloc(4 + 18)
  head.writeUInt16LE(0x0040, 0)
  head.writeUInt32LE(0x10, 8)
  head.writeUInt16LE(0, 12)
  head.writeUInt16LE(u.length, 14)
  head.writeUInt16LE(p.length, 16)
  const z = Buffer.alloc(2)
  return sendData(Buffer.concat([head, z, u, z, p, z, z, z]))
}

export function shareControl(pduType: number, body: Uint8Array): Buffer {
  const h = Buffer.alloc(6)
  h.writeUInt16LE(6 + body.length, 0)
  h.writeUInt16LE(pduType, 2)
  h.writeUInt16LE(1002, 4)
  return Buffer.concat([h, body])
}

export function confirmActive(extraFlags = 0x0405): Buffer {
  const general = Buffer.alloc(24)
  general.writeUInt16LE(1, 0)
  general.writeUInt16LE(24, 2)
  general.writeUInt16LE(extraFlags, 14)
  const bitmap = Buffer.alloc(28)
  bitmap.writeUInt16LE(2, 0)
  bitmap.writeUInt16LE(28, 2)
  bitmap.writeUInt16LE(32, 4)
  const order = Buffer.alloc(88)
  order.writeUInt16LE(3, 0)
  order.writeUInt16LE(88, 2)
  order[36 + 2] = 1 // orderSupport[TS_NEG_SCRBLT_INDEX]
  const caps = Buffer.concat([general, bitmap, order])
  const b = Buffer.alloc(4 + 2 + 2 + 2 + 4 + 4)
  b.writeUInt32LE(0x103ea, 0)
  b.writeUInt16LE(0x3ea, 4)
  b.writeUInt16LE(4, 6)
  b.writeUInt16LE(caps.length + 4, 8)
  b.write('RDP\0', 10, 'latin1')
  b.writeUInt16LE(3, 14)
  return sendData(shareControl(0x13, Buffer.concat([b, caps])))
}

export function dataPdu(pduType2: number, body: Uint8Array): Buffer {
  const h = Buffer.alloc(12)
  h.writeUInt32LE(0x103ea, 0)
  h[5] = 1
  h.writeUInt16LE(body.length, 6)
  h[8] = pduType2
  return sendData(shareControl(0x17, Buffer.concat([h, body])))
}

/** The client PDUs after TLS, in order, up to Font List. */
export function activationSequence(width: number, height: number): Buffer[] {
  return [
    connectInitial(width, height, ['rdpdr']),
    x224(Buffer.from([0x04, 0x01, 0x00, 0x01, 0x00])),
    x224(Buffer.from([0x28])),
    x224(Buffer.from([0x38, 0, 1, 0x03, 0xea])),
    x224(Buffer.from([0x38, 0, 1, 0x03, 0xeb])),
    x224(Buffer.from([0x38, 0, 1, 0x03, 0xec])),
    clientInfo('test', 'pw'),
    confirmActive(),
    dataPdu(0x1f, Buffer.from([1, 0, 0xea, 0x03])),
    dataPdu(0x14, Buffer.from([4, 0, 0, 0, 0, 0, 0, 0])),
    dataPdu(0x14, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])),
    dataPdu(0x27, Buffer.from([0, 0, 0, 0, 3, 0, 0x32, 0])),
  ]
}

/** Fast-path input with one scancode event. */
export function fastPathKey(code: number, release: boolean): Buffer {
  return Buffer.from([0x04, 4, release ? 1 : 0, code])
}

/** A connected scripted client. */
export interface RdpTestClient {
  readonly tls: TLSSocket
  /** Bytes of fast-path output received so far. */
  fastPathBytes: number
  fastPathPdus: number
  /** Fast-path update codes received, in order (low 4 bits of each PDU's first update header). */
  updateCodes: number[]
  /** pduType2 of slow-path data PDUs received. */
  dataPduTypes: number[]
  /** Share Control pduType (low 4 bits) of every slow-path PDU received: 1 Demand Active, 6 Deactivate All, 7 data. */
  shareTypes: number[]
  send(b: Uint8Array): void
  close(): void
  closed: Promise<void>
}

/** Connects, negotiates TLS, sends `afterTls` (default: the activation sequence) and counts what comes back. */
export async function rdpTestClient(port: number, afterTls?: Buffer[]): Promise<RdpTestClient> {
  const raw: Socket = netConnect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', () => resolve())
    raw.once('error', reject)
  })
  raw.write(connectionRequest(1))
  await new Promise<void>((resolve, reject) => {
    raw.once('data', () => resolve())
    raw.once('close', () => reject(new Error('closed during X.224')))
  })
  const tls = tlsConnect({ socket: raw, rejectUnauthorized: false })
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', () => resolve())
    tls.once('error', reject)
  })
  let pending = Buffer.alloc(0)
  const client: RdpTestClient = {
    tls,
    fastPathBytes: 0,
    fastPathPdus: 0,
    updateCodes: [],
    dataPduTypes: [],
    shareTypes: [],
    send: (b) => tls.write(b),
    close: () => tls.destroy(),
    closed: new Promise((resolve) => tls.once('close', () => resolve())),
  }
  tls.on('error', () => {})
  tls.on('data', (c: Buffer) => {
    pending = Buffer.concat([pending, c])
    for (;;) {
      if (pending.length < 2) return
      let len: number
      if (pending[0] === 3) {
        if (pending.length < 4) return
        len = pending.readUInt16BE(2)
      } else {
        const b1 = pending[1] ?? 0
        if (b1 & 0x80) {
          if (pending.length < 3) return
          len = ((b1 & 0x7f) << 8) | (pending[2] ?? 0)
        } else len = b1
        if (pending.length >= len) {
          client.fastPathBytes += len
          client.fastPathPdus++
          client.updateCodes.push((pending[b1 & 0x80 ? 3 : 2] ?? 0) & 0x0f)
        }
      }
      if (pending.length < len || len === 0) return
      // Slow-path Share Data PDU inside Send Data Indication: TPKT(4) X.224(3) SDI(6 + PER length 1–2).
      if (pending[0] === 3 && pending[7] === 0x68) {
        const sd = 7 + 6 + ((pending[13] ?? 0) & 0x80 ? 2 : 1)
        const type = pending.readUInt16LE(sd + 2) & 0x0f
        if (pending.readUInt16LE(sd) !== 0x0080) client.shareTypes.push(type) // not the licensing PDU
        if (type === 7 && len > sd + 14) client.dataPduTypes.push(pending[sd + 14] ?? 0)
      }
      pending = pending.subarray(len)
    }
  })
  for (const pdu of afterTls ?? activationSequence(1024, 768)) tls.write(pdu)
  return client
}
