// block-exec.ts `step` labels its switch cases with the OP values as literals (a jump table in V8), each with the
// OP name in a comment: every label must be that name's value, and every OP must have exactly one case.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OP } from '../../src/cpu/block-decoder'

describe('block interpreter switch', () => {
  it('labels each case with the value of the OP named beside it, one case per OP', () => {
    const source = readFileSync(new URL('../../src/cpu/block-exec.ts', import.meta.url), 'utf8')
    const step = source.slice(source.indexOf('export function step('))
    const labels = [...step.matchAll(/case (\d+) \/\* OP\.(\w+) \*\/:/g)].map((m) => [m[2]!, Number(m[1])] as const)
    expect(step).not.toMatch(/^\s*case OP\./m)
    const ops = OP as Record<string, number>
    for (const [name, value] of labels) expect([name, value]).toEqual([name, ops[name]])
    expect(labels.map(([name]) => name).sort()).toEqual(Object.keys(OP).sort())
  })
})
