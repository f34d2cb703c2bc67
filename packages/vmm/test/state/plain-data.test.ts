import { describe, expect, it } from 'vitest'
import { deepCopy, utf8Decode, utf8Encode } from '../../src/state/plain-data'

describe('plain-data helpers', () => {
  it('utf8Encode matches the platform encoder, utf8Decode inverts it', () => {
    for (const text of ['', 'abc', 'héllo', '€', '𝄞 clef', 'a\u0000b']) {
      expect(Array.from(utf8Encode(text))).toEqual(Array.from(new TextEncoder().encode(text)))
      expect(utf8Decode(utf8Encode(text))).toBe(text)
    }
  })

  it('utf8Decode rejects malformed input', () => {
    for (const bad of [[0x80], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xc3]]) {
      expect(utf8Decode(new Uint8Array(bad))).toBeUndefined()
    }
  })

  it('deepCopy copies nested objects, arrays and byte arrays', () => {
    const src = { a: [1, { b: new Uint8Array([1, 2]) }], c: 'x' }
    const copy = deepCopy(src)
    expect(copy).toEqual(src)
    ;(copy.a[1] as { b: Uint8Array }).b[0] = 9
    expect((src.a[1] as { b: Uint8Array }).b[0]).toBe(1)
  })
})
