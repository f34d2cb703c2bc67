// The build step the published packages run after tsup (their tsup.config.ts `onSuccess`): every bundle in `dist`
// gets its top-level constants back (top-level-const.ts), and its source map moves with the text.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { shiftColumns } from './source-map-columns'
import { constTopLevelVars } from './top-level-const'

/** Rewrites each `*.js` bundle of `dir` (and its `.js.map`); returns how many declarations became `const`. */
export function keepConstInDist(dir = 'dist'): number {
  let count = 0
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.js')) continue
    const path = join(dir, name)
    const { code, edits } = constTopLevelVars(readFileSync(path, 'utf8'))
    if (edits.length === 0) continue
    writeFileSync(path, code)
    count += edits.length
    const mapPath = `${path}.map`
    if (!existsSync(mapPath)) continue
    const map = JSON.parse(readFileSync(mapPath, 'utf8')) as { mappings: string }
    map.mappings = shiftColumns(map.mappings, edits, 'var'.length, 'const'.length)
    writeFileSync(mapPath, JSON.stringify(map))
  }
  return count
}
