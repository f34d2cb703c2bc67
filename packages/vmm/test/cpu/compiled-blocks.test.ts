// Differential test of the block compiler (jit/compile-block.ts, block-compiler.ts templates) against the full
// interpreter: seeded random loops of ALU/flag-producer + Jcc pairs (every condition code), shifts by constants,
// IMUL, ADC/SBB, SETcc/CMOVcc, byte forms and memory operands, some near a data-segment limit so they fault mid-loop. Both engines must
// retire the same number of instructions and leave the same registers, flags, exception record and memory.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { protectedMachine, runForComparison } from './harness'

const REGS = ['eax', 'ebx', 'edx', 'edi', 'ebp'] as const
const BYTE_REGS = ['al', 'bl', 'dl', 'ah', 'bh', 'dh'] as const
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const

/** One random instruction that the compiler has a template for (or falls back to `step` for). */
function instruction(rng: Rng, producer = false): string {
  const r = () => rng.pick(REGS.slice(0, 3))
  const r8 = () => rng.pick(BYTE_REGS)
  const imm = () => rng.value() | 0
  const mem = () => `dword [esi + ${rng.int(64) * 4}]`
  const alu = () => rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test'])
  switch (producer ? rng.int(8) : rng.int(12)) {
    case 0:
      return `${alu()} ${r()}, ${r()}`
    case 1:
      return `${rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor'])} ${r()}, ${imm()}`
    case 2:
      return `${rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor'])} ${r()}, ${mem()}`
    case 3:
      return `${rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor'])} ${r8()}, ${r8()}`
    case 4:
      return `${rng.pick(['cmp', 'test', 'sub'])} ${r8()}, ${rng.int(256)}`
    case 5:
      return rng.int(3) === 0
        ? `${rng.pick(['inc', 'dec'])} ${mem()}`
        : `${rng.pick(['inc', 'dec', 'not', 'neg'])} ${r()}`
    case 6:
      return `${rng.pick(['shl', 'shr', 'sar', 'sal', 'rol', 'ror'])} ${r()}, ${1 + rng.int(31)}`
    case 7:
      return rng.int(2) === 0 ? `imul ${r()}, ${r()}` : `imul ${r()}, ${r()}, ${imm()}`
    case 8:
      return rng.int(2) === 0 ? `mov ${mem()}, ${r()}` : `mov ${r()}, ${mem()}`
    case 9:
      return `${rng.pick(['lea', 'mov'])} ${r()}, [${r()} + ${rng.int(100)}]`
    case 10:
      return rng.pick([
        'stc',
        'clc',
        'cmc',
        `adc ${r()}, ${r()}`,
        `sbb ${r()}, ${imm()}`,
        `adc ${r8()}, ${r8()}`,
        `sbb ${r()}, ${mem()}`,
        `set${rng.pick(CONDITIONS)} ${r8()}`,
        `set${rng.pick(CONDITIONS)} byte [esi + ${rng.int(200)}]`,
        `cmov${rng.pick(CONDITIONS)} ${r()}, ${r()}`,
        `cmov${rng.pick(CONDITIONS)} ${r()}, ${mem()}`,
      ])
    default:
      return `mov ${r()}, ${imm()}`
  }
}

/** A loop whose body mixes flag producers with conditional branches (forward skips and back to the top). */
function program(rng: Rng): string {
  const lines = [`mov ecx, ${20 + rng.int(60)}`, 'top:']
  // LOOP reaches only 128 bytes back: those bodies are short and get no calls or indirect jumps.
  const useLoop = rng.int(2) === 0
  const body = useLoop ? 2 + rng.int(3) : 4 + rng.int(10)
  for (let k = 0; k < body; k++) {
    // Mostly a flag producer directly followed by a conditional skip (the fused form), else any instruction.
    const pair = rng.int(3) !== 0
    lines.push(instruction(rng, pair))
    if (pair) lines.push(`j${rng.pick(CONDITIONS)} skip${k}`, instruction(rng), `skip${k}:`)
    // Calls through a register or memory (a frame with LEAVE inside), indirect jumps, PUSH r/m.
    const extra = useLoop ? 8 : rng.int(8)
    if (extra === 0) lines.push('mov ebx, fn', 'call ebx')
    else if (extra === 1) lines.push('mov dword [esi + 252], fn', 'call dword [esi + 252]')
    else if (extra === 2) lines.push(`mov ebx, ind${k}`, 'jmp ebx', `ind${k}:`)
    else if (extra === 3) lines.push(`push dword [esi + ${rng.int(64) * 4}]`, `pop ${rng.pick(REGS)}`)
    // Sometimes capture every flag (lazy or not) into a register, so all of them are compared.
    if (rng.int(5) === 0) lines.push('pushfd', `pop ${rng.pick(REGS)}`)
  }
  lines.push(useLoop ? 'loop top' : 'dec ecx\n  jnz top', 'hlt')
  lines.push('fn:', 'push ebp', 'mov ebp, esp', 'sub esp, 8', 'mov [ebp - 4], eax', 'push dword [ebp - 4]', 'pop edx')
  lines.push('add edx, 3', 'leave', 'ret')
  return lines.join('\n  ')
}

