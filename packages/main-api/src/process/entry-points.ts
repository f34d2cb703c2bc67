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

/**
 * V8 options of the VM process, where the guest CPU runs. `--interrupt-budget` (V8's default 67 584 bytes of
 * bytecode run between tiering checks): the CPU compiles hot guest blocks into many small functions, which kernel
 * code calls a few thousand times each — mostly while V8 still runs them in its baseline tier, calling an
 * inline-cache builtin for every property access. A quarter of the budget lets V8 optimize them sooner: in six
 * alternating boots of tooling/bench-boot's Linux guest to its prompt, 4% less main-thread and 2% less wall-clock
 * time; over the first 50 and 150 million instructions of kernel init 6-7% less (phase-bench.ts, 40 and 15 runs).
 */
export const VM_PROCESS_V8_OPTIONS: readonly string[] = ['--interrupt-budget=16000']

/** The entry point of `kind`: 'vm-process' (the VM process) or 'boxsvc' (the per-user service). */
export function entryPoint(kind: 'vm-process' | 'boxsvc'): EntryPoint {
  const v8 = kind === 'vm-process' ? VM_PROCESS_V8_OPTIONS : []
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    const src = resolve(dirname(here), '..')
    const path =
      kind === 'vm-process' ? join(src, 'client', 'vm-process-main.ts') : join(src, 'service', 'boxsvc-main.ts')
    const tsx = createRequire(import.meta.url).resolve('tsx')
    return { path, execArgv: [...v8, `--import=${pathToFileURL(tsx).href}`, '--conditions=@boxwood/source'] }
  }
  return { path: join(dirname(here), `${kind}.js`), execArgv: [...v8] }
}
