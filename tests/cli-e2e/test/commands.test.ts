// Every documented boxmanage command, subcommand and list with the real binaries, in one temporary home (the
// issue's command list). The last test reads `boxmanage help` and fails if a command, a controlvm/snapshot/metrics
// subcommand or a list name it documents was not run here. Oracles: qemu-img for the disk images, a TCP probe and
// the demo guest's COM1 banner for the running VM.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canConnect, freePort } from '@boxwood/test-net'
import { DEMO_BANNER, writeDemoDisk } from '../../../tooling/scripts/demo/demo-disk'
import { argv } from './argv'
import { createHome, machineReadable, waitFor, type E2eHome } from './binaries'

const UUID = '6b0c5a3e-9d1f-4e27-8c44-2f5e7a9b1c30'

describe('every documented boxmanage command', () => {
  let home: E2eHome
  let vms: string
  let serial: string
  let disk: string
  /** Commands (and `controlvm x`, `snapshot x`, `list x`, `metrics x`) this suite ran. */
  const ran = new Set<string>()
  const note = (args: string[]) => {
    const [command = ''] = args
    ran.add(command)
    const words = args.filter((a) => !a.startsWith('-'))
    if (command === 'controlvm' || command === 'snapshot') ran.add(`${command} ${words[2] ?? ''}`)
    if (command === 'list' || command === 'metrics') ran.add(`${command} ${words[1] ?? ''}`)
  }
  const ok = (...args: string[]) => {
    note(args)
    return home.ok(...args)
  }
  const run = (...args: string[]) => {
    note(args)
    return home.boxmanage(...args)
  }
  const info = (vm = 'cmd') => machineReadable(ok('showvminfo', vm, '--machinereadable'))

  beforeAll(() => {
    home = createHome('commands')
    vms = join(home.dir, 'VMs')
    serial = join(home.dir, 'com1.log')
    disk = join(home.dir, 'demo.img')
    writeDemoDisk(disk)
  })
  afterAll(() => {
    home.boxmanage('controlvm', 'cmd', 'poweroff')
    home.cleanup()
  })

  it('help, --version, setproperty and the global lists', () => {
    expect(ok('help')).toMatch(/^Commands:$/m)
    expect(ok('help', 'snapshot')).toMatch(/^Usage: boxmanage snapshot /m)
    expect(ok('--version')).toMatch(/^\d+\.\d+\.\d+_BOXWOOD$/m)
    ok('setproperty', 'machinefolder', vms)
    expect(ok('list', 'systemproperties')).toMatch(new RegExp(`^Default machine folder: +${vms}$`, 'm'))
    expect(ok('list', 'hostinfo')).toMatch(/^Processor count: \d+$/m)
    const types = ok('list', '--sorted', 'ostypes')
    expect(types).toMatch(/^ID: +Debian_64$/m)
    const ids = [...types.matchAll(/^ID: +(\S+)$/gm)].map((m) => m[1] ?? '')
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)))
    expect(ok('list', 'vms')).toBe('')
    expect(ok('list', 'runningvms')).toBe('')
    expect(ok('list', 'dvds')).toBe('')
    expect(ok('list', 'floppies')).toBe('')
    expect(run('list', 'nonsense').code).toBe(2)
  })

  it('createvm with --basefolder and --uuid; modifyvm with the documented options', () => {
    const base = join(home.dir, 'base')
    expect(
      ok('createvm', '--name', 'cmd', '--ostype', 'Other', '--register', '--basefolder', base, '--uuid', UUID),
    ).toContain(`Settings file: '${join(base, 'cmd', 'cmd.vbox')}'`)
    ok(
      ...argv`modifyvm cmd --memory 16 --cpus 2 --ostype Debian --firmware bios --graphicscontroller vboxvga --vram 16
      --description ${'all the commands'} --vrde off --vrde-port 5999 --vrde-address 127.0.0.1 --vrde-auth-type null
      --vrde-extpack VNC --vrde-property VNCPassword=secret --boot1 disk --boot2 none --uart1 0x3f8 4 --uart-mode1 file
      ${serial}`,
    )
    const i = info()
    expect(
      Object.fromEntries(['UUID', 'CfgFile', 'memory', 'cpus', 'ostype', 'firmware', 'vram'].map((k) => [k, i.get(k)])),
    ).toEqual({
      UUID,
      CfgFile: join(base, 'cmd', 'cmd.vbox'),
      memory: '16',
      cpus: '2',
      ostype: 'Debian (32-bit)',
      firmware: 'BIOS',
      vram: '16',
    })
    expect([i.get('graphicscontroller'), i.get('description'), i.get('boot1'), i.get('boot2')]).toEqual([
      'vboxvga',
      'all the commands',
      'disk',
      'none',
    ])
    expect(i.get('uartmode1')).toBe(`file,${serial}`)
    // The VRDE settings are kept while the server is off.
    expect(ok('showvminfo', 'cmd')).toMatch(/^VRDE: +disabled$/m)
    ok('modifyvm', 'cmd', '--vrde', 'on')
    expect(info().get('vrdeports')).toBe('5999')
    expect([info().get('vrdeaddress'), info().get('vrdeauthtype'), info().get('vrdeproperty[VNCPassword]')]).toEqual([
      '127.0.0.1',
      'null',
      'secret',
    ])
    expect(ok('list', '--long', 'vms')).toMatch(new RegExp(`^Name: +cmd\n[\\s\\S]*^UUID: +${UUID}$`, 'm'))
    ok('modifyvm', 'cmd', '--vrde', 'off', '--name', 'renamed')
    expect(ok('list', 'vms')).toBe(`"renamed" {${UUID}}\n`)
    ok('modifyvm', UUID, '--name', 'cmd')
    const bad = run('modifyvm', 'cmd', '--memory', 'lots')
    expect([bad.code, info().get('memory')]).toEqual([2, '16'])
  })

  it('media: createmedium, showmediuminfo, modifymedium (resize, compact), clonemedium, closemedium', () => {
    const vdi = join(home.dir, 'media', 'data.vdi')
    expect(ok('createmedium', 'disk', '--filename', vdi, '--size', '8')).toMatch(/^Medium created\. UUID: [0-9a-f-]+$/m)
    expect(ok('showmediuminfo', vdi)).toMatch(/^Capacity: +8 MBytes$/m)
    ok('modifymedium', vdi, '--resize', '16')
    ok('modifymedium', 'disk', vdi, '--compact')
    expect(ok('showmediuminfo', 'disk', vdi)).toMatch(/^Capacity: +16 MBytes$/m)
    // Oracle: qemu-img reads the resized image and checks it.
    expect(execFileSync('qemu-img', ['info', '--output=json', vdi], { encoding: 'utf8' })).toMatch(
      /"virtual-size": 16777216/,
    )
    execFileSync('qemu-img', ['check', vdi], { stdio: 'pipe' })
    const vhd = join(home.dir, 'media', 'data.vhd')
    expect(ok('clonemedium', vdi, vhd, '--format', 'VHD')).toMatch(/^Clone medium created in format 'VHD'/)
    expect(execFileSync('qemu-img', ['info', '--output=json', vhd], { encoding: 'utf8' })).toMatch(/"format": "vpc"/)
    expect(ok('list', 'hdds')).toContain(vhd)
    ok('closemedium', 'disk', vhd, '--delete')
    expect(existsSync(vhd)).toBe(false)
    ok('closemedium', vdi)
    expect(ok('list', 'hdds')).toBe('')
  })

  it('storagectl and storageattach: disk, dvddrive, fdd, emptydrive, none, --remove', () => {
    ok('storagectl', 'cmd', '--name', 'IDE', '--add', 'ide', '--controller', 'PIIX4')
    ok('storagectl', 'cmd', '--name', 'FDC', '--add', 'floppy')
    // The demo disk is raw: its snapshots get differencing images with a UUID-less parent.
    ok('storageattach', 'cmd', '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', disk)
    ok(...argv`storageattach cmd --storagectl IDE --port 1 --device 0 --type dvddrive --medium emptydrive`)
    ok(...argv`storageattach cmd --storagectl FDC --port 0 --device 0 --type fdd --medium emptydrive`)
    let i = info()
    expect([i.get('IDE-0-0'), i.get('IDE-1-0'), i.get('FDC-0-0')]).toEqual([disk, 'emptydrive', 'emptydrive'])
    ok('storageattach', 'cmd', '--storagectl', 'FDC', '--port', '0', '--device', '0', '--medium', 'none')
    ok('storagectl', 'cmd', '--name', 'FDC', '--remove')
    i = info()
    expect([i.get('FDC-0-0'), i.get('storagecontrollername1')]).toEqual([undefined, undefined])
  })

  it('snapshot take, list, showvminfo, delete (in the middle of the chain), restore, edit, restorecurrent', () => {
    for (const name of ['one', 'two', 'three']) expect(ok('snapshot', 'cmd', 'take', name)).toMatch(/^Snapshot taken\./)
    expect(ok('snapshot', 'cmd', 'list')).toMatch(/Name: one[\s\S]*Name: two[\s\S]*Name: three \(UUID: [0-9a-f-]+\) \*/)
    expect(ok('snapshot', 'cmd', 'showvminfo', 'two')).toMatch(/^Name: +cmd$/m)
    ok('snapshot', 'cmd', 'delete', 'two')
    const list = ok('snapshot', 'cmd', 'list')
    expect(list).not.toContain('Name: two')
    expect(list).toMatch(/Name: one[\s\S]*Name: three/)
    ok('snapshot', 'cmd', 'restore', 'one')
    expect(info().get('CurrentSnapshotName')).toBe('one')
    ok('snapshot', 'cmd', 'restore', 'three')
    ok('snapshot', 'cmd', 'edit', '--current', '--description', 'the last one')
    expect(ok('snapshot', 'cmd', 'list', '--details')).toContain('the last one')
    ok('snapshot', 'cmd', 'restorecurrent')
    expect(info().get('CurrentSnapshotName')).toBe('three')
    expect(
      info()
        .get('IDE-0-0')
        ?.startsWith(join(home.dir, 'base', 'cmd', 'Snapshots')),
    ).toBe(true)
  })

  it('startvm boots through the differencing chain over the raw disk; controlvm runs every subcommand', async () => {
    expect(ok('startvm', 'cmd', '--type', 'headless')).toContain('VM "cmd" has been successfully started.')
    await waitFor(() => existsSync(serial) && readFileSync(serial, 'latin1').includes(DEMO_BANNER))
    expect(ok('list', 'runningvms')).toBe(`"cmd" {${UUID}}\n`)
    ok('controlvm', 'cmd', 'keyboardputscancode', '1e', '9e')
    ok('controlvm', 'cmd', 'keyboardputstring', 'ok')
    await waitFor(() => readFileSync(serial, 'latin1').includes('aok'))
    const png = join(home.dir, 'cmd.png')
    ok('controlvm', 'cmd', 'screenshotpng', png)
    expect(execFileSync('identify', ['-format', '%m %w %h', png], { encoding: 'utf8' })).toBe('PNG 320 200')
    // The Boxwood PC has no guest additions: as in VirtualBox, the hint is accepted and kept, the screen stays.
    ok('controlvm', 'cmd', 'setvideomodehint', '800', '600', '32')
    ok('controlvm', 'cmd', 'screenshotpng', png)
    expect(execFileSync('identify', ['-format', '%m %w %h', png], { encoding: 'utf8' })).toBe('PNG 320 200')
    ok('controlvm', 'cmd', 'acpipowerbutton')
    const port = await freePort()
    ok('controlvm', 'cmd', 'vrdeport', String(port))
    ok('controlvm', 'cmd', 'vrde', 'on')
    expect(await canConnect(port)).toBe(true)
    ok('controlvm', 'cmd', 'vrde', 'off')
    expect(await canConnect(port)).toBe(false)
    ok('controlvm', 'cmd', 'pause')
    expect(info().get('VMState')).toBe('paused')
    ok('controlvm', 'cmd', 'resume')
    const before = readFileSync(serial, 'latin1').split(DEMO_BANNER).length
    ok('controlvm', 'cmd', 'reset')
    await waitFor(() => readFileSync(serial, 'latin1').split(DEMO_BANNER).length > before)
    expect(run('modifyvm', 'cmd', '--memory', '32').code).toBe(1)
  })

  it('metrics list, setup, query, enable, disable and collect on the host and the running VM', () => {
    expect(ok('metrics', 'list', 'host', 'CPU/Load/User:')).toMatch(/^host +CPU\/Load\/User +% +0 +100000 +0 +0 /m)
    expect(ok('metrics', 'setup', '--list', '--period', '1', '--samples', '3', 'cmd')).toMatch(/^cmd +RAM\/Usage$/m)
    expect(ok('metrics', 'list', 'cmd', 'RAM/Usage/Used:')).toMatch(/^cmd +RAM\/Usage\/Used +kB +0 +\d+ +1 +3 /m)
    expect(ok('metrics', 'query', 'cmd', 'RAM/Usage/Used:')).toMatch(/^cmd +RAM\/Usage\/Used +\d+ kB/m)
    expect(ok('metrics', 'disable', '--list', 'host', 'CPU/Load')).toMatch(/^host +CPU\/Load$/m)
    expect(ok('metrics', 'enable', '--list', 'host', 'CPU/Load')).toMatch(/^host +CPU\/Load$/m)
    expect(ok('metrics', 'collect', '--rounds', '1', 'host', 'RAM/Usage/Total')).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} +host +RAM\/Usage\/Total +\d+ kB$/m,
    )
  })

  it('controlvm savestate, discardstate, poweroff; clonevm; unregistervm and registervm', () => {
    ok('controlvm', 'cmd', 'savestate')
    expect(info().get('VMState')).toBe('saved')
    ok('discardstate', 'cmd')
    expect(info().get('VMState')).toBe('poweroff')
    ok('startvm', 'cmd')
    ok('controlvm', 'cmd', 'poweroff')
    expect(info().get('VMState')).toBe('poweroff')
    expect(ok('clonevm', 'cmd', '--name', 'copy', '--register')).toContain(
      'Machine has been successfully cloned as "copy"',
    )
    expect(info('copy').get('memory')).toBe('16')
    ok('unregistervm', 'copy', '--delete')
    expect(existsSync(join(vms, 'copy'))).toBe(false)
    const file = info().get('CfgFile') ?? ''
    ok('unregistervm', 'cmd')
    expect(run('showvminfo', 'cmd').code).toBe(1)
    expect(existsSync(file)).toBe(true)
    ok('registervm', file)
    expect(info().get('UUID')).toBe(UUID)
  })

  it('boxheadless --vrde on --vrdeproperty serves the display for one run and saves on SIGINT', async () => {
    const port = await freePort()
    const headless = home.boxheadless('--startvm', 'cmd', '--vrde', 'on', '--vrdeproperty', `TCP/Ports=${port}`)
    await headless.waitFor('VRDE server')
    expect(headless.output()).toContain(String(port))
    expect(await canConnect(port)).toBe(true)
    // showvminfo reads a running VM through its session: the run's settings and the port in use.
    const running = info()
    expect([running.get('vrde'), running.get('vrdeport')]).toEqual(['on', String(port)])
    headless.child.kill('SIGINT')
    expect(await headless.exited).toBe(0)
    expect(info().get('VMState')).toBe('saved')
    // The run's VRDE settings were for that run only.
    expect(info().get('vrde')).toBe('off')
    ok('discardstate', 'cmd')
  })

  it('unregistervm --delete removes the VM, its snapshot images and its disk', () => {
    ok('unregistervm', 'cmd', '--delete')
    expect(existsSync(join(home.dir, 'base', 'cmd'))).toBe(false)
    expect(ok('list', 'vms')).toBe('')
    // As in VirtualBox, --delete deletes every hard disk the machine used, its own base image included.
    expect(existsSync(disk)).toBe(false)
    expect(ok('list', 'hdds')).toBe('')
  })

  it('ran every command, subcommand and list that `boxmanage help` documents', () => {
    const help = home.ok('help')
    const commands = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1] ?? '')
    expect(commands.length).toBeGreaterThan(15)
    const choices = (command: string, argument: string) =>
      (new RegExp(`^ {2}${argument} +([a-z|]+)`, 'm').exec(home.ok('help', command))?.[1] ?? '').split('|')
    const wanted = [
      ...commands,
      ...choices('controlvm', 'subcommand').map((s) => `controlvm ${s}`),
      ...choices('snapshot', 'subcommand').map((s) => `snapshot ${s}`),
      ...choices('list', 'what').map((s) => `list ${s}`),
      ...choices('metrics', 'subcommand').map((s) => `metrics ${s}`),
    ]
    expect(wanted).toContain('controlvm savestate')
    expect(wanted.filter((w) => !ran.has(w))).toEqual([])
  })
})
