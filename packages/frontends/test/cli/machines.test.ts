// createvm, list, showvminfo, modifyvm, registervm/unregistervm, clonevm and setproperty against the in-process API,
// checked through the settings the API reports and the files on disk.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortMode } from '@boxwood/main-api'
import { createHarness, listFiles, parseMachineReadable, type Harness } from '../helpers'

describe('machine commands', () => {
  let h: Harness
  beforeAll(async () => (h = await createHarness('machines')))
  afterAll(() => h.cleanup())

  it('createvm --register writes the settings file and prints VBoxManage’s three lines', async () => {
    const out = await h.ok('createvm', '--name', 'alpha', '--ostype', 'Debian_64', '--register')
    const lines = out.trim().split('\n')
    expect(lines[0]).toBe("Virtual machine 'alpha' is created and registered.")
    expect(lines[1]).toMatch(/^UUID: [0-9a-f-]{36}$/)
    expect(lines[2]).toBe(`Settings file: '${join(h.vmFolder, 'alpha', 'alpha.vbox')}'`)
    const uuid = (lines[1] ?? '').slice(6)
    expect(await h.ok('list', 'vms')).toBe(`"alpha" {${uuid}}\n`)
  })

  it('createvm honours --uuid and --basefolder, and leaves an unregistered VM out of the list', async () => {
    const uuid = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
    const out = await h.ok('createvm', '--name', 'loose', '--uuid', uuid, '--basefolder', join(h.dir, 'elsewhere'))
    expect(out).toContain("Virtual machine 'loose' is created.")
    expect(out).toContain(`UUID: ${uuid}`)
    expect(await listFiles(join(h.dir, 'elsewhere'))).toEqual(['loose/loose.vbox'])
    expect(await h.ok('list', 'vms')).not.toContain('loose')
    await h.ok('registervm', join(h.dir, 'elsewhere', 'loose', 'loose.vbox'))
    expect(await h.ok('list', 'vms')).toContain(`"loose" {${uuid}}`)
    await h.ok('unregistervm', uuid)
    expect(await h.ok('list', 'vms')).not.toContain('loose')
    // Without --delete the files stay.
    expect(await listFiles(join(h.dir, 'elsewhere'))).toEqual(['loose/loose.vbox'])
  })

  it('createvm without --name is a syntax error', async () => {
    const r = await h.run('createvm', '--ostype', 'Debian_64')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('boxmanage: error: Parameter --name is required')
  })

  it('showvminfo --machinereadable gives VirtualBox’s keys and quoting', async () => {
    const text = await h.ok('showvminfo', 'alpha', '--machinereadable')
    const info = parseMachineReadable(text)
    expect(info.get('name')).toBe('alpha')
    expect(info.get('ostype')).toBe('Debian (64-bit)')
    expect(info.get('VMState')).toBe('poweroff')
    expect(info.get('firmware')).toBe('BIOS')
    expect(info.get('CfgFile')).toBe(join(h.vmFolder, 'alpha', 'alpha.vbox'))
    expect(info.get('uart1')).toBe('off')
    expect(info.get('vrde')).toBe('off')
    // Integers are bare, strings quoted.
    expect(text).toMatch(/^memory=\d+$/m)
    expect(text).toMatch(/^cpus=\d+$/m)
    expect(text).toMatch(/^name="alpha"$/m)
    expect(text).toMatch(/^VMStateChangeTime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}"$/m)
  })

  it('modifyvm changes settings with 7.x names and old aliases', async () => {
    await h.ok(
      'modifyvm',
      'alpha',
      '--memory',
      '64',
      '--cpus=2',
      '--vram',
      '32',
      '--ostype',
      'Other',
      '--firmware',
      'efi',
      '--boot1',
      'disk',
      '--boot2',
      'dvd',
      '--boot3',
      'none',
      '--graphicscontroller',
      'vboxvga',
      '--vrde',
      'on',
      '--vrdeport',
      '5000-5010',
      '--vrde-address',
      '127.0.0.1',
      '--vrde-auth-type',
      'external',
      '--vrde-extpack',
      'VNC',
      '--vrde-property',
      'VNCPassword=secret',
      '--vrdeproperty',
      'Security/Method=TLS',
      '--uart1',
      '0x3f8',
      '4',
      '--uart-mode1',
      'file',
      join(h.dir, 'com1.log'),
      '--uart2',
      '0x2F8',
      '3',
      '--uartmode2',
      'tcpserver',
      '6000',
      '--description',
      'a "quoted" \\ description',
    )
    const info = parseMachineReadable(await h.ok('showvminfo', 'alpha', '--machinereadable'))
    expect(info.get('memory')).toBe('64')
    expect(info.get('cpus')).toBe('2')
    expect(info.get('vram')).toBe('32')
    expect(info.get('ostype')).toBe('Other/Unknown')
    expect(info.get('firmware')).toBe('EFI')
    expect([1, 2, 3, 4].map((i) => info.get(`boot${i}`))).toEqual(['disk', 'dvd', 'none', 'none'])
    expect(info.get('graphicscontroller')).toBe('vboxvga')
    expect(info.get('vrde')).toBe('on')
    expect(info.get('vrdeports')).toBe('5000-5010')
    expect(info.get('vrdeaddress')).toBe('127.0.0.1')
    expect(info.get('vrdeauthtype')).toBe('external')
    expect(info.get('vrdeproperty[VNCPassword]')).toBe('secret')
    expect(info.get('vrdeproperty[Security/Method]')).toBe('TLS')
    expect(info.get('uart1')).toBe('0x03f8,4')
    expect(info.get('uartmode1')).toBe(`file,${join(h.dir, 'com1.log')}`)
    expect(info.get('uart2')).toBe('0x02f8,3')
    expect(info.get('uartmode2')).toBe('tcpserver,6000')
    expect(info.get('description')).toBe('a "quoted" \\ description')
    const machine = await h.client.virtualBox.findMachine('alpha')
    const com1 = await machine.getSerialPort(0)
    expect(await com1.getHostMode()).toBe(PortMode.RawFile)
    expect(await (await machine.getVRDEServer()).getVRDEExtPack()).toBe('VNC')
    // The human form shows the same facts.
    const human = await h.ok('showvminfo', 'alpha')
    expect(human).toMatch(/^Name: +alpha$/m)
    expect(human).toMatch(/^Memory size: +64MB$/m)
    expect(human).toMatch(/^State: +powered off \(since /m)
  })

  it('modifyvm with a bad value exits 2 and changes nothing', async () => {
    const file = join(h.vmFolder, 'alpha', 'alpha.vbox')
    const before = await readFile(file, 'utf8')
    for (const args of [
      ['--memory', '128', '--boot1', 'tape'],
      ['--memory', 'lots'],
      ['--uart1', '0x3f8'],
      ['--vrde', 'maybe'],
      ['--uart-mode1', 'file'],
    ]) {
      const r = await h.run('modifyvm', 'alpha', ...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/^boxmanage: error: /)
    }
    expect(await readFile(file, 'utf8')).toBe(before)
    // An API-rejected value (too much memory) fails with 1 and also leaves the file alone.
    const huge = await h.run('modifyvm', 'alpha', '--cpus', '1', '--memory', '99999999')
    expect(huge.code).toBe(1)
    expect(await readFile(file, 'utf8')).toBe(before)
    const unknown = await h.run('modifyvm', 'ghost', '--memory', '64')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("'ghost'")
  })

  it('modifyvm --name renames, and --uart1 off disables the port', async () => {
    await h.ok('modifyvm', 'alpha', '--name', 'beta', '--uart1', 'off')
    const info = parseMachineReadable(await h.ok('showvminfo', 'beta', '--machinereadable'))
    expect(info.get('name')).toBe('beta')
    expect(info.get('uart1')).toBe('off')
    await h.ok('modifyvm', 'beta', '--name', 'alpha')
  })

  it('list --sorted orders by name; list --long prints showvminfo blocks; list runningvms is empty', async () => {
    await h.ok('createvm', '--name', 'aardvark', '--register')
    const sorted = (await h.ok('list', '--sorted', 'vms')).trim().split('\n')
    expect(sorted.map((l) => l.split('"')[1])).toEqual(['aardvark', 'alpha'])
    const long = await h.ok('list', 'vms', '--long')
    expect(long.match(/^Name: /gm)?.length).toBe(2)
    expect(await h.ok('list', 'runningvms')).toBe('')
  })

  it('lists OS types, host information and system properties', async () => {
    const ostypes = await h.ok('list', 'ostypes')
    expect(ostypes).toMatch(/^ID: +Debian_64\nDescription: Debian \(64-bit\)\nFamily ID: +Linux$/m)
    const host = await h.ok('list', 'hostinfo')
    expect(host).toMatch(/^Host Information:\n\nHost time: /)
    expect(host).toMatch(/^Processor count: \d+$/m)
    expect(host).toMatch(/^Memory size: \d+ MByte$/m)
    const props = await h.ok('list', 'systemproperties')
    expect(props).toMatch(/^API version: +7_1$/m)
    expect(props).toContain(`Default machine folder:          ${h.vmFolder}`)
  })

  it('setproperty machinefolder moves where new VMs go', async () => {
    await h.ok('setproperty', 'machinefolder', join(h.dir, 'other'))
    const out = await h.ok('createvm', '--name', 'moved')
    expect(out).toContain(join(h.dir, 'other', 'moved', 'moved.vbox'))
    expect((await h.run('setproperty', 'nonsense', 'x')).code).toBe(2)
    await h.ok('setproperty', 'machinefolder', h.vmFolder)
  })

  it('clonevm makes a registered copy with a new UUID', async () => {
    const out = await h.ok('clonevm', 'alpha', '--name', 'alpha-copy', '--register')
    expect(out.trim()).toBe('Machine has been successfully cloned as "alpha-copy"')
    const a = parseMachineReadable(await h.ok('showvminfo', 'alpha', '--machinereadable'))
    const b = parseMachineReadable(await h.ok('showvminfo', 'alpha-copy', '--machinereadable'))
    expect(b.get('memory')).toBe(a.get('memory'))
    expect(b.get('UUID')).not.toBe(a.get('UUID'))
    expect(b.get('CfgFile')).toBe(join(h.vmFolder, 'alpha-copy', 'alpha-copy.vbox'))
    const linked = await h.run('clonevm', 'alpha', '--options', 'link')
    expect(linked.code).toBe(2)
  })

  it('unregistervm --delete removes the VM’s folder', async () => {
    await h.ok('unregistervm', 'alpha-copy', '--delete')
    expect(await listFiles(join(h.vmFolder, 'alpha-copy'))).toEqual([])
    expect(await h.ok('list', 'vms')).not.toContain('alpha-copy')
  })
})

describe('more storage, snapshot and metrics commands', () => {
  let h: Harness
  beforeAll(async () => {
    h = await createHarness('more')
    await h.ok('createvm', '--name', 'misc', '--register')
  })
  afterAll(() => h.cleanup())

  it('storagectl renames, changes and removes controllers', async () => {
    await h.ok('storagectl', 'misc', '--name', 'SATA', '--add', 'sata', '--portcount', '4', '--bootable', 'off')
    let info = parseMachineReadable(await h.ok('showvminfo', 'misc', '--machinereadable'))
    expect(info.get('storagecontrollertype0')).toBe('IntelAhci')
    expect(info.get('storagecontrollerportcount0')).toBe('4')
    expect(info.get('storagecontrollerbootable0')).toBe('off')
    await h.ok('storagectl', 'misc', '--name', 'SATA', '--rename', 'AHCI')
    info = parseMachineReadable(await h.ok('showvminfo', 'misc', '--machinereadable'))
    expect(info.get('storagecontrollername0')).toBe('AHCI')
    await h.ok('storagectl', 'misc', '--name', 'AHCI', '--remove')
    info = parseMachineReadable(await h.ok('showvminfo', 'misc', '--machinereadable'))
    expect(info.has('storagecontrollername0')).toBe(false)
    expect((await h.run('storagectl', 'misc', '--add', 'ide')).code).toBe(2)
    expect((await h.run('storagectl', 'misc', '--name', 'X', '--add', 'tape')).code).toBe(2)
  })

  it('floppy images: createmedium floppy, attach to a floppy controller, list floppies', async () => {
    const img = join(h.dir, 'boot.img')
    await h.ok('createmedium', 'floppy', '--filename', img, '--sizebyte', String(1_474_560), '--format', 'RAW')
    await h.ok('storagectl', 'misc', '--name', 'Floppy', '--add', 'floppy')
    await h.ok(
      'storageattach',
      'misc',
      '--storagectl',
      'Floppy',
      '--port',
      '0',
      '--device',
      '0',
      '--type',
      'fdd',
      '--medium',
      img,
    )
    expect(await h.ok('list', 'floppies')).toContain(`Location:       ${img}`)
    expect(parseMachineReadable(await h.ok('showvminfo', 'misc', '--machinereadable')).get('Floppy-0-0')).toBe(img)
    await h.ok('storageattach', 'misc', '--storagectl', 'Floppy', '--port', '0', '--device', '0', '--medium', 'none')
    expect(parseMachineReadable(await h.ok('showvminfo', 'misc', '--machinereadable')).get('Floppy-0-0')).toBe('none')
  })

  it('snapshot edit renames, snapshot showvminfo shows the snapshot’s settings', async () => {
    await h.ok('modifyvm', 'misc', '--memory', '96')
    await h.ok('snapshot', 'misc', 'take', 'before')
    await h.ok('modifyvm', 'misc', '--memory', '128')
    await h.ok('snapshot', 'misc', 'edit', 'before', '--name', 'old', '--description', 'at 96 MB')
    expect(await h.ok('snapshot', 'misc', 'showvminfo', 'old')).toMatch(/^Memory size: +96MB$/m)
    expect(await h.ok('snapshot', 'misc', 'list', '--details')).toContain('Description: at 96 MB')
    const unique = await h.ok('snapshot', 'misc', 'take', 'old', '--uniquename', 'Number')
    expect(unique).toMatch(/^Snapshot taken/)
    expect(await h.ok('snapshot', 'misc', 'list')).toContain('Name: old1 (')
  })

  it('metrics enable/disable report the metrics they changed', async () => {
    // The host's metrics are listed before anything is set up (period and count 0), as in VirtualBox.
    expect(await h.ok('metrics', 'list', 'host', 'CPU/Load/Kernel:max')).toMatch(
      /^host +CPU\/Load\/Kernel:max +% +0 +100000 +0 +0 /m,
    )
    await h.ok('metrics', 'setup', 'host', 'CPU/Load')
    expect(await h.ok('metrics', 'disable', '--list', 'host', 'CPU/Load')).toMatch(/^host +CPU\/Load$/m)
    expect(await h.ok('metrics', 'enable', '--list', 'host', 'CPU/Load')).toMatch(/^host +CPU\/Load$/m)
    expect(await h.ok('metrics', 'collect', '--detach', 'host', 'RAM/Usage')).toBe('')
  })
})
