// The SCSI/MMC commands of an ATAPI CD/DVD drive (SPC-3 INQUIRY, REQUEST SENSE, TEST UNIT READY, MODE SENSE;
// MMC-3 READ(10)/READ(12), READ CAPACITY, READ TOC/PMA/ATIP formats 0 and 1, GET CONFIGURATION, GET EVENT
// STATUS NOTIFICATION, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, MECHANISM STATUS). Everything else
// fails with ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE, as drives do.
import type { BlockDrive } from '../../backends/block-backend'

/** CD sector size. */
export const CD_SECTOR = 2048

/** Sense keys and additional sense codes used. */
export const SENSE = {
  NOT_READY: 0x02,
  ILLEGAL_REQUEST: 0x05,
  UNIT_ATTENTION: 0x06,
  ASC_INVALID_OPCODE: 0x20,
  ASC_LBA_OUT_OF_RANGE: 0x21,
  ASC_INVALID_FIELD: 0x24,
  ASC_MEDIUM_CHANGED: 0x28,
  ASC_MEDIUM_NOT_PRESENT: 0x3a,
  ASC_REMOVAL_PREVENTED: 0x53,
} as const

/** The outcome of one packet command. */
export type AtapiResult =
  | { readonly kind: 'data'; readonly data: Uint8Array }
  | { readonly kind: 'read'; readonly lba: number; readonly count: number }
  | { readonly kind: 'done' }
  | { readonly kind: 'check'; readonly key: number; readonly asc: number }

/** Per-drive sense state the commands read and update (part of the saved state). */
export interface AtapiSense {
  senseKey: number
  asc: number
  /** A medium change not yet reported (UNIT ATTENTION, then a media event). */
  unitAttention: boolean
  mediaEvent: number
}

const be16 = (a: Uint8Array, o: number): number => (a[o]! << 8) | a[o + 1]!
const be32 = (a: Uint8Array, o: number): number =>
  ((a[o]! << 24) | (a[o + 1]! << 16) | (a[o + 2]! << 8) | a[o + 3]!) >>> 0

function put32(a: Uint8Array, o: number, v: number): void {
  a[o] = v >>> 24
  a[o + 1] = v >>> 16
  a[o + 2] = v >>> 8
  a[o + 3] = v
}

function truncate(data: Uint8Array, allocation: number): AtapiResult {
  return { kind: 'data', data: data.subarray(0, Math.min(data.length, allocation)) }
}

function lbaToMsf(lba: number, out: Uint8Array, o: number): void {
  const frames = lba + 150
  out[o] = 0
  out[o + 1] = Math.floor(frames / 4500)
  out[o + 2] = Math.floor(frames / 75) % 60
  out[o + 3] = frames % 75
}

function ascii(text: string, length: number): number[] {
  return Array.from(text.padEnd(length, ' ').slice(0, length), (c) => c.charCodeAt(0))
}

function readToc(packet: Uint8Array, sectors: number): AtapiResult {
  const msf = (packet[1]! & 0x02) !== 0
  const format = packet[2]! & 0x0f || packet[9]! >> 6
  const allocation = be16(packet, 7)
  const address = (lba: number, out: Uint8Array, o: number): void => (msf ? lbaToMsf(lba, out, o) : put32(out, o, lba))
  if (format === 0) {
    const start = packet[6]!
    if (start > 1 && start !== 0xaa) return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_FIELD }
    const tracks = start <= 1 ? [1, 0xaa] : [0xaa]
    const out = new Uint8Array(4 + tracks.length * 8)
    out[2] = 1
    out[3] = 1
    tracks.forEach((track, i) => {
      const o = 4 + i * 8
      out[o + 1] = 0x14 // ADR 1, data track
      out[o + 2] = track
      address(track === 0xaa ? sectors : 0, out, o + 4)
    })
    out[0] = (out.length - 2) >> 8
    out[1] = (out.length - 2) & 0xff
    return truncate(out, allocation)
  }
  if (format === 1) {
    const out = new Uint8Array(12)
    out[1] = 10
    out[2] = 1
    out[3] = 1
    out[5] = 0x14
    out[6] = 1
    address(0, out, 8)
    return truncate(out, allocation)
  }
  return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_FIELD }
}

/** Commands that run even while a unit attention is pending. */
const NO_ATTENTION = new Set([0x03, 0x12, 0x4a])

