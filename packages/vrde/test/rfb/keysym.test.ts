import { describe, expect, it } from 'vitest'
import { keysymToScancode, scancodeBytes } from '../../src/rfb/keysym'

describe('keysym → set 1 scancode (US layout)', () => {
  it('maps letters, digits, shifted symbols and special keys', () => {
    const cases: Array<[number, number]> = [
      [0x61, 0x1e], // a
      [0x41, 0x1e], // A (same key)
      [0x31, 0x02], // 1
      [0x21, 0x02], // !
      [0x5c, 0x2b], // backslash
      [0x7a, 0x2c], // z
      [0x2f, 0x35], // slash
      [0x60, 0x29], // grave
      [0xff0d, 0x1c], // Return
      [0xffbe, 0x3b], // F1
      [0xffc9, 0x58], // F12
      [0xffb0, 0x52], // KP_0
      [0xff51, 0xe04b], // Left
      [0xffe4, 0xe01d], // Control_R
    ]
    for (const [sym, code] of cases) expect([sym, keysymToScancode(sym)]).toEqual([sym, code])
    expect(keysymToScancode(0x20ac)).toBeUndefined()
  })
  it('encodes make/break with the E0 prefix', () => {
    expect(scancodeBytes(0x1e, true)).toEqual([0x1e])
    expect(scancodeBytes(0x1e, false)).toEqual([0x9e])
    expect(scancodeBytes(0xe04b, false)).toEqual([0xe0, 0xcb])
  })
})
