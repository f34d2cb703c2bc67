// The vitest settings every workspace shares: tests run against TypeScript sources, never against dist/.
import { defineConfig } from 'vitest/config'

/** Resolve `@boxwood/*` imports through the `@boxwood/source` export condition (see tooling/tsconfig/base.json). */
const sourceConditions = ['@boxwood/source', 'module', 'node', 'import', 'default']

/**
 * Builds a vitest config for one workspace. Results are also written as JSON so that the root test script
 * can print one pass/fail count for the whole repository.
 */
export function workspaceTestConfig(options: { readonly testTimeoutMs?: number } = {}) {
  // Timeouts only catch hangs. CI runs every workspace's tests at once on two cores, where a test that spawns VM
  // processes takes 2-3x its time on a quiet machine (the frontends savestate test: 3.6 s alone, 10 s there, and
  // once over the former 20 s): the default leaves ample room for that.
  const timeoutMs = options.testTimeoutMs ?? 60_000
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@boxwood/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: timeoutMs,
      hookTimeout: timeoutMs,
      reporters: ['default', 'json'],
      outputFile: { json: '.test-results/vitest.json' },
      passWithNoTests: true,
    },
  })
}
