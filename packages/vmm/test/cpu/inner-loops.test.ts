// Loops inside a block (jit/inner-loops.ts): compiled code takes a branch back to one of the block's own
// instructions other than its first as a `continue` of a labeled loop (a loop that a forward jump enters in the
// middle, or that overlaps another, makes the block a state machine: jit/branch-switch.ts). Every engine must agree with the full interpreter on results, flags read at a loop head
// (from before the loop on entry, from the loop's end on the way back), faults inside the loop, stores into the
// loop's code, and chunks ending anywhere.
import { describe, expect, it } from 'vitest'
import { compiledSources, everyEngine, everyEngineInChunks, limitDs } from './harness'

// An outer loop whose block holds two inner loops: one entered at its head, with a Jcc right after the head that
// has no producer of its own, so it reads the flags of whichever path led there; one entered through a forward jump
// into its middle on odd passes (the XZ decoder's shape).
const NESTED = [
  'mov ecx, 40',
  'xor eax, eax',
  'xor ebx, ebx',
  'xor edx, edx',
  'top:',
  'mov esi, ecx',
  'and esi, 7',
  'add esi, 1',
  'cmp esi, 3', // flags the first pass of .inner reads
  '.inner:',
  'jb .low', // no producer of its own: CMP above on entry, DEC ESI below on the way back
  'add eax, esi',
  '.low:',
  'inc ebx',
  'dec esi',
  'jnz .inner',
  'mov edi, 5',
  'test ecx, 1',
  'jnz .mid', // into the second loop, past its head
  '.second:',
  'add edx, 3',
  '.mid:',
  'add edx, edi',
  'sub edi, 1',
  'ja .second',
  'adc eax, 0',
  'dec ecx',
  'jnz top',
  'hlt',
].join('\n')

// Two loops that overlap instead of nesting (the XZ decoder's dict_repeat after gcc rotated its copy loop): the
// compiled block becomes a state machine (jit/branch-switch.ts), a case at each head.
const OVERLAPPING = [
  'mov ecx, 30',
  'xor eax, eax',
  'top:',
  'mov esi, ecx',
  'and esi, 15',
  'add esi, 2',
  'xor edi, edi',
  'mov edx, 5',
  '.head:',
  'mov ebx, edi',
  'dec esi',
  'jz .out',
  '.copy:',
  'inc edi',
  'add eax, ebx',
  'cmp edi, edx',
  'jne .head', // back to the first loop's head, from inside the second loop
  'xor edi, edi',
  'dec esi',
  'jnz .copy',
  '.out:',
  'dec ecx',
  'jnz top',
  'hlt',
].join('\n')

describe('loops inside a block', () => {
  it('runs inner loops as the interpreter does', () => {
    const { results, compiled } = everyEngine(NESTED)
    expect(results[0]!.exit).toBe('halted')
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
    // The first inner loop is a labeled loop of the outer loop's function.
    const code = compiledSources(compiled)
    expect(code).toMatch(/\bB[1-9]\d*: for \(;;\)/)
    expect(code).toMatch(/continue B[1-9]\d*;/)
  })

  it('reports a fault inside an inner loop at the faulting instruction', () => {
    // DS is limited to 64 KiB (selector 0x18): ESI walks past it inside the inner loop; the #GP handler is a HLT, so
    // the frame on the stack holds the faulting EIP.
    for (const start of [0xfe00, 0xff10]) {
      const source = [
        'mov ecx, 100',
        'top:',
        'mov edx, 4',
        'test ecx, 1',
        'jnz .mid',
        '.inner:',
        'mov eax, [esi]',
        '.mid:',
        'add esi, 8',
        'dec edx',
        'jnz .inner',
        'dec ecx',
        'jnz top',
        'hlt',
      ].join('\n')
      const { results } = everyEngine(source, limitDs(start))
      expect(results[0]!.exit).toBe('halted')
      for (const r of results.slice(1)) expect(r).toEqual(results[0])
    }
  })

  it('sees a store into the inner loop on its next pass', () => {
    // Each outer pass writes ECX into the immediate of the inner loop's `add edi, imm32`.
    const source = [
      'mov ecx, 50',
      'top:',
      'mov [patch + 2], ecx',
      'mov edx, 3',
      'inner:',
      'patch:',
      'add edi, 0x11111111',
      'dec edx',
      'jnz inner',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.st.edi).toBe(3 * ((50 * 51) / 2))
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('resumes at the right instruction when chunks end anywhere in the loops, counting every instruction', () => {
    // Budgets up to 90 instructions let compiled blocks (not only the block interpreter) end chunks mid-loop.
    const runs = everyEngineInChunks(NESTED, (k) => 1 + ((k * 37) % 90))
    expect(runs[0]!.st.halted).toBe(true)
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0])
  })

  it('runs overlapping loops and loops entered in the middle as a state machine, as the interpreter does', () => {
    for (const source of [OVERLAPPING, NESTED]) {
      const { results, compiled } = everyEngine(source)
      expect(results[0]!.exit).toBe('halted')
      for (const r of results.slice(1)) expect(r).toEqual(results[0])
      const code = compiledSources(compiled)
      expect(code).toMatch(/switch \(\$at\) \{/)
      expect(code).toMatch(/\$at = [1-9]\d*; continue B0;/)
      const runs = everyEngineInChunks(source, (k) => 1 + ((k * 29) % 70))
      for (const run of runs.slice(1)) expect(run).toEqual(runs[0])
    }
  })
})
