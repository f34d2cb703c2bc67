// x87 memory operands on the whole CPU: the full operand (4, 8 or 10 bytes, the 14/28-byte environment and the
// 94/108-byte state image) must lie within the segment limit, and stores need a writable segment (Intel SDM vol.
// 3A §5.3 limit checking, §5.4 type checking; vol. 2 FST/FSTP, FNSAVE: #GP(0) for an effective address outside
// the DS/ES/FS/GS limit or a non-writable segment). Checked in every engine (interpreter, cached blocks, compiled
// blocks), which reach the FPU by different routes. QEMU's TCG does not check segment limits, so these are unit
// tests against the SDM rather than differential ones.
import { describe, expect, it } from 'vitest'
import { protectedMachine, stepUntilException, ENGINES } from '../harness'

/** GDT 0x18: data, base 0, byte-granular limit 0x5FFF, writable; 0x20: the same, read-only. */
const SEGMENTS: [number, number, number][] = [
  [0x18, 0x00005fff, 0x00409300],
  [0x20, 0x00005fff, 0x00409100],
]

/** Runs `body` with DS = `selector` in each engine; returns the first exception of each run (null: none). */
function firstException(selector: number, body: string): ({ vector: number; errorCode: number | null } | null)[] {
  return ENGINES.map((engine) => {
    const m = protectedMachine(`mov ax, ${selector}\nmov ds, ax\nfninit\nfld1\n${body}\nhlt`, SEGMENTS, {
      engine,
      compileThreshold: 0,
    })
    return stepUntilException(m, 100)
  })
}

const GP0 = { vector: 13, errorCode: 0 }

describe('x87 memory operands against the segment', () => {
  it('accept operands that end exactly at the limit', () => {
    expect(firstException(0x18, 'fst dword [0x5ffc]\nfld qword [0x5ff8]\nfld tword [0x5ff6]')).toEqual([
      null,
      null,
      null,
    ])
  })

  it('raise #GP(0) when any byte of the operand lies beyond the limit', () => {
    for (const body of [
      'fstp qword [0x5ffc]', // 8-byte store starting 4 bytes before the limit
      'fld qword [0x5ffc]', // 8-byte load
      'fadd qword [0x5ff9]', // DC /0 reads 8 bytes
      'fld tword [0x5ff8]', // 10-byte load
      'fistp dword [0x5ffd]',
      'fnsave [0x5fa0]', // 108 bytes in 32-bit code
      'fnstenv [0x5fe8]', // 28 bytes
    ]) {
      expect(firstException(0x18, body), body).toEqual([GP0, GP0, GP0])
    }
  })

  it('raise #GP(0) for stores to a read-only segment, and allow loads from it', () => {
    expect(firstException(0x20, 'fld dword [0x100]\nfild word [0x100]\nfnstcw [0x5ff0]')).toEqual([GP0, GP0, GP0])
    expect(firstException(0x20, 'fld dword [0x100]\nfild word [0x100]')).toEqual([null, null, null])
    for (const body of ['fst dword [0x100]', 'fistp word [0x100]', 'fstp tword [0x100]', 'fnstsw [0x100]']) {
      expect(firstException(0x20, body), body).toEqual([GP0, GP0, GP0])
    }
  })
})
