// The end-to-end scenario with the real binaries in a temporary home: create a VM from scratch, attach a
// new VDI and a GRUB ISO (grub-mkrescue) plus the demo boot disk (tooling/scripts/demo), start it headless, read its
// serial output from the file backend, take a screenshot (checked with ImageMagick), watch VMState, power off,
// snapshot and restore, run it with boxheadless (Ctrl-C saves it), then unregister --delete and check that nothing
// of the VM is left.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_BANNER, writeDemoDisk } from '../../../tooling/scripts/demo/demo-disk'
import { argv } from './argv'
import { createHome, machineReadable, waitFor, type E2eHome } from './binaries'

describe('boxmanage end to end', () => {
  let home: E2eHome
  let vms: string
  let serial: string
  let iso: string
  let bootDisk: string
  const state = () => machineReadable(home.ok('showvminfo', 'e2e', '--machinereadable')).get('VMState')

  beforeAll(() => {
    home = createHome('scenario')
    vms = join(home.dir, 'VMs')
    serial = join(home.dir, 'com1.log')
    bootDisk = join(home.dir, 'media', 'demo.img')
    writeDemoDisk(bootDisk)
    const isoRoot = join(home.dir, 'iso-root', 'boot', 'grub')
    mkdirSync(isoRoot, { recursive: true })
    writeFileSync(join(isoRoot, 'grub.cfg'), 'set timeout=0\nmenuentry "Boxwood" { echo "GRUB on Boxwood" }\n')
    iso = join(home.dir, 'media', 'grub.iso')
    execFileSync('grub-mkrescue', ['-o', iso, join(home.dir, 'iso-root')], { stdio: 'pipe' })
  })
  afterAll(() => {
    home.boxmanage('controlvm', 'e2e', 'poweroff')
    home.cleanup()
  })

  it('prints its version and fails with VBoxManage exit codes', () => {
    expect(home.ok('--version')).toMatch(/^\d+\.\d+\.\d+_BOXWOOD\n$/)
    expect(home.boxmanage('modifyvm').code).toBe(2)
    const missing = home.boxmanage('showvminfo', 'e2e')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("boxmanage: error: Could not find a registered machine named 'e2e'")
  })

  it('creates a VM with a new VDI, the boot disk and a GRUB ISO', () => {
    home.ok('setproperty', 'machinefolder', vms)
    expect(home.ok('createvm', '--name', 'e2e', '--ostype', 'Other', '--register')).toContain(
      "Virtual machine 'e2e' is created and registered.",
    )
    home.ok(...argv`modifyvm e2e --memory 16 --boot1 disk --boot2 dvd --uart1 0x3f8 4 --uart-mode1 file ${serial}`)
    const vdi = join(vms, 'e2e', 'e2e.vdi')
    const created = home.boxmanage('createmedium', 'disk', '--filename', vdi, '--size', '64')
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('0%...10%')
    home.ok('storagectl', 'e2e', '--name', 'IDE', '--add', 'ide', '--controller', 'PIIX4')
    // The raw boot image becomes a VDI (raw images have no UUID, so they cannot carry snapshot differencing images).
    const bootVdi = join(vms, 'e2e', 'boot.vdi')
    expect(home.ok('clonemedium', bootDisk, bootVdi, '--format', 'VDI')).toMatch(
      /^Clone medium created in format 'VDI'/,
    )
    home.ok('closemedium', 'disk', bootDisk)
    home.ok(...argv`storageattach e2e --storagectl IDE --port 0 --device 0 --type hdd --medium ${bootVdi}`)
    home.ok(...argv`storageattach e2e --storagectl IDE --port 0 --device 1 --type hdd --medium ${vdi}`)
    home.ok(...argv`storageattach e2e --storagectl IDE --port 1 --device 0 --type dvddrive --medium ${iso}`)
    const info = machineReadable(home.ok('showvminfo', 'e2e', '--machinereadable'))
    expect(info.get('IDE-0-0')).toBe(join(vms, 'e2e', 'boot.vdi'))
    expect(info.get('IDE-0-1')).toBe(vdi)
    expect(info.get('IDE-1-0')).toBe(iso)
    expect(info.get('uartmode1')).toBe(`file,${serial}`)
    expect(info.get('VMState')).toBe('poweroff')
  })

  it('starts headless; the guest writes to COM1 and draws its screen', async () => {
    expect(home.ok('startvm', 'e2e', '--type', 'headless')).toBe(
      'Waiting for VM "e2e" to power on...\nVM "e2e" has been successfully started.\n',
    )
    expect(state()).toBe('running')
    await waitFor(() => existsSync(serial) && readFileSync(serial, 'latin1').includes(DEMO_BANNER))
    const png = join(home.dir, 'screen.png')
    home.ok('controlvm', 'e2e', 'screenshotpng', png)
    expect(execFileSync('identify', ['-format', '%m %w %h', png], { encoding: 'utf8' })).toBe('PNG 320 200')
    // The demo draws a frame of palette entry 255 around its pattern: the corner is not black.
    const corner = execFileSync('convert', [png, '-format', '%[pixel:p{0,0}]', 'info:'], { encoding: 'utf8' })
    expect(corner).not.toMatch(/^s?rgba?\(0,0,0/)
    expect(home.ok('list', 'runningvms')).toContain('"e2e"')
    home.ok('controlvm', 'e2e', 'pause')
    expect(state()).toBe('paused')
    home.ok('controlvm', 'e2e', 'resume')
    expect(state()).toBe('running')
    const refused = home.boxmanage('modifyvm', 'e2e', '--memory', '32')
    expect(refused.code).toBe(1)
    expect(machineReadable(home.ok('showvminfo', 'e2e', '--machinereadable')).get('memory')).toBe('16')
  })

  it('powers off, then snapshots and restores', () => {
    const off = home.boxmanage('controlvm', 'e2e', 'poweroff')
    expect(off.code).toBe(0)
    expect(off.stderr).toContain('100%')
    expect(state()).toBe('poweroff')
    expect(home.ok('snapshot', 'e2e', 'take', 'installed')).toMatch(/^Snapshot taken\. UUID: /)
    const info = machineReadable(home.ok('showvminfo', 'e2e', '--machinereadable'))
    expect(info.get('CurrentSnapshotName')).toBe('installed')
    expect(info.get('IDE-0-0')?.startsWith(join(vms, 'e2e', 'Snapshots'))).toBe(true)
    expect(info.get('IDE-0-1')?.startsWith(join(vms, 'e2e', 'Snapshots'))).toBe(true)
    expect(home.ok('snapshot', 'e2e', 'restore', 'installed')).toContain("Restoring snapshot 'installed'")
    expect(home.ok('snapshot', 'e2e', 'list')).toMatch(/^ {3}Name: installed \(UUID: [0-9a-f-]+\) \*\n$/)
  })

  it('boxheadless runs the VM in the foreground and saves its state on SIGINT', async () => {
    const headless = home.boxheadless('--startvm', 'e2e')
    await headless.waitFor('VRDE server')
    expect(headless.output()).toContain('VM "e2e" has been successfully started.')
    expect(state()).toBe('running')
    headless.child.kill('SIGINT')
    expect(await headless.exited).toBe(0)
    expect(headless.output()).toContain('VM "e2e" stopped (saved).')
    expect(state()).toBe('saved')
    // The next start resumes the saved VM; discardstate would drop it instead.
    home.ok('startvm', 'e2e')
    expect(state()).toBe('running')
    home.ok('controlvm', 'e2e', 'savestate')
    home.ok('discardstate', 'e2e')
    expect(state()).toBe('poweroff')
  })

  it('unregistervm --delete leaves nothing of the VM behind', () => {
    home.ok('unregistervm', 'e2e', '--delete')
    expect(existsSync(join(vms, 'e2e'))).toBe(false)
    expect(home.ok('list', 'vms')).toBe('')
    expect(home.ok('list', 'hdds')).toBe('')
    // The registry no longer names it; the DVD image (never deleted by --delete) and the raw source are untouched.
    expect(readFileSync(join(home.dir, 'home', 'VirtualBox.xml'), 'utf8')).toContain('<MachineRegistry/>')
    expect(readdirSync(join(home.dir, 'media')).sort()).toEqual(['demo-boot.bin', 'demo.img', 'grub.iso'])
  })
})
