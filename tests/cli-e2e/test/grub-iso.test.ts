// The guest: a new VM with a new VDI and a GRUB rescue ISO (grub-mkrescue from grub-pc-bin, configured to
// print on the serial console) boots from the CD through the Boxwood BIOS; GRUB's output arrives in the COM1 file.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argv } from './argv'
import { createHome, machineReadable, waitFor, type E2eHome } from './binaries'

const MARKER = 'BOXWOOD-GRUB-OK'

describe('a GRUB ISO booted headless', () => {
  let home: E2eHome
  let serial: string
  beforeAll(() => {
    home = createHome('grub')
    serial = join(home.dir, 'com1.log')
    const cfg = join(home.dir, 'iso-root', 'boot', 'grub')
    mkdirSync(cfg, { recursive: true })
    writeFileSync(
      join(cfg, 'grub.cfg'),
      `serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\necho "${MARKER}"\nsleep 600\n`,
    )
    execFileSync('grub-mkrescue', ['-o', join(home.dir, 'grub.iso'), join(home.dir, 'iso-root')], { stdio: 'pipe' })
  })
  afterAll(() => {
    home.boxmanage('controlvm', 'grub', 'poweroff')
    home.cleanup()
  })

  it('boots from the CD and prints on COM1', { timeout: 120_000 }, async () => {
    const vms = join(home.dir, 'VMs')
    home.ok('setproperty', 'machinefolder', vms)
    home.ok('createvm', '--name', 'grub', '--ostype', 'Other', '--register')
    home.ok('modifyvm', 'grub', '--memory', '64', '--boot1', 'dvd', '--boot2', 'disk', '--uart1', '0x3f8', '4')
    home.ok('modifyvm', 'grub', '--uart-mode1', 'file', serial)
    const vdi = join(vms, 'grub', 'grub.vdi')
    home.ok('createmedium', 'disk', '--filename', vdi, '--size', '32')
    home.ok('storagectl', 'grub', '--name', 'IDE', '--add', 'ide')
    home.ok(...argv`storageattach grub --storagectl IDE --port 0 --device 0 --type hdd --medium ${vdi}`)
    const iso = join(home.dir, 'grub.iso')
    home.ok(...argv`storageattach grub --storagectl IDE --port 1 --device 0 --type dvddrive --medium ${iso}`)
    home.ok('startvm', 'grub', '--type', 'headless')
    await waitFor(() => existsSync(serial) && readFileSync(serial, 'latin1').includes(MARKER), 100_000)
    expect(machineReadable(home.ok('showvminfo', 'grub', '--machinereadable')).get('VMState')).toBe('running')
    home.ok('controlvm', 'grub', 'poweroff')
    home.ok('unregistervm', 'grub', '--delete')
    expect(existsSync(join(vms, 'grub'))).toBe(false)
    expect(existsSync(join(home.dir, 'grub.iso'))).toBe(true)
  })
})
