// Starts a private Xvfb X server for a client under test (Xvfb picks a free display number via -displayfd).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

/** A running Xvfb. */
export interface Xvfb {
  readonly display: string
  stop(): Promise<void>
}

/** Starts Xvfb with one screen of `width`×`height`×24. */
export async function startXvfb(width: number, height: number): Promise<Xvfb> {
  const proc = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-nocursor'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  )
  const display = await new Promise<string>((resolve, reject) => {
    let text = ''
    const fd3 = proc.stdio[3] as NodeJS.ReadableStream
    fd3.on('data', (c: Buffer) => {
      text += c.toString()
      if (text.includes('\n')) resolve(`:${text.trim()}`)
    })
    proc.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)))
    setTimeout(() => reject(new Error('Xvfb did not start')), 10_000).unref()
  })
  return { display, stop: () => stopProcess(proc) }
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
