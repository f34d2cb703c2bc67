// Test harness: the boxmanage command table run in-process against an in-process Main API on a temporary home
// folder, with stdout/stderr captured.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openVirtualBox } from '@boxwood/main-api'
import type { IVirtualBoxClient } from '@boxwood/main-api'
import { bufferIo } from '../src/cli/io'
import { runCli } from '../src/cli/program'

/** The outcome of one command line. */
export interface RunResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A temporary Boxwood home with an in-process API and a `run` function for command lines. */
export interface Harness {
  readonly dir: string
  readonly vmFolder: string
  readonly client: IVirtualBoxClient
  run(...argv: string[]): Promise<RunResult>
  /** Runs and expects exit code 0, returning stdout. */
  ok(...argv: string[]): Promise<string>
  cleanup(): Promise<void>
}

/** Creates a harness; machines go to `<dir>/VMs`. */
export async function createHarness(prefix: string): Promise<Harness> {
  // A VM process whose service (this test process) went away without powering it off exits on its own.
  process.env.BOXWOOD_VM_ORPHAN_TIMEOUT_MS = '5000'
  const dir = await mkdtemp(join(tmpdir(), `boxwood-frontends-${prefix}-`))
  const client = await openVirtualBox({ homeFolder: join(dir, 'home') })
  const vmFolder = join(dir, 'VMs')
  await (await client.virtualBox.getSystemProperties()).setDefaultMachineFolder(vmFolder)
  const run = async (...argv: string[]): Promise<RunResult> => {
    const io = bufferIo()
    const code = await runCli(argv, { io, connect: async () => client, closeClient: false })
    return { code, stdout: io.stdout(), stderr: io.stderr() }
  }
  return {
    dir,
    vmFolder,
    client,
    run,
    async ok(...argv) {
      const result = await run(...argv)
      if (result.code !== 0)
        throw new Error(`boxmanage ${argv.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`)
      return result.stdout
    },
    async cleanup() {
      await client.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Parses `--machinereadable` output into a map (keys and values unquoted and unescaped). */
export function parseMachineReadable(text: string): Map<string, string> {
  const map = new Map<string, string>()
  const unquote = (s: string) =>
    s.startsWith('"') && s.endsWith('"')
      ? s.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
      : s
  for (const line of text.split('\n')) {
    if (line === '') continue
    const match = /^("(?:[^"\\]|\\.)*"|[^=]+)=(.*)$/.exec(line)
    if (!match) throw new Error(`not a machine-readable line: ${line}`)
    map.set(unquote(match[1] ?? ''), unquote(match[2] ?? ''))
  }
  return map
}

/** Every file below `dir`, relative paths (empty if it does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`)
      else out.push(`${prefix}${e.name}`)
    }
  }
  await walk(dir, '')
  return out
}

// A boot sector (loaded at 0000:7C00 by the Boxwood PC): writes its message to COM1, then halts.
// xor ax,ax; mov ds,ax; mov dx,0x3f8; mov si,msg; l: lodsb; test al,al; jz d; out dx,al; jmp l; d: cli; hlt; jmp $-1
const CODE = [
  0x31, 0xc0, 0x8e, 0xd8, 0xba, 0xf8, 0x03, 0xbe, 0x16, 0x7c, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xfa,
  0xf4, 0xeb, 0xfd,
]

/** Writes a 1 MiB raw disk image whose boot sector prints `message` on COM1. */
export async function writeBootDisk(path: string, message: string): Promise<void> {
  const image = new Uint8Array(1024 * 1024)
  image.set(CODE)
  image.set(new TextEncoder().encode(`${message}\0`), 0x16)
  image[510] = 0x55
  image[511] = 0xaa
  await writeFile(path, image)
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}

// Loopback TCP probes live in the shared test workspace; re-exported so the suites import every helper from here.
export { canConnect, freePort } from '@boxwood/test-net'
