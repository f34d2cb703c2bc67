// The vitest settings every workspace shares: tests run against TypeScript sources, never against dist/.
import { defineConfig } from 'vitest/config'

/** Resolve `@boxwood/*` imports through the `@boxwood/source` export condition (see tooling/tsconfig/base.json). */
const sourceConditions = ['@boxwood/source', 'module', 'node', 'import', 'default']

/**
 * Builds a vitest config for one workspace. Results are also written as JSON so that the root test script
 * can print one pass/fail count for the whole repository.
 */
export function workspaceTestConfig(options: { readonly testTimeoutMs?: number } = {}) {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@boxwood/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: options.testTimeoutMs ?? 20_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.test-results/vitest.json' },
      passWithNoTests: true,
    },
  })
}
