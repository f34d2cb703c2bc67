import type { DisplayRect } from '@boxwood/devices'
import { describe, expect, it } from 'vitest'
import { MemoryDisplaySource } from '../../src/display/memory-display'
import { readBgrx } from '../../src/display/read-pixels'

describe('MemoryDisplaySource and readBgrx', () => {
  it('reports fills, copies and mode changes to subscribers', () => {
    const d = new MemoryDisplaySource(16, 8)
    const seen: string[] = []
    const stop = d.subscribe({
      onUpdate: (r: DisplayRect) => seen.push(`u${r.x},${r.y},${r.width},${r.height}`),
      onCopy: (r, sx, sy) => seen.push(`c${r.x},${r.y}<-${sx},${sy}`),
      onModeChange: (m) => seen.push(`m${m.width}x${m.height}`),
    })
    d.fillRect(-2, 6, 4, 10, 0xff0000)
    d.copyRect(0, 6, 4, 0, 2, 2)
    d.setMode(32, 4)
    stop()
    d.fillRect(0, 0, 1, 1, 0)
    expect(seen).toEqual(['u0,6,2,2', 'c4,0<-0,6', 'm32x4'])
  })

  it('converts every pixel format to B,G,R,X', () => {
    for (const format of ['x8r8g8b8', 'r8g8b8', 'r5g6b5', 'x1r5g5b5'] as const) {
      const d = new MemoryDisplaySource(5, 3, format)
      d.fillRect(1, 1, 2, 1, 0xf80800)
      const px = readBgrx(d, { x: 0, y: 0, width: 5, height: 3 })
      const at = (x: number, y: number) => [...px.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4)]
      expect(at(0, 0)).toEqual([0, 0, 0, 0])
      const [b, g, r] = at(1, 1)
      expect(r).toBe(0xff - (format === 'x8r8g8b8' || format === 'r8g8b8' ? 7 : 0))
      expect(b).toBe(0)
      expect(g).toBeLessThanOrEqual(8)
    }
    const idx = new MemoryDisplaySource(2, 1, 'indexed8')
    idx.palette()[5] = 0x123456
    idx.fillRect(0, 0, 1, 1, 5)
    expect([...readBgrx(idx, { x: 0, y: 0, width: 1, height: 1 })]).toEqual([0x56, 0x34, 0x12, 0])
  })
})
