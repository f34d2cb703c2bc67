// The build step against esbuild's own output: a bundle built here from modules with top-level constants, a
// reassigned `let`, destructuring and a shadowing local; the bundle must run as before, declare `const` where
// nothing reassigns, and its source map must still point every name at its place in the sources.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSync } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { keepConstInDist } from '../src/dist'
import { shiftColumns } from '../src/source-map-columns'
import { constTopLevelVars } from '../src/top-level-const'

const dir = mkdtempSync(join(tmpdir(), 'boxwood-build-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SOURCES: Record<string, string> = {
  'constants.ts':
    'export const MASK = 0xff\nexport const NAMES = { a: 1, b: 2 }\nexport const twice = (x: number) => x * 2\n',
  'counter.ts': 'export let count = 0\nexport function bump(): number {\n  count += 1\n  return count\n}\n',
  'main.ts': [
    "import * as constants from './constants'",
    "import { bump, count } from './counter'",
    'const { MASK, twice } = constants',
    'let total = 0',
    'const [first, second] = [3, 4]',
    'function shadow(): number {',
    '  let MASK_LOCAL = 1',
    '  MASK_LOCAL++',
    '  return MASK_LOCAL',
    '}',
    'export function run(): string {',
    '  total = twice(MASK & 0x0f) + first + second + shadow()',
    '  bump()',
    '  return `${total} ${count} ${constants.NAMES.b}`',
    '}',
  ].join('\n'),
}

/** Bundles SOURCES with esbuild as tsup does (ESM, source map) into `out`; returns the bundle's text. */
function bundle(out: string): string {
  for (const [name, text] of Object.entries(SOURCES)) writeFileSync(join(dir, name), text)
  buildSync({ entryPoints: [join(dir, 'main.ts')], bundle: true, format: 'esm', sourcemap: true, outfile: out })
  return readFileSync(out, 'utf8')
}

describe('top-level constants in a bundle', () => {
  it('become const unless something assigns them, and the bundle runs as before', async () => {
    const before = bundle(join(dir, 'before.js'))
    // esbuild's output, which this step exists for.
    expect(before).toMatch(/^var MASK = 255;$/m)
    const { code, edits } = constTopLevelVars(before)
    expect(code).toMatch(/^const MASK = 255;$/m)
    expect(code).toMatch(/^const \{ MASK: MASK2, twice: twice2 \} = constants_exports;$/m)
    expect(code).toMatch(/^const \[first, second\] = \[3, 4\];$/m)
    // Assigned after their declaration: stay var.
    expect(code).toMatch(/^var count = 0;$/m)
    expect(code).toMatch(/^var total = 0;$/m)
    expect(edits.length).toBe(code.match(/^const /gm)!.length)
    writeFileSync(join(dir, 'after.mjs'), code)
    const run = async (file: string) => ((await import(file)) as { run: () => string }).run()
    writeFileSync(join(dir, 'before.mjs'), before)
    expect(await run(join(dir, 'after.mjs'))).toBe(await run(join(dir, 'before.mjs')))
  })

  it('moves the source map with the text: each mapped name still starts where the map says', () => {
    const out = join(dir, 'mapped.js')
    bundle(out)
    const edited = keepConstInDist(dir)
    expect(edited).toBeGreaterThan(0)
    const code = readFileSync(out, 'utf8').split('\n')
    const map = JSON.parse(readFileSync(`${out}.map`, 'utf8')) as { mappings: string; sources: string[] }
    // Every segment on a `const` line that maps to a source position past column 0 must sit on the same token in
    // the generated line as in the source line (esbuild maps identifiers and keywords one to one).
    let checked = 0
    forEachSegment(map.mappings, (line, column, source, sourceLine, sourceColumn) => {
      if (!code[line]!.startsWith('const ') || sourceColumn === 0) return
      const sourceText = SOURCES[map.sources[source]!.split('/').pop()!]!.split('\n')[sourceLine]!
      const word = /^[A-Za-z_$][\w$]*/.exec(sourceText.slice(sourceColumn))?.[0]
      if (word === undefined) return
      expect(code[line]!.slice(column, column + word.length)).toBe(word)
      checked++
    })
    expect(checked).toBeGreaterThan(3)
  })

  it('shifts only the segments after the keyword on edited lines', () => {
    // Line 0: segments at columns 0, 4, 10; line 1: column 2; line 2: columns 0, 4.
    const mappings = 'AAAA,IAAI,MAAM;EAAE;AAAA,IAAI'
    const shifted = shiftColumns(mappings, [{ line: 0, column: 0 }], 3, 5)
    expect(shifted).toBe('AAAA,MAAI,MAAM;EAAE;AAAA,IAAI')
  })
})

/** Calls `f` with each segment's absolute generated line/column and source index/line/column. */
function forEachSegment(
  mappings: string,
  f: (line: number, column: number, source: number, sourceLine: number, sourceColumn: number) => void,
): void {
  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  let source = 0
  let sourceLine = 0
  let sourceColumn = 0
  mappings.split(';').forEach((text, line) => {
    let column = 0
    for (const segment of text === '' ? [] : text.split(',')) {
      const fields: number[] = []
      let value = 0
      let shift = 0
      for (const ch of segment) {
        const digit = BASE64.indexOf(ch)
        value += (digit & 31) << shift
        shift += 5
        if ((digit & 32) === 0) {
          fields.push(value & 1 ? -(value >> 1) : value >> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0]!
      if (fields.length < 4) continue
      source += fields[1]!
      sourceLine += fields[2]!
      sourceColumn += fields[3]!
      f(line, column, source, sourceLine, sourceColumn)
    }
  })
}
