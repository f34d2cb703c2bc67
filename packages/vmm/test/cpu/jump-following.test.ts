// Blocks that go on through a JMP forward within their page (block-decoder.ts): the JMP becomes a record that
// retires as an instruction and leaves EIP at its target. Every engine must agree with the full interpreter on
// the results, on the EIP a fault after the JMP reports, on a store that rewrites code the block jumped over or
// jumped to, and on a JMP whose target lies past the CS limit (#GP at the JMP, not a block that runs past it).
import { describe, expect, it } from 'vitest'
import { ENGINES, everyEngine, limitDs, protectedMachine } from './harness'

describe('blocks through forward jumps', () => {
  it('a loop of jumps forward, to the next instruction and over data, runs as the interpreter runs it', () => {
    const source = [
      'mov ecx, 500',
      'top:',
      'add eax, ecx',
      'jmp .a',
      'db 0xff, 0xff, 0xff', // not code: the block jumps over it
      '.a:',
      'jmp short .b',
      '.b:',
      'xor edx, eax',
      'jmp .c',
      'times 200 nop',
      '.c:',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.exit).toBe('halted')
    expect(results[0]!.st.eax).toBe((500 * 501) / 2)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('a fault after a followed JMP reports the faulting instruction, not the JMP', () => {
    // Page faults are not set up: a #GP from a data segment limit instead (DS limited to 64 KiB at 0x18).
    const source = [
      'mov ecx, 40',
      'top:',
      'inc eax',
      'jmp .x',
      'nop',
      '.x:',
      'mov edx, [esi]',
      'add esi, 0x800',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source, limitDs(0x8000))
    // The #GP handler is a HLT: the exception frame on the stack holds the EIP of the faulting MOV.
    expect(results[0]!.exit).toBe('halted')
    expect(results[0]!.st.eax).toBe(17)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('a store into the instruction at the JMP target takes effect on the next pass', () => {
    // Each pass writes ECX into the immediate of `add edi, imm32` at the JMP's target.
    const source = [
      'mov ecx, 100',
      'top:',
      'mov [patch + 2], ecx',
      'jmp patch',
      'times 40 nop',
      'patch:',
      'add edi, 0x11111111',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.st.edi).toBe((100 * 101) / 2)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('a store into code a JMP backward reaches (before the block) takes effect on the next pass', () => {
    // A backward JMP ends the block: following it would put records before the block's start, outside the range
    // whose granules mark decoded code, and the store into `patch` would go unseen.
    const source = [
      'mov ecx, 100',
      'jmp top',
      'patch:',
      'add edi, 0x11111111',
      'dec ecx',
      'jnz top',
      'hlt',
      'top:',
      'mov [patch + 2], ecx',
      'jmp patch',
    ].join('\n')
    const { results } = everyEngine(source)
    expect(results[0]!.st.edi).toBe((100 * 101) / 2)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('chunks that end right after a followed JMP resume at its target', () => {
    const source = [
      'mov ecx, 50',
      'xor edx, edx',
      'top:',
      'inc eax',
      'jmp .a',
      'int3',
      '.a:',
      'add edx, eax',
      'jmp .b',
      'int3',
      '.b:',
      'dec ecx',
      'jnz top',
      'hlt',
    ].join('\n')
    const states = ENGINES.map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      // Budgets of 1 to 4 instructions end chunks at every record of the loop, the JMPs included.
      for (let k = 0; k < 400 && !m.cpu.getState().halted; k++) m.cpu.run(1 + (k % 4))
      return m.cpu.getState()
    })
    expect(states[0]!.halted).toBe(true)
    expect(states[0]!.edx).toBe((50 * 51) / 2)
    for (const st of states.slice(1)) expect(st).toEqual(states[0])
  })

  it('a JMP whose target is past the CS limit raises #GP at the JMP', () => {
    const source = ['mov eax, 1', 'jmp far_away', 'times 0x300 nop', 'far_away:', 'mov eax, 2', 'hlt'].join('\n')
    const { results } = everyEngine(source, (m) => {
      const s = m.cpu.getState()
      // CS ends inside the NOPs: the JMP's target is outside it.
      s.cs = { ...s.cs, limit: 0x10100, attributes: 0x409b }
      m.cpu.setState(s)
    })
    expect(results[0]!.exit).toBe('halted')
    expect(results[0]!.st.eax).toBe(1)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })
})
