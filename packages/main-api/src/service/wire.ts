// The service's wire format: one JSON message per line. API objects travel as references ({"$ref": id}), byte
// arrays as base64 ({"$bytes": …}); errors as IVirtualBoxErrorInfo. Everything else is plain JSON.
import type { VirtualBoxErrorInfo } from '../api/errors'

/** Client → service: call `method` on object `target` (0 = the connection's IVirtualBoxClient). */
export interface CallMessage {
  readonly id: number
  readonly target: number
  readonly method: string
  readonly args: unknown[]
}

/** Service → client. */
export type ReplyMessage =
  { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: VirtualBoxErrorInfo }

/** A reference to an object living in the service. */
export interface WireRef {
  readonly $ref: number
  readonly $if: string
}

/** Encodes a value, turning objects `toRef` recognises into references. */
export function encodeValue(value: unknown, toRef: (v: object) => WireRef | undefined): unknown {
  if (value === null || value === undefined) return null
  if (typeof value !== 'object') return value
  if (value instanceof Uint8Array)
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  const ref = toRef(value)
  if (ref) return ref
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, toRef))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = encodeValue(v, toRef)
  return out
}

/** Decodes a value, resolving references with `fromRef`. */
export function decodeValue(value: unknown, fromRef: (ref: WireRef) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, fromRef))
  const record = value as Record<string, unknown>
  if (typeof record.$ref === 'number') return fromRef(record as unknown as WireRef)
  if (typeof record.$bytes === 'string') return new Uint8Array(Buffer.from(record.$bytes, 'base64'))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) out[k] = decodeValue(v, fromRef)
  return out
}

/** Splits a byte stream into lines and parses each as JSON. */
export function lineReader(
  onMessage: (message: unknown) => void,
  onBad: (error: Error) => void,
): (chunk: Buffer) => void {
  let buffered = ''
  return (chunk) => {
    buffered += chunk.toString('utf8')
    if (buffered.length > 64 * 1024 * 1024) {
      buffered = ''
      onBad(new Error('message too large'))
      return
    }
    let newline = buffered.indexOf('\n')
    while (newline >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (line.trim() !== '') {
        try {
          onMessage(JSON.parse(line))
        } catch (error) {
          onBad(error as Error)
        }
      }
      newline = buffered.indexOf('\n')
    }
  }
}
