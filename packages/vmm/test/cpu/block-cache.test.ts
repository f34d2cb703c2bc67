// The decoded-instruction cache and compiled blocks: invalidation by DMA and by CPU stores into code, and
// identical results from every engine.
import { describe, expect, it } from 'vitest'
import { assemble, protectedMachine } from './harness'

const LOOP = `
  mov ecx, 1000
l:
  add edx, 1
  add edx, 1
  call f
  dec ecx
  jnz l
  hlt
f:
  add eax, 1
  ret`

describe('decoded-instruction cache', () => {
  it('re-decodes code rewritten by DMA after it was compiled', () => {
    const m = protectedMachine(LOOP, [], { compileThreshold: 2 })
    expect(m.cpu.run(100_000).reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(1000)
    // Patch `add eax, 1` (83 C0 01) into `add eax, 3` by DMA and run the loop again.
    const code = assemble(`bits 32\norg 0x10000\n${LOOP}`)
    const at = 0x10000 + code.length - 4
    expect([...m.memory.ram.subarray(at, at + 3)]).toEqual([0x83, 0xc0, 0x01])
    m.memory.dmaWrite(at + 2, new Uint8Array([3]))
    const s = m.cpu.getState()
    s.eip = 0x10000
    s.eax = 0
    s.halted = false
    m.cpu.setState(s)
    expect(m.cpu.run(100_000).reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(3000)
  })

  it('runs identically in every engine, including stores that rewrite the loop body', () => {
    const source = `
  mov ecx, 300
  xor edx, edx
top:
  add edx, ecx
  mov byte [imm + 1], cl
imm:
  mov bl, 0
  add eax, ebx
  dec ecx
  jnz top
  hlt`
    const results = (['interpreter', 'blocks', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      const exit = m.cpu.run(1_000_000)
      return { exit, state: m.cpu.getState() }
    })
    expect(results[0]!.exit.reason).toBe('halted')
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
    // bl takes each patched immediate: the sum of 300..1 (low bytes) shows the patches took effect.
    let expected = 0
    for (let c = 300; c >= 1; c--) expected += c & 0xff
    expect(results[0]!.state.eax & 0xff).toBe(expected & 0xff)
  })

  it('runs LODSB/LOOP self-loops identically in every engine, honouring the budget', () => {
    const source = `
  mov esi, 0x20000
  mov ecx, 5000
l:
  lodsb
  add ebx, eax
  loop l
  std
  mov ecx, 100
m:
  lodsb
  sub ebx, eax
  loop m
  hlt`
    const results = (['interpreter', 'blocks', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      for (let i = 0; i < 5100; i++) m.memory.ram[0x20000 + i] = (i * 7) & 0xff
      const partial = m.cpu.run(777)
      const mid = m.cpu.getState()
      const exit = m.cpu.run(1_000_000)
      return { partial, mid, exit, state: m.cpu.getState() }
    })
    expect(results[0]!.partial.retired).toBe(777)
    expect(results[0]!.exit.reason).toBe('halted')
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })

  it('drops decoded code on setState (a harness or saved-state load rewriting RAM directly)', () => {
    const m = protectedMachine(LOOP, [], { compileThreshold: 0 })
    expect(m.cpu.run(100_000).reason).toBe('halted')
    const code = assemble(`bits 32\norg 0x10000\n${LOOP.replace('add eax, 1', 'add eax, 2')}`)
    m.memory.ram.set(code, 0x10000)
    const s = m.cpu.getState()
    s.eip = 0x10000
    s.eax = 0
    s.halted = false
    m.cpu.setState(s)
    expect(m.cpu.run(100_000).reason).toBe('halted')
    expect(m.cpu.regs[0]).toBe(2000)
  })
})

describe('the compile decision', () => {
  /** Slots holding a compiled function after `runs` passes through a loop whose body is one block of `length`. */
  function compiledAfter(length: number, runs: number, threshold: number): number {
    const body = Array.from({ length: length - 2 }, (_, k) => `add eax, ${k + 1}`).join('\n')
    const m = protectedMachine(`mov ecx, ${runs}\ntop:\n${body}\ndec ecx\njnz top\nhlt`, [], {
      compileThreshold: threshold,
    })
    expect(m.cpu.run(1_000_000).reason).toBe('halted')
    return m.cpu.compiled.filter((f) => f !== undefined).length
  }

  it('counts the instructions a block ran in the block interpreter, not its runs', () => {
    // The loop's block compiles on the run that finds its heat at the threshold: the 11th of a 100-instruction
    // block, the 251st of a 4-instruction one.
    expect(compiledAfter(100, 10, 1000)).toBe(0)
    expect(compiledAfter(100, 11, 1000)).toBe(1)
    expect(compiledAfter(4, 11, 1000)).toBe(0)
    expect(compiledAfter(4, 250, 1000)).toBe(0)
    expect(compiledAfter(4, 251, 1000)).toBe(1)
  })
})

describe('cache sets', () => {
  // 0x10100, 0x30102 and 0x50104 fall into one set of the two-way block cache (`slotOf`: the address XOR its high
  // half). Direct-mapped, a loop at the first and the function it calls at the second evicted each other on every
  // call: re-decoded each time, their heat lost, never compiled.
  const source = `
  mov ecx, 1000
  jmp l
  times 0x100 - ($ - $$) db 0x90
l:
  add edx, 1
  add edx, 1
  call f
  dec ecx
  jnz l
  call g
  call g
  hlt
  times 0x20102 - ($ - $$) db 0x90
f:
  add eax, 1
  ret
  times 0x40104 - ($ - $$) db 0x90
g:
  add ebx, 1
  ret`
  const decoded = (m: ReturnType<typeof protectedMachine>, phys: number) => m.cpu.blocks.tagPhys.includes(phys)

  it('keeps two blocks of one set, and a third takes the place of the one that ran less', () => {
    const m = protectedMachine(source, [], { engine: 'blocks' })
    // MOV, JMP, then 1000 times ADD, ADD, CALL, ADD, RET, DEC, JNZ: the budget ends the run before the calls to g.
    expect(m.cpu.run(2 + 7 * 1000).reason).toBe('budget')
    expect(m.cpu.regs[0]).toBe(1000)
    expect(decoded(m, 0x10100)).toBe(true)
    expect(decoded(m, 0x30102)).toBe(true)
    // The loop's block at 0x10100 ran 3000 instructions in the block interpreter, f 2000: g takes f's place (its
    // first run fills the TLB entry of its page instruction by instruction; the second starts a block there).
    expect(m.cpu.run(1_000).reason).toBe('halted')
    expect(m.cpu.regs[3]).toBe(2)
    expect(decoded(m, 0x50104)).toBe(true)
    expect(decoded(m, 0x10100)).toBe(true)
    expect(decoded(m, 0x30102)).toBe(false)
  })
})
