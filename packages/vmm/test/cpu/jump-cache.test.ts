// The run loop's jump cache (run-chunk.ts): an EIP names a cached block only while nothing that maps EIP to code
// changed. Each program runs the same EIP as different code — after MOV CR3, after a far jump to a code segment
// with another base, after a store into the block, after a decode into the block's slot — and every engine must
// end with the interpreter's state; chains of short blocks stop after exactly the requested number of instructions.
import { describe, expect, it } from 'vitest'
import { enablePaging, identityMap, protectedMachine, type TestMachine, ENGINES } from './harness'

type Engine = (typeof ENGINES)[number]

/** The general registers, EIP and EFLAGS after running `m` (the flags through PUSHFD-visible state). */
function finalState(m: TestMachine, budget: number): unknown {
  const exit = m.cpu.run(budget)
  const s = m.cpu.getState()
  return { exit, regs: [s.eax, s.ebx, s.ecx, s.edx, s.esi, s.edi, s.esp, s.ebp], eip: s.eip, eflags: s.eflags }
}

/** Runs `build` on every engine (compiled: from the first execution on) and checks all end alike. */
function sameOnEveryEngine(build: (engine: Engine) => TestMachine, budget = 1_000_000): unknown {
  const results = ENGINES.map((engine) => finalState(build(engine), budget))
  expect(results[1]).toEqual(results[0])
  expect(results[2]).toEqual(results[0])
  return results[0]
}

const PD1 = 0x20000
const PD2 = 0x21000
const PT1 = 0x22000
const PT2 = 0x23000

/**
 * A machine that loads CR3 with each of two page directories `passes` times and calls linear 0x200000 after each:
 * physical 0x50000 under PD1 (add eax, 1; add ebx, eax; ret) and 0x60000 under PD2 (sub eax, 1; xor ebx, eax; ret),
 * the same lengths, so the same EIPs. The read of the page below the code walks the new tables and prefetches the
 * code page's entry, so the call finds it in the TLB: only the jump cache's epoch tells the two codes apart.
 */
function twoSpaceMachine(engine: Engine, passes: number): TestMachine {
  const source = `
${enablePaging(PD1)}
  mov ecx, ${passes}
top:
  mov edx, ${PD1}
  mov cr3, edx
  mov esi, [0x1ff000]
  call 0x200000
  mov edx, ${PD2}
  mov cr3, edx
  mov esi, [0x1ff000]
  call 0x200000
  dec ecx
  jnz top
  hlt`
  const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
  identityMap(m, PD1, PT1)
  identityMap(m, PD2, PT2)
  m.memory.write32(PT1 + 0x200 * 4, 0x50023)
  m.memory.write32(PT2 + 0x200 * 4, 0x60023)
  m.memory.ram.set([0x83, 0xc0, 0x01, 0x01, 0xc3, 0xc3], 0x50000)
  m.memory.ram.set([0x83, 0xe8, 0x01, 0x31, 0xc3, 0xc3], 0x60000)
  return m
}

/** A loop that calls `fa` (add eax, 3 at offset 0x100 of the code) and `fb` (at offset `fbAt`) `passes` times. */
function twoCallees(passes: number, fbAt: number): string {
  return `
  mov ecx, ${passes}
top:
  call fa
  call fb
  dec ecx
  jnz top
  hlt
times 0x100 - ($ - $$) db 0x90
fa:
  add eax, 3
  ret
times ${fbAt} - ($ - $$) db 0x90
fb:
  xor ebx, eax
  add ebx, 5
  ret`
}