/** Executes one 12-byte packet for `drive`. Data-in results are already cut to the allocation length. */
export function runAtapiCommand(packet: Uint8Array, drive: BlockDrive, sense: AtapiSense): AtapiResult {
  const opcode = packet[0]!
  const medium = drive.medium
  const sectors = medium ? Math.floor(medium.size / CD_SECTOR) : 0
  if (sense.unitAttention && !NO_ATTENTION.has(opcode)) {
    sense.unitAttention = false
    return { kind: 'check', key: SENSE.UNIT_ATTENTION, asc: SENSE.ASC_MEDIUM_CHANGED }
  }
  const needMedium = (): AtapiResult | undefined =>
    medium ? undefined : { kind: 'check', key: SENSE.NOT_READY, asc: SENSE.ASC_MEDIUM_NOT_PRESENT }

  switch (opcode) {
    case 0x00: // TEST UNIT READY
      return needMedium() ?? { kind: 'done' }
    case 0x03: {
      // REQUEST SENSE: fixed format, then the sense is consumed.
      const out = new Uint8Array(18)
      out[0] = 0x70
      out[2] = sense.senseKey
      out[7] = 10
      out[12] = sense.asc
      sense.senseKey = 0
      sense.asc = 0
      return truncate(out, packet[4]!)
    }
    case 0x12: {
      // INQUIRY: CD/DVD device, removable, SPC-3.
      if (packet[1]! & 1) return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_FIELD }
      const out = new Uint8Array(36)
      out[0] = 0x05
      out[1] = 0x80
      out[2] = 0x05
      out[3] = 0x32
      out[4] = 31
      out.set(ascii('BOXWOOD', 8), 8)
      out.set(ascii('CD-ROM', 16), 16)
      out.set(ascii('1.0', 4), 32)
      return truncate(out, be16(packet, 3))
    }
    case 0x1a:
    case 0x5a: {
      // MODE SENSE(6)/(10): error recovery (01h) and CD capabilities (2Ah) pages.
      const six = opcode === 0x1a
      const page = packet[2]! & 0x3f
      const allocation = six ? packet[4]! : be16(packet, 7)
      const pages: number[] = []
      if (page === 0x01 || page === 0x3f) pages.push(0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0)
      if (page === 0x2a || page === 0x3f) {
        pages.push(0x2a, 0x12, 0x03, 0x00, 0x71, 0x60, 0x29, 0x00, 0x02, 0xc2, 0x00, 0x02, 0x02, 0x00, 0x02, 0xc2)
        pages.push(0, 0, 0, 0)
      }
      if (pages.length === 0) return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_FIELD }
      const header = six
        ? [pages.length + 3, 0x70, 0, 0]
        : [(pages.length + 6) >> 8, (pages.length + 6) & 0xff, 0x70, 0, 0, 0, 0, 0]
      return truncate(Uint8Array.from([...header, ...pages]), allocation)
    }
    case 0x1b: {
      // START STOP UNIT: LoEj with Start=0 ejects (refused while locked), with Start=1 loads (no tray motor).
      if ((packet[4]! & 0x03) === 0x02 && medium) {
        if (!drive.requestEject())
          return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_REMOVAL_PREVENTED }
      }
      return { kind: 'done' }
    }
    case 0x1e: // PREVENT ALLOW MEDIUM REMOVAL
      drive.setLocked((packet[4]! & 1) !== 0)
      return { kind: 'done' }
    case 0x25: {
      // READ CAPACITY: last LBA and block length.
      const missing = needMedium()
      if (missing) return missing
      const out = new Uint8Array(8)
      put32(out, 0, sectors - 1)
      put32(out, 4, CD_SECTOR)
      return { kind: 'data', data: out }
    }
    case 0x28:
    case 0xa8: {
      // READ(10) / READ(12).
      const missing = needMedium()
      if (missing) return missing
      const lba = be32(packet, 2)
      const count = opcode === 0x28 ? be16(packet, 7) : be32(packet, 6)
      if (lba + count > sectors) return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_LBA_OUT_OF_RANGE }
      return count === 0 ? { kind: 'done' } : { kind: 'read', lba, count }
    }
    case 0x2b: // SEEK(10)
      return needMedium() ?? { kind: 'done' }
    case 0x43: {
      const missing = needMedium()
      return missing ?? readToc(packet, sectors)
    }
    case 0x46: {
      // GET CONFIGURATION: header with the current profile (CD-ROM 0008h, DVD-ROM 0010h above 700 MiB).
      const profile = medium ? (medium.size > 800 * 1024 * 1024 ? 0x0010 : 0x0008) : 0
      const out = new Uint8Array(8)
      put32(out, 0, 4)
      out[6] = profile >> 8
      out[7] = profile & 0xff
      return truncate(out, be16(packet, 7))
    }
    case 0x4a: {
      // GET EVENT STATUS NOTIFICATION (polled): media class events.
      if ((packet[1]! & 1) === 0) return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_FIELD }
      const out = new Uint8Array(8)
      out[1] = 6
      out[3] = 0x10 // supported: media
      if (packet[4]! & 0x10) {
        out[2] = 0x04
        out[4] = sense.mediaEvent
        out[5] = medium ? 0x02 : 0x00
        sense.mediaEvent = 0
      } else {
        out[2] = 0x80
        out[1] = 2
      }
      return truncate(out, be16(packet, 7))
    }
    case 0x51: {
      // READ DISC INFORMATION: a finalised single-session disc.
      const missing = needMedium()
      if (missing) return missing
      const out = new Uint8Array(34)
      out[1] = 32
      out[2] = 0x0e
      out[3] = out[4] = out[5] = out[6] = 1
      return truncate(out, be16(packet, 7))
    }
    case 0xbd: {
      // MECHANISM STATUS: no changer, door closed.
      const out = new Uint8Array(8)
      out[5] = 1
      return truncate(out, be16(packet, 8))
    }
    case 0xbb: // SET CD SPEED
      return { kind: 'done' }
    default:
      return { kind: 'check', key: SENSE.ILLEGAL_REQUEST, asc: SENSE.ASC_INVALID_OPCODE }
  }
}
