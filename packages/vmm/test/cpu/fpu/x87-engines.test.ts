// The CPU's routes into the x87 give the same results: the interpreter (Fpu.execute, the module the QEMU
// differential tests check) against cached and compiled blocks (cpu/block-fpu.ts, which runs pre-decoded fast
// paths and its own FLD/FST m32fp and FILD m32int memory accesses). Operands are binary32/binary64 bit patterns
// of every class (zeros, denormals, infinities, QNaN/SNaN, values binary32 cannot hold exactly) under every
// rounding control, with masked and unmasked exceptions; memory and the FNSAVE image are compared.
import { describe, expect, it } from 'vitest'
import { protectedMachine, ENGINES } from '../harness'
import { rng } from './seeded-random'

const IN = 0x40000 // operands: float32 at IN + 8i, float64 at IN + 0x1000 + 8i
const OUT = 0x50000 // results: 16 bytes per case
const SAVE = 0x60000 // FNSAVE image

/** Bit patterns of binary32 operands: specials and random values. */
function float32Cases(next: () => number): number[] {
  const specials = [0, 0x80000000, 0x3f800000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7fc00000]
  const out = [...specials, 0x7f800001, 0xffa00000, 0x7f7fffff, 0x00800000]
  while (out.length < 32) out.push(Math.floor(next() * 2 ** 32))
  return out
}

describe('x87 in every CPU engine', () => {
  it('FLD/FST m32fp, FILD/FIST m32int and FST m64fp store the same bits and flags', () => {
    const next = rng(0xe41e5)
    const f32 = float32Cases(next)
    const doubles = f32.map((_, i) =>
      i < 8
        ? [0, -0, 1.5, 2 ** -140, 3e38 * 2, 1 / 3, -7.25, 2 ** 130][i]!
        : (next() - 0.5) * 2 ** Math.floor(next() * 300 - 150),
    )
    const cases: string[] = []
    for (let i = 0; i < f32.length; i++) {
      // Masked or (every fourth case) unmasked exceptions, each rounding control.
      const cw = (i % 4 === 3 ? 0x0360 : 0x037f) | ((i & 3) << 10)
      cases.push(
        `mov word [${OUT + i * 16 + 14}], ${cw}`,
        'fninit',
        `fldcw [${OUT + i * 16 + 14}]`,
        `fld dword [${IN + i * 8}]`,
        `fst dword [${OUT + i * 16}]`,
        `fild dword [${IN + i * 8}]`,
        `fistp dword [${OUT + i * 16 + 4}]`,
        `fld qword [${IN + 0x1000 + i * 8}]`,
        `fstp dword [${OUT + i * 16 + 8}]`,
        'fnclex',
        `fnstsw [${OUT + i * 16 + 12}]`,
      )
    }
    const source = [...cases, `fnsave [${SAVE}]`, 'hlt'].join('\n')
    const results = ENGINES.map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      const view = new DataView(m.memory.ram.buffer)
      f32.forEach((bits, i) => view.setUint32(IN + i * 8, bits, true))
      doubles.forEach((d, i) => view.setFloat64(IN + 0x1000 + i * 8, d, true))
      const exit = m.cpu.run(100_000)
      return {
        exit: exit.reason,
        out: [...m.memory.ram.subarray(OUT, OUT + f32.length * 16)],
        save: [...m.memory.ram.subarray(SAVE, SAVE + 108)],
      }
    })
    expect(results[0]!.exit).toBe('halted')
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })
})
