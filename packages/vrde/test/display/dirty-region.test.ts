import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DirtyRegion } from '../../src/display/dirty-region'

describe('DirtyRegion', () => {
  it('merges touching rectangles and keeps separate ones apart', () => {
    const r = new DirtyRegion()
    r.add({ x: 0, y: 0, width: 10, height: 10 })
    r.add({ x: 10, y: 0, width: 10, height: 10 })
    r.add({ x: 100, y: 100, width: 5, height: 5 })
    expect(r.take(200, 200)).toEqual([
      { x: 0, y: 0, width: 20, height: 10 },
      { x: 100, y: 100, width: 5, height: 5 },
    ])
    expect(r.empty).toBe(true)
  })

  it('always covers every added pixel, clipped to the screen, with bounded size', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            x: fc.nat(99),
            y: fc.nat(99),
            width: fc.integer({ min: 1, max: 40 }),
            height: fc.integer({ min: 1, max: 40 }),
          }),
          { maxLength: 200 },
        ),
        (rects) => {
          const region = new DirtyRegion()
          for (const r of rects) region.add(r)
          const out = region.take(100, 100)
          expect(out.length).toBeLessThanOrEqual(33)
          for (const r of rects) {
            for (const [px, py] of [
              [r.x, r.y],
              [Math.min(99, r.x + r.width - 1), Math.min(99, r.y + r.height - 1)],
            ] as const) {
              expect(out.some((o) => px >= o.x && px < o.x + o.width && py >= o.y && py < o.y + o.height)).toBe(true)
            }
          }
          for (const o of out) expect(o.x + o.width <= 100 && o.y + o.height <= 100).toBe(true)
        },
      ),
      { seed: 42, numRuns: 200 },
    )
  })
})
