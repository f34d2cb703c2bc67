// The light entry `@boxwood/main-api/client` must not load the VM stack: walk its static imports (type-only
// imports are erased and skipped; dynamic import() is lazy by design) and look at every module it reaches.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const src = join(import.meta.dirname, '..', 'src')

/** Static value imports of a module: relative paths resolved to files, bare specifiers as they are. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    if (m[1]) continue
    const spec = m[2] ?? ''
    out.push(spec.startsWith('.') ? `${resolve(dirname(file), spec)}.ts` : spec)
  }
  return out
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of staticImports(file))
      if (spec.endsWith('.ts')) visit(spec)
      else seen.add(spec)
  }
  visit(entry)
  return seen
}

describe('@boxwood/main-api/client', () => {
  it('reaches no VM stack, settings or server module', () => {
    const modules = [...reachable(join(src, 'client-entry.ts'))]
    expect(modules.filter((m) => m.startsWith('@boxwood/') || m === 'fast-xml-parser')).toEqual([])
    const local = modules.filter((m) => m.startsWith(src)).map((m) => m.slice(src.length + 1))
    expect(local).toContain('service/connect.ts')
    expect(local.filter((m) => /^(server\/(?!progress|api-object)|client\/|settings\/(?!home))/.test(m))).toEqual([])
  })

  it('the full entry loads the server side only when openVirtualBox is called', () => {
    const modules = [...reachable(join(src, 'index.ts'))].filter((m) => m.startsWith(src))
    expect(modules.map((m) => m.slice(src.length + 1))).not.toContain('server/virtualbox.ts')
  })
})
