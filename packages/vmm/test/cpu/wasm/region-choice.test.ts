// Which code pages the wasm tier builds regions for (cpu/wasm/regions.ts): pages whose hot blocks loop, not pages
// of code that is called, runs a few instructions and returns (its regions would be dropped for their low yield
// after their modules were compiled for nothing).
import { describe, expect, it } from 'vitest'
import { protectedMachine, runForComparison } from '../harness'

describe('wasm region choice', () => {
  it('builds a region for the page holding the loop, none for the page of straight-line subroutines it calls', () => {
    const calls = Array.from({ length: 6 }, (_, k) => `call f${k}`).join('\n')
    const subroutines = Array.from({ length: 6 }, (_, k) => `f${k}:\nadd eax, ${k + 1}\nxor ebx, eax\nret`).join('\n')
    const source = [
      'mov ecx, 3000',
      'top:',
      calls,
      'mov edx, ecx',
      'and edx, 7',
      'jz skip',
      'add esi, edx',
      'skip:',
      'dec ecx',
      'jnz top',
      'hlt',
      'times 0x1000 - ($ - $$) nop',
      subroutines,
    ].join('\n')
    const m = protectedMachine(source, [], { compileThreshold: 0, wasmTier: 'sync' })
    const reference = protectedMachine(source, [], { engine: 'interpreter' })
    expect(runForComparison(m).st).toEqual(runForComparison(reference).st)
    const regions = m.cpu.regions!
    expect(regions.error).toBe(null)
    expect(regions.instructions).toBeGreaterThan(0)
    const blocks = m.cpu.blocks
    const inRegion = (page: number) =>
      [...regions.caseOf.keys()].filter((s) => regions.caseOf[s] !== 0 && blocks.tagPhys[s]! >>> 12 === page).length
    expect(inRegion(0x10)).toBeGreaterThan(0)
    expect(inRegion(0x11)).toBe(0)
  })
})
