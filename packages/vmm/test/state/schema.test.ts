import { describe, expect, it } from 'vitest'
import {
  SavedStateConfigMismatchError,
  SavedStateEncodeError,
  SavedStateFormatError,
  SavedStateVersionError,
  array,
  bool,
  bytes,
  defineState,
  f64,
  i16,
  i64,
  i8,
  str,
  struct,
  u16,
  u32,
  u8,
  varBytes,
} from '../../src/device-api/index'

const v1 = defineState({
  unit: 'demo',
  version: 1,
  fields: { a: u8, old: u16, ch: array(2, struct({ count: u32, mode: u8 })) },
  config: { base: u16 },
})
const v3 = defineState({
  unit: 'demo',
  version: 3,
  minVersion: 1,
  fields: {
    a: u8,
    old: u16.removed(2),
    ch: array(2, struct({ count: u32, mode: u8 })),
    flag: bool.since(2, true),
    deadline: i64.since(3, -1),
  },
  config: { base: u16 },
})

describe('defineState', () => {
  it('encodes fields in declaration order, little-endian, config first', () => {
    const s = v1.initial()
    s.a = 0x12
    s.old = 0x3456
    s.ch[0]!.count = 0x01020304
    s.ch[1]!.mode = 7
    expect(Array.from(v1.encode(s, { base: 0x40 }))).toEqual([
      0x40, 0x00, 0x12, 0x56, 0x34, 4, 3, 2, 1, 0, 0, 0, 0, 0, 7,
    ])
  })

  it('loads an old version: removed fields skipped, new fields defaulted', () => {
    const old = v1.initial()
    old.a = 9
    old.old = 0xffff
    old.ch[1]!.count = 77
    const payload = v1.encode(old, { base: 0x40 })
    const s = v3.initial()
    v3.decodeInto(s, payload, 1, { base: 0x40 })
    expect(s).toEqual({
      a: 9,
      ch: [
        { count: 0, mode: 0 },
        { count: 77, mode: 0 },
      ],
      flag: true,
      deadline: -1,
    })
    expect('old' in s).toBe(false)
  })

  it('round-trips every field type at the current version', () => {
    const all = defineState({
      unit: 'all',
      version: 1,
      fields: { a: u8, b: u16, c: u32, d: i8, e: i16, f: i64, g: f64, h: bool, i: str, j: bytes(3), k: varBytes(8) },
    })
    const s = all.initial()
    Object.assign(s, {
      a: 255,
      b: 65535,
      c: 0xffffffff,
      d: -128,
      e: -2,
      f: -(2 ** 40) - 3,
      g: 1.5,
      h: true,
      i: 'héllo',
    })
    s.j.set([1, 2, 3])
    s.k = new Uint8Array([9, 8])
    const t = all.initial()
    all.decodeInto(t, all.encode(s), 1)
    expect(t).toEqual(s)
    expect(all.toJson(t)).toMatchObject({ j: '010203', k: '0908' })
  })

  it('loads in place so devices may keep references to nested objects', () => {
    const s = v3.initial()
    const ch0 = s.ch[0]!
    const other = v3.initial()
    other.ch[0]!.count = 5
    v3.decodeInto(s, v3.encode(other, { base: 1 }), 3)
    expect(s.ch[0]).toBe(ch0)
    expect(ch0.count).toBe(5)
  })

  it('optional blocks carry a presence byte', () => {
    const opt = defineState({
      unit: 'opt',
      version: 1,
      fields: { media: bool, geometry: struct({ c: u16 }).optional((s: { media: boolean }) => s.media) },
    })
    const s = opt.initial()
    expect(opt.encode(s).length).toBe(2)
    s.media = true
    s.geometry.c = 80
    const bytesOut = opt.encode(s)
    expect(bytesOut.length).toBe(4)
    const t = opt.initial()
    opt.decodeInto(t, bytesOut, 1)
    expect(t.geometry.c).toBe(80)
  })

  it('reports versions out of range, config mismatches, bad values and truncation clearly', () => {
    const s = v3.initial()
    const payload = v3.encode(s, { base: 0x40 })
    expect(() => v3.decodeInto(s, payload, 4)).toThrow(SavedStateVersionError)
    expect(() => v3.decodeInto(s, payload, 0)).toThrow(/version 0 is outside 1..3/)
    expect(() => v3.decodeInto(s, payload, 3, { base: 0x48 })).toThrow(SavedStateConfigMismatchError)
    expect(() => v3.decodeInto(s, payload, 3, { base: 0x48 })).toThrow('base: saved 0x40, config 0x48')
    expect(() => v3.decodeInto(s, payload.subarray(0, 5), 3)).toThrow(SavedStateFormatError)
    expect(() => v3.decodeInto(s, new Uint8Array([...payload, 0]), 3)).toThrow(/trailing/)
    const badBool = payload.slice()
    badBool[2 + 1 + 10] = 7
    expect(() => v3.decodeInto(s, badBool, 3)).toThrow(/flag: boolean byte is 7/)
    s.ch[1]!.mode = 256
    expect(() => v3.encode(s)).toThrow('config.base: undefined is not a valid u16')
    expect(() => v3.encode(s, { base: 1 })).toThrow(SavedStateEncodeError)
    expect(() => v3.encode(s, { base: 1 })).toThrow('ch[1].mode: 256 is not a valid u8')
  })

  it('leaves the state untouched when a payload is malformed', () => {
    const s = v3.initial()
    s.a = 42
    const other = v3.initial()
    other.a = 1
    const payload = v3.encode(other, { base: 0 })
    expect(() => v3.decodeInto(s, payload.subarray(0, payload.length - 1), 3)).toThrow()
    expect(s.a).toBe(42)
  })

  it('rejects inconsistent declarations', () => {
    expect(() => defineState({ unit: 'x', version: 1, fields: { a: u8.since(2, 0) } })).toThrow(/since 2 > 1/)
    expect(() => defineState({ unit: 'x', version: 2, minVersion: 3, fields: {} })).toThrow(/minVersion/)
    expect(() => defineState({ unit: 'bad name', version: 1, fields: {} })).toThrow(/unit name/)
  })
})

describe('schema decoding of hostile payloads', () => {
  it('rejects i64 values beyond the safe-integer range', () => {
    const t = defineState({ unit: 't', version: 1, fields: { ns: i64 } })
    const payload = new Uint8Array([0, 0, 0, 0, 0, 0, 0x40, 0])
    expect(() => t.decodeInto(t.initial(), payload, 1)).toThrow(/ns: .* is not a valid i64/)
  })

  it('throws only SavedStateError on random payloads (seeded)', async () => {
    const fc = (await import('fast-check')).default
    const { SavedStateError } = await import('../../src/device-api/index')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 3 }), (payload, version) => {
        const s = v3.initial()
        try {
          v3.decodeInto(s, payload, version, { base: 0x40 })
        } catch (e) {
          expect(e).toBeInstanceOf(SavedStateError)
        }
      }),
      { seed: 11, numRuns: 3000 },
    )
  })
})
