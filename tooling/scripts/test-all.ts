// `pnpm test`: the whole suite, exactly what CI runs — lint, layering check, typecheck, package check, and
// every workspace's tests — then one pass/fail count for the repository.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

const steps: readonly (readonly [string, readonly string[]])[] = [
  ['lint', ['run', 'lint']],
  ['layering check', ['run', 'check:layers']],
  ['typecheck', ['run', 'typecheck']],
  ['package check', ['run', 'check:packages']],
  ['tests', ['exec', 'turbo', 'run', 'test', '--continue']],
]

const failed: string[] = []
for (const [name, args] of steps) {
  console.log(`\n=== ${name}: pnpm ${args.join(' ')}`)
  const result = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) failed.push(name)
}

const { passed, failedTests, files, failures } = countResults()
console.log(`\n=== summary: ${files} test result file(s) from the workspaces`)
// CI keeps only the tail of the log, so the failing tests are named here, after every workspace's output.
for (const failure of failures) console.log(`FAILED ${failure}`)
if (failed.length > 0) console.log(`failed steps: ${failed.join(', ')}`)
console.log(`${passed} passed, ${failedTests} failed`)
process.exitCode = failed.length > 0 || failedTests > 0 ? 1 : 0

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  testResults?: {
    name: string
    message?: string
    assertionResults?: { fullName: string; status: string; duration?: number; failureMessages?: string[] }[]
  }[]
}

/** Sums the JSON reports that each workspace's vitest run leaves in .test-results/ and names every failure. */
function countResults(): { passed: number; failedTests: number; files: number; failures: string[] } {
  let passed = 0
  let failedTests = 0
  let files = 0
  const failures: string[] = []
  for (const group of ['packages', 'tooling', 'tests']) {
    const groupDir = join(root, group)
    if (!existsSync(groupDir)) continue
    for (const workspace of readdirSync(groupDir)) {
      const report = join(groupDir, workspace, '.test-results', 'vitest.json')
      if (!existsSync(report)) continue
      const json = JSON.parse(readFileSync(report, 'utf8')) as VitestReport
      passed += json.numPassedTests
      failedTests += json.numFailedTests
      files++
      for (const file of json.testResults ?? []) {
        const where = `${group}/${workspace}/${file.name.split(`/${group}/${workspace}/`).pop() ?? file.name}`
        // A file that failed to load or whose hooks threw has a message but no failed assertion.
        if (file.message) failures.push(`${where}: ${headOf(file.message)}`)
        for (const test of file.assertionResults ?? []) {
          if (test.status !== 'failed') continue
          const head = headOf(test.failureMessages?.[0] ?? '')
          failures.push(`${where} > ${test.fullName} (${Math.round(test.duration ?? 0)} ms): ${namedTimeout(head)}`)
        }
      }
    }
  }
  return { passed, failedTests, files, failures }
}

/**
 * The message's first non-empty lines (up to 8, before the stack trace), indented under the FAILED line: an error
 * often says on its second line what went wrong (a child's stderr), and CI's log tail is all there is to read.
 */
function headOf(text: string): string {
  const head: string[] = []
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    if (/^\s+at /.test(line) || head.length === 8) break
    head.push(line.length > 300 ? `${line.slice(0, 300)}…` : line)
  }
  return head.join('\n    ')
}

/**
 * vitest 4 reports a test or hook timeout with the stack of an error it made when the test was declared, whose
 * message is STACK_TRACE_ERROR, and that stack is what its JSON report keeps: say what it means.
 */
function namedTimeout(head: string): string {
  return head.startsWith('Error: STACK_TRACE_ERROR') ? `timed out (vitest: ${head})` : head
}
