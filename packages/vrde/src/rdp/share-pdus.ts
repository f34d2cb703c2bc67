// Slow-path share PDUs (MS-RDPBCGR 2.2.1.11–2.2.1.22, 2.2.3.1, 2.2.5.1, 2.2.8.1.1): licensing shortcut, Client
// Info, Demand/Confirm Active with capability sets (2.2.7), finalization, Deactivate All and Set Error Info.
import { ProtocolError } from '../errors'
import { ByteReader, ByteWriter } from './byte-writer'
import { MCS_USER_ID } from './mcs'

/** Share Control pduType values (2.2.8.1.1.1.1), version bits included. */
export const PDUTYPE = { demandActive: 0x11, confirmActive: 0x13, deactivateAll: 0x16, data: 0x17 } as const

/** Share Data pduType2 values (2.2.8.1.1.1.2). */
export const PDUTYPE2 = {
  update: 0x02,
  control: 0x14,
  pointer: 0x1b,
  input: 0x1c,
  synchronize: 0x1f,
  refreshRect: 0x21,
  suppressOutput: 0x23,
  shutdownRequest: 0x24,
  fontList: 0x27,
  fontMap: 0x28,
  persistentKeyList: 0x2b,
  setKeyboardIndicators: 0x29,
  setErrorInfo: 0x2f,
  frameAcknowledge: 0x38,
} as const

/** General capability extraFlags (2.2.7.1.1). */
export const EXTRA_FLAGS = { fastPathOutput: 0x0001, longCredentials: 0x0004, noBitmapCompressionHdr: 0x0400 } as const

/** License Error PDU "valid client" (2.2.1.12, MS-RDPELE 2.2.2), with its basic security header. */
export function licenseValidClient(): Buffer {
  return Buffer.from([0x80, 0x00, 0x00, 0x00, 0xff, 0x03, 0x10, 0x00, 0x07, 0, 0, 0, 0x02, 0, 0, 0, 0x04, 0, 0, 0])
}

/** Credentials and options from the Client Info PDU. */
export interface ClientInfo {
  readonly domain: string
  readonly user: string
  readonly password: string
}

/** Parses the Client Info PDU payload (with its security header, 2.2.1.11.1). */
export function parseClientInfo(data: Uint8Array): ClientInfo {
  const r = new ByteReader(data, 'Client Info PDU')
  const flags = r.u16le()
  r.skip(2)
  if (!(flags & 0x0040)) throw new ProtocolError('expected SEC_INFO_PKT in the Client Info security header')
  r.skip(4) // CodePage
  const infoFlags = r.u32le()
  const unicode = (infoFlags & 0x10) !== 0
  const cbDomain = r.u16le()
  const cbUser = r.u16le()
  const cbPassword = r.u16le()
  const cbShell = r.u16le()
  const cbDir = r.u16le()
  const nul = unicode ? 2 : 1
  for (const cb of [cbDomain, cbUser, cbPassword, cbShell, cbDir])
    if (cb > 512) throw new ProtocolError(`Client Info string of ${cb} bytes`)
  const str = (cb: number) => {
    const b = r.bytes(cb)
    r.skip(nul)
    return Buffer.from(b).toString(unicode ? 'utf16le' : 'latin1')
  }
  const domain = str(cbDomain)
  const user = str(cbUser)
  const password = str(cbPassword)
  return { domain, user, password }
}

/** Wraps a Share Data PDU body with the Share Control + Share Data headers. */
export function shareData(shareId: number, pduType2: number, body: Uint8Array): Buffer {
  const w = new ByteWriter(18 + body.length)
  w.u16le(18 + body.length)
    .u16le(PDUTYPE.data)
    .u16le(MCS_USER_ID)
  w.u32le(shareId)
    .u8(0)
    .u8(1)
    .u16le(4 + body.length)
    .u8(pduType2)
    .u8(0)
    .u16le(0)
  w.bytes(body)
  return w.finish()
}

/** What the server advertises in Demand Active. */
export interface ServerCaps {
  readonly width: number
  readonly height: number
  readonly bpp: 16 | 24 | 32 | 15
}

