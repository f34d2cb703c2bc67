// Sanity check of the differential setup: a trivial case produces identical dumps in QEMU and Boxwood.
import { describe, expect, it } from 'vitest'
import { buildImage, runBoxwood, runQemu } from './run-both'
import { DUMP_BYTES } from './runtime'
import { parseDumps } from './dumps'

describe('QEMU differential harness', () => {
  it('dumps identical state for a simple case and a #DE', async () => {
    const image = buildImage(`
      CASE_BEGIN
      mov eax, 0x12345678
      mov ecx, 3
      add eax, ecx
      mov [DATA], eax
      CASE_END
      CASE_BEGIN
      xor edx, edx
      xor ecx, ecx
      div ecx
      CASE_END`)
    const q = await runQemu(image)
    const b = runBoxwood(image)
    expect(q.length).toBe(2 * DUMP_BYTES)
    expect(parseDumps(b)).toEqual(parseDumps(q))
  })
})
