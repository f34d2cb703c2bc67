// Helpers for plain state data without host globals (the portable core's lib is ES2023 only: no TextEncoder,
// no structuredClone): deep copies of state objects and strict UTF-8 conversion.

/** A deep copy of plain data: objects, arrays, Uint8Arrays and primitives. */
export function deepCopy<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T
  if (Array.isArray(value)) return value.map(deepCopy) as T
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = deepCopy(v)
    return out as T
  }
  return value
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = []
  for (const ch of text) {
    let cp = ch.codePointAt(0)!
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd
    if (cp < 0x80) out.push(cp)
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f))
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
  }
  return new Uint8Array(out)
}

/** Decodes strict UTF-8; returns undefined for malformed input (overlongs, surrogates, truncation). */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  let out = ''
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1
    if (n < 0 || i + n >= bytes.length + (n === 0 ? 1 : 0)) return undefined
    let cp = n === 0 ? b : b & (0x3f >> n)
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return undefined
      cp = (cp << 6) | (c & 0x3f)
    }
    const min = [0, 0x80, 0x800, 0x10000][n]!
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined
    out += String.fromCodePoint(cp)
    i += n + 1
  }
  return out
}
