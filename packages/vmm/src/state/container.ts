// The saved-state container, shaped like VirtualBox SSM (VMMR3/SSM.cpp @page pg_ssm): a header, named units
// {name, instance, version, bytes}, and a footer with the unit count and a CRC-32 of everything before it.
//
// Layout (little-endian):
//   header  "BXWDSSM\0" (8 bytes) · format version u32 (= 1)
//   unit*   0x55 'U' · name length u8 · name (ASCII) · instance u32 · version u32 · payload length u32 · payload
//   footer  0x45 'E' · unit count u32 · CRC-32 u32 (over every preceding byte, header included)
import { ByteReader, ByteWriter } from './byte-stream'
import { crc32 } from './crc32'
import { SavedStateFormatError, SavedStateUnitError } from './state-errors'

/** The 8 magic bytes that open a Boxwood saved state. */
export const SAVED_STATE_MAGIC = new Uint8Array([0x42, 0x58, 0x57, 0x44, 0x53, 0x53, 0x4d, 0x00])
/** Version of the container format itself (units carry their own versions). */
export const SAVED_STATE_FORMAT_VERSION = 1
const UNIT_TAG = 0x55
const END_TAG = 0x45

/** One unit: the saved state of one device instance or VMM component. */
export interface SavedUnit {
  readonly name: string
  readonly instance: number
  readonly version: number
  readonly bytes: Uint8Array
}

/** Writes units into a container. Unit names must be 1..63 printable ASCII; (name, instance) must be unique. */
export function writeSavedState(units: readonly SavedUnit[]): Uint8Array {
  const w = new ByteWriter()
  w.bytes(SAVED_STATE_MAGIC)
  w.u32(SAVED_STATE_FORMAT_VERSION)
  const seen = new Set<string>()
  for (const unit of units) {
    if (!/^[\x21-\x7e]{1,63}$/.test(unit.name)) {
      throw new SavedStateUnitError('SAVED_STATE_SCHEMA', `unit name "${unit.name}" must be 1..63 printable ASCII`)
    }
    const key = `${unit.name}#${unit.instance}`
    if (seen.has(key)) throw new SavedStateUnitError('SAVED_STATE_DUPLICATE_UNIT', `unit ${key} written twice`)
    seen.add(key)
    w.u8(UNIT_TAG)
    w.u8(unit.name.length)
    for (let i = 0; i < unit.name.length; i++) w.u8(unit.name.charCodeAt(i))
    w.u32(unit.instance)
    w.u32(unit.version)
    w.u32(unit.bytes.length)
    w.bytes(unit.bytes)
  }
  w.u8(END_TAG)
  w.u32(units.length)
  const body = w.finish()
  const out = new Uint8Array(body.length + 4)
  out.set(body)
  new DataView(out.buffer).setUint32(body.length, crc32(body), true)
  return out
}

/** Parses a container, verifying magic, format version, structure, unit count and CRC. Payloads are copies. */
export function readSavedState(data: Uint8Array): SavedUnit[] {
  const r = new ByteReader(data, 'saved state')
  const magic = r.bytes(SAVED_STATE_MAGIC.length)
  if (!magic.every((b, i) => b === SAVED_STATE_MAGIC[i])) {
    throw new SavedStateFormatError('SAVED_STATE_MAGIC', 'not a Boxwood saved state (wrong magic)')
  }
  const format = r.u32()
  if (format !== SAVED_STATE_FORMAT_VERSION) {
    throw new SavedStateFormatError(
      'SAVED_STATE_FORMAT_VERSION',
      `saved-state format ${format} is not supported (expected ${SAVED_STATE_FORMAT_VERSION})`,
    )
  }
  // The CRC is checked before the units are trusted, so corruption is reported as such and not as a parse error.
  if (data.length >= 12 + 9) {
    const stored = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(data.length - 4, true)
    const actual = crc32(data.subarray(0, data.length - 4))
    if (stored !== actual) {
      throw new SavedStateFormatError(
        'SAVED_STATE_CRC',
        `saved state CRC mismatch: stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`,
      )
    }
  }
  const units: SavedUnit[] = []
  for (;;) {
    const tag = r.u8()
    if (tag === END_TAG) break
    if (tag !== UNIT_TAG) {
      throw new SavedStateFormatError(
        'SAVED_STATE_VALUE',
        `unexpected record tag 0x${tag.toString(16)} at ${r.offset - 1}`,
      )
    }
    const nameLength = r.u8()
    const name = String.fromCharCode(...r.bytes(nameLength))
    const instance = r.u32()
    const version = r.u32()
    const length = r.u32()
    units.push({ name, instance, version, bytes: r.bytes(length).slice() })
  }
  const count = r.u32()
  r.u32()
  if (r.remaining !== 0) {
    throw new SavedStateFormatError('SAVED_STATE_TRAILING', `${r.remaining} bytes after the saved-state footer`)
  }
  if (count !== units.length) {
    throw new SavedStateFormatError(
      'SAVED_STATE_UNIT_COUNT',
      `footer says ${count} units, stream holds ${units.length}`,
    )
  }
  return units
}

/** A JSON-friendly dump of a container's units (payloads in hex), for debugging and diffs. */
export function dumpSavedState(data: Uint8Array): { name: string; instance: number; version: number; hex: string }[] {
  return readSavedState(data).map((u) => ({
    name: u.name,
    instance: u.instance,
    version: u.version,
    hex: Array.from(u.bytes, (b) => b.toString(16).padStart(2, '0')).join(''),
  }))
}
