// Public entry point. Every export is listed by name.
export type {
  CursorShape,
  DisplayListener,
  DisplayMode,
  DisplayRect,
  DisplaySource,
  PixelFormat,
} from './backends/display'
export type { InputListener, InputSink, KeyboardLeds, MouseButtons } from './backends/input'
