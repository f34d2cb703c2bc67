// Entry point of boxsvc, the per-user service process (VirtualBox's VBoxSVC): owns one home folder's registry and
// settings, serves the Main API on a private Unix socket, and exits a few seconds after its last client leaves
// while no VM runs (VBoxSVC's --auto-shutdown, gShutdownDelayMs = 5000).
import { chmodSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { resolve } from 'node:path'
import type { VBoxError } from '../api/errors'
import { VirtualBoxImpl } from '../server/virtualbox'
import { detachVms, reattachVms } from '../client/vm-launch'
import { ServiceConnection } from './rpc-server'
import { socketPathFor } from './socket-path'

/** How long the service stays up without clients (ms); BOXWOOD_SVC_SHUTDOWN_MS overrides (tests). */
const shutdownDelayMs = Number(process.env.BOXWOOD_SVC_SHUTDOWN_MS ?? 5000)

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index >= 0 ? process.argv[index + 1] : undefined
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} boxsvc[${process.pid}]: ${message}\n`)
}

async function alreadyServed(path: string): Promise<boolean> {
  return new Promise((done) => {
    const probe: Socket = createConnection(path)
    probe.once('connect', () => {
      probe.destroy()
      done(true)
    })
    probe.once('error', () => done(false))
  })
}

async function main(): Promise<void> {
  const home = resolve(argValue('--home') ?? '')
  if (home === '' || !argValue('--home')) throw new Error('usage: boxsvc --home <folder>')
  const path = socketPathFor(home)
  if (await alreadyServed(path)) {
    log(`another service already serves ${home}`)
    return
  }
  const vbox = await VirtualBoxImpl._open({ homeFolder: home })
  const reattached = await reattachVms(vbox)
  if (reattached > 0) log(`re-attached ${reattached} running VM(s)`)
  let clients = 0
  let idleTimer: NodeJS.Timeout | undefined
  const server = createServer({ allowHalfOpen: false })
  const stop = () => {
    log('shutting down')
    vbox._performance._shutdown()
    detachVms(vbox)
    // The socket's name goes first: a client from now on finds no service and starts a new one, which must not
    // lose its fresh socket to this unlink. Clients already queued on ours see the connection close and retry.
    try {
      unlinkSync(path)
    } catch {
      // already gone
    }
    server.close()
    process.exit(0)
  }
  const checkIdle = () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    if (clients > 0) return
    idleTimer = setTimeout(() => {
      // A running VM keeps the service alive (its process is our child); check again later.
      if (vbox._onlineMachines().length > 0) checkIdle()
      else stop()
    }, shutdownDelayMs)
  }
  server.on('connection', (socket) => {
    clients++
    checkIdle()
    new ServiceConnection(vbox, socket, () => {
      clients--
      checkIdle()
    })
  })
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return fail(error)
      // A stale socket from a dead service: take it over.
      unlinkSync(path)
      server.listen(path, () => done())
    })
    server.listen(path, () => done())
  })
  chmodSync(path, 0o600)
  log(`serving ${home} on ${path}`)
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  checkIdle()
}

main().catch((error: unknown) => {
  // The first line is what a starting client reports (the settings error with its path and line).
  const e = error as Partial<VBoxError>
  log(`fatal: ${e.code ?? 'E_FAIL'}: ${e.message ?? String(error)}`)
  log(`fatal: ${(error as Error).stack ?? String(error)}`)
  process.exit(1)
})
