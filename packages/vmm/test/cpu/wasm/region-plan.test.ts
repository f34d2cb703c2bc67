// The wasm tier's region plan on real decoded blocks: every instruction of the page in exactly one case, cases in
// page order, each chain following the code's flow, and the budget bound (maxPath) covering each case's own length.
import { describe, expect, it } from 'vitest'
import { CACHE_SIZE } from '../../../src/cpu/block-decoder'
import type { RegionBlock } from '../../../src/cpu/wasm/region-compiler'
import { planRegion } from '../../../src/cpu/wasm/region-plan'
import { protectedMachine, runForComparison } from '../harness'

/** A loop with an if/else, a counted inner loop and a call: blocks decoded from several entry points overlap. */
const SOURCE = `
  mov ecx, 200
  mov ebp, 0x40000
top:
  mov eax, [ebp]
  test ecx, 1
  jz even
  add eax, ecx
  jmp join
even:
  sub eax, 3
join:
  mov [ebp + 4], eax
  push ecx
  mov ecx, 3
inner:
  add ebx, eax
  dec ecx
  jnz inner
  pop ecx
  call sub1
  dec ecx
  jnz top
  hlt
sub1:
  xor edx, ebx
  ret`

describe('region plan', () => {
  it('holds each instruction of the page once, in page order, with budget bounds', () => {
    const m = protectedMachine(SOURCE, [], { compileThreshold: 0, wasmTier: 'sync' })
    runForComparison(m, 1_000_000)
    const b = m.cpu.blocks
    const page = 0x10000 >>> 12
    const blocks: RegionBlock[] = []
    for (let slot = 0; slot < CACHE_SIZE; slot++) {
      const phys = b.tagPhys[slot]!
      if (phys === -1 || phys >>> 12 !== page || b.count[slot] === 0) continue
      blocks.push({ slot, first: b.first[slot]!, count: b.count[slot]!, offset: phys & 0xfff, phys })
    }
    // Several entry points: the decoder made overlapping blocks.
    expect(blocks.length).toBeGreaterThan(3)
    const plan = planRegion(b, blocks)
    const offsets = plan.cases.flatMap((c) => c.chain.map((n) => n.offset))
    expect(new Set(offsets).size).toBe(offsets.length)
    const starts = plan.cases.map((c) => c.offset)
    expect(starts).toEqual([...starts].sort((x, y) => x - y))
    plan.cases.forEach((c, k) => {
      expect(plan.caseAt.get(c.offset)).toBe(k)
      expect(c.chain[0]!.offset).toBe(c.offset)
      for (let j = 1; j < c.chain.length; j++) expect(c.chain[j]!.offset).toBe(c.chain[j - 1]!.next)
      expect(plan.maxPath[k]).toBeGreaterThanOrEqual(c.chain.length)
    })
    // The run loop enters at block starts outside wasm loops; a loop's cases follow its header, and the program's
    // outer loop (its back edge lands on \`top\`, with the inner loop and the if/else inside) is one.
    plan.cases.forEach((c, k) => {
      const start = blocks.some((x) => x.offset === c.offset)
      expect(plan.entry[k]).toBe(start && plan.inLoop[k] === -1)
      if (plan.inLoop[k] !== -1) expect(plan.loopEnd[plan.inLoop[k]!]).toBeGreaterThanOrEqual(k)
    })
    expect([...plan.loopEnd].some((end) => end >= 0)).toBe(true)
  })
})
