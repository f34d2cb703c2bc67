/**
 * PS/2 keyboard (MF2): host commands (LEDs, echo, scancode set, identify, typematic, enable/disable, defaults,
 * resend, reset) and key events in the selected scancode set, with typematic repeat of the last key held.
 * Spec: IBM PS/2 Keyboard and Auxiliary Device Controller / Keyboard Technical Reference (commands, ACK FAh,
 * BAT AAh, ID AB 83, typematic byte: rate bits 0–4, delay bits 5–6). Follows VirtualBox Input/DevPS2K.cpp.
 */
import { bool, struct, u8 } from '@boxwood/vmm/device-api'
import type { ValueOf } from '@boxwood/vmm/device-api'
import { ps2QueueField, queueClear, queuePush, queuePushAll } from './ps2-queue'
import type { Ps2Queue } from './ps2-queue'
import { set1StreamToSet2 } from './scancodes'

const ACK = 0xfa
const RESEND = 0xfe

const keyboardFields = {
  queue: ps2QueueField,
  /** A command waiting for its argument byte (0 = none). */
  pendingCommand: u8,
  scancodeSet: u8,
  scanning: bool,
  leds: u8,
  typematic: u8,
  /** The last byte sent (for FEh resend). */
  lastByte: u8,
}
/** Saved-state field of the keyboard. */
export const ps2KeyboardField = struct(keyboardFields)
/** The keyboard's state. */
export type Ps2KeyboardState = ValueOf<typeof keyboardFields>

/** Typematic delay (ms) from bits 5–6 and rate (chars/s) from bits 0–4 of the typematic byte. */
export function typematicTiming(byte: number): { delayNs: number; periodNs: number } {
  const delayMs = 250 * (((byte >> 5) & 3) + 1)
  const a = byte & 7
  const b = (byte >> 3) & 3
  // Period = (8 + A) × 2^B × 4.17 ms (IBM formula), 33.3 ms … 500 ms.
  const periodNs = Math.round((8 + a) * (1 << b) * 4.17 * 1e6)
  return { delayNs: delayMs * 1e6, periodNs }
}

export function resetKeyboard(k: Ps2KeyboardState): void {
  queueClear(k.queue)
  k.pendingCommand = 0
  k.scancodeSet = 2
  k.scanning = true
  k.leds = 0
  k.typematic = 0x2b // 10.9 chars/s, 500 ms
  k.lastByte = 0
}

function send(k: Ps2KeyboardState, byte: number): void {
  k.lastByte = byte
  queuePush(k.queue, byte)
}

/** What the keyboard tells its controller. */
export interface KeyboardEffects {
  /** The LEDs changed (bit 0 scroll, 1 num, 2 caps). */
  ledsChanged(leds: number): void
  /** Typematic repeat must stop (a command or a break arrived). */
  stopRepeat(): void
}

/** A byte from the host (the controller wrote port 60h while the keyboard was the target). */
export function keyboardWrite(k: Ps2KeyboardState, value: number, fx: KeyboardEffects): void {
  if (k.pendingCommand !== 0) {
    const command = k.pendingCommand
    k.pendingCommand = 0
    switch (command) {
      case 0xed:
        k.leds = value & 7
        send(k, ACK)
        fx.ledsChanged(k.leds)
        return
      case 0xf0:
        send(k, ACK)
        if (value === 0) send(k, k.scancodeSet)
        else if (value >= 1 && value <= 3) k.scancodeSet = value
        return
      case 0xf3:
        k.typematic = value & 0x7f
        send(k, ACK)
        return
      default:
        break
    }
  }
  switch (value) {
    case 0xed:
    case 0xf0:
    case 0xf3:
      k.pendingCommand = value
      send(k, ACK)
      return
    case 0xee:
      send(k, 0xee)
      return
    case 0xf2:
      send(k, ACK)
      send(k, 0xab)
      send(k, 0x83)
      return
    case 0xf4:
      k.scanning = true
      send(k, ACK)
      return
    case 0xf5:
    case 0xf6:
      k.scanning = value === 0xf6
      k.typematic = 0x2b
      k.scancodeSet = 2
      queueClear(k.queue)
      fx.stopRepeat()
      send(k, ACK)
      return
    case 0xfe:
      queuePush(k.queue, k.lastByte)
      return
    case 0xff:
      resetKeyboard(k)
      fx.stopRepeat()
      fx.ledsChanged(0)
      send(k, ACK)
      send(k, 0xaa) // BAT passed
      return
    default:
      // F7–FD (set-3 key attributes) are acknowledged; anything else is not a command.
      send(k, value >= 0xf7 && value <= 0xfd ? ACK : RESEND)
  }
}

/** Queues set 1 bytes from the host input source in the keyboard's current set (all or nothing). */
export function keyboardKeys(k: Ps2KeyboardState, set1: ArrayLike<number>): boolean {
  if (!k.scanning) return false
  const bytes = k.scancodeSet === 1 ? Array.from(set1, (b) => b & 0xff) : set1StreamToSet2(set1)
  return queuePushAll(k.queue, bytes)
}

export type { Ps2Queue }
