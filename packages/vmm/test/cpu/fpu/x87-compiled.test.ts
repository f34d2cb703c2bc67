// Compiled x87 code (cpu/block-fpu.ts fpuSnippet: the kind resolved at compile time, handlers called directly)
// against the interpreter running the general decoder alone (X87Fpu with fastPaths: false): seeded random loops
// of the pre-decoded kinds on random operands under every rounding and precision control, the last-instruction
// pointers FNSTENV stores after compiled code, and #NM / #MF raised from inside a compiled loop. Spec: Intel SDM
// vol. 1 §8.1.8 (FPU pointers), §8.5 (exceptions); vol. 3A 2.5 (CR0.TS), 6.15 (#NM, #MF).
import { describe, expect, it } from 'vitest'
import { X87Fpu } from '../../../src/cpu/fpu/x87-fpu'
import { protectedMachine } from '../harness'
import { rng } from './seeded-random'

const IN = 0x40000 // operands: 16 bytes per iteration (float64, float32, int32, int16)
const OUT = 0x50000 // results: 48 bytes per iteration
const SAVE = 0x70000 // FNSAVE image
const ITERATIONS = 40

/** Register-form and memory-form instructions of every fast kind (operands at ESI, results at EDI; the binary32
 *  stores keep their C1 and #P in a status word of their own). */
const TEMPLATES = [
  'fadd st0, st1',
  'fsub st0, st2',
  'fsubr st0, st1',
  'fmul st0, st0',
  'fdiv st0, st1',
  'fdivr st0, st1',
  'fadd st1, st0',
  'fsub st2, st0',
  'fmul st1, st0',
  'fdiv st1, st0',
  'faddp st1, st0',
  'fmulp st2, st0',
  'fsubrp st1, st0',
  'fdivp st1, st0',
  'fld st0',
  'fld st2',
  'fxch st1',
  'fst st2',
  'fstp st1',
  'fsqrt',
  'fchs',
  'fabs',
  'fld1',
  'fldz',
  'fldpi',
  'fldl2e',
  'fcom st1',
  'fcomp st2',
  'fucom st1',
  'fucomp st1',
  'fcompp',
  'fucompp',
  'fld qword [esi]',
  'fld dword [esi + 8]',
  'fild dword [esi + 12]',
  'fild word [esi + 14]',
  'fadd qword [esi]',
  'fmul dword [esi + 8]',
  'fidiv dword [esi + 12]',
  'fisub word [esi + 14]',
  'fcom dword [esi + 8]',
  'fst dword [edi]\nfnstsw [edi + 28]',
  'fstp dword [edi + 4]\nfnstsw [edi + 26]',
  'fst qword [edi + 8]',
  'fstp qword [edi + 8]',
  'fist dword [edi + 16]',
  'fistp dword [edi + 20]',
  'fisttp dword [edi + 20]',
  'fistp qword [edi + 24]',
  'fist word [edi + 16]',
  'fistp word [edi + 18]',
  'fnstsw ax\nmov [edi + 32], eax',
  'fldcw [esi + 14]',
  'fnstcw [edi + 36]',
  'fcomi st0, st1\npushfd\npop eax\nmov [edi + 40], eax',
  'fucomi st0, st2\npushfd\npop eax\nmov [edi + 40], eax',
  'fcomip st0, st1\npushfd\npop eax\nmov [edi + 40], eax',
  'fucomip st0, st1\npushfd\npop eax\nmov [edi + 40], eax',
]

/** A random operand: integers and short fractions (exact fast paths) or full binary64 values (rounding paths). */
function operand(next: () => number): number {
  const r = next()
  if (r < 0.3) return Math.floor((next() - 0.5) * 2 ** (1 + next() * 30))
  if (r < 0.5) return Math.floor((next() - 0.5) * 4096) / 64
  if (r < 0.55) return [0, -0, Infinity, -Infinity, NaN, 2 ** -1030, 3e38 * 4][Math.floor(next() * 7)]!
  return (next() - 0.5) * 2 ** Math.floor(next() * 160 - 80)
}

/** Runs `source` with operands `values` in one engine; returns the result memory and the FNSAVE image. */
function runEngine(source: string, values: number[], engine: 'interpreter' | 'compiled') {
  const fpu = new X87Fpu({ fastPaths: engine === 'compiled' })
  const m = protectedMachine(source, [], { engine, compileThreshold: 0, fpu })
  const view = new DataView(m.memory.ram.buffer)
  values.forEach((v, i) => {
    view.setFloat64(IN + i * 16, v, true)
    view.setFloat32(IN + i * 16 + 8, v, true)
    view.setInt32(IN + i * 16 + 12, Number.isFinite(v) ? Math.trunc(v) | 0 : 0, true)
  })
  const exit = m.cpu.run(1_000_000)
  return {
    exit: exit.reason,
    out: [...m.memory.ram.subarray(OUT, OUT + ITERATIONS * 48)],
    save: [...m.memory.ram.subarray(SAVE, SAVE + 108)],
  }
}

