// The client library for boxsvc: starts the service on first use, connects over its private socket and returns
// the same API surface as openVirtualBox, with every object a proxy that calls into the service.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { readFile } from 'node:fs/promises'
import { ResultCode, VBoxError, type ResultCodeName } from '../api/errors'
import type { ISession, IVirtualBox, IVirtualBoxClient } from '../api/interfaces'
import { entryPoint } from '../process/entry-points'
import { boxwoodHomeFolder } from '../settings/home'
import { socketPathFor } from './socket-path'
import { decodeValue, encodeValue, lineReader, type ReplyMessage, type WireRef } from './wire'

/** Options of {@link connectVirtualBox}. */
export interface ConnectOptions {
  /** The home folder (default: $BOXWOOD_USER_HOME or ~/.config/Boxwood). */
  readonly homeFolder?: string
  /** Start boxsvc when it is not running (default true). */
  readonly autoStart?: boolean
  /** How long to wait for a starting service (ms, default 15000). */
  readonly startTimeoutMs?: number
}

const REF = Symbol('boxwood.ref')

/**
 * Connects to the per-user service for a home folder, starting it if needed (VirtualBoxClient's behaviour).
 * `close()` disconnects; the service unlocks this client's sessions and exits a few seconds after the last client.
 */
export async function connectVirtualBox(options: ConnectOptions = {}): Promise<IVirtualBoxClient> {
  const home = resolve(options.homeFolder ?? boxwoodHomeFolder())
  const path = socketPathFor(home)
  const deadline = Date.now() + (options.startTimeoutMs ?? 15000)
  for (;;) {
    const rpc = new RpcClient(await reachService(home, path, options.autoStart !== false, deadline))
    try {
      const virtualBox = (await rpc.call(0, 'getVirtualBox', [])) as IVirtualBox
      return {
        virtualBox,
        getSession: () => rpc.call(0, 'getSession', []) as Promise<ISession>,
        close: () => rpc.close(),
      }
    } catch (error) {
      // An idle service that was exiting as we connected closes the connection unanswered (it counted no client).
      // The first call is harmless to repeat: go again, which finds its socket gone and starts a new service.
      const retry = rpc.lost && Date.now() < deadline
      // A service that answered with an error keeps the connection open: close it, the client gets no object.
      await rpc.close()
      if (!retry) throw error
    }
  }
}

/** A connection to the running service, starting one when none answers (unless `autoStart` is false). */
async function reachService(home: string, path: string, autoStart: boolean, deadline: number): Promise<Socket> {
  const socket = await tryConnect(path)
  if (socket) return socket
  if (!autoStart) throw new VBoxError('E_FAIL', `The Boxwood service for '${home}' is not running`, 'VirtualBoxClient')
  let started = startService(home)
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    const socket = await tryConnect(path)
    if (socket) return socket
    if (started.exitCode === undefined) continue
    // Exit code 0: it found another service serving this home (started by another client at the same moment),
    // which may since have gone idle and exited too. Anything else is a start-up failure to report.
    if (started.exitCode !== 0) throw await startFailure(home, started.exitCode)
    started = startService(home)
  }
  throw await startFailure(home, started.exitCode)
}

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((done) => {
    const socket = createConnection(path)
    socket.once('connect', () => {
      socket.removeAllListeners('error')
      done(socket)
    })
    socket.once('error', () => done(undefined))
  })
}

/** Starts boxsvc for `home`; `exitCode` becomes set if it exits (a start-up failure). */
function startService(home: string): { exitCode: number | undefined } {
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const log = openSync(join(home, 'VBoxSVC.log'), 'a')
  const status: { exitCode: number | undefined } = { exitCode: undefined }
  try {
    const entry = entryPoint('boxsvc')
    const child = spawn(process.execPath, [...entry.execArgv, entry.path, '--home', home], {
      detached: true,
      stdio: ['ignore', log, log],
      env: process.env,
    })
    child.once('exit', (code) => (status.exitCode = code ?? 1))
    child.unref()
  } finally {
    closeSync(log)
  }
  return status
}

/** The error for a service that did not come up, with the reason it logged (e.g. a corrupt VirtualBox.xml). */
async function startFailure(home: string, exitCode: number | undefined): Promise<VBoxError> {
  const logPath = join(home, 'VBoxSVC.log')
  const log = await readFile(logPath, 'utf8').catch(() => '')
  const fatal = [...log.matchAll(/fatal: ([A-Z_]+): (.*)$/gm)].at(-1)
  if (fatal?.[1] && fatal[2] && fatal[1] in ResultCode)
    return new VBoxError(fatal[1] as ResultCodeName, fatal[2], 'VirtualBoxClient')
  const how = exitCode === undefined ? 'did not start in time' : `exited with code ${exitCode}`
  return new VBoxError('E_FAIL', `The Boxwood service for '${home}' ${how}; see ${logPath}`, 'VirtualBoxClient')
}

/** Calls over one connection; API objects come back as proxies with the interface's methods. */
class RpcClient {
  private readonly socket: Socket
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  private readonly proxies = new Map<number, object>()
  private nextId = 1
  private closed = false

  /** True once the connection is gone (closed by either side). */
  get lost(): boolean {
    return this.closed
  }

  constructor(socket: Socket) {
    this.socket = socket
    socket.on(
      'data',
      lineReader(
        (message) => this.onReply(message as ReplyMessage),
        () => socket.destroy(),
      ),
    )
    socket.on('close', () => {
      this.closed = true
      for (const p of this.pending.values())
        p.reject(new VBoxError('E_FAIL', 'The connection to the Boxwood service was lost', 'VirtualBoxClient'))
      this.pending.clear()
    })
    socket.on('error', () => socket.destroy())
  }

  call(target: number, method: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new VBoxError('E_FAIL', 'The client is closed', 'VirtualBoxClient'))
    const id = this.nextId++
    const encoded = args.map((a) => encodeValue(a, this.toRef))
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.socket.write(`${JSON.stringify({ id, target, method, args: encoded })}\n`)
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await new Promise<void>((done) => {
      this.socket.once('close', () => done())
      this.socket.end()
    })
  }

  private toRef = (value: object): WireRef | undefined => {
    const ref = (value as { [REF]?: WireRef })[REF]
    return ref
  }

  private fromRef = (ref: WireRef): unknown => {
    let proxy = this.proxies.get(ref.$ref)
    if (!proxy) {
      proxy = this.makeProxy(ref)
      this.proxies.set(ref.$ref, proxy)
    }
    return proxy
  }

  private makeProxy(ref: WireRef): object {
    const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
    return new Proxy(Object.create(null) as object, {
      get: (_target, prop) => {
        if (prop === REF) return ref
        if (prop === 'interfaceName') return ref.$if
        // Not a thenable, not inspectable as a promise.
        if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON') return undefined
        let fn = methods.get(prop)
        if (!fn) {
          fn = (...args: unknown[]) => this.call(ref.$ref, prop, args)
          methods.set(prop, fn)
        }
        return fn
      },
      has: (_target, prop) => prop === REF,
    })
  }

  private onReply(message: ReplyMessage): void {
    const pending = this.pending.get(message.id)
    if (!pending) return
    this.pending.delete(message.id)
    if ('error' in message) pending.reject(VBoxError.fromErrorInfo(message.error))
    else {
      try {
        pending.resolve(decodeValue(message.result, this.fromRef))
      } catch (error) {
        pending.reject(error)
      }
    }
  }
}
