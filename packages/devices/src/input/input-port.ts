/**
 * The host end of a guest input device: an {@link InputSink} the embedder holds before the machine exists,
 * which the keyboard controller (or any input device) connects to when it is created (the LUN #0 "Keyboard
 * port"/"Mouse port" of VirtualBox's DrvKeyboardQueue/DrvMouseQueue). Until a device connects, input is dropped.
 */
import { defineContract } from '@boxwood/vmm/device-api'
import type { InputListener, InputSink, KeyboardLeds, MouseButtons } from '../backends/input'

/** An input port: the sink for the host, `connect` for the device. */
export interface InputPort {
  /** What the host (VRDE server, GUI, test) drives. */
  readonly sink: InputSink
  /** Called by the device with its implementation; returns the disconnect function. */
  connect(device: InputSink): () => void
}

/** The LUN contract input devices attach input ports with. */
export const inputPortContract = defineContract<InputPort>(
  'InputPort',
  (value): value is InputPort =>
    typeof value === 'object' && value !== null && typeof (value as InputPort).connect === 'function',
)

const NO_LEDS: KeyboardLeds = { numLock: false, capsLock: false, scrollLock: false }

/** Creates an input port (pass it at LUN 0 of the `pckbd` device; give `.sink` to the input source). */
export function createInputPort(): InputPort {
  let device: InputSink | undefined
  const listeners = new Set<InputListener>()
  const unsubscribes = new Map<InputListener, () => void>()
  const sink: InputSink = {
    putScancodes: (codes) => device?.putScancodes(codes),
    get leds() {
      return device?.leds ?? NO_LEDS
    },
    putPointerRelative: (dx, dy, dz, dw, buttons: MouseButtons) => device?.putPointerRelative(dx, dy, dz, dw, buttons),
    get absoluteSupported() {
      return device?.absoluteSupported ?? false
    },
    putPointerAbsolute: (x, y, dz, dw, buttons) => device?.putPointerAbsolute(x, y, dz, dw, buttons),
    subscribe(listener) {
      listeners.add(listener)
      if (device) unsubscribes.set(listener, device.subscribe(listener))
      return () => {
        listeners.delete(listener)
        unsubscribes.get(listener)?.()
        unsubscribes.delete(listener)
      }
    },
  }
  return {
    sink,
    connect(impl) {
      device = impl
      for (const l of listeners) unsubscribes.set(l, impl.subscribe(l))
      return () => {
        if (device !== impl) return
        for (const u of unsubscribes.values()) u()
        unsubscribes.clear()
        device = undefined
      }
    },
  }
}