describe('compiled blocks vs the interpreter', () => {
  it('random flag-producer/Jcc/shift/IMUL loops retire the same instructions with the same state', () => {
    const rng = new Rng(0xb10c)
    for (let round = 0; round < 60; round++) {
      const source = program(rng)
      const regs = REGS.map(() => rng.value())
      const flags = (rng.next() & 0x8d5) | 2
      // A third of the rounds put the data near the end of a 64 KiB data segment: accesses there fault (#GP).
      const limited = round % 3 === 0
      const esi = limited ? 0xff00 + rng.int(0xc0) : 0x30000
      const results = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = protectedMachine(source, [[0x18, 0x0000ffff, 0x00409300]], { engine, compileThreshold: 1 })
        const s = m.cpu.getState()
        REGS.forEach((r, i) => (s[r] = regs[i]!))
        s.esi = esi
        s.eflags = flags
        if (limited) s.ds = { selector: 0x18, base: 0x30000, limit: 0xffff, attributes: 0x4093 }
        m.cpu.setState(s)
        const { exit, st } = runForComparison(m)
        const ram = m.memory.ram
        // The data area and the top of the stack (a fault pushes its frame there).
        return {
          exit,
          st,
          data: Buffer.from(ram.subarray(0x30000, 0x50000)).toString('base64'),
          stack: [...ram.subarray(0x7ff00, 0x80000)],
        }
      })
      expect(results[0]!.exit.reason, source).toBe('halted')
      expect(results[1], source).toEqual(results[0])
    }
  }, 60_000)

  it('shifts, rotates and IMUL by constants leave the same flags (all six captured by PUSHFD)', () => {
    const values = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x40000000, 0x12345678, 0x89abcdef]
    const lines: string[] = ['xor edx, edx']
    for (const v of values) {
      for (const op of ['rol', 'ror', 'shl', 'shr', 'sar']) {
        for (const n of [1, 2, 7, 16, 30, 31]) {
          // A CMP first, so the flags the shift leaves alone (rotates) come from a live lazy state.
          lines.push(
            `cmp eax, ${n}`,
            `mov eax, ${v}`,
            `${op} eax, ${n}`,
            'pushfd',
            'pop ebx',
            'add edx, ebx',
            'xor edx, eax',
            'rol edx, 5',
          )
        }
      }
      lines.push(`mov eax, ${v}`, `imul eax, eax, ${v ^ 0x5a5a}`, 'pushfd', 'pop ebx', 'add edx, ebx', 'xor edx, eax')
    }
    const source = `${lines.join('\n')}\nhlt`
    const results = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      const exit = m.cpu.run(1_000_000)
      return { exit, st: m.cpu.getState().edx }
    })
    expect(results[0]!.exit.reason).toBe('halted')
    expect(results[1]).toEqual(results[0])
  })

  it('keeps flags that are read, or exposed by a fault, before the next full flag write', () => {
    // Each reader sits between a CMP and an ADD that overwrites every flag; the CMP's flags must stay recorded.
    const readers = ['adc edx, 0', 'sbb edx, 1', 'setb cl', 'cmovb edx, ebx', 'inc esi', 'rol esi, 3', 'jb $+2']
    const values = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]
    const lines = ['xor edx, edx', 'xor esi, esi']
    for (const reader of readers) {
      for (const a of values) {
        for (const v of values) {
          lines.push(
            `mov eax, ${a}`,
            `cmp eax, ${v}`,
            reader,
            'add eax, 1',
            'add edx, ecx',
            'add edx, esi',
            'rol edx, 1',
          )
        }
      }
    }
    const source = `mov ecx, 2\ntop:\npush ecx\n${lines.join('\n')}\npop ecx\ndec ecx\njnz top\nhlt`
    const results = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      const exit = m.cpu.run(1_000_000)
      return { exit, edx: m.cpu.getState().edx }
    })
    expect(results[0]!.exit.reason).toBe('halted')
    expect(results[1]).toEqual(results[0])
    // A fault between the CMP and the ADD: the exception frame holds the CMP's flags.
    for (const v of values) {
      const faulting = `mov ecx, 3\nl:\nmov eax, 5\ncmp eax, ${v}\nmov ebx, [esi]\nadd eax, 1\nadd esi, 0x4000\ndec ecx\njnz l\nhlt`
      const frames = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = protectedMachine(faulting, [[0x18, 0x00000fff, 0x00409300]], { engine, compileThreshold: 0 })
        const s = m.cpu.getState()
        s.ds = { selector: 0x18, base: 0x30000, limit: 0x7fff, attributes: 0x4093 }
        s.esi = 0
        m.cpu.setState(s)
        expect(m.cpu.run(1_000_000).reason).toBe('halted')
        return [...m.memory.ram.subarray(0x7fff0, 0x80000)]
      })
      expect(frames[1]).toEqual(frames[0])
    }
  })

  it('generates every condition code and both loop forms (the generator is not degenerate)', () => {
    const rng = new Rng(0xb10c)
    const text = Array.from({ length: 60 }, () => program(rng)).join('\n')
    for (const cc of CONDITIONS) expect(text).toMatch(new RegExp(`\\bj${cc} `))
    expect(text).toMatch(/loop top/)
    expect(text).toMatch(/jnz top/)
  })
})
