// Reads the layered packages of a Boxwood checkout: every packages/*/package.json.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface WorkspacePackage {
  readonly name: string
  /** Absolute folder of the package. */
  readonly dir: string
  readonly manifestPath: string
  readonly manifest: PackageManifest
}

export interface PackageManifest {
  readonly name?: string
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
}

export function readWorkspacePackages(root: string): WorkspacePackage[] {
  const packagesDir = join(root, 'packages')
  if (!existsSync(packagesDir)) return []
  const found: WorkspacePackage[] = []
  for (const entry of readdirSync(packagesDir).sort()) {
    const dir = join(packagesDir, entry)
    const manifestPath = join(dir, 'package.json')
    if (!statSync(dir).isDirectory() || !existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageManifest
    found.push({ name: manifest.name ?? entry, dir, manifestPath, manifest })
  }
  return found
}

const SOURCE_EXTENSIONS = /\.(?:[cm]?[jt]s|tsx|jsx)$/
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.turbo', '.test-results', 'coverage'])

/** Every source file of a package (src, test, configs), skipping build output and dependencies. */
export function listSourceFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(join(current, entry.name))
      } else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(join(current, entry.name))
      }
    }
  }
  walk(dir)
  return files.sort()
}
