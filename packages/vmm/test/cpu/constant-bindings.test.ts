// The CPU's runtime modules bind the constants they use in module scope (`const { CF } = constants`), never through a
// named import: V8 folds a module's own constants into optimized code but loads an imported binding from its cell at
// every use (packages/vmm/README.md, "Constants in hot code"). This keeps new code in src/cpu to that.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CPU_DIR = join(import.meta.dirname, '../../src/cpu')
/** The modules that export the CPU's numeric constants (and the record kinds, OP). */
const CONSTANT_MODULES = ['./constants', './flags', './block-decoder', './tlb-entry']

/** `module: NAME` for each upper-case name that `source` imports by name from a constant module. */
function namedConstantImports(source: string): string[] {
  const found: string[] = []
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    if (!CONSTANT_MODULES.includes(m[2]!)) continue
    for (const name of m[1]!.split(',').map((n) => n.trim())) {
      if (/^[A-Z][A-Z0-9_]*$/.test(name)) found.push(`${m[2]}: ${name}`)
    }
  }
  return found
}

describe('constants in the CPU’s runtime modules', () => {
  it('finds a named import of a constant, and not a type or a function', () => {
    expect(namedConstantImports("import { type BlockCache, OP, slotOf } from './block-decoder'\n")).toEqual([
      './block-decoder: OP',
    ])
    expect(namedConstantImports("import * as constants from './constants'\nconst { CF } = constants\n")).toEqual([])
  })

  it('are bound in module scope, not imported by name', () => {
    const offenders: string[] = []
    for (const file of readdirSync(CPU_DIR).filter((f) => f.endsWith('.ts'))) {
      for (const hit of namedConstantImports(readFileSync(join(CPU_DIR, file), 'utf8')))
        offenders.push(`${file} ${hit}`)
    }
    expect(offenders).toEqual([])
  })
})
