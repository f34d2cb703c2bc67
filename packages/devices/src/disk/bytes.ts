// Small byte helpers shared by the format parsers: bounded integer access, zero tests, ASCII/UTF-16 text.

/** Reads a little-endian u64 as a number; values beyond 2^53 come back as Infinity so range checks reject them. */
export function u64le(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true)
  const hi = view.getUint32(offset + 4, true)
  return hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + lo
}

/** Reads a big-endian u64 as a number (Infinity beyond 2^53). */
export function u64be(view: DataView, offset: number): number {
  const hi = view.getUint32(offset, false)
  const lo = view.getUint32(offset + 4, false)
  return hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + lo
}

export function setU64le(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true)
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true)
}

export function setU64be(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000), false)
  view.setUint32(offset + 4, value % 0x1_0000_0000, false)
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function isZero(bytes: Uint8Array): boolean {
  // 32 bits at a time, eight words per test, where alignment allows: compaction and cloning scan whole images.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes.byteLength >>> 2 : 0
  if (aligned > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, aligned)
    const unrolled = aligned - (aligned % 8)
    for (let i = 0; i < unrolled; i += 8) {
      const any =
        (w[i] as number) |
        (w[i + 1] as number) |
        (w[i + 2] as number) |
        (w[i + 3] as number) |
        (w[i + 4] as number) |
        (w[i + 5] as number) |
        (w[i + 6] as number) |
        (w[i + 7] as number)
      if (any !== 0) return false
    }
    for (let i = unrolled; i < aligned; i++) if (w[i] !== 0) return false
  }
  for (let i = aligned * 4; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}

/** ASCII text of `bytes[start, end)` up to the first NUL. */
export function asciiz(bytes: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end && i < bytes.length; i++) {
    const c = bytes[i] ?? 0
    if (c === 0) break
    text += String.fromCharCode(c)
  }
  return text
}

export function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i) & 0xff
}

export function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes)
}

/** UTF-16 text (`littleEndian` selects the byte order), stopping at a NUL code unit. */
export function utf16Decode(bytes: Uint8Array, littleEndian: boolean): string {
  const view = viewOf(bytes)
  let text = ''
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const unit = view.getUint16(i, littleEndian)
    if (unit === 0) break
    text += String.fromCharCode(unit)
  }
  return text
}

export function utf16Encode(text: string, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(text.length * 2)
  const view = viewOf(bytes)
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), littleEndian)
  return bytes
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment
}
