// Global behaviour of boxmanage: version, help, exit codes 0/1/2 and VBoxManage's error style.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VBoxError } from '@boxwood/main-api'
import { bufferIo } from '../../src/cli/io'
import { runCli } from '../../src/cli/program'
import { createHarness, type Harness } from '../helpers'
import manifest from '../../package.json' with { type: 'json' }

describe('boxmanage basics', () => {
  let h: Harness
  beforeAll(async () => (h = await createHarness('basics')))
  afterAll(() => h.cleanup())

  it('prints its version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await h.run(flag)
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(`${manifest.version}_BOXWOOD`)
    }
  })

  it('lists every command in help and shows a command synopsis with help <command>', async () => {
    const all = await h.ok('help')
    for (const name of [
      'list',
      'showvminfo',
      'createvm',
      'modifyvm',
      'storagectl',
      'storageattach',
      'createmedium',
      'startvm',
      'controlvm',
      'snapshot',
      'clonevm',
      'metrics',
    ])
      expect(all).toContain(name)
    const createvm = await h.ok('help', 'createvm')
    expect(createvm).toMatch(/^Usage: boxmanage createvm \[options\]/)
    expect(createvm).toContain('--name <name>')
    const modifyvm = await h.ok('modifyvm', '--help')
    expect(modifyvm).toContain('--vrde-port <value>')
    // Old aliases are accepted but not listed.
    expect(modifyvm).not.toContain('--vrdeport')
  })

  it('exits 2 with a usage message when no command is given', async () => {
    const r = await h.run()
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Usage: boxmanage')
  })

  it('exits 2 on an unknown command, option or subcommand, in boxmanage: error: style', async () => {
    const unknown = await h.run('frobnicate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^boxmanage: error: unknown command 'frobnicate'/)
    const badOption = await h.run('list', '--bogus', 'vms')
    expect(badOption.code).toBe(2)
    expect(badOption.stderr).toMatch(/^boxmanage: error: unknown option '--bogus'/)
    const badList = await h.run('list', 'nothing')
    expect(badList.code).toBe(2)
    expect(badList.stderr).toContain("boxmanage: error: Unknown subcommand 'nothing' for 'list'")
    expect(badList.stderr).toContain('Usage: boxmanage list')
  })

  it('reports an unreachable service like VBoxManage and exits 1', async () => {
    const io = bufferIo()
    const code = await runCli(['list', 'vms'], {
      io,
      connect: () => Promise.reject(new VBoxError('E_FAIL', "The Boxwood service for '/x' did not start")),
    })
    expect(code).toBe(1)
    expect(io.stderr()).toBe(
      'boxmanage: error: Failed to create the VirtualBox object!\n' +
        'boxmanage: error: Most likely, the Boxwood service (boxsvc) is not running or failed to start.\n' +
        "boxmanage: error: Details: The Boxwood service for '/x' did not start\n" +
        'boxmanage: error: Details: code E_FAIL (0x80004005), component VirtualBoxWrap, interface IVirtualBox\n',
    )
  })

  it('exits 1 for an API failure and names the object, with the result code details', async () => {
    const r = await h.run('showvminfo', 'no-such-vm')
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain("boxmanage: error: Could not find a registered machine named 'no-such-vm'")
    expect(r.stderr).toContain('boxmanage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001)')
  })
})
