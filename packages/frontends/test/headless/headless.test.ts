// boxheadless in-process: starts the VM, reports the remote display, runs until interrupted, then powers the VM
// off and exits 0; usage errors exit 2.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IVirtualBoxClient } from '@boxwood/main-api'
import { bufferIo } from '../../src/cli/io'
import { runHeadless } from '../../src/headless/headless'
import { createHarness, freePort, parseMachineReadable, waitFor, writeBootDisk, type Harness } from '../helpers'

describe('boxheadless', () => {
  let h: Harness
  let client: IVirtualBoxClient
  beforeAll(async () => {
    // The PC has no keyboard wired up yet, and the VM process starts a remote display only with input devices:
    // this machine runs on the test driver (framebuffer + keyboard, no CPU).
    process.env.BOXWOOD_MACHINE_DRIVER = join(import.meta.dirname, '..', 'fixtures', 'memory-machine-driver.ts')
    h = await createHarness('headless')
    // The harness owns the client; boxheadless must not close it.
    client = { virtualBox: h.client.virtualBox, getSession: () => h.client.getSession(), close: async () => undefined }
    const disk = join(h.dir, 'boot.img')
    await writeBootDisk(disk, 'HEADLESS\r\n')
    await h.ok('createvm', '--name', 'fg', '--register')
    await h.ok(
      'modifyvm',
      'fg',
      '--memory',
      '16',
      '--boot1',
      'disk',
      '--vrde-extpack',
      'VNC',
      '--vrde-address',
      '127.0.0.1',
    )
    await h.ok('storagectl', 'fg', '--name', 'IDE', '--add', 'ide')
    await h.ok(
      'storageattach',
      'fg',
      '--storagectl',
      'IDE',
      '--port',
      '0',
      '--device',
      '0',
      '--type',
      'hdd',
      '--medium',
      disk,
    )
  })
  afterAll(async () => {
    delete process.env.BOXWOOD_MACHINE_DRIVER
    await h.run('controlvm', 'fg', 'poweroff')
    await h.cleanup()
  })

  it('rejects a missing --startvm and unknown options with exit code 2', async () => {
    const io = bufferIo()
    expect(await runHeadless([], { io, connect: async () => client, interrupted: new Promise(() => undefined) })).toBe(
      2,
    )
    expect(io.stderr()).toContain('boxheadless: error: --startvm <vm> is required')
    const io2 = bufferIo()
    expect(
      await runHeadless(['--startvm', 'fg', '--fly'], {
        io: io2,
        connect: async () => client,
        interrupted: new Promise(() => undefined),
      }),
    ).toBe(2)
  })

  it('--start-paused starts the VM paused', async () => {
    const io = bufferIo()
    let interrupt!: () => void
    const interrupted = new Promise<void>((r) => (interrupt = r))
    const running = runHeadless(['-s', 'fg', '--start-paused', '--vrde', 'off'], {
      io,
      connect: async () => client,
      interrupted,
      pollMs: 50,
    })
    await waitFor(() => io.stdout().includes('VRDE server'))
    expect(io.stdout()).toContain('VM "fg" has been successfully started (paused).')
    expect(parseMachineReadable(await h.ok('showvminfo', 'fg', '--machinereadable')).get('VMState')).toBe('paused')
    interrupt()
    expect(await running).toBe(0)
  })

  it('fails with 1 for an unknown VM', async () => {
    const io = bufferIo()
    expect(
      await runHeadless(['-s', 'nope'], { io, connect: async () => client, interrupted: new Promise(() => undefined) }),
    ).toBe(1)
    expect(io.stderr()).toContain("'nope'")
  })

  it('runs in the foreground with a VNC server for this run only, and powers off on interrupt', async () => {
    const io = bufferIo()
    let interrupt!: () => void
    const interrupted = new Promise<void>((r) => (interrupt = r))
    const vncPort = await freePort()
    const running = runHeadless(['--startvm', 'fg', '--vrde', 'on', '--vrdeproperty', `TCP/Ports=${vncPort}`], {
      io,
      connect: async () => client,
      interrupted,
      pollMs: 50,
    })
    await waitFor(() => io.stdout().includes('VRDE server'))
    expect(io.stdout()).toContain('VM "fg" has been successfully started.')
    const port = Number(/listening on port (\d+) \(VNC/.exec(io.stdout())?.[1])
    const log = () => readFile(join(h.vmFolder, 'fg', 'Logs', 'VBox.log'), 'utf8').catch(() => '')
    expect(port, `${io.stdout()}${io.stderr()}${await log()}`).toBe(vncPort)
    // A VNC server answers with its RFB version banner.
    const banner = await new Promise<string>((resolve, reject) => {
      const socket = createConnection(port, '127.0.0.1')
      socket.once('data', (d) => {
        resolve(d.toString('latin1'))
        socket.destroy()
      })
      socket.once('error', reject)
    })
    expect(banner).toMatch(/^RFB 003\.00\d\n$/)
    const running1 = parseMachineReadable(await h.ok('showvminfo', 'fg', '--machinereadable'))
    expect(running1.get('VMState')).toBe('running')
    // vrdeport is the port the server actually listens on while the VM runs.
    expect(running1.get('vrdeport')).toBe(String(vncPort))
    // Keys typed with controlvm reach the machine's keyboard (the test screen counts them in pixel (0,0)).
    await h.ok('controlvm', 'fg', 'keyboardputstring', 'Hi')
    await h.ok('controlvm', 'fg', 'keyboardputscancode', '1c', '9c')
    await h.ok('controlvm', 'fg', 'setvideomodehint', '640', '480', '32')
    const png = join(h.dir, 'fg.png')
    await h.ok('controlvm', 'fg', 'screenshotpng', png)
    const rgb = execFileSync('convert', [png, '-format', '%w %h %[pixel:p{0,0}]', 'info:'], { encoding: 'utf8' })
    // "Hi" = shift, h, h-up, shift-up, i, i-up: 6 codes, then Enter make/break: 8 in the blue channel; red and
    // green are the test screen's colour (green = memory size 16).
    expect(rgb).toMatch(/^640 480 s?rgba?\(128,16,8[,)]/)
    interrupt()
    expect(await running).toBe(0)
    expect(io.stdout()).toContain('VM "fg" stopped (poweroff).')
    const info = parseMachineReadable(await h.ok('showvminfo', 'fg', '--machinereadable'))
    expect(info.get('VMState')).toBe('poweroff')
    // The per-run VRDE settings were put back.
    expect(info.get('vrde')).toBe('off')
  })
})
