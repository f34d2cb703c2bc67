import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SavedStateError, crc32, dumpSavedState, readSavedState, writeSavedState } from '../../src/index'

const units = [
  { name: 'cpu', instance: 0, version: 1, bytes: new Uint8Array([1, 2, 3]) },
  { name: 'serial', instance: 1, version: 7, bytes: new Uint8Array(0) },
]

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as SavedStateError).code
  }
  return 'none'
}

describe('saved-state container', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('round-trips units and has the documented layout', () => {
    const data = writeSavedState(units)
    expect(Array.from(data.subarray(0, 12))).toEqual([0x42, 0x58, 0x57, 0x44, 0x53, 0x53, 0x4d, 0, 1, 0, 0, 0])
    expect(data[12]).toBe(0x55)
    expect(readSavedState(data)).toEqual(units)
    expect(dumpSavedState(data)[0]).toEqual({ name: 'cpu', instance: 0, version: 1, hex: '010203' })
    const footer = new DataView(data.buffer).getUint32(data.length - 4, true)
    expect(footer).toBe(crc32(data.subarray(0, data.length - 4)))
  })

  it('reports wrong magic, CRC mismatch, truncation and trailing bytes', () => {
    const data = writeSavedState(units)
    const magic = data.slice()
    magic[0] = 0
    expect(codeOf(() => readSavedState(magic))).toBe('SAVED_STATE_MAGIC')
    const flipped = data.slice()
    flipped[20]! ^= 0x10
    expect(codeOf(() => readSavedState(flipped))).toBe('SAVED_STATE_CRC')
    expect(codeOf(() => readSavedState(data.subarray(0, 10)))).toBe('SAVED_STATE_TRUNCATED')
    expect(codeOf(() => readSavedState(new Uint8Array(0)))).toBe('SAVED_STATE_TRUNCATED')
    const version = data.slice()
    version[8] = 2
    expect(codeOf(() => readSavedState(version))).toBe('SAVED_STATE_FORMAT_VERSION')
  })

  it('refuses duplicate units and bad names when writing', () => {
    expect(codeOf(() => writeSavedState([units[0]!, units[0]!]))).toBe('SAVED_STATE_DUPLICATE_UNIT')
    expect(codeOf(() => writeSavedState([{ ...units[0]!, name: '' }]))).toBe('SAVED_STATE_SCHEMA')
  })

  it('never throws anything but a SavedStateError on random or mutated input (seeded)', () => {
    const valid = writeSavedState(units)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc
            .record({ at: fc.nat(valid.length - 1), xor: fc.integer({ min: 1, max: 255 }), cut: fc.nat(valid.length) })
            .map(({ at, xor, cut }) => {
              const m = valid.slice(0, Math.max(cut, at + 1))
              m[at]! ^= xor
              return m
            }),
        ),
        (input) => {
          try {
            readSavedState(input)
          } catch (e) {
            expect(e).toBeInstanceOf(SavedStateError)
          }
        },
      ),
      { seed: 7, numRuns: 2000 },
    )
  })
})
