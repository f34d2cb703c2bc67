// Which B0–B3 bits a breakpoint match reports (Intel SDM vol. 3B 17.2.3): none unless an enabled breakpoint
// matches; then every matching one, enabled or not, as Bochs does (test/bochs-diff/debug.test.ts compares the
// DR6 a handler sees).
import { describe, expect, it } from 'vitest'
import { codeBreakpointHits, dataBreakpointHits, ioBreakpointHits } from '../../src/cpu/debug-registers'

/** DR7 bits for breakpoint `i`: enabled (L) or not, R/W field, LEN field. */
const field = (i: number, enabled: boolean, rw: number, len: number) =>
  (enabled ? 1 << (i * 2) : 0) | (rw << (16 + i * 4)) | (len << (18 + i * 4))

function registers(dr7: number, addresses: readonly number[]): Int32Array {
  const dr = new Int32Array(8)
  addresses.forEach((a, i) => (dr[i] = a))
  dr[7] = dr7
  return dr
}

describe('breakpoint status bits', () => {
  it('data: a match of a breakpoint that is not enabled alone reports nothing', () => {
    const dr = registers(field(0, false, 1, 3) | field(1, true, 1, 3), [0x30000, 0x31000])
    expect(dataBreakpointHits(dr, 0x30000, 4, true)).toBe(0)
    expect(dataBreakpointHits(dr, 0x31002, 2, true)).toBe(2)
  })

  it('data: an enabled match reports every matching breakpoint, by R/W type', () => {
    // DR0 enabled writes, DR1 not enabled reads/writes, DR2 not enabled writes elsewhere, DR3 an instruction one.
    const dr = registers(
      field(0, true, 1, 3) | field(1, false, 3, 0) | field(2, false, 1, 0) | field(3, false, 0, 0),
      [0x30000, 0x30001, 0x40000, 0x30000],
    )
    expect(dataBreakpointHits(dr, 0x30000, 4, true)).toBe(3)
    // A read matches DR1 only (DR0 watches writes), which is not enabled: nothing.
    expect(dataBreakpointHits(dr, 0x30000, 4, false)).toBe(0)
  })

  it('I/O: the same rule for R/W = 10 breakpoints', () => {
    const dr = registers(field(0, false, 2, 0) | field(3, true, 2, 1), [0x80, 0, 0, 0x80])
    expect(ioBreakpointHits(dr, 0x80, 1)).toBe(9)
    expect(ioBreakpointHits(registers(field(0, false, 2, 0), [0x80]), 0x80, 1)).toBe(0)
  })

  it('instruction: the same rule for R/W = 00 breakpoints at the exact address', () => {
    const dr = registers(field(0, false, 0, 0) | field(1, true, 0, 0) | field(2, true, 1, 0), [0x1000, 0x1000, 0x1000])
    expect(codeBreakpointHits(dr, 0x1000)).toBe(3)
    expect(codeBreakpointHits(dr, 0x1001)).toBe(0)
    expect(codeBreakpointHits(registers(field(0, false, 0, 0), [0x1000]), 0x1000)).toBe(0)
  })
})
