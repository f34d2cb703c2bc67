// Storage commands: createmedium/showmediuminfo/clonemedium/modifymedium/closemedium checked with qemu-img, and
// storagectl/storageattach checked through showvminfo; snapshot take/list/restore/delete with differencing images.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, listFiles, parseMachineReadable, type Harness } from '../helpers'
import { writeFile } from 'node:fs/promises'

const MIB = 1024 * 1024

function qemuInfo(path: string): { format: string; 'virtual-size': number } {
  return JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' })) as {
    format: string
    'virtual-size': number
  }
}

describe('storage commands', () => {
  let h: Harness
  let disk: string
  beforeAll(async () => {
    h = await createHarness('storage')
    await h.ok('createvm', '--name', 'store', '--register')
    disk = join(h.vmFolder, 'store', 'store.vdi')
  })
  afterAll(() => h.cleanup())

  it('createmedium makes a VDI that qemu-img reads, with progress on stderr', async () => {
    const r = await h.run('createmedium', 'disk', '--filename', disk, '--size', '32')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Medium created\. UUID: [0-9a-f-]{36}\n$/)
    expect(r.stderr).toBe('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n')
    expect(qemuInfo(disk)).toMatchObject({ format: 'vdi', 'virtual-size': 32 * MIB })
    const vhd = join(h.dir, 'other.vhd')
    await h.ok('createhd', '--filename', vhd, '--sizebyte', String(4 * MIB), '--format', 'VHD')
    expect(qemuInfo(vhd)).toMatchObject({ format: 'vpc' })
    const again = await h.run('createmedium', '--filename', disk, '--size', '1')
    expect(again.code).toBe(1)
  })

  it('showmediuminfo and list hdds describe the disk', async () => {
    const info = await h.ok('showmediuminfo', 'disk', disk)
    expect(info).toMatch(/^UUID: +[0-9a-f-]{36}$/m)
    expect(info).toMatch(/^Parent UUID: +base$/m)
    expect(info).toMatch(/^State: +created$/m)
    expect(info).toMatch(/^Type: +normal \(base\)$/m)
    expect(info).toContain(`Location:       ${disk}`)
    expect(info).toMatch(/^Storage format: VDI$/m)
    expect(info).toMatch(/^Format variant: dynamic default$/m)
    expect(info).toMatch(/^Capacity: +32 MBytes$/m)
    expect(await h.ok('list', 'hdds')).toContain(`Location:       ${disk}`)
    expect(await h.ok('list', '--long', 'hdds')).toMatch(/^Size on disk: +\d+ MBytes$/m)
  })

  it('storagectl and storageattach put the disk and an ISO on an IDE controller', async () => {
    const iso = join(h.dir, 'cd.iso')
    await writeIso(iso)
    await h.ok('storagectl', 'store', '--name', 'IDE', '--add', 'ide', '--controller', 'PIIX4')
    await h.ok(
      'storageattach',
      'store',
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
    await h.ok(
      'storageattach',
      'store',
      '--storagectl',
      'IDE',
      '--port',
      '1',
      '--device',
      '0',
      '--type',
      'dvddrive',
      '--medium',
      iso,
    )
    const info = parseMachineReadable(await h.ok('showvminfo', 'store', '--machinereadable'))
    expect(info.get('storagecontrollername0')).toBe('IDE')
    expect(info.get('storagecontrollertype0')).toBe('PIIX4')
    expect(info.get('storagecontrollerportcount0')).toBe('2')
    expect(info.get('IDE-0-0')).toBe(disk)
    expect(info.get('IDE-ImageUUID-0-0')).toMatch(/^[0-9a-f-]{36}$/)
    expect(info.get('IDE-0-1')).toBe('none')
    expect(info.get('IDE-1-0')).toBe(iso)
    expect(info.get('IDE-IsEjected-1-0')).toBe('off')
    expect(await h.ok('list', 'dvds')).toContain(iso)
    // The attachment keys are quoted, like VBoxManage's.
    expect(await h.ok('showvminfo', 'store', '--machinereadable')).toContain(`"IDE-0-0"="${disk}"`)
    // emptydrive ejects, and a missing controller is an error naming it.
    await h.ok(
      'storageattach',
      'store',
      '--storagectl',
      'IDE',
      '--port',
      '1',
      '--device',
      '0',
      '--medium',
      'emptydrive',
    )
    expect(parseMachineReadable(await h.ok('showvminfo', 'store', '--machinereadable')).get('IDE-1-0')).toBe(
      'emptydrive',
    )
    const missing = await h.run(
      'storageattach',
      'store',
      '--storagectl',
      'SATA',
      '--port',
      '0',
      '--device',
      '0',
      '--type',
      'hdd',
      '--medium',
      disk,
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("'SATA'")
  })

  it('takes, lists, restores and deletes snapshots', async () => {
    expect((await h.run('snapshot', 'store', 'list')).stdout).toBe('This machine does not have any snapshots\n')
    const taken = await h.ok('snapshot', 'store', 'take', 'first', '--description', 'clean install')
    expect(taken).toMatch(/^Snapshot taken\. UUID: [0-9a-f-]{36}\n$/)
    const uuid = taken.trim().slice('Snapshot taken. UUID: '.length)
    await h.ok('snapshot', 'store', 'take', 'second')
    const list = await h.ok('snapshot', 'store', 'list', '--details')
    expect(list).toBe(
      `   Name: first (UUID: ${uuid})\n   Description: clean install\n      Name: second (UUID: ${list.match(/second \(UUID: ([0-9a-f-]+)\)/)?.[1]}) *\n`,
    )
    const info = parseMachineReadable(await h.ok('showvminfo', 'store', '--machinereadable'))
    expect(info.get('SnapshotName')).toBe('first')
    expect(info.get('SnapshotUUID')).toBe(uuid)
    expect(info.get('SnapshotDescription')).toBe('clean install')
    expect(info.get('SnapshotName-1')).toBe('second')
    expect(info.get('CurrentSnapshotName')).toBe('second')
    expect(info.get('CurrentSnapshotNode')).toBe('SnapshotName-1')
    // The disk is now a differencing image in the snapshot folder.
    expect(info.get('IDE-0-0')?.startsWith(join(h.vmFolder, 'store', 'Snapshots'))).toBe(true)
    const machineReadable = parseMachineReadable(await h.ok('snapshot', 'store', 'list', '--machinereadable'))
    expect(machineReadable.get('CurrentSnapshotUUID')).toBe(info.get('CurrentSnapshotUUID'))

    const restored = await h.run('snapshot', 'store', 'restore', 'second')
    expect(restored.code).toBe(0)
    expect(restored.stdout).toMatch(/^Restoring snapshot 'second' \(/)
    expect(restored.stderr).toContain('100%')
    await h.ok('snapshot', 'store', 'restorecurrent')
    const deleted = await h.ok('snapshot', 'store', 'delete', 'second')
    expect(deleted).toMatch(/^Deleting snapshot 'second'/)
    expect(await h.ok('snapshot', 'store', 'list')).toBe(`   Name: first (UUID: ${uuid}) *\n`)
    const missing = await h.run('snapshot', 'store', 'restore', 'nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("'nope'")
    expect((await h.run('snapshot', 'store', 'dance')).code).toBe(2)
    await h.ok('snapshot', 'store', 'delete', uuid)
    expect(parseMachineReadable(await h.ok('showvminfo', 'store', '--machinereadable')).get('IDE-0-0')).toBe(disk)
  })

  it('clonemedium copies content (qemu-img compare), modifymedium resizes and compacts', async () => {
    const copy = join(h.dir, 'copy.vdi')
    const out = await h.ok('clonemedium', disk, copy)
    expect(out).toMatch(/^Clone medium created in format 'VDI'\. UUID: [0-9a-f-]{36}\n$/)
    execFileSync('qemu-img', ['compare', '-q', disk, copy])
    await h.ok('modifymedium', copy, '--resize', '64')
    expect(qemuInfo(copy)['virtual-size']).toBe(64 * MIB)
    await h.ok('modifyhd', 'disk', copy, '--compact')
    execFileSync('qemu-img', ['check', '-q', copy])
    expect((await h.run('modifymedium', copy)).code).toBe(2)
    await h.ok('closemedium', 'disk', copy, '--delete')
    expect(existsSync(copy)).toBe(false)
    expect(await h.ok('list', 'hdds')).not.toContain(copy)
  })

  it('unregistervm --delete removes the VM and its disk but not the ISO', async () => {
    await h.ok('unregistervm', 'store', '--delete')
    expect(await listFiles(join(h.vmFolder, 'store'))).toEqual([])
    expect(existsSync(join(h.dir, 'cd.iso'))).toBe(true)
  })
})

/** A minimal ISO 9660 image: primary volume descriptor at sector 16 and a terminator. */
async function writeIso(path: string): Promise<void> {
  const sectors = 32
  const data = new Uint8Array(sectors * 2048)
  const pvd = 16 * 2048
  data[pvd] = 1
  data.set([0x43, 0x44, 0x30, 0x30, 0x31, 1], pvd + 1)
  const view = new DataView(data.buffer)
  view.setUint32(pvd + 80, sectors, true)
  view.setUint32(pvd + 84, sectors, false)
  view.setUint16(pvd + 128, 2048, true)
  view.setUint16(pvd + 130, 2048, false)
  data[pvd + 2048] = 0xff
  data.set([0x43, 0x44, 0x30, 0x30, 0x31, 1], pvd + 2048 + 1)
  await writeFile(path, data)
}