/** Demand Active PDU (2.2.1.13.1) with General, Bitmap, Order, Pointer, Input, Share, Font, ColorCache, VirtualChannel and MultifragmentUpdate sets. */
export function demandActive(shareId: number, caps: ServerCaps): Buffer {
  const sets: Buffer[] = []
  const set = (type: number, body: ByteWriter) => {
    const b = body.finish()
    const w = new ByteWriter(4 + b.length)
    w.u16le(type)
      .u16le(4 + b.length)
      .bytes(b)
    sets.push(w.finish())
  }
  const extra = EXTRA_FLAGS.fastPathOutput | EXTRA_FLAGS.longCredentials | EXTRA_FLAGS.noBitmapCompressionHdr
  set(
    1,
    new ByteWriter()
      .u16le(1)
      .u16le(3)
      .u16le(0x0200)
      .u16le(0)
      .u16le(0)
      .u16le(extra)
      .u16le(0)
      .u16le(0)
      .u16le(0)
      .u8(0)
      .u8(0),
  )
  set(
    2,
    new ByteWriter()
      .u16le(caps.bpp)
      .u16le(1)
      .u16le(1)
      .u16le(1)
      .u16le(caps.width)
      .u16le(caps.height)
      .u16le(0)
      .u16le(1) // desktopResizeFlag: needed for deactivation-reactivation
      .u16le(1) // bitmapCompressionFlag
      .u8(0)
      .u8(0)
      .u16le(1)
      .u16le(0),
  )
  set(
    3,
    new ByteWriter()
      .zeros(16)
      .u32le(0)
      .u16le(1)
      .u16le(20)
      .u16le(0)
      .u16le(1)
      .u16le(0)
      .u16le(0x22) // NEGOTIATEORDERSUPPORT | ZEROBOUNDSDELTASSUPPORT: no drawing orders are used
      .zeros(32)
      .u16le(0)
      .u16le(0)
      .u32le(0)
      .u32le(480 * 480)
      .u16le(0)
      .u16le(0)
      .u16le(0)
      .u16le(0),
  )
  set(8, new ByteWriter().u16le(1).u16le(25).u16le(25))
  // Input: scancodes, MOUSEX, fast-path input (both flavours).
  set(
    13,
    new ByteWriter()
      .u16le(0x0001 | 0x0004 | 0x0008 | 0x0020)
      .u16le(0)
      .u32le(0)
      .u32le(4)
      .u32le(0)
      .u32le(12)
      .zeros(64),
  )
  set(9, new ByteWriter().u16le(MCS_USER_ID).u16le(0))
  set(14, new ByteWriter().u16le(1).u16le(0))
  set(10, new ByteWriter().u16le(6).u16le(0))
  set(20, new ByteWriter().u32le(0).u32le(1600))
  set(26, new ByteWriter().u32le(8 * 1024 * 1024))
  const combined = Buffer.concat(sets)
  const src = Buffer.from('RDP\0', 'latin1')
  const total = 6 + 4 + 2 + 2 + src.length + 4 + combined.length + 4
  const w = new ByteWriter(total)
  w.u16le(total).u16le(PDUTYPE.demandActive).u16le(MCS_USER_ID)
  w.u32le(shareId)
    .u16le(src.length)
    .u16le(4 + combined.length)
    .bytes(src)
  w.u16le(sets.length).u16le(0).bytes(combined).u32le(0)
  return w.finish()
}

/** What the server uses from the client's Confirm Active. */
export interface ClientCaps {
  readonly extraFlags: number
  readonly preferredBpp: number
  readonly inputFlags: number
  readonly largePointer: boolean
  /** The client draws ScrBlt primary orders (Order caps orderSupport[TS_NEG_SCRBLT_INDEX], MS-RDPBCGR 2.2.7.1.3). */
  readonly scrBlt: boolean
}

/** A share control PDU header. */
export interface ShareControl {
  readonly pduType: number
  readonly body: ByteReader
}

/** Parses a Share Control header (2.2.8.1.1.1.1). */
export function parseShareControl(data: Uint8Array): ShareControl {
  const r = new ByteReader(data, 'Share Control PDU')
  const total = r.u16le()
  if (total === 0x8000) return { pduType: 0, body: r } // flow-control PDU: ignored by the caller
  if (total < 6 || total > data.length) throw new ProtocolError(`Share Control totalLength ${total} of ${data.length}`)
  const pduType = r.u16le() & 0x0f
  r.skip(2)
  return { pduType: pduType | 0x10, body: new ByteReader(data, 'Share Control PDU', r.pos, total) }
}

