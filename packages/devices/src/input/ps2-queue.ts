/**
 * The output queue of a PS/2 device (what it has sent towards the controller and the controller has not yet
 * read), kept as saved-state plain data: a ring of bytes with head and count. Full queues drop new bytes,
 * as a keyboard buffer overrun does (QEMU ps2.c, PS2_QUEUE_SIZE).
 */
import { bytes, struct, u8 } from '@boxwood/vmm/device-api'
import type { ValueOf } from '@boxwood/vmm/device-api'

export const PS2_QUEUE_SIZE = 64

const queueFields = { data: bytes(PS2_QUEUE_SIZE), head: u8, count: u8 }
/** Saved-state field of a queue. */
export const ps2QueueField = struct(queueFields)
/** A queue's state. */
export type Ps2Queue = ValueOf<typeof queueFields>

export function queuePush(q: Ps2Queue, byte: number): boolean {
  if (q.count >= PS2_QUEUE_SIZE) return false
  q.data[(q.head + q.count) % PS2_QUEUE_SIZE] = byte & 0xff
  q.count++
  return true
}

/** Pushes all of `bytes` or none (a packet or a key sequence is never split by an overrun). */
export function queuePushAll(q: Ps2Queue, values: readonly number[]): boolean {
  if (q.count + values.length > PS2_QUEUE_SIZE) return false
  for (const v of values) queuePush(q, v)
  return true
}

export function queueShift(q: Ps2Queue): number | undefined {
  if (q.count === 0) return undefined
  const v = q.data[q.head]!
  q.head = (q.head + 1) % PS2_QUEUE_SIZE
  q.count--
  return v
}

export function queueClear(q: Ps2Queue): void {
  q.head = 0
  q.count = 0
}
