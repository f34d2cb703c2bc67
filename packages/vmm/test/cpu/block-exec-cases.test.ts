// block-exec.ts runs each record through a table of handlers indexed by OP value (one small function per record
// kind, so V8 optimizes and deoptimizes each on its own): every OP must be registered exactly once, and no other
// name may be.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OP } from '../../src/cpu/block-decoder'

describe('block interpreter handler table', () => {
  it('registers exactly one handler for each OP and nothing else', () => {
    const source = readFileSync(new URL('../../src/cpu/block-exec.ts', import.meta.url), 'utf8')
    const names = [...source.matchAll(/^\s*RECORD_HANDLERS\[OP\.(\w+)\] = \w+$/gm)].map((m) => m[1]!)
    expect(names.sort()).toEqual(Object.keys(OP).sort())
    // Nothing writes the table any other way.
    expect([...source.matchAll(/RECORD_HANDLERS\[[^\]]*\] =/g)]).toHaveLength(names.length)
  })
})
