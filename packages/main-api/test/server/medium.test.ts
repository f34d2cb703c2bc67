// IMedium operations checked against qemu-img (the oracle): images Boxwood creates, resizes, compacts and clones
// are read by qemu-img with the expected format, size and content.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openImage } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import {
  AccessMode,
  DeviceType,
  MediumState,
  MediumType,
  MediumVariant,
  VBoxEventType,
  openVirtualBox,
} from '../../src/index'
import type { IVirtualBoxClient } from '../../src/index'
import { finish, tempDir } from '../helpers'

const MB = 1024 * 1024
const qemuInfo = (path: string, format?: string) =>
  JSON.parse(
    execFileSync('qemu-img', ['info', '--output=json', ...(format ? ['-f', format] : []), path]).toString(),
  ) as {
    format: string
    'virtual-size': number
  }

describe('media', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient

  beforeEach(async () => {
    dir = await tempDir('medium')
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
  })
  afterEach(async () => {
    await client.close()
    await dir.cleanup()
  })

  it('creates dynamic and fixed images in every writable format that qemu-img reads', async () => {
    const vbox = client.virtualBox
    for (const [format, qemu] of [
      ['VDI', 'vdi'],
      ['VMDK', 'vmdk'],
      ['VHD', 'vpc'],
    ] as const) {
      for (const fixed of [false, true]) {
        const path = join(dir.path, `d-${fixed ? 'fixed' : 'dyn'}.${format.toLowerCase()}`)
        const m = await vbox.createMedium(format, path, AccessMode.ReadWrite, DeviceType.HardDisk)
        expect(
          await finish(await m.createBaseStorage(16 * MB, fixed ? [MediumVariant.Fixed] : [MediumVariant.Standard])),
        ).toMatchObject({ code: 0 })
        // qemu-img probes a fixed VHD (footer only) as raw, so name the format for it.
        const info = qemuInfo(path, qemu === 'vpc' && fixed ? 'vpc' : undefined)
        expect(info.format).toBe(qemu)
        expect(info['virtual-size']).toBeGreaterThanOrEqual(16 * MB)
        expect(await m.getFormat()).toBe(format)
        expect(await m.getVariant()).toEqual(fixed ? [MediumVariant.Fixed] : [MediumVariant.Standard])
      }
    }
    expect((await vbox.getHardDisks()).length).toBe(6)
  })

  it('opens a qemu-made VDI with its own UUID, resizes it, compacts it and clones it to VMDK with identical content', async () => {
    const vbox = client.virtualBox
    const path = join(dir.path, 'q.vdi')
    execFileSync('qemu-img', ['create', '-q', '-f', 'vdi', path, '8M'])
    // Put recognisable data into the image through the disk library.
    const image = await openImage(nodeDiskHost(), path)
    await image.write(3 * MB, new Uint8Array(4096).fill(0x5a))
    const uuid = (await image.info()).uuid
    await image.close()
    const m = await vbox.openMedium(path, DeviceType.HardDisk, AccessMode.ReadWrite, false)
    expect(await m.getId()).toBe(uuid)
    expect(await m.getFormat()).toBe('VDI')
    expect(await m.getLogicalSize()).toBe(8 * MB)
    expect(await m.getState()).toBe(MediumState.Created)
    expect(await vbox.openMedium(path, DeviceType.HardDisk, AccessMode.ReadWrite, false)).toBe(m)

    expect(await finish(await m.resize(24 * MB))).toMatchObject({ code: 0 })
    expect(qemuInfo(path)['virtual-size']).toBe(24 * MB)
    expect(await m.getLogicalSize()).toBe(24 * MB)
    await expect(m.resize(4 * MB)).rejects.toMatchObject({ code: 'VBOX_E_NOT_SUPPORTED' })
    expect(await finish(await m.compact())).toMatchObject({ code: 0 })
    execFileSync('qemu-img', ['check', '-q', path])

    const target = await vbox.createMedium(
      'VMDK',
      join(dir.path, 'copy.vmdk'),
      AccessMode.ReadWrite,
      DeviceType.HardDisk,
    )
    expect(await finish(await m.cloneToBase(target, []))).toMatchObject({ code: 0 })
    expect(qemuInfo(join(dir.path, 'copy.vmdk')).format).toBe('vmdk')
    // Oracle: qemu-img compares the logical content of both images.
    execFileSync('qemu-img', ['compare', '-q', path, join(dir.path, 'copy.vmdk')])
    expect(await target.getId()).not.toBe(uuid)
  })

  it('creates a differencing image, merges it back, and refuses unsafe operations', async () => {
    const vbox = client.virtualBox
    const base = await vbox.createMedium('VDI', join(dir.path, 'base.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    expect(await finish(await base.createBaseStorage(4 * MB, []))).toMatchObject({ code: 0 })
    const child = await vbox.createMedium('VDI', join(dir.path, 'child.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    expect(await finish(await base.createDiffStorage(child, []))).toMatchObject({ code: 0 })
    expect(await (await child.getParent())?.getId()).toBe(await base.getId())
    expect(await child.getVariant()).toContain(MediumVariant.Diff)
    expect((await base.getChildren()).length).toBe(1)
    expect(await base.getReadOnly()).toBe(true)
    await expect(base.deleteStorage()).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    await expect(base.close()).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    await expect(base.resize(8 * MB)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    const img = await openImage(nodeDiskHost(), join(dir.path, 'child.vdi'), {
      resolveParent: () => join(dir.path, 'base.vdi'),
    })
    await img.write(0, new Uint8Array(512).fill(7))
    await img.close()
    expect(await finish(await child.mergeTo(base))).toMatchObject({ code: 0 })
    expect(existsSync(join(dir.path, 'child.vdi'))).toBe(false)
    expect((await base.getChildren()).length).toBe(0)
    const check = await openImage(nodeDiskHost(), join(dir.path, 'base.vdi'), { readOnly: true })
    const data = new Uint8Array(512)
    await check.read(0, data)
    await check.close()
    expect(data[0]).toBe(7)
    // After a reload, the registry still knows the base and not the merged child.
    await client.close()
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    expect(await Promise.all((await client.virtualBox.getHardDisks()).map((d) => d.getLocation()))).toEqual([
      join(dir.path, 'base.vdi'),
    ])
  })

  it('reports missing files, duplicates and bad formats with VirtualBox codes, and fires MediumRegistered', async () => {
    const vbox = client.virtualBox
    const source = await vbox.getEventSource()
    const listener = await source.createListener()
    await source.registerListener(listener, [VBoxEventType.OnMediumRegistered], false)
    await expect(
      vbox.openMedium(join(dir.path, 'none.vdi'), DeviceType.HardDisk, AccessMode.ReadWrite, false),
    ).rejects.toMatchObject({ code: 'VBOX_E_FILE_ERROR' })
    await expect(
      vbox.createMedium('QED', join(dir.path, 'x.qed'), AccessMode.ReadWrite, DeviceType.HardDisk),
    ).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_NOT_FOUND' })
    const m = await vbox.createMedium('VDI', join(dir.path, 'a.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    await expect(m.createBaseStorage(1000, [])).resolves.toBeDefined() // size check happens in the task
    const bad = await finish(
      await (
        await vbox.createMedium('VDI', join(dir.path, 'b.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
      ).createBaseStorage(1000, []),
    )
    expect(bad.code).toBe(0x80070057)
    const ok = await vbox.createMedium('VDI', join(dir.path, 'c.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    expect(await finish(await ok.createBaseStorage(MB, []))).toMatchObject({ code: 0 })
    expect(await source.getEvent(listener, 1000)).toMatchObject({
      type: 36,
      mediumId: await ok.getId(),
      mediumType: DeviceType.HardDisk,
      registered: true,
    })
    await expect(ok.createBaseStorage(MB, [])).rejects.toMatchObject({ code: 'VBOX_E_INVALID_OBJECT_STATE' })
    await expect(
      vbox.createMedium('VDI', join(dir.path, 'c.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk),
    ).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    await ok.setType(MediumType.Immutable)
    expect(await ok.getType()).toBe(MediumType.Immutable)
    // A copy with the same UUID at another path is refused.
    execFileSync('cp', [join(dir.path, 'c.vdi'), join(dir.path, 'c2.vdi')])
    await expect(
      vbox.openMedium(join(dir.path, 'c2.vdi'), DeviceType.HardDisk, AccessMode.ReadWrite, false),
    ).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    const renamed = await vbox.openMedium(join(dir.path, 'c2.vdi'), DeviceType.HardDisk, AccessMode.ReadWrite, true)
    expect(await renamed.getId()).not.toBe(await ok.getId())
    expect(await finish(await ok.deleteStorage())).toMatchObject({ code: 0 })
    expect(existsSync(join(dir.path, 'c.vdi'))).toBe(false)
    expect(await source.getEvent(listener, 1000)).toMatchObject({ type: 36, registered: true })
    expect(await source.getEvent(listener, 1000)).toMatchObject({
      type: 36,
      mediumId: await ok.getId(),
      registered: false,
    })
  })
})
