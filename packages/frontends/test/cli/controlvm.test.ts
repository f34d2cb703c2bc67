// controlvm subcommands that need a keyboard and a screen, on the test machine driver (framebuffer + keyboard, no
// CPU): reset, acpipowerbutton, keyboard input, video mode hints, screenshots, and startvm --putenv.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canConnect, createHarness, freePort, parseMachineReadable, waitFor, type Harness } from '../helpers'

describe('controlvm on a test machine', () => {
  let h: Harness
  const state = async () => parseMachineReadable(await h.ok('showvminfo', 'ctl', '--machinereadable')).get('VMState')
  /** Pixel (0,0) of a fresh screenshot: blue counts the scancodes the keyboard received. */
  const corner = async () => {
    const png = join(h.dir, 'corner.png')
    await h.ok('controlvm', 'ctl', 'screenshotpng', png, '0')
    return execFileSync('convert', [png, '-format', '%w %h %[pixel:p{0,0}]', 'info:'], { encoding: 'utf8' })
  }

  beforeAll(async () => {
    process.env.BOXWOOD_MACHINE_DRIVER = join(import.meta.dirname, '..', 'fixtures', 'memory-machine-driver.ts')
    h = await createHarness('controlvm')
    await h.ok('createvm', '--name', 'ctl', '--register')
    await h.ok('modifyvm', 'ctl', '--memory', '32')
    await h.ok('startvm', 'ctl', '--type', 'headless', '--putenv', 'BOXWOOD_TEST_MARKER=1')
  })
  afterAll(async () => {
    await h.run('controlvm', 'ctl', 'poweroff')
    delete process.env.BOXWOOD_MACHINE_DRIVER
    await h.cleanup()
  })

  it('sends scancodes and strings to the keyboard', async () => {
    expect(await corner()).toMatch(/^320 200 s?rgba?\(128,32,0[,)]/)
    await h.ok('controlvm', 'ctl', 'keyboardputscancode', '1e', '9e', '2A')
    await h.ok('controlvm', 'ctl', 'keyboardputstring', 'ab', 'C')
    // 3 + "ab" (4) + " " (2) + "C" (4) = 13
    expect(await corner()).toMatch(/^320 200 s?rgba?\(128,32,13[,)]/)
    const bad = await h.run('controlvm', 'ctl', 'keyboardputstring', 'ü')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Cannot type')
  })

  it('reset restarts the machine (the test screen’s key counter goes back to 0)', async () => {
    await h.ok('controlvm', 'ctl', 'reset')
    expect(await corner()).toMatch(/^320 200 s?rgba?\(128,32,0[,)]/)
    expect(await state()).toBe('running')
  })

  it('setvideomodehint changes the screen size', async () => {
    await h.ok('controlvm', 'ctl', 'setvideomodehint', '800', '600', '32', '0')
    expect(await corner()).toMatch(/^800 600 /)
    expect((await h.run('controlvm', 'ctl', 'setvideomodehint', '800')).code).toBe(2)
  })

  it('vrde on|off and vrdeport change the remote display of the running VM', async () => {
    const info = async () => parseMachineReadable(await h.ok('showvminfo', 'ctl', '--machinereadable'))
    expect((await info()).get('vrde')).toBe('off')
    const port = await freePort()
    await h.ok('controlvm', 'ctl', 'vrdeport', String(port))
    await h.ok('controlvm', 'ctl', 'vrde', 'on')
    expect(await canConnect(port)).toBe(true)
    const on = await info()
    expect([on.get('vrde'), on.get('vrdeport'), on.get('vrdeports')]).toEqual(['on', String(port), String(port)])
    const next = await freePort()
    await h.ok('controlvm', 'ctl', 'vrdeport', String(next))
    expect(await canConnect(next)).toBe(true)
    expect(await canConnect(port)).toBe(false)
    expect((await info()).get('vrdeport')).toBe(String(next))
    await h.ok('controlvm', 'ctl', 'vrde', 'off')
    expect(await canConnect(next)).toBe(false)
    expect((await info()).get('vrde')).toBe('off')
    expect((await h.run('controlvm', 'ctl', 'vrde', 'maybe')).code).toBe(2)
    expect((await h.run('controlvm', 'ctl', 'vrdeport', '70000')).code).toBe(2)
    // modifyvm still needs the VM powered off.
    const refused = await h.run('modifyvm', 'ctl', '--vrde', 'on')
    expect(refused.code).toBe(1)
  })

  it('acpipowerbutton lets the guest power itself off', async () => {
    await h.ok('controlvm', 'ctl', 'acpipowerbutton')
    await waitFor(async () => (await state()) === 'poweroff')
    const r = await h.run('controlvm', 'ctl', 'reset')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Machine 'ctl' is not currently running")
  })
})
