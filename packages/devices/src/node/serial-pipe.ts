// Pipe/stdio serial mode: the guest's serial line on a pair of Node streams (process.stdin/stdout, a child
// process's stdio, any Readable/Writable) — what `boxheadless` uses for a console on the terminal.
import type { Readable, Writable } from 'node:stream'
import { StreamCharBackend } from './serial-stream'
import type { NodeCharBackend } from './serial-stream'

/** A char backend reading guest input from `input` and writing guest output to `output`. */
export function createPipeSerial(input: Readable | undefined, output: Writable | undefined): NodeCharBackend {
  const backend = new StreamCharBackend()
  backend.attach(input, output)
  return backend
}

/** The process's own stdin/stdout as a serial console. */
export function createStdioSerial(): NodeCharBackend {
  return createPipeSerial(process.stdin, process.stdout)
}
