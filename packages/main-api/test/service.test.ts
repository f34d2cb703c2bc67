// The Main API scenario through boxsvc: the service starts on first use, serves several clients, exits after the
// last one leaves, and a new one picks up the saved registry.
import { existsSync, statSync, unlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  connectVirtualBox,
  LockType,
  MachineState,
  PlatformArchitecture,
  SessionState,
  VBoxEventType,
  openEventStream,
} from '../src/index'
import type { VBoxEvent } from '../src/index'
import { socketPathFor } from '../src/service/socket-path'
import { tempDir, waitFor } from './helpers'
import { defineScenario } from './scenario'
import { defineSnapshotChainTests } from './server/snapshot-chain'
import { defineVmScenario, testDriver } from './vm-scenario'

// The service inherits the environment of the client that starts it.
process.env.BOXWOOD_SVC_SHUTDOWN_MS = '300'
process.env.BOXWOOD_MACHINE_DRIVER = testDriver

/** Waits until the service for `home` has shut down (it removes its socket). */
async function serviceGone(home: string): Promise<void> {
  await waitFor(() => !existsSync(socketPathFor(home)), 15000, 'service shutdown')
}

defineScenario('service', (home) => connectVirtualBox({ homeFolder: home }), serviceGone)
defineSnapshotChainTests(
  'service',
  (home) => connectVirtualBox({ homeFolder: home }),
  async (home, old) => {
    // Let the service exit so that the next one loads the registry from the files.
    await old.close()
    await serviceGone(home)
    return connectVirtualBox({ homeFolder: home })
  },
)
defineVmScenario(
  'service',
  (home) => connectVirtualBox({ homeFolder: home }),
  async (home) => {
    // Kill the service outright (no goodbye to its VMs), then let the next client start a new one.
    const log = await readFile(join(home, 'VBoxSVC.log'), 'utf8')
    const pid = Number([...log.matchAll(/boxsvc\[(\d+)\]: serving/g)].at(-1)?.[1])
    expect(pid).toBeGreaterThan(0)
    process.kill(pid, 'SIGKILL')
    await waitFor(
      () => {
        try {
          process.kill(pid, 0)
          return false
        } catch {
          return true
        }
      },
      5000,
      'service death',
    )
    return connectVirtualBox({ homeFolder: home })
  },
)

