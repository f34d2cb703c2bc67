// `pnpm check:layers`: exits 1 and names each offending file and import when the layering rules are broken.
import { resolve } from 'node:path'
import { checkLayers, formatViolation } from './check'

const root = resolve(process.argv[2] ?? process.cwd())
const violations = checkLayers(root)
if (violations.length > 0) {
  for (const v of violations) console.error(formatViolation(v))
  console.error(`check-layers: ${violations.length} layering violation(s)`)
  process.exitCode = 1
} else {
  console.log('check-layers: every dependency and import points downward')
}
