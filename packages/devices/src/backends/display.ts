// Display backend contract: what a graphics device (VGA/VBE) offers to whoever shows its screen (VRDE, GUI,
// screenshots). Modelled on VirtualBox's IFramebuffer/IDisplaySourceBitmap (notifyChange/notifyUpdate,
// querySourceBitmap) and on the VBE mode information block (VBE 3.0 §4.4: bits per pixel, bytes per scan line).
// Pure types: no implementation lives here.

/**
 * How the bytes of one pixel are laid out in the framebuffer. Names list the components from the most to the
 * least significant bit of a little-endian pixel word, as VBE direct-colour modes store them:
 * - `x8r8g8b8`: 32 bpp, bytes B,G,R,X in memory (VBE 32 bpp, VirtualBox `BitmapFormat_BGR0`).
 * - `r8g8b8`: 24 bpp, bytes B,G,R in memory (VBE 24 bpp).
 * - `r5g6b5`: 16 bpp little-endian word (VBE 16 bpp).
 * - `x1r5g5b5`: 15 bpp in a 16-bit little-endian word (VBE 15 bpp).
 * - `indexed8`: 8 bpp indices into {@link DisplaySource.palette} (VGA mode 13h, VBE 8 bpp).
 * A text-mode VGA renders its character cells into one of these formats itself, so a consumer only ever sees
 * pixels.
 */
export type PixelFormat = 'x8r8g8b8' | 'r8g8b8' | 'r5g6b5' | 'x1r5g5b5' | 'indexed8'

/** The current video mode of a display, as the consumer must interpret {@link DisplaySource.framebuffer}. */
export interface DisplayMode {
  /** Visible width in pixels (≥ 1). */
  readonly width: number
  /** Visible height in pixels (≥ 1). */
  readonly height: number
  /** Pixel layout. */
  readonly format: PixelFormat
  /** Bytes from the start of one scan line to the start of the next (VBE "BytesPerScanLine"); ≥ width × bytes per pixel. */
  readonly stride: number
  /**
   * Byte offset of pixel (0,0) inside the framebuffer view (VBE display start / panning). Usually 0; the pixel
   * at (x, y) starts at `offset + y * stride + x * bytesPerPixel`.
   */
  readonly offset: number
}

/** A rectangle in display pixels; `x + width ≤ mode.width`, `y + height ≤ mode.height`. */
export interface DisplayRect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/**
 * A pointer (mouse cursor) image as the guest defined it (VirtualBox `IMousePointerShape`, RDP New Pointer).
 * Pixels are 32 bpp BGRA bytes with straight (not premultiplied) alpha (B,G,R,A in memory), row-major, `width × 4` bytes per row;
 * alpha 0 = transparent, 255 = opaque. Monochrome XOR cursors are converted by the device: pixels that would
 * invert the screen are given as opaque black.
 */
export interface CursorShape {
  readonly width: number
  readonly height: number
  /** Hot spot, within the image. */
  readonly hotX: number
  readonly hotY: number
  /** `width * height * 4` bytes, B,G,R,A. */
  readonly pixels: Uint8Array
}

/** What a display source tells its consumers; every callback is optional and runs synchronously, so keep it cheap. */
export interface DisplayListener {
  /** Pixels inside `rect` changed (VirtualBox `notifyUpdate`). Consumers read them later from the framebuffer. */
  onUpdate?(rect: DisplayRect): void
  /**
   * Pixels were moved inside the framebuffer (a 2D blit or a scroll): `rect` now holds what was at
   * (`srcX`, `srcY`). An optional hint that lets a server send a copy instead of pixels; a source that cannot
   * tell just reports {@link onUpdate} for `rect`.
   */
  onCopy?(rect: DisplayRect, srcX: number, srcY: number): void
  /**
   * The mode changed (VirtualBox `notifyChange`): a consumer must re-read {@link DisplaySource.mode} and
   * {@link DisplaySource.framebuffer} (the view may be a new object) and treat the whole screen as dirty.
   */
  onModeChange?(mode: DisplayMode): void
  /** The pointer image changed; `null` hides the pointer. */
  onCursorShape?(shape: CursorShape | null): void
  /** The guest moved (warped) the pointer itself; clients that draw the pointer locally should follow. */
  onCursorPosition?(x: number, y: number): void
}

/**
 * A screen that can be shown remotely: a VGA/VBE adapter, or any framebuffer owner. The consumer (VRDE server,
 * GUI) reads pixels straight from {@link framebuffer} — typically a view over guest VRAM in a SharedArrayBuffer
 * — without asking the source to copy, and learns what changed from {@link subscribe}.
 */
export interface DisplaySource {
  /** The current mode. */
  readonly mode: DisplayMode
  /**
   * The bytes of the current mode, laid out as {@link mode} says. A view, not a copy: it changes under the
   * reader when the guest draws. After a mode change, fetch it again.
   */
  framebuffer(): Uint8Array
  /**
   * For `indexed8` modes: 256 colours as 0x00RRGGBB. A palette change is reported as a full-screen
   * {@link DisplayListener.onUpdate}. Sources without indexed modes may omit it.
   */
  palette?(): Uint32Array
  /** The current pointer image, or `null` when hidden or unknown. */
  readonly cursor: CursorShape | null
  /** Starts delivering changes to `listener`; returns the function that stops it. */
  subscribe(listener: DisplayListener): () => void
}
