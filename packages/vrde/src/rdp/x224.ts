// TPKT (RFC 1006 / T.123) and X.224 class 0 framing with RDP's negotiation (MS-RDPBCGR 2.2.1.1, 2.2.1.2).
import { ProtocolError } from '../errors'
import { ByteReader, ByteWriter } from './byte-writer'

/** requestedProtocols / selectedProtocol bits (MS-RDPBCGR 2.2.1.1.1). */
export const PROTOCOL = { rdp: 0, ssl: 1, hybrid: 2, rdstls: 4, hybridEx: 8 } as const

/** RDP_NEG_FAILURE codes (2.2.1.2.2). */
export const NEG_FAILURE = {
  sslRequiredByServer: 1,
  sslNotAllowedByServer: 2,
  sslCertNotOnServer: 3,
  hybridRequiredByServer: 5,
} as const

/** What a Connection Request carried. */
export interface ConnectionRequest {
  readonly cookie: string | null
  /** `null` when the client sent no RDP_NEG_REQ (a pre-RDP-5.2 client asking for standard security). */
  readonly requestedProtocols: number | null
}

/** Parses a whole TPKT frame holding an X.224 Connection Request. */
export function parseConnectionRequest(frame: Uint8Array): ConnectionRequest {
  const r = new ByteReader(frame, 'X.224 Connection Request')
  r.skip(4) // TPKT
  const li = r.u8()
  if (li + 5 > frame.length || li < 6) throw new ProtocolError(`X.224 length indicator ${li} does not fit the TPKT`)
  const code = r.u8()
  if ((code & 0xf0) !== 0xe0)
    throw new ProtocolError(`expected X.224 Connection Request, got code 0x${code.toString(16)}`)
  r.skip(5) // dst-ref, src-ref, class
  const end = 5 + li
  let cookie: string | null = null
  let rest = Buffer.from(frame.subarray(r.pos, end))
  const crlf = rest.indexOf('\r\n')
  if (rest.subarray(0, 8).toString('latin1') === 'Cookie: ' || rest.subarray(0, 6).toString('latin1') === 'Cookie') {
    if (crlf < 0) throw new ProtocolError('X.224 cookie without CR LF')
    cookie = rest.subarray(0, crlf).toString('latin1')
    rest = rest.subarray(crlf + 2)
  }
  let requestedProtocols: number | null = null
  if (rest.length >= 8 && rest[0] === 0x01) {
    const n = new ByteReader(rest, 'RDP_NEG_REQ')
    n.skip(2)
    if (n.u16le() !== 8) throw new ProtocolError('RDP_NEG_REQ length is not 8')
    requestedProtocols = n.u32le()
  }
  return { cookie, requestedProtocols }
}

/** Wraps a payload in TPKT + X.224 Data TPDU (02 F0 80). */
export function x224Data(payload: Uint8Array): Buffer {
  const len = 7 + payload.length
  const w = new ByteWriter(len)
  w.u8(3).u8(0).u16be(len).u8(2).u8(0xf0).u8(0x80).bytes(payload)
  return w.finish()
}

/** Connection Confirm carrying RDP_NEG_RSP (selected protocol) or RDP_NEG_FAILURE. */
export function connectionConfirm(kind: 'response' | 'failure', value: number): Buffer {
  const w = new ByteWriter(19)
  w.u8(3).u8(0).u16be(19) // TPKT
  w.u8(14).u8(0xd0).u16be(0).u16be(0x1234).u8(0) // LI, CC, dst-ref, src-ref, class 0
  // RDP_NEG_RSP flags: EXTENDED_CLIENT_DATA_SUPPORTED only (no GFX/restricted-admin claims).
  w.u8(kind === 'response' ? 0x02 : 0x03)
    .u8(kind === 'response' ? 0x01 : 0)
    .u16le(8)
    .u32le(value)
  return w.finish()
}

/**
 * Length of the next frame at the start of `head` (TPKT or fast-path), or `null` when more header bytes are
 * needed. Throws on a first byte that is neither.
 */
export function frameLength(at: (i: number) => number, available: number): number | null {
  if (available < 2) return null
  const b0 = at(0)
  if (b0 === 3) {
    if (available < 4) return null
    const len = (at(2) << 8) | at(3)
    if (len < 7) throw new ProtocolError(`TPKT length ${len} too small`)
    return len
  }
  if ((b0 & 3) === 0) {
    const b1 = at(1)
    if (b1 & 0x80) {
      if (available < 3) return null
      const len = ((b1 & 0x7f) << 8) | at(2)
      if (len < 3) throw new ProtocolError(`fast-path length ${len} too small`)
      return len
    }
    if (b1 < 2) throw new ProtocolError(`fast-path length ${b1} too small`)
    return b1
  }
  throw new ProtocolError(`frame starts with 0x${b0.toString(16)}: neither TPKT nor fast-path`)
}
