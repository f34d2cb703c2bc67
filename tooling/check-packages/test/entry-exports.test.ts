// Plants wildcard re-exports in the entry files of a scratch package and checks which ones the entry-export rule
// refuses; and runs the rule over this repository's own public packages.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkEntryExports, formatEntryExportViolation } from '../entry-exports'

let dir: string

function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true })
  writeFileSync(join(dir, path), text)
}

/** A package with a main entry, a `./client` entry and a `./disk` folder entry, as the Boxwood packages map them. */
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-entry-exports-'))
  const entry = (src: string, dist: string) => ({
    '@boxwood/source': src,
    types: `${dist}.d.ts`,
    default: `${dist}.js`,
  })
  write(
    'package.json',
    JSON.stringify({
      name: '@boxwood/sample',
      exports: {
        '.': entry('./src/index.ts', './dist/index'),
        './client': entry('./src/client-entry.ts', './dist/client'),
        './disk': entry('./src/disk/index.ts', './dist/disk'),
        './internal/*': null,
      },
    }),
  )
  write('src/client-entry.ts', "export { connect } from './connect'\nexport type { Options } from './connect'\n")
  write('src/connect.ts', 'export const connect = 1\nexport interface Options {}\n')
  write('src/disk/index.ts', "export { open } from './open'\n")
  write('src/disk/open.ts', 'export const open = 2\n')
  write('src/index.ts', "export { open } from './disk/index'\n")
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const reasons = () => checkEntryExports(dir).map(formatEntryExportViolation)

describe('entry files', () => {
  it('accept named re-exports', () => {
    expect(checkEntryExports(dir)).toEqual([])
  })

  it('accept taking over another public entry of the package whole (file or folder entry)', () => {
    write(
      'src/index.ts',
      "export * from './client-entry'\nexport * from './disk'\nexport { open } from './disk/open'\n",
    )
    expect(checkEntryExports(dir)).toEqual([])
  })

  it('refuse a wildcard over an internal module, naming the file, line and specifier', () => {
    write('src/index.ts', "export * from './client-entry'\n\nexport * from './connect'\n")
    expect(reasons()).toEqual([
      'src/index.ts:3: "./connect": a public entry re-exports an internal module whole: list the names (only ' +
        'another public entry of this package may be re-exported whole)',
    ])
  })

  it('refuse a namespace wildcard over an internal module, in a subpath entry too', () => {
    write('src/disk/index.ts', "export * as open from './open'\n")
    expect(checkEntryExports(dir)).toMatchObject([
      { file: join('src', 'disk', 'index.ts'), line: 1, specifier: './open' },
    ])
  })

  it('refuse a wildcard over another package and over the entry itself', () => {
    write('src/client-entry.ts', "export * from '@boxwood/vmm'\nexport * from './client-entry'\n")
    expect(checkEntryExports(dir).map((v) => [v.line, v.specifier])).toEqual([
      [1, '@boxwood/vmm'],
      [2, './client-entry'],
    ])
    expect(reasons()[0]).toMatch(/re-exports another package whole/)
  })

  it('refuse a wildcard whose target does not exist', () => {
    write('src/index.ts', "export * from './missing'\n")
    expect(checkEntryExports(dir)).toHaveLength(1)
  })

  it('leave non-entry modules alone (what they export is published only through a named entry export)', () => {
    write('src/connect.ts', "export * from './disk/open'\n")
    expect(checkEntryExports(dir)).toEqual([])
  })
})

describe('this repository', () => {
  it('has no wildcard re-export the rule refuses in any package entry', () => {
    const packages = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages')
    const found = readdirSync(packages).flatMap((name) =>
      checkEntryExports(join(packages, name)).map((v) => `${name}/${formatEntryExportViolation(v)}`),
    )
    expect(found).toEqual([])
  })
})
