// VHD on-disk structures (Microsoft "Virtual Hard Disk Image Format Specification" 1.0): the 512-byte footer, the
// 1024-byte dynamic disk header, parent locators and the CHS geometry algorithm of its appendix. Big-endian.

import { asciiz, setU64be, u64be, viewOf, writeAscii } from './bytes'
import { uuidFromBytes, uuidToBytes } from './uuid'

export const VHD_FIXED = 2
export const VHD_DYNAMIC = 3
export const VHD_DIFFERENCING = 4
export const BAT_FREE = 0xffffffff
/** Seconds between 1970-01-01 and VHD's epoch 2000-01-01. */
export const VHD_EPOCH_SECONDS = 946_684_800
/** Largest geometry: 65535 cylinders × 16 heads × 255 sectors. */
export const VHD_MAX_CHS_SECTORS = 65535 * 16 * 255

export interface VhdFooter {
  readonly dataOffset: number
  readonly timestamp: number
  readonly currentSize: number
  readonly diskType: number
  readonly uuid: string
}

/** One's complement of the byte sum, skipping the 4-byte checksum field at `skip`. */
export function vhdChecksum(bytes: Uint8Array, skip: number): number {
  let sum = 0
  for (let i = 0; i < bytes.length; i++) if (i < skip || i >= skip + 4) sum += bytes[i] ?? 0
  return ~sum >>> 0
}

/** Parses a footer; returns a reason string when the sector is not a valid footer. */
export function parseFooter(bytes: Uint8Array): VhdFooter | string {
  if (asciiz(bytes, 0, 8) !== 'conectix') return 'no "conectix" footer cookie'
  const view = viewOf(bytes)
  if (vhdChecksum(bytes, 64) !== view.getUint32(64, false)) return 'footer checksum mismatch'
  return {
    dataOffset: u64be(view, 16),
    timestamp: view.getUint32(24, false),
    currentSize: u64be(view, 48),
    diskType: view.getUint32(60, false),
    uuid: uuidFromBytes(bytes, 68, true),
  }
}

/** VHD geometry (spec appendix "CHS calculation") for a sector count. */
export function chsFor(totalSectors: number): { cylinders: number; heads: number; sectors: number } {
  const total = Math.min(totalSectors, VHD_MAX_CHS_SECTORS)
  let sectors: number
  let heads: number
  let cylTimesHeads: number
  if (total >= 65535 * 16 * 63) {
    sectors = 255
    heads = 16
    cylTimesHeads = Math.floor(total / sectors)
  } else {
    sectors = 17
    cylTimesHeads = Math.floor(total / sectors)
    heads = Math.max(4, Math.floor((cylTimesHeads + 1023) / 1024))
    if (cylTimesHeads >= heads * 1024 || heads > 16) {
      sectors = 31
      heads = 16
      cylTimesHeads = Math.floor(total / sectors)
    }
    if (cylTimesHeads >= heads * 1024) {
      sectors = 63
      heads = 16
      cylTimesHeads = Math.floor(total / sectors)
    }
  }
  return { cylinders: Math.floor(cylTimesHeads / heads), heads, sectors }
}

/**
 * The size a new VHD gets: rounded up to a whole CHS geometry, as Virtual PC and qemu do (qemu derives the size
 * of most VHDs from the geometry), except beyond the largest geometry where the footer size counts.
 */
export function vhdCreateSize(size: number): number {
  const wanted = size / 512
  if (wanted >= VHD_MAX_CHS_SECTORS) return size
  for (let extra = 0; ; extra++) {
    const { cylinders, heads, sectors } = chsFor(wanted + extra)
    if (cylinders * heads * sectors >= wanted) return cylinders * heads * sectors * 512
  }
}

/** Serialises a footer. */
export function buildFooter(options: {
  readonly dataOffset: number
  readonly timestamp: number
  readonly size: number
  readonly diskType: number
  readonly uuid: string
}): Uint8Array {
  const bytes = new Uint8Array(512)
  const view = viewOf(bytes)
  writeAscii(bytes, 0, 'conectix')
  view.setUint32(8, 2, false)
  view.setUint32(12, 0x00010000, false)
  if (options.dataOffset < 0) {
    view.setUint32(16, 0xffffffff, false)
    view.setUint32(20, 0xffffffff, false)
  } else {
    setU64be(view, 16, options.dataOffset)
  }
  view.setUint32(24, options.timestamp, false)
  writeAscii(bytes, 28, 'bxwd')
  view.setUint32(32, 0x00010000, false)
  writeAscii(bytes, 36, 'Wi2k')
  setU64be(view, 40, options.size)
  setU64be(view, 48, options.size)
  const chs = chsFor(options.size / 512)
  view.setUint16(56, chs.cylinders, false)
  bytes[58] = chs.heads
  bytes[59] = chs.sectors
  view.setUint32(60, options.diskType, false)
  uuidToBytes(options.uuid, bytes, 68, true)
  view.setUint32(64, vhdChecksum(bytes, 64), false)
  return bytes
}

