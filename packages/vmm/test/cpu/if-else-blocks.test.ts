// If/else code inside one block (block-decoder.ts decodes through the bytes a short forward JMP skips; compiled code
// takes both branches with labeled breaks, jit/forward-jumps.ts). Every engine must agree with the full interpreter
// on results, flags read after the join from either branch, faults in either branch, stores into the skipped code,
// chunks ending anywhere, and JMPs over bytes that are not a block's instructions (followed instead).
import { describe, expect, it } from 'vitest'
import { OP } from '../../src/cpu/block-decoder'
import { compiledSources, everyEngine, everyEngineInChunks, limitDs, type protectedMachine } from './harness'

type Machine = ReturnType<typeof protectedMachine>

/** Decoded JMP records left as JMPs (decoded through) in the CPU's block cache. */
function keptJmps(m: Machine): number {
  const b = m.cpu.blocks
  let n = 0
  for (let i = 0; i < b.poolUsed; i++) if (b.op[i] === OP.jmp && b.imm[i]! > b.end[i]!) n++
  return n
}

// A loop over an if/else whose branches alternate (bit 0 of ECX): each branch produces flags that the code after
// the join reads (ADC, SETC, a Jcc with no producer of its own), and the else branch holds an if/else of its own.
const DIAMONDS = [
  'mov ecx, 300',
  'xor eax, eax',
  'xor ebx, ebx',
  'xor edx, edx',
  'top:',
  'test ecx, 1',
  'jz .else',
  'add eax, ecx', // then: CF from the ADD
  'lea edi, [eax + 3]',
  'jmp .join',
  '.else:',
  'sub ebx, ecx', // else: CF from the SUB (a borrow while EBX < ECX)
  'test ecx, 2',
  'jnz .inner_else',
  'add ebx, 7',
  'jmp .inner_join',
  '.inner_else:',
  'xor ebx, 0x55',
  '.inner_join:',
  'cmp ebx, ecx',
  '.join:',
  'adc edx, 0',
  'setc byte [0x7fff0]',
  'jnc .skip',
  'add edx, 1000',
  '.skip:',
  // A Jcc right after a join reads the flags of whichever arm ran (no fusing with the else arm's SUB).
  'test ecx, 4',
  'jz .else3',
  'add eax, ebx', // CF from an addition here, from a subtraction in the else arm
  'jmp .join3',
  '.else3:',
  'sub ebx, ecx',
  '.join3:',
  'jb .below',
  'add esi, 1',
  '.below:',
  'dec ecx',
  'jnz top',
  'hlt',
].join('\n')

describe('if/else in one block', () => {
  it('runs both branches, with flags read after the join, as the interpreter does', () => {
    const { results, compiled } = everyEngine(DIAMONDS)
    expect(results[0]!.exit).toBe('halted')
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
    // The JMPs stayed JMP records (both branches in the loop's block), and compiled code breaks out over the else
    // branch instead of leaving the function.
    expect(keptJmps(compiled)).toBeGreaterThanOrEqual(2)
    expect(compiledSources(compiled)).toMatch(/^\{ done -= \d+;[^}]*break J\d+; \}$/m)
  })

  it('reports a fault in either branch at the faulting instruction', () => {
    // DS is limited to 64 KiB (selector 0x18): ESI walks past it, in the else branch on even ECX, the then branch
    // on odd ECX; the #GP handler is a HLT, so the frame on the stack holds the faulting EIP.
    for (const start of [0xfe00, 0xfe40]) {
      const source = [
        'mov ecx, 100',
        'top:',
        'test ecx, 1',
        'jz .else',
        'mov edx, [esi]',
        'inc eax',
        'jmp .join',
        '.else:',
        'add eax, 2',
        'mov [esi], eax',
        '.join:',
        'add esi, 0x10',
        'dec ecx',
        'jnz top',
        'hlt',
      ].join('\n')
      const { results } = everyEngine(source, limitDs(start))
      expect(results[0]!.exit).toBe('halted')
      expect(results[0]!.st.eax).toBeGreaterThan(0)
      for (const r of results.slice(1)) expect(r).toEqual(results[0])
    }
  })

  it('sees a store into the skipped else branch on the next pass', () => {
    // Each pass writes ECX into the immediate of the else branch's `add edi, imm32`.
    const source = [
      'mov ecx, 100',
      'top:',
      'mov [patch + 2], ecx',
      'test ecx, 1',
      'jz patch',
      'inc esi',
      'jmp join',
      'patch:',
      'add edi, 0x11111111',
      'join:',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.st.edi).toBe(2550) // 100 + 98 + … + 2
    expect(results[0]!.st.esi).toBe(50)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('follows a JMP over bytes that do not continue a block (data, a RET, an instruction past the target)', () => {
    const source = [
      'mov ecx, 60',
      'top:',
      'inc eax',
      'jmp .a',
      'db 0x0f, 0x0b', // UD2
      '.a:',
      'add edx, eax',
      'jmp .b',
      'ret',
      '.b:',
      'xor ebx, edx',
      'jmp .c + 1', // into the middle of the skipped instruction's bytes: no record starts there
      '.c:',
      'db 0xb8, 0x90, 0x90, 0x90, 0x90', // mov eax, imm32 read from .c; NOPs from .c + 1
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.exit).toBe('halted')
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('resumes at the right instruction when chunks end anywhere in the if/else', () => {
    const states = everyEngineInChunks(DIAMONDS, (k) => 1 + (k % 5)).map((run) => run.st)
    expect(states[0]!.halted).toBe(true)
    for (const st of states.slice(1)) expect(st).toEqual(states[0])
  })
})