describe('jump cache', () => {
  it('runs the code the new page tables map at the same EIP after each MOV CR3', () => {
    const state = sameOnEveryEngine((engine) => twoSpaceMachine(engine, 300)) as { regs: number[] }
    expect(state.regs[0]).toBe(0)
    expect(state.regs[3]).not.toBe(0)
  })

  it('keeps entries of global code pages through MOV CR3 and drops them once a non-global page is named', () => {
    // CR4.PGE on, the loop's page global in both address spaces: MOV CR3 keeps the loop's entries. The call target
    // at linear 0x200000 is not global and maps to other code under each directory: once the loop has called it,
    // MOV CR3 must end the epoch again.
    const source = (calls: boolean) => `
  mov edx, cr4
  or edx, 0x80
  mov cr4, edx
${enablePaging(PD1)}
  mov ecx, 300
top:
  mov edx, ${PD1}
  mov cr3, edx
  mov esi, [0x1ff000]
  ${calls ? 'call 0x200000' : 'add eax, 1'}
  mov edx, ${PD2}
  mov cr3, edx
  mov esi, [0x1ff000]
  ${calls ? 'call 0x200000' : 'add ebx, eax'}
  dec ecx
  jnz top
  hlt`
    const build = (calls: boolean) => (engine: Engine) => {
      const m = protectedMachine(source(calls), [], { engine, compileThreshold: 0 })
      const mem = m.memory
      identityMap(m, PD1, PT1)
      identityMap(m, PD2, PT2)
      // The loop's page (linear = physical 0x10000) global in both tables.
      mem.write32(PT1 + 0x10 * 4, 0x10123)
      mem.write32(PT2 + 0x10 * 4, 0x10123)
      mem.write32(PT1 + 0x200 * 4, 0x50023)
      mem.write32(PT2 + 0x200 * 4, 0x60023)
      mem.ram.set([0x83, 0xc0, 0x01, 0x01, 0xc3, 0xc3], 0x50000)
      mem.ram.set([0x83, 0xe8, 0x01, 0x31, 0xc3, 0xc3], 0x60000)
      return m
    }
    const state = sameOnEveryEngine(build(true)) as { regs: number[] }
    expect(state.regs[0]).toBe(0)
    expect(state.regs[3]).not.toBe(0)
    // Without the calls every block the jump cache names is global: the 600 CR3 loads leave its epoch alone.
    const m = build(false)('compiled')
    m.cpu.run(200)
    const epoch = m.cpu.blocks.epoch
    expect(finalState(m, 1_000_000)).toMatchObject({ exit: { reason: 'halted' } })
    expect(m.cpu.blocks.epoch).toBe(epoch)
  })

  it('runs the code a page maps after its page-table entry changes and INVLPG', () => {
    // Each pass maps linear 0x200000 to physical 0x50000 or 0x60000 and INVLPGs it (and an unrelated page, which
    // leaves the jump cache's epoch alone); the code page's INVLPG must end the epoch.
    const source = `
${enablePaging(PD1)}
  mov ecx, 300
top:
  mov edx, ecx
  and edx, 1
  shl edx, 16
  add edx, 0x50023
  mov [${PT1} + 0x200 * 4], edx
  invlpg [0x200000]
  call 0x200000
  invlpg [0x300000]
  call 0x200000
  dec ecx
  jnz top
  hlt`
    const build = (engine: Engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
      identityMap(m, PD1, PT1)
      m.memory.ram.set([0x83, 0xc0, 0x01, 0x01, 0xc3, 0xc3], 0x50000)
      m.memory.ram.set([0x83, 0xe8, 0x01, 0x31, 0xc3, 0xc3], 0x60000)
      return m
    }
    const state = sameOnEveryEngine(build) as { regs: number[] }
    // 150 passes add 2 to EAX, 150 subtract 2.
    expect(state.regs[0]).toBe(0)
    expect(state.regs[3]).not.toBe(0)
  })

  it('runs the code at the new CS base after far jumps between segments that share EIPs', () => {
    // Selector 0x18: 32-bit code with base 0x1000, so EIP 0x20000 is linear 0x21000 there and 0x20000 in 0x08.
    const source = `
  mov ecx, 500
  jmp 0x08:0x20000
times 0x20000 - 0x10000 - ($ - $$) db 0x90
  add eax, 7
  imul ebx, eax, 3
  jmp 0x18:0x20000
times 0x21000 - 0x10000 - ($ - $$) db 0x90
  add ebx, eax
  rol ebx, 5
  dec ecx
  jz done
  jmp 0x08:0x20000
done:
  hlt`
    const build = (engine: Engine) =>
      protectedMachine(source, [[0x18, 0x1000ffff, 0x00cf9b00]], { engine, compileThreshold: 0 })
    const state = sameOnEveryEngine(build) as { regs: number[] }
    expect(state.regs[0]).toBe(500 * 7)
  })

  it('runs rewritten code after a store into a block that already ran compiled', () => {
    // Each pass patches the immediate of `mov eax, imm32` at `fn`, then calls it.
    const source = `
  mov ecx, 400
top:
  mov [fn + 1], ecx
  call fn
  add ebx, eax
  rol ebx, 3
  dec ecx
  jnz top
  hlt
fn:
  mov eax, 0
  add eax, eax
  ret`
    const state = sameOnEveryEngine((engine) => protectedMachine(source, [], { engine, compileThreshold: 0 }))
    expect((state as { regs: number[] }).regs[2]).toBe(0)
  })

  it('runs the right code when two blocks take turns in one cache slot', () => {
    // Physical 0x10100 and 0x20103 share a block-cache slot: each call decodes its block over the other one.
    const source = twoCallees(300, 0x10103)
    const state = sameOnEveryEngine((engine) => protectedMachine(source, [], { engine, compileThreshold: 0 }))
    expect((state as { regs: number[] }).regs[0]).toBe(900)
  })

  it('stops a chain of short compiled blocks after exactly the requested instructions', () => {
    // Blocks of 2–3 instructions that jump to each other; budgets that end inside and between blocks.
    const lines = ['top:']
    for (let b = 0; b < 12; b++)
      lines.push(`add eax, ${b + 1}`, b % 2 === 0 ? 'xor ebx, eax' : 'nop', `jmp l${b}`, `l${b}:`)
    lines.push('inc ecx', 'jmp top')
    const source = lines.join('\n')
    for (const budget of [1, 3, 36, 37, 1001, 50_003]) {
      const results = ENGINES.map((engine) => {
        const m = protectedMachine(source, [], { engine, compileThreshold: 0 })
        // The first runs fill the caches and the jump cache; the measured run starts warm.
        m.cpu.run(5000)
        const before = m.cpu.instructionsRetired
        const state = finalState(m, budget)
        return { retired: m.cpu.instructionsRetired - before, state }
      })
      expect(results[0]!.retired).toBe(budget)
      expect(results[1]).toEqual(results[0])
      expect(results[2]).toEqual(results[0])
    }
  })

  it('runs the code each CR3 maps through more epochs than an entry can number', () => {
    // 17 000 passes load CR3 34 000 times, each ending the epoch (the called page is not global): the epoch wraps
    // past its 15 bits, and no entry of an earlier epoch may match again.
    const state = sameOnEveryEngine((engine) => twoSpaceMachine(engine, 17_000), 2_000_000) as { regs: number[] }
    expect(state.regs[0]).toBe(0)
    const m = twoSpaceMachine('compiled', 17_000)
    expect(finalState(m, 2_000_000)).toMatchObject({ exit: { reason: 'halted' } })
    expect(m.cpu.blocks.epoch).toBeLessThan(34_000)
  })

  it('compiles blocks that take turns in one jump-cache entry once their runs reach the compile threshold', () => {
    // EIPs 0x10100 and 0x12101 hash to the same jump-cache entry: every call refills it, and the heat the block
    // interpreter counted in the entry must still reach each block's slot.
    const source = twoCallees(6000, 0x2101)
    const m = protectedMachine(source, [], { compileThreshold: 10_000 })
    const state = finalState(m, 1_000_000) as { exit: unknown; regs: number[] }
    expect(state.exit).toMatchObject({ reason: 'halted' })
    expect(state.regs[0]).toBe(18_000)
    const b = m.cpu.blocks
    for (const phys of [0x10100, 0x12101]) {
      const slot = b.tagPhys.indexOf(phys)
      expect(slot).toBeGreaterThanOrEqual(0)
      expect(m.cpu.compiled[slot]).toBeDefined()
    }
  })
})
