// The CPU's runtime modules bind the constants and helper functions they take from the leaf modules in module scope
// (`const { CF } = constants`), never through a named import: V8 folds a module's own constants into optimized code
// and calls its own functions directly, but loads an imported binding from its cell, with an initialization check, at
// every use (packages/vmm/README.md, "Constants in hot code"). A module's `export let` is the exception: it is a live
// value, and a copy would go stale. This keeps src/cpu to both rules.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CPU_DIR = join(import.meta.dirname, '../../src/cpu')
/** Modules that import nothing but each other's constants: binding from them at load time is safe. */
const LEAF_MODULES = ['./constants', './flags', './block-decoder', './tlb-entry', './alu', './operands']

/** `module: name` for each name `source` imports by name from a leaf module that is neither a class nor live. */
function namedLeafImports(source: string, live: ReadonlySet<string>): string[] {
  const found: string[] = []
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    if (!LEAF_MODULES.includes(m[2]!)) continue
    for (const name of m[1]!.split(',').map((n) => n.trim())) {
      const isClass = /^[A-Z][a-z]\w*$/.test(name)
      if (name === '' || name.startsWith('type ') || isClass || live.has(`${m[2]}:${name}`)) continue
      found.push(`${m[2]}: ${name}`)
    }
  }
  return found
}

/** `module:name` of every `export let` of the leaf modules. */
function liveBindings(): Set<string> {
  const live = new Set<string>()
  for (const module of LEAF_MODULES) {
    const source = readFileSync(join(CPU_DIR, `${module.slice(2)}.ts`), 'utf8')
    for (const m of source.matchAll(/^export let (\w+)/gm)) live.add(`${module}:${m[1]}`)
  }
  return live
}

/** Names `source` copies out of a leaf module's namespace (`const { a, b } = ns`) that are live bindings there. */
function copiedLiveBindings(source: string, live: ReadonlySet<string>): string[] {
  const namespaces = new Map<string, string>()
  for (const m of source.matchAll(/import \* as (\w+) from '([^']+)'/g)) namespaces.set(m[1]!, m[2]!)
  const found: string[] = []
  for (const m of source.matchAll(/const \{([^}]*)\} =\s*(\w+)\n/g)) {
    const module = namespaces.get(m[2]!)
    if (module === undefined) continue
    for (const name of m[1]!.split(',').map((n) => n.trim())) {
      if (live.has(`${module}:${name}`)) found.push(`${module}: ${name}`)
    }
  }
  return found
}

describe('bindings in the CPU’s runtime modules', () => {
  const live = liveBindings()

  it('finds named imports of constants and functions, not of types, classes or live values', () => {
    const source =
      "import { type Kind, BlockCache, OP, slotOf } from './block-decoder'\nimport { rmOff } from './operands'\n"
    expect(namedLeafImports(source, live)).toEqual(['./block-decoder: OP', './block-decoder: slotOf'])
    expect(
      copiedLiveBindings("import * as operands from './operands'\nconst { getReg, rmOff } = operands\n", live),
    ).toEqual(['./operands: rmOff'])
  })

  it('take constants and functions from the leaf modules into module scope, and leave live values imported', () => {
    const offenders: string[] = []
    for (const file of readdirSync(CPU_DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(CPU_DIR, file), 'utf8')
      for (const hit of namedLeafImports(source, live)) offenders.push(`${file} imports ${hit}`)
      for (const hit of copiedLiveBindings(source, live)) offenders.push(`${file} copies ${hit}`)
    }
    expect(offenders).toEqual([])
  })
})