/** Parses the body of a Confirm Active PDU (after the Share Control header). */
export function parseConfirmActive(r: ByteReader): ClientCaps {
  r.skip(4 + 2) // shareId, originatorId
  const lenSrc = r.u16le()
  const lenCaps = r.u16le()
  r.skip(lenSrc)
  const n = r.u16le()
  r.skip(2)
  const end = Math.min(r.end, r.pos + lenCaps)
  let extraFlags = 0
  let preferredBpp = 32
  let inputFlags = 0
  let largePointer = false
  let scrBlt = false
  for (let i = 0; i < n && r.pos + 4 <= end; i++) {
    const type = r.u16le()
    const len = r.u16le()
    if (len < 4 || r.pos - 4 + len > end) throw new ProtocolError(`capability set ${type} length ${len}`)
    const c = new ByteReader(r.buf, `capability set ${type}`, r.pos, r.pos - 4 + len)
    if (type === 1 && c.remaining >= 12) {
      c.skip(10)
      extraFlags = c.u16le()
    } else if (type === 2 && c.remaining >= 2) preferredBpp = c.u16le()
    else if (type === 13 && c.remaining >= 2) inputFlags = c.u16le()
    else if (type === 27 && c.remaining >= 2) largePointer = (c.u16le() & 1) !== 0
    else if (type === 3 && c.remaining >= 32 + 3) {
      c.skip(32 + 2)
      scrBlt = c.u8() !== 0
    }
    r.pos += len - 4
  }
  return { extraFlags, preferredBpp, inputFlags, largePointer, scrBlt }
}

/** Share Data header fields (2.2.8.1.1.1.2). */
export function parseShareDataHeader(r: ByteReader): { pduType2: number; body: ByteReader } {
  r.skip(4 + 1 + 1 + 2) // shareId, pad, streamId, uncompressedLength
  const pduType2 = r.u8()
  const compressedType = r.u8()
  r.skip(2)
  if (compressedType & 0x20) throw new ProtocolError('compressed client data PDUs are not supported')
  return { pduType2, body: r }
}

/** Server Synchronize (2.2.1.19). */
export function synchronizePdu(shareId: number): Buffer {
  return shareData(shareId, PDUTYPE2.synchronize, new ByteWriter().u16le(1).u16le(MCS_USER_ID).finish())
}

/** Server Control PDU: Cooperate (action 4) or Granted Control (action 2) (2.2.1.20, 2.2.1.21). */
export function controlPdu(shareId: number, action: 2 | 4): Buffer {
  const body = new ByteWriter().u16le(action)
  if (action === 2) body.u16le(MCS_USER_ID).u32le(0x03ea)
  else body.u16le(0).u32le(0)
  return shareData(shareId, PDUTYPE2.control, body.finish())
}

/** Font Map (2.2.1.22). */
export function fontMapPdu(shareId: number): Buffer {
  return shareData(shareId, PDUTYPE2.fontMap, new ByteWriter().u16le(0).u16le(0).u16le(3).u16le(4).finish())
}

/** Deactivate All (2.2.3.1). */
export function deactivateAll(shareId: number): Buffer {
  const w = new ByteWriter(13)
  w.u16le(13).u16le(PDUTYPE.deactivateAll).u16le(MCS_USER_ID).u32le(shareId).u16le(1).u8(0)
  return w.finish()
}

/** Set Error Info (2.2.5.1.1); `code` is an ERRINFO_* value (see {@link ERRINFO}). */
export function setErrorInfoPdu(shareId: number, code: number): Buffer {
  return shareData(shareId, PDUTYPE2.setErrorInfo, new ByteWriter().u32le(code).finish())
}

/** ERRINFO_* codes the server uses (2.2.5.1.1). */
export const ERRINFO = {
  rpcInitiatedDisconnect: 0x1,
  disconnectedByOtherConnection: 0x5,
  serverDeniedConnection: 0x7,
  serverInsufficientPrivileges: 0x9,
} as const

/** Set Keyboard Indicators (2.2.8.2.1.1): the guest's lock LEDs, so the client's keyboard shows them. */
export function keyboardIndicatorsPdu(
  shareId: number,
  leds: { scrollLock: boolean; numLock: boolean; capsLock: boolean },
): Buffer {
  const flags = (leds.scrollLock ? 1 : 0) | (leds.numLock ? 2 : 0) | (leds.capsLock ? 4 : 0)
  return shareData(shareId, PDUTYPE2.setKeyboardIndicators, new ByteWriter().u16le(0).u16le(flags).finish())
}
