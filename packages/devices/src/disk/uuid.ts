// UUID text ⇄ bytes in the two layouts disk formats use: RFC 4122 big-endian (VHD) and Microsoft GUID /
// RTUUID layout with the first three fields little-endian (VDI, VirtualBox's iprt/uuid.h).

export const NIL_UUID = '00000000-0000-0000-0000-000000000000'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function isUuid(text: string): boolean {
  return UUID_RE.test(text.toLowerCase())
}

/** A random (version 4) UUID from host randomness. */
export function randomUuid(random: (length: number) => Uint8Array): string {
  const bytes = random(16).slice(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  return uuidFromBytes(bytes, 0, false)
}

/** Formats 16 bytes at `offset`; `guidLayout` swaps the first three fields (little-endian). */
export function uuidFromBytes(bytes: Uint8Array, offset: number, guidLayout: boolean): string {
  const order = guidLayout ? [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] : [...Array(16).keys()]
  let hex = ''
  for (const i of order) hex += (bytes[offset + i] ?? 0).toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Writes a UUID's 16 bytes at `offset` (see {@link uuidFromBytes}). */
export function uuidToBytes(uuid: string, target: Uint8Array, offset: number, guidLayout: boolean): void {
  const hex = uuid.replace(/-/g, '')
  const order = guidLayout ? [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] : [...Array(16).keys()]
  order.forEach((source, i) => {
    target[offset + i] = parseInt(hex.slice(source * 2, source * 2 + 2), 16)
  })
}
