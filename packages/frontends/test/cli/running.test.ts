// A running VM through boxmanage: startvm --type headless on the built-in PC (a boot sector on a raw disk that
// writes to COM1), serial output in the file backend, showvminfo states, controlvm pause/resume/screenshotpng/
// poweroff, refused changes while running, and metrics.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, parseMachineReadable, waitFor, writeBootDisk, type Harness } from '../helpers'

describe('running VMs', () => {
  let h: Harness
  let serial: string
  const state = async () => parseMachineReadable(await h.ok('showvminfo', 'runner', '--machinereadable')).get('VMState')

  beforeAll(async () => {
    delete process.env.BOXWOOD_MACHINE_DRIVER
    h = await createHarness('running')
    serial = join(h.dir, 'com1.log')
    const disk = join(h.dir, 'boot.img')
    await writeBootDisk(disk, 'HELLO FROM BOXMANAGE\r\n')
    await h.ok('createvm', '--name', 'runner', '--ostype', 'Other', '--register')
    await h.ok(
      'modifyvm',
      'runner',
      '--memory',
      '16',
      '--boot1',
      'disk',
      '--uart1',
      '0x3f8',
      '4',
      '--uart-mode1',
      'file',
      serial,
    )
    await h.ok('storagectl', 'runner', '--name', 'IDE', '--add', 'ide')
    await h.ok(
      'storageattach',
      'runner',
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
    await h.run('controlvm', 'runner', 'poweroff')
    await h.cleanup()
  })

  it('controlvm on a VM that is not running fails and names it', async () => {
    const r = await h.run('controlvm', 'runner', 'pause')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Machine 'runner' is not currently running")
  })

  it('startvm --type headless starts the VM; its COM1 output lands in the file', async () => {
    const out = await h.ok('startvm', 'runner', '--type', 'headless')
    expect(out).toBe('Waiting for VM "runner" to power on...\nVM "runner" has been successfully started.\n')
    expect(await state()).toBe('running')
    await waitFor(async () => (await readFile(serial, 'utf8').catch(() => '')).includes('HELLO FROM BOXMANAGE'))
    expect(await h.ok('list', 'runningvms')).toMatch(/^"runner" \{[0-9a-f-]{36}\}\n$/)
    const info = parseMachineReadable(await h.ok('showvminfo', 'runner', '--machinereadable'))
    expect(info.get('SessionName')).toBe('headless')
  })

  it('refuses modifyvm and a second startvm while running, changing nothing', async () => {
    const modify = await h.run('modifyvm', 'runner', '--memory', '32')
    expect(modify.code).toBe(1)
    expect(modify.stderr).toMatch(/^boxmanage: error: The machine 'runner' is already locked/)
    expect(parseMachineReadable(await h.ok('showvminfo', 'runner', '--machinereadable')).get('memory')).toBe('16')
    expect((await h.run('startvm', 'runner')).code).toBe(1)
    expect((await h.run('startvm', 'runner', '--type', 'gui')).code).toBe(1)
  })

  it('controlvm pause/resume changes VMState', async () => {
    await h.ok('controlvm', 'runner', 'pause')
    expect(await state()).toBe('paused')
    await h.ok('controlvm', 'runner', 'resume')
    expect(await state()).toBe('running')
    const bad = await h.run('controlvm', 'runner', 'keyboardputscancode', 'zz')
    expect(bad.code).toBe(2)
    expect((await h.run('controlvm', 'runner', 'fly')).code).toBe(2)
  })

  it('controlvm screenshotpng writes a PNG that ImageMagick reads', async () => {
    const png = join(h.dir, 'screen.png')
    await h.ok('controlvm', 'runner', 'screenshotpng', png)
    const bytes = await readFile(png)
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const size = execFileSync('identify', ['-format', '%w %h', png], { encoding: 'utf8' })
    expect(size).toMatch(/^\d+ \d+$/)
  })

  it('metrics list and query show host and VM metrics', async () => {
    await h.ok('metrics', 'setup', '--period', '1', '--samples', '2', 'runner')
    const setup = await h.ok('metrics', 'setup', '--list', 'host')
    expect(setup).toContain('The following metrics were modified:')
    expect(setup).toMatch(/^host +CPU\/Load$/m)
    // The list names each sub-metric and aggregate with the period and count set up above.
    const list = await h.ok('metrics', 'list', 'host')
    expect(list).toMatch(/^Object +Metric +Unit +Minimum +Maximum +Period +Count +Description$/m)
    expect(list).toMatch(/^host +CPU\/Load\/User +% +0 +100000 +1 +1 /m)
    expect(list).toMatch(/^host +CPU\/Load\/User:avg +% +0 +100000 +1 +1 /m)
    expect(await h.ok('metrics', 'list', 'runner', 'RAM/Usage/Used:')).toMatch(
      /^runner +RAM\/Usage\/Used +kB +0 +\d+ +1 +2 /m,
    )
    // A sample comes every second, the VM's from its process.
    const sampled = /^runner +RAM\/Usage\/Used +\d+ kB/m
    await waitFor(async () => sampled.test(await h.ok('metrics', 'query', 'runner', 'RAM/Usage/Used')))
    const collected = await h.ok('metrics', 'collect', '--rounds', '1', 'host', 'RAM/Usage/Total')
    expect(collected).toMatch(/^\d\d:\d\d:\d\d\.\d{3} +host +RAM\/Usage\/Total +\d+ kB$/m)
    expect((await h.run('metrics', 'scrape')).code).toBe(2)
  })

  it('controlvm savestate saves the VM; startvm restores it; discardstate drops a saved state', async () => {
    const saved = await h.run('controlvm', 'runner', 'savestate')
    expect(saved.code, saved.stderr).toBe(0)
    expect(saved.stderr).toContain('100%')
    const info = parseMachineReadable(await h.ok('showvminfo', 'runner', '--machinereadable'))
    expect(info.get('VMState')).toBe('saved')
    expect(existsSync(info.get('VMStateFile') ?? '')).toBe(true)
    await h.ok('startvm', 'runner')
    expect(await state()).toBe('running')
    await h.ok('controlvm', 'runner', 'savestate')
    await h.ok('discardstate', 'runner')
    const dropped = parseMachineReadable(await h.ok('showvminfo', 'runner', '--machinereadable'))
    expect(dropped.get('VMState')).toBe('poweroff')
    expect(dropped.has('VMStateFile')).toBe(false)
    expect(existsSync(info.get('VMStateFile') ?? '')).toBe(false)
    expect((await h.run('discardstate', 'runner')).code).toBe(1)
    await h.ok('startvm', 'runner')
  })

  it('controlvm poweroff stops it with progress', async () => {
    const r = await h.run('controlvm', 'runner', 'poweroff')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('100%')
    await waitFor(async () => (await state()) === 'poweroff')
  })
})
