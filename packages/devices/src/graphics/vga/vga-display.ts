// The VGA's DisplaySource (backends/display.ts): the current mode, a framebuffer view without copies (the
// renderer's 32-bit buffer for legacy modes, VRAM itself for VBE modes), dirty rectangles and mode changes.
import type { DisplayListener, DisplayMode, DisplayRect, DisplaySource, CursorShape } from '../../backends/display'
import type { VgaRenderer } from './vga-render'

/** A DisplaySource over one VGA; `refresh()` renders what changed and notifies the listeners. */
export class VgaDisplay implements DisplaySource {
  readonly cursor: CursorShape | null = null
  private readonly listeners = new Set<DisplayListener>()
  private readonly renderer: VgaRenderer
  private readonly render: (onRect: (rect: DisplayRect) => void) => DisplayMode | undefined
  private readonly vram: () => Uint8Array

  /** @internal Built by the VGA device. */
  constructor(
    renderer: VgaRenderer,
    vram: () => Uint8Array,
    render: (onRect: (rect: DisplayRect) => void) => DisplayMode | undefined,
  ) {
    this.renderer = renderer
    this.vram = vram
    this.render = render
  }

  get mode(): DisplayMode {
    return this.renderer.screen.mode
  }

  /** True while someone listens (the device renders on its refresh timer only then). */
  get hasListeners(): boolean {
    return this.listeners.size > 0
  }

  framebuffer(): Uint8Array {
    return this.renderer.screen.kind === 'vbe' ? this.vram() : this.renderer.buffer
  }

  palette(): Uint32Array {
    return this.renderer.palette
  }

  subscribe(listener: DisplayListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Renders pending changes now (screenshots call it; the device's refresh timer does too). */
  refresh(): void {
    const changed = this.render((rect) => {
      for (const l of this.listeners) l.onUpdate?.(rect)
    })
    if (changed) for (const l of this.listeners) l.onModeChange?.(changed)
  }
}