describe('compiled x87 code', () => {
  it('gives the general decoder’s results on random loops of every fast kind, in every RC and PC', () => {
    const next = rng(0xc0de87)
    for (let round = 0; round < 12; round++) {
      // RC from the round, PC 24/53/64 bits, every third round with #P/#U/#Z/#O unmasked (ES stops the fast paths).
      const cw = ((round % 3 === 2 ? 0x0341 : 0x037f) & ~0x300) | ([0, 2, 3][round % 3]! << 8) | ((round & 3) << 10)
      const body = Array.from({ length: 14 }, () => TEMPLATES[Math.floor(next() * TEMPLATES.length)]!)
      const source = [
        'fninit',
        `mov word [${SAVE - 4}], ${cw}`,
        `fldcw [${SAVE - 4}]`,
        'fld1',
        'fldz',
        `mov ecx, ${ITERATIONS}`,
        `mov esi, ${IN}`,
        `mov edi, ${OUT}`,
        '.loop:',
        ...body,
        'fnstsw [edi + 30]',
        'add esi, 16',
        'add edi, 48',
        'dec ecx',
        'jnz .loop',
        `fnsave [${SAVE}]`,
        'hlt',
      ].join('\n')
      const values = Array.from({ length: ITERATIONS }, () => operand(next))
      const reference = runEngine(source, values, 'interpreter')
      expect(reference.exit).toBe('halted')
      expect(runEngine(source, values, 'compiled'), `round ${round}: ${body.join('; ')}`).toEqual(reference)
    }
  })

  it('leaves the pointers of its last instruction for FNSTENV (FIP, FOP, FDP and selectors)', () => {
    const source = `
  fninit
  mov ecx, 50
  mov esi, ${IN}
top:
  fld dword [esi + 8]
  fstp dword [esi + 0x44]
  fld1
  fsqrt
last_reg:
  fstp st0
  add esi, 4
  dec ecx
  jnz top
  fnstenv [${SAVE}]
  mov dword [${SAVE + 64}], last_reg
  mov dword [${SAVE + 68}], esi
  hlt`
    for (const engine of ['interpreter', 'compiled'] as const) {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      expect(m.cpu.run(100_000).reason).toBe('halted')
      const r = (at: number) => m.memory.read32(SAVE + at) >>> 0
      // 32-bit protected-mode layout: FIP at 12, FCS | FOP << 16 at 16, FDP at 20, FDS at 24.
      expect(r(12), engine).toBe(r(64))
      expect(r(16), engine).toBe(0x08 | (0x5d8 << 16))
      // FDP/FDS are those of the last memory-operand instruction: FSTP [ESI + 44h] of the last iteration.
      expect(r(20), engine).toBe((r(68) - 4 + 0x44) >>> 0)
      expect(r(24) & 0xffff, engine).toBe(0x10)
    }
  })

  /** A program that sets IDT gate `vector` to `handler` (which stores the faulting EIP and ECX, then halts). */
  function withHandler(vector: number, body: string): string {
    return `
  mov eax, handler
  mov [${0x2000 + vector * 8}], ax
  shr eax, 16
  mov [${0x2000 + vector * 8 + 6}], ax
${body}
handler:
  mov eax, [esp]
  mov [${OUT}], eax
  mov [${OUT + 4}], ecx
  hlt`
  }

  it('raises #NM at the x87 instruction of a compiled loop once CR0.TS is set', () => {
    const source = withHandler(
      7,
      `
  fninit
  fld1
  mov ecx, 100
.loop:
  cmp ecx, 10
  jne .go
  mov eax, cr0
  or eax, 8
  mov cr0, eax
.go:
  fld st0
  fadd st0, st0
  fstp dword [${IN}]
  dec ecx
  jnz .loop
  hlt`,
    )
    for (const engine of ['interpreter', 'compiled'] as const) {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      expect(m.cpu.run(100_000).reason).toBe('halted')
      const label = m.memory.read32(OUT) >>> 0
      // FLD ST0 (D9 C0) is the first x87 instruction after MOV CR0.
      expect(m.memory.read8(label) === 0xd9 && m.memory.read8(label + 1) === 0xc0, engine).toBe(true)
      expect(m.memory.read32(OUT + 4), engine).toBe(10)
    }
  })

  it('raises #MF (CR0.NE) at the next waiting x87 instruction after an unmasked exception in a compiled loop', () => {
    const source = withHandler(
      16,
      `
  mov eax, cr0
  or eax, 0x20
  mov cr0, eax
  fninit
  mov word [${IN}], 0x037b
  fldcw [${IN}]
  mov dword [${IN + 4}], 3
  mov ecx, 60
.loop:
  fild dword [${IN + 4}]
  fld1
  fdiv st0, st1
  fstp dword [${IN + 8}]
  fstp st0
  mov eax, ecx
  sub eax, 7
  mov [${IN + 4}], eax
  dec ecx
  jnz .loop
  hlt`,
    )
    const seen = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      expect(m.cpu.run(100_000).reason).toBe('halted')
      const at = m.memory.read32(OUT) >>> 0
      return { at, op: m.memory.read8(at), ecx: m.memory.read32(OUT + 4) }
    })
    // 1/0 with #Z unmasked sets ES and stores nothing; FSTP m32 (D9 /3) right after it takes #MF, at ECX = 6.
    expect(seen[0]).toEqual({ at: seen[0]!.at, op: 0xd9, ecx: 6 })
    expect(seen[1]).toEqual(seen[0])
  })

  it('checks every memory kind’s whole operand (and FLDCW’s, FNSTCW’s) against the segment limit and type', () => {
    // GDT 0x18: data, base 0, byte-granular limit 0x5FFF, writable; 0x20: the same, read-only.
    const segments: [number, number, number][] = [
      [0x18, 0x00005fff, 0x00409300],
      [0x20, 0x00005fff, 0x00409100],
    ]
    const cases: [number, string, boolean][] = [
      [0x18, 'fld dword [0x5ffd]', true],
      [0x18, 'fild dword [0x5ffe]', true],
      [0x18, 'fst dword [0x5ffd]', true],
      [0x18, 'fld qword [0x5ffc]', true],
      [0x18, 'fstp qword [0x5ff9]', true],
      [0x18, 'fadd qword [0x5ff9]', true],
      [0x18, 'fmul dword [0x5ffe]', true],
      [0x18, 'fimul word [0x5fff]', true],
      [0x18, 'fild word [0x5fff]', true],
      [0x18, 'fistp dword [0x5ffd]', true],
      [0x18, 'fistp qword [0x5ffa]', true],
      [0x18, 'fist word [0x5fff]', true],
      [0x18, 'fld qword [0x5ff8]', false],
      [0x20, 'fst dword [0x100]', true],
      [0x20, 'fstp qword [0x100]', true],
      [0x20, 'fist dword [0x100]', true],
      [0x20, 'fisttp dword [0x100]', true],
      [0x20, 'fistp qword [0x100]', true],
      [0x20, 'fistp word [0x100]', true],
      [0x20, 'fcom qword [0x100]', false],
      [0x20, 'fidiv dword [0x100]', false],
      [0x18, 'fldcw [0x5fff]', true],
      [0x18, 'fnstcw [0x5fff]', true],
      [0x20, 'fnstcw [0x100]', true],
      [0x20, 'fldcw [0x100]', false],
    ]
    for (const [selector, insn, faults] of cases) {
      const source = `
  mov eax, handler
  mov [${0x2000 + 13 * 8}], ax
  shr eax, 16
  mov [${0x2000 + 13 * 8 + 6}], ax
  mov dword [${OUT + 8}], insn
  mov ax, ${selector}
  mov ds, ax
  fninit
  mov ecx, 4
top:
  fld1
  fld st0
insn:
  ${insn}
  fninit
  dec ecx
  jnz top
  hlt
handler:
  mov ax, 0x10
  mov ds, ax
  mov eax, [esp + 4]
  mov [${OUT}], eax
  mov eax, [esp]
  mov [${OUT + 4}], eax
  hlt`
      const seen = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = protectedMachine(source, segments, { engine, compileThreshold: 0 })
        expect(m.cpu.run(100_000).reason).toBe('halted')
        return [m.memory.read32(OUT) >>> 0, m.memory.read32(OUT + 4), m.memory.read32(OUT + 8) >>> 0]
      })
      const label = seen[0]![2]!
      expect(seen[0], insn).toEqual(faults ? [label, 0, label] : [0, 0, label])
      expect(seen[1], insn).toEqual(seen[0])
    }
  })
})
