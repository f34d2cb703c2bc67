import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PortSpace } from '../../src/index'
import type { AccessSize, IoPortRegistrationError } from '../../src/index'

describe('PortSpace', () => {
  it('reads all ones from unclaimed ports and ignores writes', () => {
    const io = new PortSpace()
    io.ioWrite(0x80, 0x12, 1)
    expect(io.ioRead(0x80, 1)).toBe(0xff)
    expect(io.ioRead(0x80, 2)).toBe(0xffff)
    expect(io.ioRead(0x80, 4)).toBe(0xffffffff)
    expect(io.ioRead(0xffff, 4)).toBe(0xffffffff)
  })

  it('passes offsets relative to the range and the access size', () => {
    const io = new PortSpace()
    const seen: string[] = []
    io.register(
      0x3f8,
      8,
      { read: (o, s) => (seen.push(`r${o}/${s}`), 0x40 + o), write: (o, v, s) => seen.push(`w${o}=${v}/${s}`) },
      'uart',
    )
    expect(io.ioRead(0x3fd, 1)).toBe(0x45)
    io.ioWrite(0x3f9, 0xab, 1)
    expect(io.ioRead(0x3fa, 2)).toBe(0x42)
    expect(seen).toEqual(['r5/1', 'w1=171/1', 'r2/2'])
  })

  it('enforces strict registration', () => {
    const io = new PortSpace()
    io.register(0x40, 4, { read: () => 0 }, 'pit')
    const err = (fn: () => void) => {
      try {
        fn()
      } catch (e) {
        return (e as IoPortRegistrationError).code
      }
      return 'none'
    }
    expect(err(() => io.register(0x43, 2, { read: () => 0 }, 'other'))).toBe('IOPORT_OVERLAP')
    expect(() => io.register(0x43, 2, { read: () => 0 }, 'other')).toThrow(/overlaps "pit" at port 0043/)
    expect(err(() => io.register(0xffff, 2, { read: () => 0 }, 'x'))).toBe('IOPORT_RANGE')
    expect(err(() => io.register(0x100, 0, { read: () => 0 }, 'x'))).toBe('IOPORT_RANGE')
    expect(err(() => io.register(0x100, 1, { read: () => 0 }, 'x'.repeat(128)))).toBe('IOPORT_DESCRIPTION')
    expect(err(() => io.register(0x100, 1, { read: () => 0 }, 'x'.repeat(127)))).toBe('none')
    expect(err(() => io.register(0x200, 1, {}, 'none'))).toBe('IOPORT_NO_HANDLER')
    io.freeze()
    expect(err(() => io.createRange(1, { read: () => 0 }, 'late'))).toBe('IOPORT_FROZEN')
  })

  it('maps, moves and unmaps ranges (PCI BAR relocation)', () => {
    const io = new PortSpace()
    const range = io.createRange(4, { read: (o) => o }, 'bar')
    expect(range.base).toBeUndefined()
    range.map(0xc000)
    expect(io.ioRead(0xc002, 1)).toBe(2)
    range.map(0xd000)
    expect(io.ioRead(0xc002, 1)).toBe(0xff)
    expect(io.ioRead(0xd003, 1)).toBe(3)
    expect(io.rangeAt(0xd000)).toBe(range)
    range.unmap()
    expect(io.ioRead(0xd003, 1)).toBe(0xff)
    expect(range.base).toBeUndefined()
  })

  it('splits wide accesses for byte-only devices and merges narrow reads for dword-only ones', () => {
    const io = new PortSpace()
    const bytes = [0x11, 0x22, 0x33, 0x44]
    io.register(0x100, 4, { sizes: [1], read: (o) => bytes[o]!, write: (o, v) => (bytes[o] = v) }, 'bytes')
    expect(io.ioRead(0x100, 4)).toBe(0x44332211)
    io.ioWrite(0x100, 0xa1b2c3d4, 4)
    expect(bytes).toEqual([0xd4, 0xc3, 0xb2, 0xa1])
    const writes: [number, number, number][] = []
    io.register(0xcf8, 4, { sizes: [4], read: () => 0x80001234, write: (o, v, s) => writes.push([o, v, s]) }, 'dword')
    expect(io.ioRead(0xcfa, 2)).toBe(0x8000)
    expect(io.ioRead(0xcf9, 1)).toBe(0x12)
    io.ioWrite(0xcfb, 0x80, 1)
    expect(writes).toEqual([[0, 0x80000000, 4]])
  })

  it('dispatches an access straddling two ranges byte by byte', () => {
    const io = new PortSpace()
    io.register(0x60, 1, { read: () => 0xaa }, 'a')
    io.register(0x61, 1, { read: () => 0xbb }, 'b')
    expect(io.ioRead(0x60, 2)).toBe(0xbbaa)
    expect(io.ioRead(0x5f, 4)).toBe(0xffbbaaff)
  })

  it('masks sloppy handler results to the access width', () => {
    const io = new PortSpace()
    io.register(0x10, 1, { read: () => -1 }, 'neg')
    expect(io.ioRead(0x10, 1)).toBe(0xff)
    io.register(0x20, 4, { read: () => -2 }, 'neg32')
    expect(io.ioRead(0x20, 4)).toBe(0xfffffffe)
  })

  it('behaves like a byte-addressed model under random registration and access (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            base: fc.nat(0xfff0),
            count: fc.integer({ min: 1, max: 16 }),
            size: fc.constantFrom<AccessSize[]>([1], [2], [4], [1, 2, 4]),
          }),
          { maxLength: 12 },
        ),
        fc.array(
          fc.record({
            port: fc.nat(0xffff),
            size: fc.constantFrom<AccessSize>(1, 2, 4),
            value: fc.nat(0xffffffff),
            write: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (ranges, accesses) => {
          const io = new PortSpace()
          // Reference: one byte cell per claimed port; byte-only ranges so split semantics are exact.
          const model = new Map<number, number>()
          for (const [i, r] of ranges.entries()) {
            const cells = new Uint8Array(r.count)
            try {
              io.register(
                r.base,
                r.count,
                { sizes: [1], read: (o) => cells[o]!, write: (o, v) => (cells[o] = v) },
                `r${i}`,
              )
            } catch (e) {
              expect((e as IoPortRegistrationError).code).toMatch(/IOPORT_(OVERLAP|RANGE)/)
              continue
            }
            for (let p = 0; p < r.count; p++) model.set(r.base + p, 0)
          }
          for (const a of accesses) {
            const value = a.value % 2 ** (a.size * 8)
            if (a.write) {
              io.ioWrite(a.port, value, a.size)
              for (let i = 0; i < a.size; i++) {
                const p = (a.port + i) & 0xffff
                if (model.has(p)) model.set(p, Math.floor(value / 2 ** (8 * i)) & 0xff)
              }
            } else {
              let expected = 0
              for (let i = 0; i < a.size; i++) expected += (model.get((a.port + i) & 0xffff) ?? 0xff) * 2 ** (8 * i)
              expect(io.ioRead(a.port, a.size)).toBe(expected)
            }
          }
        },
      ),
      { seed: 0x5eed, numRuns: 300 },
    )
  })
})
