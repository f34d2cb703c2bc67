// Golden bytes of the saved-state format: a container with a clock unit and a device unit. If this test fails,
// the on-disk format changed — bump SAVED_STATE_FORMAT_VERSION or the unit version and keep loading these bytes.
import { describe, expect, it } from 'vitest'
import { readSavedState, writeSavedState } from '../../src/index'
import { array, bool, defineState, i64, struct, u16, u8 } from '../../src/device-api/index'

const GOLDEN_V1 =
  '4258574453534d00010000005508746d2d636c6f636b00000000010000000800000015cd5b07000000005505693832353400000000' +
  '0200000011000000400034120000000301141a99be1c0000004502000000e95b8a08'

const pit = defineState({
  unit: 'i8254',
  version: 2,
  minVersion: 1,
  fields: { ch: array(2, struct({ count: u16, mode: u8 })), gate: bool, deadline: i64 },
  config: { base: u16 },
})

const fromHex = (hex: string) => new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)))

describe('saved-state golden bytes', () => {
  it('writing the reference state gives the golden bytes', () => {
    const s = pit.initial()
    s.ch[0]!.count = 0x1234
    s.ch[1]!.mode = 3
    s.gate = true
    s.deadline = 123456789012
    const data = writeSavedState([
      { name: 'tm-clock', instance: 0, version: 1, bytes: new Uint8Array([0x15, 0xcd, 0x5b, 0x07, 0, 0, 0, 0]) },
      { name: 'i8254', instance: 0, version: 2, bytes: pit.encode(s, { base: 0x40 }) },
    ])
    expect(Array.from(data)).toEqual(Array.from(fromHex(GOLDEN_V1)))
  })

  it('the golden bytes keep loading', () => {
    const units = readSavedState(fromHex(GOLDEN_V1))
    expect(units.map((u) => `${u.name}#${u.instance} v${u.version}`)).toEqual(['tm-clock#0 v1', 'i8254#0 v2'])
    const s = pit.initial()
    pit.decodeInto(s, units[1]!.bytes, 2, { base: 0x40 })
    expect(s).toEqual({
      ch: [
        { count: 0x1234, mode: 0 },
        { count: 0, mode: 3 },
      ],
      gate: true,
      deadline: 123456789012,
    })
  })
})