describe('boxsvc', () => {
  const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = []
  afterAll(async () => {
    for (const d of dirs) await d.cleanup()
  })

  it('listens on a socket only its user can open, in a private folder', async () => {
    const dir = await tempDir('svc-perm')
    dirs.push(dir)
    const home = join(dir.path, 'home')
    const client = await connectVirtualBox({ homeFolder: home })
    const socket = socketPathFor(home)
    expect(statSync(socket).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700)
    expect(await client.virtualBox.getHomeFolder()).toBe(home)
    await client.close()
    await serviceGone(home)
    await expect(connectVirtualBox({ homeFolder: home, autoStart: false })).rejects.toMatchObject({ code: 'E_FAIL' })
  })

  it('goes on to a new service when the one it reached exits without answering', async () => {
    const dir = await tempDir('svc-exiting')
    dirs.push(dir)
    const home = join(dir.path, 'home')
    const path = socketPathFor(home)
    // An idle service exiting just as a client connects: it takes the connection, closes it and removes its socket.
    let taken = 0
    const exiting = createServer((socket) => {
      taken++
      unlinkSync(path)
      socket.destroy()
      exiting.close()
    })
    await new Promise<void>((done) => exiting.listen(path, done))
    const client = await connectVirtualBox({ homeFolder: home })
    expect(taken).toBe(1)
    expect(await client.virtualBox.getHomeFolder()).toBe(home)
    await client.close()
    await serviceGone(home)
  })

  it('reports a service’s error answer to the first call and closes the connection', async () => {
    const dir = await tempDir('svc-refusing')
    dirs.push(dir)
    const home = join(dir.path, 'home')
    const path = socketPathFor(home)
    // A service that answers every call with an error: the client must not keep its connection.
    let closed = false
    const refusing = createServer((socket) => {
      socket.on('close', () => (closed = true))
      socket.on('data', (data) => {
        const { id } = JSON.parse(data.toString().split('\n')[0]!) as { id: number }
        const error = { code: 'E_ACCESSDENIED', text: 'refused for the test', component: 'VirtualBox' }
        socket.write(`${JSON.stringify({ id, error })}\n`)
      })
    })
    await new Promise<void>((done) => refusing.listen(path, done))
    try {
      await expect(connectVirtualBox({ homeFolder: home })).rejects.toMatchObject({
        code: 'E_ACCESSDENIED',
        message: expect.stringContaining('refused for the test'),
      })
      await waitFor(() => closed, 5000, 'the client closing its connection')
    } finally {
      refusing.close()
    }
  })

  it('shows two clients the same objects and events, and unlocks a departed client’s sessions', async () => {
    const dir = await tempDir('svc-two')
    dirs.push(dir)
    const home = join(dir.path, 'home')
    const a = await connectVirtualBox({ homeFolder: home })
    const b = await connectVirtualBox({ homeFolder: home })
    await (await a.virtualBox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
    const abort = new AbortController()
    const seen: VBoxEvent[] = []
    const stream = await openEventStream(await b.virtualBox.getEventSource(), [VBoxEventType.OnMachineRegistered], {
      pollMs: 100,
      signal: abort.signal,
    })
    const collecting = (async () => {
      for await (const e of stream) seen.push(e)
    })()
    const m = await a.virtualBox.createMachine('', 'shared', PlatformArchitecture.x86, [], 'Other', '')
    await m.saveSettings()
    await a.virtualBox.registerMachine(m)
    const id = await m.getId()
    await waitFor(
      () => seen.some((e) => e.type === VBoxEventType.OnMachineRegistered && e.machineId === id),
      5000,
      'event at client b',
    )
    const fromB = await b.virtualBox.findMachine('shared')
    expect(await fromB.getId()).toBe(id)
    const sa = await a.getSession()
    await fromB.lockMachine(sa, LockType.Write).catch(() => undefined)
    await m.lockMachine(sa, LockType.Write)
    const sb = await b.getSession()
    await expect(fromB.lockMachine(sb, LockType.Write)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_OBJECT_STATE' })
    // Client a goes away without unlocking: the service releases its lock.
    await a.close()
    await waitFor(
      async () => {
        try {
          await fromB.lockMachine(sb, LockType.Write)
          return true
        } catch {
          return false
        }
      },
      5000,
      'lock released',
    )
    await sb.unlockMachine()
    abort.abort()
    await collecting
    await b.close()
    await serviceGone(home)
  })
})

describe('boxsvc and LockType.VM', () => {
  it('powers off the VM of a client that hosted it (LockType.VM) and went away', async () => {
    const dir = await tempDir('svc-vmlock')
    try {
      const home = join(dir.path, 'home')
      const a = await connectVirtualBox({ homeFolder: home })
      const b = await connectVirtualBox({ homeFolder: home })
      await (await a.virtualBox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
      const m = await a.virtualBox.createMachine('', 'hosted', PlatformArchitecture.x86, [], 'Other', '')
      await m.saveSettings()
      await a.virtualBox.registerMachine(m)
      const session = await a.getSession()
      await m.lockMachine(session, LockType.VM)
      const progress = await (await session.getConsole())!.powerUp()
      await progress.waitForCompletion(-1)
      expect(await progress.getResultCode()).toBe(0)
      const fromB = await b.virtualBox.findMachine('hosted')
      expect(await fromB.getState()).toBe(MachineState.Running)
      await a.close()
      await waitFor(async () => (await fromB.getState()) === MachineState.PoweredOff, 15000, 'hosted VM power-off')
      await waitFor(async () => (await fromB.getSessionState()) === SessionState.Unlocked, 5000, 'unlock')
      await b.close()
      await serviceGone(home)
    } finally {
      await dir.cleanup()
    }
  })
})

describe('boxsvc start-up failures', () => {
  it('reports a corrupt VirtualBox.xml with its path and line, and offers the previous version', async () => {
    const dir = await tempDir('svc-corrupt')
    try {
      const home = join(dir.path, 'home')
      const client = await connectVirtualBox({ homeFolder: home })
      await client.virtualBox.setExtraData('a', '1')
      await client.virtualBox.setExtraData('a', '2') // VirtualBox.xml-prev now exists
      await client.close()
      await serviceGone(home)
      const path = join(home, 'VirtualBox.xml')
      const text = await readFile(path, 'utf8')
      await writeFile(path, text.replace('<MachineRegistry', '<MachineRegistry <'))
      await expect(connectVirtualBox({ homeFolder: home })).rejects.toMatchObject({
        code: 'VBOX_E_XML_ERROR',
        message: expect.stringMatching(new RegExp(`${path} \\(line \\d+, column \\d+\\).*${path}-prev`)),
      })
    } finally {
      await dir.cleanup()
    }
  })
})
