/**
 * PS/2 mouse with the IntelliMouse (ID 3: wheel) and IntelliMouse Explorer (ID 4: wheel + buttons 4/5)
 * extensions, stream and remote modes, sample rate / resolution / scaling, status request.
 * Spec: IBM PS/2 Mouse Technical Reference (commands, 3-byte packet); Microsoft "Wheel mouse" PS/2 extension
 * (sample-rate knock 200-100-80 → ID 3, 200-200-80 → ID 4). Follows VirtualBox Input/DevPS2M.cpp.
 */
import { array, bool, i32, struct, u8 } from '@boxwood/vmm/device-api'
import type { ValueOf } from '@boxwood/vmm/device-api'
import { ps2QueueField, queueClear, queuePush, queuePushAll } from './ps2-queue'

const ACK = 0xfa

const mouseFields = {
  queue: ps2QueueField,
  pendingCommand: u8,
  reporting: bool,
  remote: bool,
  sampleRate: u8,
  resolution: u8,
  scaling21: bool,
  deviceId: u8,
  /** The last three sample rates set (the IntelliMouse knock). */
  rates: array(3, u8),
  /** Motion not yet reported (remote mode / overflow carry). */
  dx: i32,
  dy: i32,
  dz: i32,
  buttons: u8,
}
/** Saved-state field of the mouse. */
export const ps2MouseField = struct(mouseFields)
/** The mouse's state. */
export type Ps2MouseState = ValueOf<typeof mouseFields>

export function resetMouse(m: Ps2MouseState): void {
  queueClear(m.queue)
  setDefaults(m)
  m.deviceId = 0
  m.rates.fill(0)
  m.buttons = 0
}

function setDefaults(m: Ps2MouseState): void {
  m.pendingCommand = 0
  m.reporting = false
  m.remote = false
  m.sampleRate = 100
  m.resolution = 2
  m.scaling21 = false
  m.dx = 0
  m.dy = 0
  m.dz = 0
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v))

/** Builds one movement packet from the accumulated motion (consuming what it reports). */
function packet(m: Ps2MouseState): number[] {
  const dx = clamp(m.dx, -256, 255)
  const dy = clamp(m.dy, -256, 255)
  const dz = clamp(m.dz, -8, 7)
  m.dx -= dx
  m.dy -= dy
  m.dz -= dz
  const b = m.buttons
  const first = 0x08 | (b & 0x07) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0)
  const out = [first, dx & 0xff, dy & 0xff]
  if (m.deviceId === 3) out.push(dz & 0xff)
  else if (m.deviceId === 4) out.push((dz & 0x0f) | ((b & 0x18) << 1))
  return out
}

/** A byte for the mouse (controller command D4h then port 60h). */
export function mouseWrite(m: Ps2MouseState, value: number): void {
  if (m.pendingCommand !== 0) {
    const command = m.pendingCommand
    m.pendingCommand = 0
    if (command === 0xf3) {
      m.sampleRate = value
      m.rates = [m.rates[1]!, m.rates[2]!, value]
      const [a, b, c] = m.rates
      if (a === 200 && b === 100 && c === 80 && m.deviceId === 0) m.deviceId = 3
      else if (a === 200 && b === 200 && c === 80 && m.deviceId === 3) m.deviceId = 4
    } else if (command === 0xe8) {
      m.resolution = value & 3
    }
    queuePush(m.queue, ACK)
    return
  }
  switch (value) {
    case 0xe6:
    case 0xe7:
      m.scaling21 = value === 0xe7
      queuePush(m.queue, ACK)
      return
    case 0xe8:
    case 0xf3:
      m.pendingCommand = value
      queuePush(m.queue, ACK)
      return
    case 0xe9: {
      const status =
        (m.remote ? 0x40 : 0) |
        (m.reporting ? 0x20 : 0) |
        (m.scaling21 ? 0x10 : 0) |
        ((m.buttons & 1) << 2) |
        ((m.buttons & 2) >> 1) |
        ((m.buttons & 4) >> 1)
      queuePushAll(m.queue, [ACK, status, m.resolution, m.sampleRate])
      return
    }
    case 0xea:
    case 0xf0:
      m.remote = value === 0xf0
      queuePush(m.queue, ACK)
      return
    case 0xeb:
      queuePush(m.queue, ACK)
      queuePushAll(m.queue, packet(m))
      return
    case 0xf2:
      queuePushAll(m.queue, [ACK, m.deviceId])
      return
    case 0xf4:
      m.reporting = true
      queuePush(m.queue, ACK)
      return
    case 0xf5:
      m.reporting = false
      queuePush(m.queue, ACK)
      return
    case 0xf6:
      setDefaults(m)
      queuePush(m.queue, ACK)
      return
    case 0xff:
      resetMouse(m)
      queuePushAll(m.queue, [ACK, 0xaa, 0x00])
      return
    default:
      queuePush(m.queue, 0xfe)
  }
}

/**
 * Host motion: `dx` right, `dy` down (converted to PS/2's up-positive), `dz` wheel down-positive, `buttons`
 * VirtualBox bits (1 left, 2 right, 4 middle, 0x20/0x40 side → buttons 4/5). Queues packets in stream mode.
 */
export function mouseMove(m: Ps2MouseState, dx: number, dy: number, dz: number, buttons: number): void {
  m.dx = clamp(m.dx + Math.trunc(dx), -0x10000, 0x10000)
  m.dy = clamp(m.dy - Math.trunc(dy), -0x10000, 0x10000)
  m.dz = clamp(m.dz + Math.trunc(dz), -0x100, 0x100)
  const side = (buttons & 0x20 ? 0x08 : 0) | (buttons & 0x40 ? 0x10 : 0)
  m.buttons = (buttons & 7) | side
  if (!m.reporting || m.remote) return
  let guard = 0
  do {
    const size = m.deviceId === 0 ? 3 : 4
    if (m.queue.count + size > m.queue.data.length) break
    queuePushAll(m.queue, packet(m))
  } while ((m.dx !== 0 || m.dy !== 0 || m.dz !== 0) && ++guard < 16)
}
