// The layer table of docs/DESIGN: which Boxwood package may depend on which.

/** Rank of each layered package: a package may depend only on packages of strictly lower rank. */
export const RANK: Readonly<Record<string, number>> = {
  '@boxwood/vmm': 0,
  '@boxwood/devices': 1,
  '@boxwood/vrde': 2,
  '@boxwood/main-api': 3,
  '@boxwood/frontends': 4,
}

/** Packages restricted to an explicit list of layered dependencies ("frontends use nothing but the Main API"). */
export const ONLY: Readonly<Record<string, readonly string[]>> = {
  '@boxwood/frontends': ['@boxwood/main-api'],
}

/**
 * The portable core: sources that must not touch host APIs (`node:*` and Node's built-in modules), so that the
 * core runs in a browser and stays deterministic. Paths are relative to the package folder; `except` lists
 * sub-folders that hold the host backends.
 */
export const PORTABLE: Readonly<
  Record<string, { readonly dirs: readonly string[]; readonly except: readonly string[] }>
> = {
  '@boxwood/vmm': { dirs: ['src'], except: [] },
  '@boxwood/devices': { dirs: ['src'], except: ['src/node'] },
}

export function isLayered(name: string): boolean {
  return name in RANK
}

/** Why `from` may not depend on `to`, or undefined when it may. Both must be layered package names. */
export function dependencyViolation(from: string, to: string): string | undefined {
  if (from === to) return undefined
  const only = ONLY[from]
  if (only && !only.includes(to)) return `${from} may depend only on ${only.join(', ')}, not on ${to}`
  const rankFrom = RANK[from]
  const rankTo = RANK[to]
  if (rankFrom === undefined || rankTo === undefined) return undefined
  if (rankTo >= rankFrom) {
    const relation = rankTo === rankFrom ? 'the same' : 'a higher'
    return `${from} (rank ${rankFrom}) must not depend on ${to} (rank ${rankTo}, ${relation} layer)`
  }
  return undefined
}
