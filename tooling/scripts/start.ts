// `pnpm start`: the main job. Until the frontends land it builds every package and prints the workspace map:
// each layered package, its rank, version and public entry points, as a new user sees them after install.
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const RANKS = ['vmm', 'devices', 'vrde', 'main-api', 'frontends']

const build = spawnSync('pnpm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
if (build.status !== 0) {
  console.error('start: the build failed; run `pnpm build` to see why')
  process.exit(1)
}

console.log('Boxwood packages (built into each package’s dist/):')
for (const folder of readdirSync(join(root, 'packages')).sort((a, b) => RANKS.indexOf(a) - RANKS.indexOf(b))) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as {
    name: string
    version: string
    description: string
    exports?: Record<string, unknown>
    bin?: Record<string, string>
  }
  const entries = Object.keys(manifest.exports ?? {}).filter((key) => key !== './package.json' && !key.includes('*'))
  const bins = Object.keys(manifest.bin ?? {})
  console.log(`  rank ${RANKS.indexOf(folder)}  ${manifest.name}@${manifest.version}: ${manifest.description}`)
  console.log(
    `          entry points: ${entries.join(', ') || '(none)'}${bins.length ? `; commands: ${bins.join(', ')}` : ''}`,
  )
}
