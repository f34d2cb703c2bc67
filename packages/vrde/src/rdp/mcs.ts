// T.125 MCS (BER Connect-Initial/Response, PER domain PDUs) and the T.124 GCC Conference Create wrapping of the
// RDP client/server data blocks (MS-RDPBCGR 2.2.1.3, 2.2.1.4, 2.2.1.5–2.2.1.9, 2.2.2.3).
import { ProtocolError } from '../errors'
import { ByteReader, ByteWriter } from './byte-writer'

/** The client data RDP needs from the GCC blocks. */
export interface ClientCoreData {
  readonly version: number
  readonly desktopWidth: number
  readonly desktopHeight: number
  readonly highColorDepth: number
  readonly supportedColorDepths: number
  readonly earlyCapabilityFlags: number
  readonly clientName: string
  readonly keyboardLayout: number
}

/** Parsed Connect-Initial. */
export interface ConnectInitial {
  readonly core: ClientCoreData
  /** Static virtual channel names, in the client's order. */
  readonly channels: readonly string[]
}

function berLength(r: ByteReader): number {
  const b = r.u8()
  if (b < 0x80) return b
  const n = b & 0x7f
  if (n === 0 || n > 2) throw new ProtocolError(`BER length with ${n} bytes`)
  return n === 1 ? r.u8() : r.u16be()
}

function berSkip(r: ByteReader, tag: number): void {
  const t = r.u8()
  if (t !== tag) throw new ProtocolError(`BER tag 0x${t.toString(16)} where 0x${tag.toString(16)} was expected`)
  r.skip(berLength(r))
}

function perLength(r: ByteReader): number {
  const b = r.u8()
  return b & 0x80 ? ((b & 0x3f) << 8) | r.u8() : b
}

/** Parses the MCS Connect-Initial inside an X.224 Data frame (offset 7). */
export function parseConnectInitial(frame: Uint8Array): ConnectInitial {
  const r = new ByteReader(frame, 'MCS Connect-Initial', 7)
  if (r.u8() !== 0x7f || r.u8() !== 0x65) throw new ProtocolError('expected MCS Connect-Initial (7F 65)')
  const len = berLength(r)
  r.need(len)
  berSkip(r, 0x04) // callingDomainSelector
  berSkip(r, 0x04) // calledDomainSelector
  berSkip(r, 0x01) // upwardFlag
  berSkip(r, 0x30) // targetParameters
  berSkip(r, 0x30) // minimumParameters
  berSkip(r, 0x30) // maximumParameters
  if (r.u8() !== 0x04) throw new ProtocolError('Connect-Initial userData is not an OCTET STRING')
  const udLen = berLength(r)
  const ud = r.bytes(udLen)
  // GCC ConnectData + ConferenceCreateRequest: find the H.221 client key "Duca", then a PER length.
  const key = Buffer.from(ud).indexOf('Duca')
  if (key < 0 || key > 32) throw new ProtocolError('GCC Conference Create Request without the "Duca" key')
  const g = new ByteReader(ud, 'GCC user data', key + 4)
  const blocksLen = perLength(g)
  const end = Math.min(ud.length, g.pos + blocksLen)
  let core: ClientCoreData | null = null
  const channels: string[] = []
  let pos = g.pos
  while (pos + 4 <= end) {
    const b = new ByteReader(ud, 'client data block', pos, end)
    const type = b.u16le()
    const blen = b.u16le()
    if (blen < 4 || pos + blen > end) throw new ProtocolError(`client data block 0x${type.toString(16)} length ${blen}`)
    const blk = new ByteReader(ud, `client data block 0x${type.toString(16)}`, pos + 4, pos + blen)
    if (type === 0xc001) core = parseCore(blk, blen)
    else if (type === 0xc003) {
      const n = blk.u32le()
      if (n > 31) throw new ProtocolError(`${n} static channels (max 31)`)
      for (let i = 0; i < n; i++) {
        const name = Buffer.from(blk.bytes(8)).toString('latin1').replace(/\0.*$/s, '')
        blk.skip(4)
        channels.push(name)
      }
    }
    pos += blen
  }
  if (!core) throw new ProtocolError('no CS_CORE client data block')
  return { core, channels }
}

function parseCore(b: ByteReader, blen: number): ClientCoreData {
  const version = b.u32le()
  const desktopWidth = b.u16le()
  const desktopHeight = b.u16le()
  b.skip(4) // colorDepth, SASSequence
  const keyboardLayout = b.u32le()
  b.skip(4) // clientBuild
  const clientName = Buffer.from(b.bytes(32)).toString('utf16le').replace(/\0.*$/s, '')
  b.skip(12 + 64) // keyboard type/subtype/fn keys, imeFileName
  // Optional fields: present only when the block is long enough (2.2.1.3.2).
  let highColorDepth = 8
  let supportedColorDepths = 0
  let earlyCapabilityFlags = 0
  if (blen >= 4 + 140) {
    b.skip(2 + 2 + 4) // postBeta2ColorDepth, clientProductId, serialNumber
    highColorDepth = b.u16le()
    supportedColorDepths = b.u16le()
    if (blen >= 4 + 142) earlyCapabilityFlags = b.u16le()
  }
  return {
    version,
    desktopWidth,
    desktopHeight,
    highColorDepth,
    supportedColorDepths,
    earlyCapabilityFlags,
    clientName,
    keyboardLayout,
  }
}

