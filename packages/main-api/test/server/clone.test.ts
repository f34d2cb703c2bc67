// IMachine.cloneTo: a full clone copies every disk (content compared with qemu-img) and regenerates MACs; a linked
// clone from a snapshot's machine puts a differencing image on the snapshot's disk.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openImage } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import {
  AccessMode,
  CloneMode,
  CloneOptions,
  DeviceType,
  LockType,
  PlatformArchitecture,
  StorageBus,
  openVirtualBox,
} from '../../src/index'
import type { IMachine, IVirtualBoxClient } from '../../src/index'
import { finish, tempDir } from '../helpers'

describe('cloneTo', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient
  let source: IMachine
  const vms = () => join(dir.path, 'VMs')

  beforeAll(async () => {
    dir = await tempDir('clone')
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    const vbox = client.virtualBox
    await (await vbox.getSystemProperties()).setDefaultMachineFolder(vms())
    source = await vbox.createMachine('', 'src', PlatformArchitecture.x86, [], 'Debian_64', '')
    await source.addStorageController('SATA', StorageBus.SATA)
    const disk = await vbox.createMedium(
      'VDI',
      join(vms(), 'src', 'src.vdi'),
      AccessMode.ReadWrite,
      DeviceType.HardDisk,
    )
    expect(await finish(await disk.createBaseStorage(8 * 1024 * 1024, []))).toMatchObject({ code: 0 })
    const image = await openImage(nodeDiskHost(), join(vms(), 'src', 'src.vdi'))
    await image.write(1024 * 1024, new Uint8Array(8192).fill(0x33))
    await image.close()
    await source.attachDevice('SATA', 0, 0, DeviceType.HardDisk, disk)
    await source.saveSettings()
    await vbox.registerMachine(source)
  })
  afterAll(async () => {
    await client.close()
    await dir.cleanup()
  })

  it('makes a full clone with its own disk and MAC address', async () => {
    const vbox = client.virtualBox
    const target = await vbox.createMachine('', 'full', PlatformArchitecture.x86, [], 'Debian_64', '')
    expect(await finish(await source.cloneTo(target, CloneMode.MachineState, []))).toMatchObject({ code: 0 })
    await vbox.registerMachine(target)
    const disk = await target.getMedium('SATA', 0, 0)
    expect(await disk?.getLocation()).toBe(join(vms(), 'full', 'full.vdi'))
    execFileSync('qemu-img', ['compare', '-q', join(vms(), 'src', 'src.vdi'), join(vms(), 'full', 'full.vdi')])
    const macs = async (m: IMachine) => (await m.getNetworkAdapter(0)).getMACAddress()
    expect(await macs(target)).not.toBe(await macs(source))
    expect(await target.getMemorySize()).toBe(await source.getMemorySize())
    expect(await target.getId()).not.toBe(await source.getId())
  })

  it('makes a linked clone from a snapshot and refuses one from the current state', async () => {
    const vbox = client.virtualBox
    const s = await client.getSession()
    await source.lockMachine(s, LockType.Write)
    const [progress] = await (await s.getMachine()).takeSnapshot('base', '', false)
    expect(await finish(progress)).toMatchObject({ code: 0 })
    await s.unlockMachine()
    const target = await vbox.createMachine('', 'linked', PlatformArchitecture.x86, [], 'Debian_64', '')
    await expect(source.cloneTo(target, CloneMode.MachineState, [CloneOptions.Link])).rejects.toMatchObject({
      code: 'E_INVALIDARG',
    })
    const snapshotMachine = await (await source.findSnapshot('base')).getMachine()
    expect(
      await finish(await snapshotMachine.cloneTo(target, CloneMode.MachineState, [CloneOptions.Link])),
    ).toMatchObject({ code: 0 })
    await vbox.registerMachine(target)
    const disk = await target.getMedium('SATA', 0, 0)
    expect(await (await disk?.getParent())?.getLocation()).toBe(join(vms(), 'src', 'src.vdi'))
    await expect(source.cloneTo(target, CloneMode.AllStates, [])).rejects.toBeDefined()
  })
})
