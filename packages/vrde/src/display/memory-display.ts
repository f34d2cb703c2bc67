// A display source backed by a plain byte array: for embedders that draw their own screen and for tests.
// Implements the DisplaySource contract of @boxwood/devices (display.ts).
import type {
  CursorShape,
  DisplayListener,
  DisplayMode,
  DisplayRect,
  DisplaySource,
  PixelFormat,
} from '@boxwood/devices'
import { VrdeError } from '../errors'

const BYTES_PER_PIXEL: Readonly<Record<PixelFormat, number>> = {
  x8r8g8b8: 4,
  r8g8b8: 3,
  r5g6b5: 2,
  x1r5g5b5: 2,
  indexed8: 1,
}

/** Bytes one pixel of `format` occupies. */
export function bytesPerPixel(format: PixelFormat): number {
  return BYTES_PER_PIXEL[format]
}

/**
 * A framebuffer in memory that you draw into and then announce with {@link invalidate}. The framebuffer may
 * live in a SharedArrayBuffer (pass `shared: true`) so another thread can draw into it.
 */
export class MemoryDisplaySource implements DisplaySource {
  #mode: DisplayMode
  #fb: Uint8Array
  #palette = new Uint32Array(256)
  #cursor: CursorShape | null = null
  readonly #listeners = new Set<DisplayListener>()
  readonly #shared: boolean

  constructor(width: number, height: number, format: PixelFormat = 'x8r8g8b8', options: { shared?: boolean } = {}) {
    this.#shared = options.shared ?? false
    this.#mode = makeMode(width, height, format)
    this.#fb = this.#allocate(this.#mode)
    for (let i = 0; i < 256; i++) this.#palette[i] = ((i & 0xe0) << 16) | ((i & 0x1c) << 11) | ((i & 0x03) << 6)
  }

  get mode(): DisplayMode {
    return this.#mode
  }

  get cursor(): CursorShape | null {
    return this.#cursor
  }

  framebuffer(): Uint8Array {
    return this.#fb
  }

  palette(): Uint32Array {
    return this.#palette
  }

  subscribe(listener: DisplayListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Announces that the pixels in the rectangle changed (clipped to the screen). */
  invalidate(x = 0, y = 0, width = this.#mode.width, height = this.#mode.height): void {
    const rect = clip(this.#mode, x, y, width, height)
    if (rect === null) return
    for (const l of this.#listeners) l.onUpdate?.(rect)
  }

  /** Fills a rectangle with a 0x00RRGGBB colour (an index for `indexed8`) and announces it. */
  fillRect(x: number, y: number, width: number, height: number, rgb: number): void {
    const rect = clip(this.#mode, x, y, width, height)
    if (rect === null) return
    const { format, stride, offset } = this.#mode
    const bpp = BYTES_PER_PIXEL[format]
    const px = encodePixel(format, rgb)
    for (let row = rect.y; row < rect.y + rect.height; row++) {
      let p = offset + row * stride + rect.x * bpp
      for (let col = 0; col < rect.width; col++, p += bpp) for (let b = 0; b < bpp; b++) this.#fb[p + b] = px[b] ?? 0
    }
    for (const l of this.#listeners) l.onUpdate?.(rect)
  }

  /** Moves a rectangle of pixels (a scroll or blit) and announces it as a copy. */
  copyRect(srcX: number, srcY: number, dstX: number, dstY: number, width: number, height: number): void {
    const rect = clip(this.#mode, dstX, dstY, width, height)
    const src = clip(this.#mode, srcX, srcY, width, height)
    if (rect === null || src === null || src.width !== rect.width || src.height !== rect.height) {
      throw new VrdeError('CONFIG', 'copyRect: source or destination outside the screen')
    }
    const { format, stride, offset } = this.#mode
    const bpp = BYTES_PER_PIXEL[format]
    const rowBytes = width * bpp
    const rows = [...Array(height).keys()]
    if (dstY > srcY) rows.reverse()
    for (const r of rows) {
      const s = offset + (srcY + r) * stride + srcX * bpp
      this.#fb.copyWithin(offset + (dstY + r) * stride + dstX * bpp, s, s + rowBytes)
    }
    for (const l of this.#listeners) {
      if (l.onCopy) l.onCopy(rect, srcX, srcY)
      else l.onUpdate?.(rect)
    }
  }

  /** Switches to a new mode with a fresh (black) framebuffer and tells the listeners. */
  setMode(width: number, height: number, format: PixelFormat = this.#mode.format): void {
    this.#mode = makeMode(width, height, format)
    this.#fb = this.#allocate(this.#mode)
    for (const l of this.#listeners) l.onModeChange?.(this.#mode)
  }

  /** Sets the pointer image (`null` hides it). */
  setCursor(shape: CursorShape | null): void {
    this.#cursor = shape
    for (const l of this.#listeners) l.onCursorShape?.(shape)
  }

  /** Announces that the pointer was moved by the guest (a warp), e.g. to centre it. */
  moveCursor(x: number, y: number): void {
    for (const l of this.#listeners) l.onCursorPosition?.(x, y)
  }

  #allocate(mode: DisplayMode): Uint8Array {
    const size = mode.stride * mode.height
    return new Uint8Array(this.#shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size))
  }
}

function makeMode(width: number, height: number, format: PixelFormat): DisplayMode {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > 8192 ||
    height > 8192
  ) {
    throw new VrdeError('CONFIG', `invalid display size ${width}x${height}`)
  }
  return { width, height, format, stride: Math.ceil((width * BYTES_PER_PIXEL[format]) / 4) * 4, offset: 0 }
}

function clip(mode: DisplayMode, x: number, y: number, w: number, h: number): DisplayRect | null {
  const x0 = Math.max(0, x)
  const y0 = Math.max(0, y)
  const x1 = Math.min(mode.width, x + w)
  const y1 = Math.min(mode.height, y + h)
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null
}

/** The bytes of one pixel of `format` for colour 0x00RRGGBB. */
function encodePixel(format: PixelFormat, rgb: number): number[] {
  const r = (rgb >> 16) & 0xff
  const g = (rgb >> 8) & 0xff
  const b = rgb & 0xff
  switch (format) {
    case 'x8r8g8b8':
      return [b, g, r, 0]
    case 'r8g8b8':
      return [b, g, r]
    case 'r5g6b5': {
      const v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
      return [v & 0xff, v >> 8]
    }
    case 'x1r5g5b5': {
      const v = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
      return [v & 0xff, v >> 8]
    }
    case 'indexed8':
      return [rgb & 0xff]
  }
}
