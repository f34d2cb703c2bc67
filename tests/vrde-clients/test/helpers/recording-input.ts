// An InputSink that records what it receives, for the real-client tests.
import type { InputListener, InputSink, KeyboardLeds } from '@boxwood/devices'

/** One recorded pointer event. */
export interface RecordedPointer {
  readonly kind: 'abs' | 'rel'
  readonly x: number
  readonly y: number
  readonly dz: number
  readonly dw: number
  readonly buttons: number
}

/** Records scancodes and pointer events. */
export class RecordingInputSink implements InputSink {
  readonly scancodes: number[] = []
  readonly pointer: RecordedPointer[] = []
  leds: KeyboardLeds = { numLock: false, capsLock: false, scrollLock: false }
  absoluteSupported = true
  readonly #listeners = new Set<InputListener>()

  putScancodes(codes: ArrayLike<number>): void {
    for (let i = 0; i < codes.length; i++) this.scancodes.push(codes[i] ?? 0)
  }

  putPointerRelative(dx: number, dy: number, dz: number, dw: number, buttons: number): void {
    this.pointer.push({ kind: 'rel', x: dx, y: dy, dz, dw, buttons })
  }

  putPointerAbsolute(x: number, y: number, dz: number, dw: number, buttons: number): void {
    this.pointer.push({ kind: 'abs', x, y, dz, dw, buttons })
  }

  subscribe(listener: InputListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  setLeds(leds: KeyboardLeds): void {
    this.leds = leds
    for (const l of this.#listeners) l.onLedsChange?.(leds)
  }
}
