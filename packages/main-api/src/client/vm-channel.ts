// The control channel between the service and a VM process: a private Unix socket per running VM (so a VM outlives
// its service and is re-attached by the next one, like VirtualBox VMs surviving a VBoxSVC restart), carrying
// length-prefixed structured-clone frames (node:v8), so screenshots travel as Uint8Array.
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { resolve } from 'node:path'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { socketFolder } from '../service/socket-path'

/** Largest frame accepted (screenshots of big screens fit easily). */
const MAX_FRAME = 256 * 1024 * 1024

/** The control socket of the VM of machine `machineId` under home folder `home`. */
export function vmSocketPath(home: string, machineId: string): string {
  const hash = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12)
  return join(socketFolder(), `vm-${hash}-${machineId}.sock`)
}

/** Sends one frame. */
export function sendFrame(socket: Socket, message: unknown): void {
  const body = serialize(message)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length)
  socket.write(Buffer.concat([header, body]))
}

/** Reassembles frames from a stream; a malformed stream calls `onBad`. */
export function frameReader(
  onMessage: (message: unknown) => void,
  onBad: (error: Error) => void,
): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0)
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0)
      if (length > MAX_FRAME) {
        buffered = Buffer.alloc(0)
        onBad(new Error(`frame of ${length} bytes is too large`))
        return
      }
      if (buffered.length < 4 + length) return
      const body = buffered.subarray(4, 4 + length)
      buffered = buffered.subarray(4 + length)
      let message: unknown
      try {
        message = deserialize(body)
      } catch (error) {
        onBad(error as Error)
        return
      }
      onMessage(message)
    }
  }
}