function berLen(w: ByteWriter, n: number): void {
  if (n < 0x80) w.u8(n)
  else if (n < 0x100) w.u8(0x81).u8(n)
  else w.u8(0x82).u16be(n)
}

function perLen(w: ByteWriter, n: number): void {
  if (n < 0x80) w.u8(n)
  else w.u16be(0x8000 | n)
}

/** MCS ids this server hands out (vrde.md §1.2: the user channel must not collide with static channels). */
export const MCS_USER_ID = 1002
export const MCS_IO_CHANNEL = 1003

/** Builds the X.224 payload of MCS Connect-Response with the server data blocks. */
export function connectResponse(requestedProtocols: number, channelCount: number): Buffer {
  const blocks = new ByteWriter()
  blocks.u16le(0x0c01).u16le(16).u32le(0x00080004).u32le(requestedProtocols).u32le(0) // SC_CORE
  blocks.u16le(0x0c02).u16le(12).u32le(0).u32le(0) // SC_SECURITY: none under TLS
  const netLen = 8 + channelCount * 2 + (channelCount % 2 ? 2 : 0)
  blocks.u16le(0x0c03).u16le(netLen).u16le(MCS_IO_CHANNEL).u16le(channelCount)
  for (let i = 0; i < channelCount; i++) blocks.u16le(MCS_IO_CHANNEL + 1 + i)
  if (channelCount % 2) blocks.u16le(0)
  const sd = blocks.finish()

  const ccr = new ByteWriter()
  ccr.bytes([0x14, 0x76, 0x0a, 0x01, 0x01, 0x00, 0x01, 0xc0, 0x00]).bytes(Buffer.from('McDn', 'latin1'))
  perLen(ccr, sd.length)
  ccr.bytes(sd)
  const ccrBytes = ccr.finish()
  const gcc = new ByteWriter()
  gcc.bytes([0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01])
  perLen(gcc, ccrBytes.length)
  gcc.bytes(ccrBytes)
  const userData = gcc.finish()

  const body = new ByteWriter()
  body.bytes([0x0a, 0x01, 0x00]) // result: rt-successful
  body.bytes([0x02, 0x01, 0x00]) // calledConnectId
  const dp = [
    0x02, 0x01, 0x22, 0x02, 0x01, 0x03, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01,
  ]
  const dpTail = [0x02, 0x03, 0x00, 0xff, 0xf8, 0x02, 0x01, 0x02]
  body
    .u8(0x30)
    .u8(dp.length + dpTail.length)
    .bytes(dp)
    .bytes(dpTail)
  body.u8(0x04)
  berLen(body, userData.length)
  body.bytes(userData)
  const b = body.finish()
  const out = new ByteWriter(b.length + 8)
  out.u8(0x7f).u8(0x66)
  berLen(out, b.length)
  out.bytes(b)
  return out.finish()
}

/** A decoded MCS domain PDU from the client. */
export type DomainPdu =
  | { readonly kind: 'erect-domain' }
  | { readonly kind: 'attach-user' }
  | { readonly kind: 'channel-join'; readonly initiator: number; readonly channelId: number }
  | { readonly kind: 'send-data'; readonly channelId: number; readonly data: Uint8Array }
  | { readonly kind: 'disconnect' }

/** Parses the MCS PDU of an X.224 Data frame (offset 7). */
export function parseDomainPdu(frame: Uint8Array): DomainPdu {
  const r = new ByteReader(frame, 'MCS domain PDU', 0)
  r.skip(4)
  if (r.u8() !== 2 || r.u8() !== 0xf0) throw new ProtocolError('expected an X.224 Data TPDU')
  r.skip(1)
  const choice = r.u8() >> 2
  switch (choice) {
    case 1:
      return { kind: 'erect-domain' }
    case 8:
      return { kind: 'disconnect' }
    case 10:
      return { kind: 'attach-user' }
    case 14: {
      const initiator = r.u16be() + 1001
      const channelId = r.u16be()
      return { kind: 'channel-join', initiator, channelId }
    }
    case 25: {
      r.skip(2) // initiator
      const channelId = r.u16be()
      r.skip(1) // dataPriority + segmentation
      const len = perLength(r)
      return { kind: 'send-data', channelId, data: r.bytes(len) }
    }
    default:
      throw new ProtocolError(`unexpected MCS domain PDU choice ${choice}`)
  }
}

/** Attach-User-Confirm (2.2.1.7). */
export function attachUserConfirm(): Buffer {
  return Buffer.from([0x2e, 0x00, (MCS_USER_ID - 1001) >> 8, (MCS_USER_ID - 1001) & 0xff])
}

/** Channel-Join-Confirm (2.2.1.9), result rt-successful. */
export function channelJoinConfirm(channelId: number): Buffer {
  const w = new ByteWriter(8)
  w.u8(0x3e)
    .u8(0x00)
    .u16be(MCS_USER_ID - 1001)
    .u16be(channelId)
    .u16be(channelId)
  return w.finish()
}

/** Send-Data-Indication on `channelId` (server → client slow-path data). */
export function sendDataIndication(channelId: number, payload: Uint8Array): Buffer {
  const w = new ByteWriter(payload.length + 8)
  w.u8(0x68)
    .u16be(MCS_USER_ID - 1001)
    .u16be(channelId)
    .u8(0x70)
  perLen(w, payload.length)
  w.bytes(payload)
  return w.finish()
}

/** Disconnect-Provider-Ultimatum, reason rn-user-requested (2.2.2.3). */
export function disconnectProviderUltimatum(): Buffer {
  return Buffer.from([0x21, 0x80])
}
