// Decoding and comparison of the per-case dumps written by the differential-test firmware (runtime.ts).
import { DUMP_BYTES } from './runtime'

/** One case's dump with named fields (hex strings for readable test failures). */
export type CaseDump = Record<string, string>

const NAMES = ['edi', 'esi', 'ebp', 'esp', 'ebx', 'edx', 'ecx', 'eax', 'eflags', 'vector', 'error', 'eip', 'cs', 'cr2']

/** Splits a serial capture into per-case dumps; `flagMasks[i]` masks EFLAGS bits left undefined by case i. */
export function parseDumps(bytes: Uint8Array, flagMasks: readonly number[] = []): CaseDump[] {
  const out: CaseDump[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; (i + 1) * DUMP_BYTES <= bytes.length; i++) {
    const base = i * DUMP_BYTES
    const d: CaseDump = {}
    NAMES.forEach((n, k) => {
      let v = view.getUint32(base + k * 4, true)
      if (n === 'eflags') v = (v & ~(flagMasks[i] ?? 0)) >>> 0
      if (n === 'vector' && v === 0xffffffff) {
        d[n] = 'none'
        return
      }
      d[n] = v.toString(16)
    })
    if (d.vector === 'none') {
      d.error = d.eip = d.cs = d.cr2 = '-'
    }
    d.data = Buffer.from(bytes.subarray(base + 56, base + 56 + 64)).toString('hex')
    out.push(d)
  }
  return out
}

/** Describes the first mismatching case (or returns null when all match): its source and the differing fields. */
export function firstMismatch(
  oracle: readonly CaseDump[],
  actual: readonly CaseDump[],
  sources: readonly string[],
): string | null {
  for (let i = 0; i < Math.max(oracle.length, actual.length); i++) {
    const q = oracle[i]
    const b = actual[i]
    if (q === undefined || b === undefined)
      return `case ${i}: missing dump (QEMU ${oracle.length}, Boxwood ${actual.length})`
    const diffs = Object.keys(q).filter((k) => q[k] !== b[k])
    if (diffs.length > 0) {
      const fields = diffs.map((k) => `  ${k}: QEMU ${q[k]} Boxwood ${b[k]}`).join('\n')
      const src = (sources[i] ?? '').split('\n')
      const body = src.slice(
        Math.max(
          0,
          src.findIndex((l) => l.includes('mov ebx, DATA')),
        ),
      )
      return `case ${i} differs:\n${fields}\nsource:\n${body.join('\n')}`
    }
  }
  return null
}
