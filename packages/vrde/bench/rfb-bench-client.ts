// Minimal RFB client for the benchmark: handshake (None), ZRLE/CopyRect/Raw, keeps one incremental
// FramebufferUpdateRequest outstanding (or a full one with --full) and reports received bytes and updates.
import { connect } from 'node:net'

/** Counters a client exposes. */
export interface RfbBenchClient {
  bytes: number
  updates: number
  close(): void
}

/** Connects to an RFB server on 127.0.0.1:`port`. */
export function rfbBenchClient(
  port: number,
  full = false,
  onData?: (c: RfbBenchClient) => void,
): Promise<RfbBenchClient> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    s.setNoDelay(true)
    let buf: Buffer = Buffer.alloc(0)
    let phase: 'version' | 'sec' | 'result' | 'init' | 'normal' = 'version'
    let width = 0
    let height = 0
    const client: RfbBenchClient = { bytes: 0, updates: 0, close: () => s.destroy() }
    const request = () => {
      const r = Buffer.alloc(10)
      r[0] = 3
      r[1] = full ? 0 : 1
      r.writeUInt16BE(width, 6)
      r.writeUInt16BE(height, 8)
      s.write(r)
    }
    s.on('error', reject)
    s.on('data', (c: Buffer) => {
      client.bytes += c.length
      queueMicrotask(() => onData?.(client))
      buf = buf.length ? Buffer.concat([buf, c]) : c
      for (;;) {
        if (phase === 'version') {
          if (buf.length < 12) return
          s.write('RFB 003.008\n')
          buf = buf.subarray(12)
          phase = 'sec'
        } else if (phase === 'sec') {
          if (buf.length < 1 || buf.length < 1 + (buf[0] ?? 0)) return
          const types = [...buf.subarray(1, 1 + (buf[0] ?? 0))]
          if (!types.includes(1)) return reject(new Error('no None security'))
          buf = buf.subarray(1 + (buf[0] ?? 0))
          s.write(Buffer.from([1]))
          phase = 'result'
        } else if (phase === 'result') {
          if (buf.length < 4) return
          buf = buf.subarray(4)
          s.write(Buffer.from([1]))
          phase = 'init'
        } else if (phase === 'init') {
          if (buf.length < 24) return
          const nameLen = buf.readUInt32BE(20)
          if (buf.length < 24 + nameLen) return
          width = buf.readUInt16BE(0)
          height = buf.readUInt16BE(2)
          buf = buf.subarray(24 + nameLen)
          // SetEncodings: ZRLE, CopyRect, Raw, DesktopSize.
          const enc = Buffer.alloc(4 + 16)
          enc[0] = 2
          enc.writeUInt16BE(4, 2)
          ;[16, 1, 0, -223].forEach((e, i) => enc.writeInt32BE(e, 4 + 4 * i))
          s.write(enc)
          request()
          phase = 'normal'
          resolve(client)
        } else {
          // FramebufferUpdate: parse rectangles to find its end.
          if (buf.length < 4) return
          if (buf[0] !== 0) throw new Error(`unexpected server message ${buf[0]}`)
          const n = buf.readUInt16BE(2)
          let p = 4
          for (let i = 0; i < n; i++) {
            if (buf.length < p + 12) return
            const w = buf.readUInt16BE(p + 4)
            const h = buf.readUInt16BE(p + 6)
            const e = buf.readInt32BE(p + 8)
            p += 12
            if (e === 16) {
              if (buf.length < p + 4) return
              p += 4 + buf.readUInt32BE(p)
            } else if (e === 1) p += 4
            else if (e === 0) p += w * h * 4
            else if (e === -223) {
              width = w
              height = h
            }
            if (buf.length < p) return
          }
          buf = buf.subarray(p)
          client.updates++
          request()
        }
      }
    })
  })
}
