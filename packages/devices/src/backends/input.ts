// Input backend contract: what keyboard and mouse devices (PS/2 i8042, later USB HID) accept from a host-side
// input source (VRDE server, GUI). Keys are PC scancode set 1 bytes as VirtualBox's IKeyboard.putScancodes
// takes them; pointer events follow IMouse.putMouseEvent/putMouseEventAbsolute. Pure types.

/** Keyboard lock state, as the guest set it through the keyboard's LED command (i8042 command 0xED). */
export interface KeyboardLeds {
  readonly numLock: boolean
  readonly capsLock: boolean
  readonly scrollLock: boolean
}

/**
 * Held mouse buttons as a bit set, VirtualBox `MouseButtonState` values: left 0x01, right 0x02, middle 0x04,
 * side buttons 0x20 and 0x40. Wheel movement is not a button: it is `dz`/`dw` in the pointer events.
 */
export type MouseButtons = number

/** What an input sink tells its consumers. */
export interface InputListener {
  /** The guest changed the keyboard LEDs. */
  onLedsChange?(leds: KeyboardLeds): void
  /** Whether the sink can take absolute pointer positions changed (e.g. a tablet was enabled by the guest). */
  onPointerModeChange?(absoluteSupported: boolean): void
}

/**
 * The guest's keyboard and mouse, as a host-side source drives them. Implemented by the PS/2 controller (and
 * any other input device); called from the host side, never from the guest.
 */
export interface InputSink {
  /**
   * Queues PC scancode set 1 bytes exactly as a keyboard would send them: make code, break = make | 0x80,
   * extended keys prefixed with 0xE0 (e.g. Right Ctrl down = `[0xe0, 0x1d]`), Pause = `e1 1d 45 e1 9d c5`.
   * A device that emulates another set translates. Bytes beyond the device's buffer are dropped, like hardware.
   */
  putScancodes(codes: ArrayLike<number>): void
  /** The keyboard LED state the guest last set. */
  readonly leds: KeyboardLeds
  /**
   * Relative pointer motion (IMouse.putMouseEvent): `dx` right and `dy` down in device units (pixels for a
   * PS/2 mouse at 1:1), `dz` vertical wheel (positive = toward the user / scroll down), `dw` horizontal wheel
   * (positive = right), `buttons` = the buttons now held.
   */
  putPointerRelative(dx: number, dy: number, dz: number, dw: number, buttons: MouseButtons): void
  /**
   * Whether {@link putPointerAbsolute} reaches the guest as an absolute position (tablet, vmmouse). When it is
   * false, a caller that only has absolute positions should send relative motion instead.
   */
  readonly absoluteSupported: boolean
  /**
   * Absolute pointer position in pixels of the display, (0, 0) = top-left, with wheel and buttons as in
   * {@link putPointerRelative}. Positions are clamped to the display.
   */
  putPointerAbsolute(x: number, y: number, dz: number, dw: number, buttons: MouseButtons): void
  /** Starts delivering changes to `listener`; returns the function that stops it. */
  subscribe(listener: InputListener): () => void
}
