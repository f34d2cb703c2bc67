// Starts a private Xvfb X server for a client under test, on a display number no other test file uses, and
// returns only once an X client can open it and sees the requested screen.
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'

/** A running Xvfb. */
export interface Xvfb {
  readonly display: string
  stop(): Promise<void>
}

/** Thrown when no Xvfb could be started and opened; `code` is stable for callers. */
export class XvfbStartError extends Error {
  readonly code = 'XVFB_START_FAILED'
}

// Why explicit numbers: with a bare `-displayfd` every Xvfb takes the lowest free number, so a number another
// test file has just released (or is still tearing down) is handed out again at once; xfreerdp once failed in CI
// with "failed to open display: :0" right after such a start (not reproduced here). Each process now counts up
// through its own block of numbers and never reuses one; Xvfb refuses a number whose sockets are in use and we
// move on; and the display is handed out only after a real X client has opened it.
const run = promisify(execFile)
const BLOCK = 16
let next = 100 + (process.pid % 3000) * BLOCK
const ATTEMPTS = 12

/** Starts Xvfb with one screen of `width`×`height`×24 and waits until an X client can connect to it. */
export async function startXvfb(width: number, height: number): Promise<Xvfb> {
  const failures: string[] = []
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const number = next++
    const screen = ['-screen', '0', `${width}x${height}x24`]
    const proc = spawn(
      'Xvfb',
      // -displayfd: Xvfb writes the number once it listens; -noreset: our probe's disconnect must not make
      // the server regenerate while the real client connects.
      [`:${number}`, '-displayfd', '3', '-noreset', '-nolisten', 'tcp', '-nocursor', ...screen],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    const listening = await waitListening(proc)
    if (listening) {
      const probe = await probeDisplay(number, width, height)
      if (probe === 'ok') return { display: `:${number}`, stop: () => stopProcess(proc) }
      failures.push(`:${number}: ${probe}`)
    } else {
      failures.push(`:${number}: ${fatalReason(stderr)}`)
    }
    await stopProcess(proc)
  }
  throw new XvfbStartError(`no Xvfb display could be opened: ${failures.join('; ')}`)
}

/** Resolves true once Xvfb reports its display on fd 3, false if it exits (e.g. the number is taken). */
function waitListening(proc: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let text = ''
    const timer = setTimeout(() => resolve(false), 15_000)
    const done = (ok: boolean) => {
      clearTimeout(timer)
      resolve(ok)
    }
    ;(proc.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
      text += c.toString()
      if (text.includes('\n')) done(true)
    })
    proc.once('exit', () => done(false))
  })
}

/**
 * Opens the display with a real Xlib client (xdotool, the same library path xfreerdp and vncviewer take) and
 * checks that the screen is ours by its size; 'ok', or what went wrong.
 */
async function probeDisplay(number: number, width: number, height: number): Promise<string> {
  try {
    const { stdout } = await run('xdotool', ['getdisplaygeometry'], {
      env: { ...process.env, DISPLAY: `:${number}` },
      timeout: 10_000,
    })
    return stdout.trim() === `${width} ${height}` ? 'ok' : `another server answered (${stdout.trim()})`
  } catch (e) {
    return `xdotool: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
  }
}

/** Xvfb's reason for giving up: the line after "Fatal server error:", else its last words. */
function fatalReason(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/^\(EE\)\s*/, '').trim())
  const fatal = lines.findIndex((l) => l.startsWith('Fatal server error'))
  return (fatal >= 0 ? lines[fatal + 1] : lines.filter((l) => l !== '').at(-1)) ?? 'exited'
}

/** Terminates a child process and waits for it. */
export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
    proc.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    proc.kill('SIGTERM')
  })
}
