// Plants each kind of layering violation in a scratch checkout and checks that it is caught and named.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkLayers, formatViolation } from '../src/check'

const FOLDERS = { vmm: 0, devices: 1, vrde: 2, 'main-api': 3, frontends: 4 } as const
type Folder = keyof typeof FOLDERS

let root: string

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

function manifest(folder: Folder, deps: Record<string, string> = {}, field = 'dependencies'): void {
  write(`packages/${folder}/package.json`, JSON.stringify({ name: `@boxwood/${folder}`, [field]: deps }, null, 2))
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'check-layers-'))
  for (const folder of Object.keys(FOLDERS) as Folder[]) {
    manifest(folder)
    write(`packages/${folder}/src/index.ts`, 'export {}\n')
  }
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('a clean checkout', () => {
  it('has no violations when everything points downward', () => {
    manifest('main-api', { '@boxwood/vmm': 'workspace:^', '@boxwood/devices': 'workspace:^' })
    manifest('frontends', { '@boxwood/main-api': 'workspace:^' })
    write('packages/main-api/src/a.ts', "import { x } from '@boxwood/devices'\nexport { x }\n")
    write('packages/devices/src/a.ts', "import type { X } from '@boxwood/vmm/device-api'\nexport type { X }\n")
    write('packages/devices/src/node/file.ts', "import { open } from 'node:fs/promises'\nexport { open }\n")
    write('packages/vmm/test/a.test.ts', "import { readFileSync } from 'node:fs'\nvoid readFileSync\n")
    write('packages/vmm/vitest.config.ts', "import { c } from '../../vitest.shared'\nexport default c\n")
    expect(checkLayers(root)).toEqual([])
  })

  it('passes on this repository itself', () => {
    const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
    expect(checkLayers(repoRoot).map(formatViolation)).toEqual([])
  })
})

