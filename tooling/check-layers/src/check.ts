// The layering check: package manifests and source imports must point strictly downward (see ./layers.ts).
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import { PORTABLE, dependencyViolation, isLayered } from './layers'
import { listSourceFiles, readWorkspacePackages, type WorkspacePackage } from './workspace'

export interface Violation {
  /** Path relative to the checked root. */
  readonly file: string
  readonly line: number
  /** The offending import specifier or dependency name. */
  readonly subject: string
  readonly reason: string
}

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'] as const
const NODE_BUILTINS = new Set(builtinModules)

/** Runs every rule over the checkout at `root`. */
export function checkLayers(root: string): Violation[] {
  const packages = readWorkspacePackages(root)
  return [...checkManifests(root, packages), ...checkSources(root, packages)]
}

function checkManifests(root: string, packages: readonly WorkspacePackage[]): Violation[] {
  const violations: Violation[] = []
  for (const pkg of packages) {
    if (!isLayered(pkg.name)) continue
    const text = readFileSync(pkg.manifestPath, 'utf8')
    for (const field of DEPENDENCY_FIELDS) {
      for (const dep of Object.keys(pkg.manifest[field] ?? {})) {
        if (!isLayered(dep)) continue
        const reason = dependencyViolation(pkg.name, dep)
        if (reason) {
          violations.push({
            file: relative(root, pkg.manifestPath),
            line: lineOfText(text, `"${dep}"`),
            subject: dep,
            reason: `${field}: ${reason}`,
          })
        }
      }
    }
  }
  return violations
}

function checkSources(root: string, packages: readonly WorkspacePackage[]): Violation[] {
  const violations: Violation[] = []
  for (const pkg of packages) {
    for (const file of listSourceFiles(pkg.dir)) {
      const text = readFileSync(file, 'utf8')
      for (const { specifier, pos } of importsOf(text)) {
        const reason = importViolation(pkg, packages, file, specifier)
        if (reason) {
          violations.push({ file: relative(root, file), line: lineAt(text, pos), subject: specifier, reason })
        }
      }
    }
  }
  return violations
}

/** Every module specifier a file names: static and dynamic imports, re-exports, require() and import types. */
function importsOf(text: string): { specifier: string; pos: number }[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ({ specifier: ref.fileName, pos: ref.pos }))
}

function importViolation(
  pkg: WorkspacePackage,
  packages: readonly WorkspacePackage[],
  file: string,
  specifier: string,
): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/'))
    return relativeImportViolation(pkg, packages, file, specifier)
  const target = packageNameOf(specifier)
  if (isLayered(target) && target !== pkg.name) {
    const reason = dependencyViolation(pkg.name, target)
    if (reason) return reason
    if (/^@boxwood\/[^/]+\/(?:src|internal)(?:\/|$)/.test(specifier)) {
      return `deep import into ${target}: use one of its public entry points`
    }
  }
  if (isNodeBuiltin(specifier) && isPortableFile(pkg, file)) {
    return `${pkg.name} is portable core: host module "${specifier}" belongs behind a backend contract`
  }
  return undefined
}

function relativeImportViolation(
  pkg: WorkspacePackage,
  packages: readonly WorkspacePackage[],
  file: string,
  specifier: string,
): string | undefined {
  const targetPath = resolve(dirname(file), specifier)
  if (isInside(targetPath, pkg.dir)) return undefined
  const owner = packages.find((other) => isInside(targetPath, other.dir))
  if (!owner) {
    // Shared repository files (e.g. vitest.shared.ts) are fine for configs and tests, never for shipped code.
    return isInside(file, resolve(pkg.dir, 'src'))
      ? `relative import leaves ${pkg.name}: shipped code may not reach outside its package`
      : undefined
  }
  const reason = dependencyViolation(pkg.name, owner.name)
  const crossing = `relative import crosses the package boundary into ${owner.name}`
  return reason ? `${crossing}; ${reason}` : `${crossing}: import it by its package name`
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0] ?? '')
}

function isPortableFile(pkg: WorkspacePackage, file: string): boolean {
  const rule = PORTABLE[pkg.name]
  if (!rule) return false
  const inside = (dirs: readonly string[]) => dirs.some((d) => isInside(file, resolve(pkg.dir, d)))
  return inside(rule.dirs) && !inside(rule.except)
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel))
}

function lineAt(text: string, pos: number): number {
  let line = 1
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function lineOfText(text: string, needle: string): number {
  const at = text.indexOf(needle)
  return at < 0 ? 1 : lineAt(text, at)
}

/** One line per violation, `file:line: "subject": reason`, as editors and CI logs link them. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: "${v.subject}": ${v.reason}`
}
