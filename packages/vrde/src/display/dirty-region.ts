// Accumulates the changed parts of a screen for one client between two updates (coalescing): however often the
// source reports changes, a client that is slow gets one update covering all of them, never a backlog.
import type { DisplayRect } from '@boxwood/devices'

/** A mutable rectangle in screen pixels. */
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** Above this many separate rectangles the region collapses to their bounding box: memory stays O(1). */
const MAX_RECTS = 32

/** A set of dirty rectangles with bounded size. */
export class DirtyRegion {
  #rects: Rect[] = []

  get empty(): boolean {
    return this.#rects.length === 0
  }

  /** Adds a rectangle, merging it with one it overlaps or touches when that wastes little area. */
  add(r: DisplayRect): void {
    if (r.width <= 0 || r.height <= 0) return
    let cur: Rect = { x: r.x, y: r.y, width: r.width, height: r.height }
    // Merge repeatedly: a merged rectangle may now touch others.
    for (let merged = true; merged;) {
      merged = false
      for (let i = 0; i < this.#rects.length; i++) {
        const o = this.#rects[i] as Rect
        const u = union(o, cur)
        if (touches(o, cur) && area(u) <= (area(o) + area(cur)) * 1.25) {
          this.#rects.splice(i, 1)
          cur = u
          merged = true
          break
        }
      }
    }
    this.#rects.push(cur)
    if (this.#rects.length > MAX_RECTS) this.#rects = [this.#rects.reduce(union)]
  }

  /** Marks everything dirty. */
  addAll(width: number, height: number): void {
    this.#rects = [{ x: 0, y: 0, width, height }]
  }

  /** Returns the accumulated rectangles, clipped to the screen, and empties the region. */
  take(width: number, height: number): Rect[] {
    const out: Rect[] = []
    for (const r of this.#rects) {
      const x1 = Math.min(width, r.x + r.width)
      const y1 = Math.min(height, r.y + r.height)
      if (x1 > r.x && y1 > r.y) out.push({ x: r.x, y: r.y, width: x1 - r.x, height: y1 - r.y })
    }
    this.#rects = []
    return out
  }

  clear(): void {
    this.#rects = []
  }
}

function area(r: Rect): number {
  return r.width * r.height
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x)
  const y = Math.min(a.y, b.y)
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  }
}

function touches(a: Rect, b: Rect): boolean {
  return a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height
}
