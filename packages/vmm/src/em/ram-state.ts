// The guest-RAM saved-state unit (VirtualBox PGM's "pgm" RAM pages, simplified): all-zero 4 KB pages are
// elided, so a mostly idle 2 GB guest saves in proportion to the memory it touched.
//
// Payload: ramBytes u32 · a20Enabled u8 · page bitmap (1 bit per page, bit set = page stored) · stored pages.
import { ByteReader, ByteWriter } from '../state/byte-stream'
import { SavedStateFormatError } from '../state/state-errors'

/** Unit name and version of guest RAM. */
export const RAM_UNIT = 'pgm-ram'
export const RAM_UNIT_VERSION = 1
const PAGE = 4096

/** Encodes RAM (and the A20 gate) into the unit payload. */
export function encodeRam(ram: Uint8Array, a20Enabled: boolean): Uint8Array {
  const pages = Math.ceil(ram.length / PAGE)
  const bitmap = new Uint8Array(Math.ceil(pages / 8))
  const words = new Int32Array(ram.buffer, ram.byteOffset, Math.floor(ram.length / 4))
  for (let p = 0; p < pages; p++) {
    const end = Math.min((p + 1) * (PAGE / 4), words.length)
    for (let i = p * (PAGE / 4); i < end; i++) {
      if (words[i] !== 0) {
        bitmap[p >> 3]! |= 1 << (p & 7)
        break
      }
    }
  }
  const w = new ByteWriter()
  w.u32(ram.length)
  w.u8(a20Enabled ? 1 : 0)
  w.bytes(bitmap)
  for (let p = 0; p < pages; p++) {
    if (bitmap[p >> 3]! & (1 << (p & 7))) w.bytes(ram.subarray(p * PAGE, Math.min((p + 1) * PAGE, ram.length)))
  }
  return w.finish()
}

/** Checks a RAM payload against the live RAM size without changing anything; returns the A20 state. */
export function validateRam(payload: Uint8Array, ramBytes: number): boolean {
  return decode(payload, ramBytes, undefined)
}

/** Loads a RAM payload into `ram` (validated first); returns the saved A20 state. */
export function decodeRam(payload: Uint8Array, ram: Uint8Array): boolean {
  decode(payload, ram.length, undefined)
  return decode(payload, ram.length, ram)
}

function decode(payload: Uint8Array, ramBytes: number, ram: Uint8Array | undefined): boolean {
  const r = new ByteReader(payload, `unit ${RAM_UNIT}`)
  const saved = r.u32()
  if (saved !== ramBytes) {
    throw new SavedStateFormatError(
      'SAVED_STATE_VALUE',
      `unit ${RAM_UNIT}: saved RAM is ${saved} bytes, VM has ${ramBytes}`,
    )
  }
  const a20 = r.u8()
  if (a20 > 1) throw new SavedStateFormatError('SAVED_STATE_VALUE', `unit ${RAM_UNIT}: A20 byte is ${a20}`)
  const pages = Math.ceil(ramBytes / PAGE)
  const bitmap = r.bytes(Math.ceil(pages / 8))
  for (let p = 0; p < pages; p++) {
    const start = p * PAGE
    const length = Math.min(PAGE, ramBytes - start)
    if (bitmap[p >> 3]! & (1 << (p & 7))) {
      const data = r.bytes(length)
      ram?.set(data, start)
    } else {
      ram?.fill(0, start, start + length)
    }
  }
  if (r.remaining !== 0) {
    throw new SavedStateFormatError('SAVED_STATE_TRAILING', `unit ${RAM_UNIT}: ${r.remaining} trailing bytes`)
  }
  return a20 === 1
}