describe('package.json dependencies', () => {
  it('rejects a dependency on a higher layer', () => {
    manifest('vmm', { '@boxwood/devices': 'workspace:^' })
    const [v, ...rest] = checkLayers(root)
    expect(rest).toEqual([])
    expect(v?.file).toBe('packages/vmm/package.json')
    expect(v?.reason).toMatch(/@boxwood\/vmm \(rank 0\) must not depend on @boxwood\/devices \(rank 1/)
  })

  it('rejects a dependency on the same layer, in any dependency field', () => {
    manifest('vrde', { '@boxwood/vrde': 'workspace:^', '@boxwood/main-api': '^1.0.0' }, 'devDependencies')
    const violations = checkLayers(root)
    expect(violations.map((v) => v.subject)).toEqual(['@boxwood/main-api'])
    expect(violations[0]?.reason).toMatch(/^devDependencies: .*higher layer/)
  })

  it('rejects frontends depending on anything but main-api', () => {
    manifest('frontends', { '@boxwood/main-api': 'workspace:^', '@boxwood/vmm': 'workspace:^' }, 'peerDependencies')
    const violations = checkLayers(root)
    expect(violations).toHaveLength(1)
    expect(violations[0]?.reason).toMatch(/frontends may depend only on @boxwood\/main-api, not on @boxwood\/vmm/)
  })
})

describe('source imports', () => {
  it('names the file and line of an upward import', () => {
    write('packages/devices/src/pc/pit.ts', "// comment\nimport { Console } from '@boxwood/main-api'\nvoid Console\n")
    const violations = checkLayers(root)
    expect(violations.map(formatViolation)).toEqual([
      'packages/devices/src/pc/pit.ts:2: "@boxwood/main-api": @boxwood/devices (rank 1) must not depend on @boxwood/main-api (rank 3, a higher layer)',
    ])
  })

  it('catches re-exports, dynamic imports, require and type-only imports', () => {
    write('packages/vmm/src/a.ts', "export { a } from '@boxwood/devices'\n")
    write('packages/vmm/src/b.ts', "export const b = () => import('@boxwood/vrde')\n")
    write('packages/vmm/src/c.cjs', "const c = require('@boxwood/main-api')\nmodule.exports = c\n")
    write('packages/vmm/test/d.test.ts', "import type { D } from '@boxwood/frontends'\n")
    expect(
      checkLayers(root)
        .map((v) => `${v.file} ${v.subject}`)
        .sort(),
    ).toEqual([
      'packages/vmm/src/a.ts @boxwood/devices',
      'packages/vmm/src/b.ts @boxwood/vrde',
      'packages/vmm/src/c.cjs @boxwood/main-api',
      'packages/vmm/test/d.test.ts @boxwood/frontends',
    ])
  })

  it('catches subpath imports of a higher package', () => {
    write('packages/devices/src/a.ts', "import { x } from '@boxwood/vrde/rdp'\nvoid x\n")
    expect(checkLayers(root).map((v) => v.subject)).toEqual(['@boxwood/vrde/rdp'])
  })

  it('catches relative paths that cross a package boundary, upward or not', () => {
    write('packages/vmm/src/a.ts', "import { x } from '../../devices/src/index'\nvoid x\n")
    write('packages/main-api/src/b.ts', "import { y } from '../../vmm/src/index'\nvoid y\n")
    const violations = checkLayers(root)
    expect(violations).toHaveLength(2)
    const byFile = Object.fromEntries(violations.map((v) => [v.file, v.reason]))
    expect(byFile['packages/vmm/src/a.ts']).toMatch(/into @boxwood\/devices; @boxwood\/vmm \(rank 0\) must not/)
    expect(byFile['packages/main-api/src/b.ts']).toMatch(/into @boxwood\/vmm: import it by its package name/)
  })

  it('rejects shipped code that reaches outside its package by a relative path', () => {
    write('packages/vrde/src/a.ts', "import { x } from '../../../tooling/x'\nvoid x\n")
    expect(checkLayers(root).map((v) => v.reason)).toEqual([
      'relative import leaves @boxwood/vrde: shipped code may not reach outside its package',
    ])
  })

  it('rejects deep imports into another package’s sources', () => {
    write('packages/devices/src/a.ts', "import { x } from '@boxwood/vmm/src/cpu/cpu'\nvoid x\n")
    expect(checkLayers(root).map((v) => v.reason)).toEqual([
      'deep import into @boxwood/vmm: use one of its public entry points',
    ])
  })

  it('rejects frontends importing a layer other than main-api, even a lower one', () => {
    write('packages/frontends/src/cli.ts', "import { x } from '@boxwood/vrde'\nvoid x\n")
    expect(checkLayers(root).map((v) => v.reason)).toEqual([
      '@boxwood/frontends may depend only on @boxwood/main-api, not on @boxwood/vrde',
    ])
  })

  it('keeps host modules out of the portable core', () => {
    write('packages/vmm/src/a.ts', "import { readFileSync } from 'node:fs'\nvoid readFileSync\n")
    write('packages/devices/src/b.ts', "import { Socket } from 'net'\nvoid Socket\n")
    expect(
      checkLayers(root)
        .map((v) => v.subject)
        .sort(),
    ).toEqual(['net', 'node:fs'])
  })
})

describe('the command line', () => {
  it('exits non-zero and names the offending file', () => {
    write('packages/vmm/src/up.ts', "import { x } from '@boxwood/frontends'\nvoid x\n")
    const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli.ts')
    let status = 0
    let stderr = ''
    try {
      execFileSync(process.execPath, ['--import', 'tsx', cli, root], { encoding: 'utf8', stdio: 'pipe' })
    } catch (error) {
      const failure = error as { status: number; stderr: string }
      status = failure.status
      stderr = failure.stderr
    }
    expect(status).toBe(1)
    expect(stderr).toContain('packages/vmm/src/up.ts:1: "@boxwood/frontends"')
  })
})
