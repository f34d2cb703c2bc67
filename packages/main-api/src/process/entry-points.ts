// Locates the service and VM-process entry points, whether this package runs from its TypeScript sources (the
// repository, through tsx and the @boxwood/source condition) or from its built dist/ files.
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** How to start one of the package's own processes with `node`. */
export interface EntryPoint {
  readonly path: string
  readonly execArgv: readonly string[]
}

/** The entry point of `kind`: 'vm-process' (the VM process) or 'boxsvc' (the per-user service). */
export function entryPoint(kind: 'vm-process' | 'boxsvc'): EntryPoint {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    const src = resolve(dirname(here), '..')
    const path =
      kind === 'vm-process' ? join(src, 'client', 'vm-process-main.ts') : join(src, 'service', 'boxsvc-main.ts')
    const tsx = createRequire(import.meta.url).resolve('tsx')
    return { path, execArgv: [`--import=${pathToFileURL(tsx).href}`, '--conditions=@boxwood/source'] }
  }
  return { path: join(dirname(here), `${kind}.js`), execArgv: [] }
}
