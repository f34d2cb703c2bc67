// Runs the built `boxmanage` and `boxheadless` binaries (the files @boxwood/frontends's `bin` entries name) in a
// temporary Boxwood home, with the service told to exit soon after the last client.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const manifestPath = require.resolve('@boxwood/frontends/package.json')
const manifest = require(manifestPath) as { bin: Record<string, string> }

/** Absolute path of a binary as the package's `bin` entry names it. */
export function binaryPath(name: 'boxmanage' | 'boxheadless'): string {
  const relative = manifest.bin[name]
  if (!relative) throw new Error(`@boxwood/frontends has no bin entry '${name}'`)
  return join(dirname(manifestPath), relative)
}

/** A temporary home for one suite. */
export interface E2eHome {
  readonly dir: string
  readonly env: NodeJS.ProcessEnv
  boxmanage(...args: string[]): { code: number; stdout: string; stderr: string }
  ok(...args: string[]): string
  /** Starts boxheadless in the foreground with `args`. */
  boxheadless(...args: string[]): HeadlessRun
  cleanup(): void
}

/** A boxheadless process with what it has printed. */
export interface HeadlessRun {
  readonly child: ChildProcess
  /** Everything it printed so far, stdout and stderr as they arrived. */
  output(): string
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>
  /** Waits until its output contains `text`; the timeout error quotes the output. */
  waitFor(text: string): Promise<void>
}

/** Creates a temporary home folder (`BOXWOOD_USER_HOME`) and machine folder. */
export function createHome(prefix: string): E2eHome {
  const dir = mkdtempSync(join(tmpdir(), `boxwood-e2e-${prefix}-`))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BOXWOOD_USER_HOME: join(dir, 'home'),
    BOXWOOD_SVC_SHUTDOWN_MS: '500',
    BOXWOOD_VM_ORPHAN_TIMEOUT_MS: '5000',
  }
  delete env.BOXWOOD_MACHINE_DRIVER
  const boxmanage = (...args: string[]) => {
    const r = spawnSync(binaryPath('boxmanage'), args, { env, encoding: 'utf8', cwd: dir })
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
  }
  return {
    dir,
    env,
    boxmanage,
    ok(...args) {
      const r = boxmanage(...args)
      if (r.code !== 0) throw new Error(`boxmanage ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`)
      return r.stdout
    },
    boxheadless(...args) {
      const child = spawn(binaryPath('boxheadless'), args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
      return {
        child,
        output: () => out,
        exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
        waitFor: (text) =>
          waitFor(() => out.includes(text)).catch((error: Error) => {
            throw new Error(`${error.message}; boxheadless printed: ${out}`)
          }),
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Parses `--machinereadable` output. */
export function machineReadable(text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^("(?:[^"\\]|\\.)*"|[^=]+)=(.*)$/.exec(line)
    if (!m) continue
    const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s)
    map.set(unquote(m[1] ?? ''), unquote(m[2] ?? ''))
  }
  return map
}

/** Polls until `check` holds. */
export async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
