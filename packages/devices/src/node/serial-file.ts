// The "RawFile" serial port mode (VirtualBox PortMode_RawFile, DrvRawFile.cpp): the guest's output is written to
// a host file (created or truncated); no input.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { StreamCharBackend } from './serial-stream'
import type { NodeCharBackend } from './serial-stream'

/** Options of {@link createFileSerial}. */
export interface FileSerialOptions {
  /** Append instead of truncating (default false). */
  readonly append?: boolean
}

/** A char backend writing the guest's output to `path`. `close()` flushes and closes the file. */
export function createFileSerial(
  path: string,
  options: FileSerialOptions = {},
): NodeCharBackend & {
  /** Resolves when everything written so far has reached the file and it is closed. */
  closed: Promise<void>
} {
  const file = createWriteStream(path, { flags: options.append === true ? 'a' : 'w' })
  const closed = once(file, 'close').then(() => undefined)
  const backend = new StreamCharBackend(() => file.end())
  backend.ready = once(file, 'open').then(() => undefined)
  backend.attach(undefined, file)
  return Object.assign(backend, { closed })
}
