// The "public entry points are explicit" rule of CONTRIBUTING.md, checked on a package's sources: an entry file
// (a file the `exports` map points at through the "@boxwood/source" condition) lists its exports by name. The one
// wildcard allowed is `export * from` ANOTHER entry file of the same package (the main entry taking over the
// light `./client` entry whole), because every name it brings is still written out once, by name, in a public
// entry; a wildcard over an internal module or another package would publish whatever that module exports.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import ts from 'typescript'

/** One wildcard re-export the rule refuses. */
export interface EntryExportViolation {
  /** Path relative to the package folder. */
  readonly file: string
  readonly line: number
  /** The module specifier of the `export *`. */
  readonly specifier: string
  readonly reason: string
}

/** Checks every entry file of the package in `packageDir` (entries without a source condition are skipped). */
export function checkEntryExports(packageDir: string): EntryExportViolation[] {
  const manifest = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as { exports?: unknown }
  const entries = sourceEntries(packageDir, manifest.exports)
  const violations: EntryExportViolation[] = []
  for (const entry of entries) {
    const text = readFileSync(entry, 'utf8')
    const source = ts.createSourceFile(entry, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
    for (const statement of source.statements) {
      if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue
      if (statement.exportClause && !ts.isNamespaceExport(statement.exportClause)) continue
      if (!ts.isStringLiteral(statement.moduleSpecifier)) continue
      const specifier = statement.moduleSpecifier.text
      const reason = wildcardViolation(entry, specifier, entries)
      if (!reason) continue
      const { line } = source.getLineAndCharacterOfPosition(statement.getStart(source))
      violations.push({ file: relative(packageDir, entry), line: line + 1, specifier, reason })
    }
  }
  return violations
}

/** `file:line: "specifier": reason`, as editors and CI logs link them. */
export function formatEntryExportViolation(v: EntryExportViolation): string {
  return `${v.file}:${v.line}: "${v.specifier}": ${v.reason}`
}

/** Absolute paths of the source files behind the exports map's "@boxwood/source" conditions. */
function sourceEntries(packageDir: string, exportsField: unknown): Set<string> {
  const entries = new Set<string>()
  const visit = (value: unknown, condition: string | undefined): void => {
    if (typeof value === 'string') {
      if (condition === '@boxwood/source') entries.add(resolve(packageDir, value))
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(inner, key.startsWith('.') ? condition : key)
    }
  }
  visit(exportsField, undefined)
  return entries
}

function wildcardViolation(entry: string, specifier: string, entries: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return 'a public entry re-exports another package whole: list the names it re-exports'
  const target = resolveSource(resolve(dirname(entry), specifier))
  if (target !== undefined && target !== entry && entries.has(target)) return undefined
  return 'a public entry re-exports an internal module whole: list the names (only another public entry of this package may be re-exported whole)'
}

/** The TypeScript file an extensionless relative import names (`./a` → a.ts or a/index.ts). */
function resolveSource(base: string): string | undefined {
  const candidates = [`${base}.ts`, `${base}.tsx`, resolve(base, 'index.ts')]
  if (/\.tsx?$/.test(base)) candidates.unshift(base)
  if (base.endsWith('.js')) candidates.unshift(`${base.slice(0, -3)}.ts`)
  return candidates.find((path) => existsSync(path))
}