/** Rewrites the size fields (and geometry, checksum) of an existing footer. */
export function resizeFooter(footer: Uint8Array, size: number): Uint8Array {
  const bytes = footer.slice()
  const view = viewOf(bytes)
  setU64be(view, 48, size)
  const chs = chsFor(size / 512)
  view.setUint16(56, chs.cylinders, false)
  bytes[58] = chs.heads
  bytes[59] = chs.sectors
  view.setUint32(64, vhdChecksum(bytes, 64), false)
  return bytes
}

export interface DynamicHeader {
  readonly tableOffset: number
  readonly maxTableEntries: number
  readonly blockSize: number
  readonly parentUuid: string
  readonly parentTimestamp: number
  readonly parentName: string
  readonly locators: readonly { readonly code: string; readonly length: number; readonly offset: number }[]
}

/** Parses the dynamic disk header; returns a reason string when invalid. */
export function parseDynamicHeader(bytes: Uint8Array): DynamicHeader | string {
  if (asciiz(bytes, 0, 8) !== 'cxsparse') return 'no "cxsparse" dynamic header cookie'
  const view = viewOf(bytes)
  if (vhdChecksum(bytes, 36) !== view.getUint32(36, false)) return 'dynamic header checksum mismatch'
  let parentName = ''
  for (let i = 64; i + 1 < 576; i += 2) {
    const unit = view.getUint16(i, false)
    if (unit === 0) break
    parentName += String.fromCharCode(unit)
  }
  const locators = []
  for (let i = 0; i < 8; i++) {
    const at = 576 + i * 24
    const code = asciiz(bytes, at, at + 4)
    if (view.getUint32(at, false) === 0) continue
    locators.push({ code, length: view.getUint32(at + 8, false), offset: u64be(view, at + 16) })
  }
  return {
    tableOffset: u64be(view, 16),
    maxTableEntries: view.getUint32(28, false),
    blockSize: view.getUint32(32, false),
    parentUuid: uuidFromBytes(bytes, 40, true),
    parentTimestamp: view.getUint32(56, false),
    parentName,
    locators,
  }
}

/** Serialises a dynamic disk header (locator data itself is written separately at `locators[].offset`). */
export function buildDynamicHeader(options: {
  readonly tableOffset: number
  readonly maxTableEntries: number
  readonly blockSize: number
  readonly parent?: {
    readonly uuid: string
    readonly timestamp: number
    readonly name: string
    readonly locators: readonly {
      readonly code: string
      readonly space: number
      readonly length: number
      readonly offset: number
    }[]
  }
}): Uint8Array {
  const bytes = new Uint8Array(1024)
  const view = viewOf(bytes)
  writeAscii(bytes, 0, 'cxsparse')
  view.setUint32(8, 0xffffffff, false)
  view.setUint32(12, 0xffffffff, false)
  setU64be(view, 16, options.tableOffset)
  view.setUint32(24, 0x00010000, false)
  view.setUint32(28, options.maxTableEntries, false)
  view.setUint32(32, options.blockSize, false)
  const parent = options.parent
  if (parent) {
    uuidToBytes(parent.uuid, bytes, 40, true)
    view.setUint32(56, parent.timestamp, false)
    const name = parent.name.slice(0, 255)
    for (let i = 0; i < name.length; i++) view.setUint16(64 + i * 2, name.charCodeAt(i), false)
    parent.locators.forEach((locator, i) => {
      const at = 576 + i * 24
      writeAscii(bytes, at, locator.code)
      view.setUint32(at + 4, locator.space / 512, false)
      view.setUint32(at + 8, locator.length, false)
      setU64be(view, at + 16, locator.offset)
    })
  }
  view.setUint32(36, vhdChecksum(bytes, 36), false)
  return bytes
}
