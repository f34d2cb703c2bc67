// Packs public packages exactly as they would be published (`pnpm pack` applies publishConfig and workspace:
// ranges) and lints each tarball with publint and @arethetypeswrong/cli; first checks that the package's entry
// files list their exports by name (./entry-exports.ts). Each package's `check` script runs it on its own folder
// (`check-packages.ts .`, after turbo has built it); with no argument it checks every package.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkEntryExports, formatEntryExportViolation } from './entry-exports'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = (name: string) => join(root, 'tooling/check-packages/node_modules/.bin', name)
const packDir = mkdtempSync(join(tmpdir(), 'boxwood-pack-'))
const failures: string[] = []
const requested = process.argv.slice(2).map((dir) => resolve(dir))
const dirs =
  requested.length > 0
    ? requested
    : readdirSync(join(root, 'packages'))
        .sort()
        .map((f) => join(root, 'packages', f))

try {
  for (const dir of dirs) {
    const manifestPath = join(dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; private?: boolean }
    if (manifest.private) continue
    for (const violation of checkEntryExports(dir)) {
      failures.push(`${manifest.name}: ${formatEntryExportViolation(violation)}`)
    }
    const out = execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: dir, encoding: 'utf8' })
    const tarball = out.trim().split('\n').pop() ?? ''
    console.log(`check-packages: ${manifest.name} → ${tarball}`)
    for (const [tool, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color', '--no-emoji']],
    ] as const) {
      try {
        const report = execFileSync(bin(tool), args, { encoding: 'utf8', stdio: 'pipe' })
        process.stdout.write(report)
      } catch (error) {
        const failure = error as { stdout?: string; stderr?: string }
        process.stdout.write(failure.stdout ?? '')
        process.stderr.write(failure.stderr ?? '')
        failures.push(`${manifest.name}: ${tool} found errors`)
      }
    }
  }
} finally {
  rmSync(packDir, { recursive: true, force: true })
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-packages: ${failure}`)
  process.exitCode = 1
} else {
  console.log(`check-packages: ${dirs.length} package folder(s) pack cleanly`)
}
