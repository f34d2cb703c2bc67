// IMachine settings through the API: validation errors, sub-objects, storage rules, and persistence of every
// modelled setting across a reload (checked against the .vbox text VirtualBox would write).
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AccessMode,
  AuthType,
  ChipsetType,
  CleanupMode,
  CPUPropertyTypeX86,
  DeviceType,
  FirmwareType,
  GraphicsControllerType,
  LockType,
  NetworkAdapterType,
  NetworkAttachmentType,
  PlatformArchitecture,
  PortMode,
  StorageBus,
  StorageControllerType,
  VBoxEventType,
  openVirtualBox,
} from '../../src/index'
import type { IMachine, IVirtualBoxClient } from '../../src/index'
import { finish, tempDir, writeIso } from '../helpers'

describe('machine settings through the API', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let client: IVirtualBoxClient
  let m: IMachine

  beforeEach(async () => {
    dir = await tempDir('settings-api')
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    await (await client.virtualBox.getSystemProperties()).setDefaultMachineFolder(join(dir.path, 'VMs'))
    m = await client.virtualBox.createMachine('', 'box', PlatformArchitecture.x86, ['/lab'], 'Ubuntu_64', '')
  })
  afterEach(async () => {
    await client.close()
    await dir.cleanup()
  })

  it('applies the OS type recommendations and composes the path with the group', async () => {
    expect(await m.getSettingsFilePath()).toBe(join(dir.path, 'VMs', 'lab', 'box', 'box.vbox'))
    expect(await m.getMemorySize()).toBe(2048)
    expect(await (await m.getGraphicsAdapter()).getGraphicsControllerType()).toBe(GraphicsControllerType.VMSVGA)
    expect(await (await m.getGraphicsAdapter()).getVRAMSize()).toBe(16)
    expect(await (await m.getPlatform()).getRTCUseUTC()).toBe(true)
    expect(await (await (await m.getPlatform()).getX86()).getCPUProperty(CPUPropertyTypeX86.LongMode)).toBe(true)
    expect(await (await m.getNetworkAdapter(0)).getAdapterType()).toBe(NetworkAdapterType.I82540EM)
    expect(await m.getGroups()).toEqual(['/lab'])
  })

  it('rejects out-of-range values with E_INVALIDARG', async () => {
    const invalid = { code: 'E_INVALIDARG', resultCode: 0x80070057 }
    await expect(m.setMemorySize(2)).rejects.toMatchObject(invalid)
    await expect(m.setCPUCount(65)).rejects.toMatchObject(invalid)
    await expect(m.setCPUExecutionCap(0)).rejects.toMatchObject(invalid)
    await expect(m.setBootOrder(5, DeviceType.DVD)).rejects.toMatchObject(invalid)
    await expect(m.setBootOrder(1, DeviceType.USB)).rejects.toMatchObject(invalid)
    await expect((await m.getGraphicsAdapter()).setVRAMSize(300)).rejects.toMatchObject(invalid)
    await expect((await m.getGraphicsAdapter()).setMonitorCount(0)).rejects.toMatchObject(invalid)
    await expect(m.getSerialPort(4)).rejects.toMatchObject(invalid)
    await expect(m.getNetworkAdapter(8)).rejects.toMatchObject(invalid)
    await expect((await m.getNetworkAdapter(0)).setMACAddress('010203040506')).rejects.toMatchObject(invalid) // multicast
    await expect((await m.getFirmwareSettings()).setFirmwareType(9 as FirmwareType)).rejects.toMatchObject(invalid)
    await expect(m.setGroups(['nogroup'])).rejects.toMatchObject(invalid)
    const com1 = await m.getSerialPort(0)
    await com1.setHostMode(PortMode.RawFile)
    await expect(com1.setEnabled(true)).rejects.toMatchObject(invalid) // no path yet
  })

  it('keeps VirtualBox storage rules', async () => {
    const vbox = client.virtualBox
    await m.addStorageController('IDE', StorageBus.IDE)
    await expect(m.addStorageController('IDE', StorageBus.SATA)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    await expect(m.addStorageController('IDE2', StorageBus.IDE)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    const sata = await m.addStorageController('SATA', StorageBus.SATA)
    expect(await sata.getControllerType()).toBe(StorageControllerType.IntelAhci)
    expect(await sata.getMaxPortCount()).toBe(30)
    await sata.setPortCount(4)
    await expect(sata.setPortCount(31)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    const floppy = await m.addStorageController('Floppy', StorageBus.Floppy)
    expect(await floppy.getMaxDevicesPerPortCount()).toBe(2)
    await expect(m.attachDevice('IDE', 2, 0, DeviceType.DVD, null)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    await expect(m.attachDevice('Nope', 0, 0, DeviceType.DVD, null)).rejects.toMatchObject({
      code: 'VBOX_E_OBJECT_NOT_FOUND',
    })
    await expect(m.attachDevice('IDE', 0, 0, DeviceType.HardDisk, null)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    await expect(m.attachDevice('Floppy', 0, 0, DeviceType.DVD, null)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    await m.attachDeviceWithoutMedium('IDE', 1, 0, DeviceType.DVD)
    await expect(m.attachDeviceWithoutMedium('IDE', 1, 0, DeviceType.DVD)).rejects.toMatchObject({
      code: 'VBOX_E_OBJECT_IN_USE',
    })
    const iso = join(dir.path, 'x.iso')
    await writeIso(iso)
    const dvd = await vbox.openMedium(iso, DeviceType.DVD, AccessMode.ReadOnly, false)
    await expect(m.mountMedium('IDE', 0, 0, dvd, false)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_NOT_FOUND' })
    await m.mountMedium('IDE', 1, 0, dvd, false)
    expect(await (await m.getMedium('IDE', 1, 0))?.getId()).toBe(await dvd.getId())
    await expect(m.attachDevice('SATA', 0, 0, DeviceType.HardDisk, dvd)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    const disk = await vbox.createMedium('VDI', join(dir.path, 'd.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    expect(await finish(await disk.createBaseStorage(1024 * 1024, []))).toMatchObject({ code: 0 })
    await m.attachDevice('SATA', 0, 0, DeviceType.HardDisk, disk)
    await expect(m.attachDevice('SATA', 1, 0, DeviceType.HardDisk, disk)).rejects.toMatchObject({
      code: 'VBOX_E_OBJECT_IN_USE',
    })
    await m.nonRotationalDevice('SATA', 0, 0, true)
    await expect(m.passthroughDevice('SATA', 0, 0, true)).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    await m.saveSettings()
    await vbox.registerMachine(m)
    // A normal disk cannot be attached to a second machine.
    const other = await vbox.createMachine('', 'other', PlatformArchitecture.x86, [], 'Other', '')
    await other.addStorageController('SATA', StorageBus.SATA)
    await expect(other.attachDevice('SATA', 0, 0, DeviceType.HardDisk, disk)).rejects.toMatchObject({
      code: 'VBOX_E_OBJECT_IN_USE',
    })
    await expect(disk.close()).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    expect(await disk.getMachineIds()).toEqual([await m.getId()])
    await m.unmountMedium('IDE', 1, 0, false).catch((e: unknown) => e) // needs a lock now
    await expect(m.unmountMedium('IDE', 1, 0, false)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
  })

  it('saves every modelled setting in VirtualBox format and reads it back', async () => {
    const vbox = client.virtualBox
    await m.setDescription('a <test> machine')
    await m.setCPUCount(4)
    await (await m.getFirmwareSettings()).setFirmwareType(FirmwareType.EFI)
    await (await m.getPlatform()).setChipsetType(ChipsetType.ICH9)
    const vrde = await m.getVRDEServer()
    await vrde.setEnabled(true)
    await vrde.setAuthType(AuthType.External)
    await vrde.setVRDEProperty('TCP/Ports', '5000-5010')
    await vrde.setVRDEProperty('TCP/Address', '127.0.0.1')
    await vrde.setVRDEProperty('TCP/Address', '')
    const com2 = await m.getSerialPort(1)
    await com2.setPath(join(dir.path, 'com2.log'))
    await com2.setHostMode(PortMode.RawFile)
    await com2.setEnabled(true)
    const nic = await m.getNetworkAdapter(1)
    await nic.setEnabled(true)
    await nic.setAttachmentType(NetworkAttachmentType.NAT)
    await (await nic.getNATEngine()).addRedirect('ssh', 1, '', 2222, '', 22)
    await expect((await nic.getNATEngine()).addRedirect('ssh', 1, '', 2223, '', 22)).rejects.toMatchObject({
      code: 'E_INVALIDARG',
    })
    const mac = await nic.getMACAddress()
    expect(mac).toMatch(/^080027[0-9A-F]{6}$/)
    await m.setExtraData('GUI/Scale', '2')
    await m.saveSettings()
    await vbox.registerMachine(m)
    const text = await readFile(await m.getSettingsFilePath(), 'utf8')
    expect(text).toContain('<Description>a &lt;test&gt; machine</Description>')
    expect(text).toContain('<CPU count="4">')
    expect(text).toContain('<Firmware type="EFI"/>')
    expect(text).toContain('<Chipset type="ICH9"/>')
    expect(text).toMatch(
      /<RemoteDisplay enabled="true" authType="External">\s*<VRDEProperties>\s*<Property name="TCP\/Ports" value="5000-5010"\/>\s*<\/VRDEProperties>/,
    )
    expect(text).toContain(
      `<Port slot="1" enabled="true" IOBase="0x2f8" IRQ="3" hostMode="RawFile" path="${join(dir.path, 'com2.log')}"/>`,
    )
    expect(text).toMatch(
      new RegExp(
        `<Adapter slot="1" enabled="true" MACAddress="${mac}" type="82540EM">\\s*<NAT>\\s*<Forwarding name="ssh" proto="1" hostport="2222" guestport="22"/>`,
      ),
    )
    expect(text).toContain('<ExtraDataItem name="GUI/Scale" value="2"/>')
    expect(text).toMatch(/<Groups>\s*<Group name="\/lab"\/>/)

    await client.close()
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    const back = await client.virtualBox.findMachine('box')
    expect(await back.getDescription()).toBe('a <test> machine')
    expect(await back.getCPUCount()).toBe(4)
    expect(await (await back.getFirmwareSettings()).getFirmwareType()).toBe(FirmwareType.EFI)
    expect(await (await back.getPlatform()).getChipsetType()).toBe(ChipsetType.ICH9)
    const v = await back.getVRDEServer()
    expect(await v.getEnabled()).toBe(true)
    expect(await v.getAuthType()).toBe(AuthType.External)
    expect(await v.getVRDEProperty('TCP/Ports')).toBe('5000-5010')
    expect(await (await back.getSerialPort(1)).getHostMode()).toBe(PortMode.RawFile)
    expect(await (await (await back.getNetworkAdapter(1)).getNATEngine()).getRedirects()).toEqual(['ssh,1,,2222,,22'])
    expect(await back.getExtraData('GUI/Scale')).toBe('2')
  })

  it('saves extra data at once and fires OnExtraDataChanged', async () => {
    const vbox = client.virtualBox
    const source = await vbox.getEventSource()
    const listener = await source.createListener()
    await source.registerListener(listener, [VBoxEventType.OnExtraDataChanged], false)
    await vbox.setExtraData('GUI/Language', 'de')
    expect(await vbox.getExtraData('GUI/Language')).toBe('de')
    expect(await vbox.getExtraData('missing')).toBe('')
    expect(await source.getEvent(listener, 1000)).toMatchObject({
      type: 34,
      machineId: '',
      key: 'GUI/Language',
      value: 'de',
    })
    await vbox.setExtraData('GUI/Language', '')
    expect(await vbox.getExtraDataKeys()).toEqual([])
    expect(await readFile(join(dir.path, 'home', 'VirtualBox.xml'), 'utf8')).not.toContain('GUI/Language')
  })

  it('refuses bad createMachine calls and honours the UUID flag', async () => {
    const vbox = client.virtualBox
    await expect(vbox.createMachine('', 'arm', PlatformArchitecture.ARM, [], 'Other', '')).rejects.toMatchObject({
      code: 'VBOX_E_PLATFORM_ARCH_NOT_SUPPORTED',
    })
    await expect(vbox.createMachine('', ' ', PlatformArchitecture.x86, [], 'Other', '')).rejects.toMatchObject({
      code: 'E_INVALIDARG',
    })
    await expect(vbox.createMachine('', 'u', PlatformArchitecture.x86, [], 'Other', 'UUID=zzz')).rejects.toMatchObject({
      code: 'E_INVALIDARG',
    })
    const id = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'
    const withId = await vbox.createMachine('', 'u', PlatformArchitecture.x86, [], 'Other', `UUID=${id}`)
    expect(await withId.getId()).toBe(id)
    await withId.saveSettings()
    await expect(vbox.createMachine('', 'u', PlatformArchitecture.x86, [], 'Other', '')).rejects.toMatchObject({
      code: 'VBOX_E_FILE_ERROR',
    })
    await vbox.registerMachine(withId)
    await expect(vbox.registerMachine(withId)).rejects.toMatchObject({ code: 'VBOX_E_OBJECT_IN_USE' })
    await expect(vbox.getGuestOSType('NoSuchOS')).rejects.toMatchObject({ code: 'E_INVALIDARG' })
    expect((await vbox.getGuestOSType('windows10_64')).recommendedRAM).toBe(2048)
  })

  it('opens and registers an existing settings file, and skips an unreadable one on load', async () => {
    const vbox = client.virtualBox
    await m.saveSettings()
    const path = await m.getSettingsFilePath()
    const opened = await vbox.openMachine(path)
    expect(await opened.getName()).toBe('box')
    await vbox.registerMachine(opened)
    await client.close()
    await writeFile(path, '<VirtualBox xmlns="http://www.virtualbox.org/" version="1.19-linux"><Machine uuid=')
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    await new Promise((r) => setImmediate(r))
    process.off('warning', onWarning)
    expect(await client.virtualBox.getMachines()).toEqual([])
    expect(warnings.join('\n')).toMatch(/box\.vbox.*line 1/)
    // The registry entry stays, so fixing the file brings the machine back.
    expect(await readFile(join(dir.path, 'home', 'VirtualBox.xml'), 'utf8')).toContain(path)
  })

  it('returns the media each cleanup mode promises', async () => {
    const vbox = client.virtualBox
    const iso = join(dir.path, 'shared.iso')
    await writeIso(iso)
    const make = async (name: string, withDisk: boolean) => {
      const dvd = await vbox.openMedium(iso, DeviceType.DVD, AccessMode.ReadOnly, false) // the registered one, or anew
      const machine = await vbox.createMachine('', name, PlatformArchitecture.x86, [], 'Other', '')
      await machine.addStorageController('IDE', StorageBus.IDE)
      await machine.attachDevice('IDE', 1, 0, DeviceType.DVD, dvd)
      if (withDisk) {
        const disk = await vbox.createMedium(
          'VDI',
          join(dir.path, `${name}.vdi`),
          AccessMode.ReadWrite,
          DeviceType.HardDisk,
        )
        expect(await finish(await disk.createBaseStorage(1024 * 1024, []))).toMatchObject({ code: 0 })
        await machine.attachDevice('IDE', 0, 0, DeviceType.HardDisk, disk)
      }
      await machine.saveSettings()
      await vbox.registerMachine(machine)
      return machine
    }
    const a = await make('a', true)
    const b = await make('b', false)
    // The DVD is shared with b, so Full does not return it for a; it returns a's disk.
    const fromA = await a.unregister(CleanupMode.Full)
    expect(await Promise.all(fromA.map((m) => m.getLocation()))).toEqual([join(dir.path, 'a.vdi')])
    expect(await finish(await a.deleteConfig(fromA))).toMatchObject({ code: 0 })
    // b is now the DVD's only user: Full returns it, deleteConfig closes it but never deletes the image file.
    const fromB = await b.unregister(CleanupMode.Full)
    expect(await Promise.all(fromB.map((m) => m.getLocation()))).toEqual([iso])
    expect(await finish(await b.deleteConfig(fromB))).toMatchObject({ code: 0 })
    expect(await vbox.getDVDImages()).toEqual([])
    expect(existsSync(iso)).toBe(true)
    const c = await make('c', true)
    expect(await c.unregister(CleanupMode.DetachAllReturnNone)).toEqual([])
    expect(existsSync(join(dir.path, 'c.vdi'))).toBe(true) // detached, not deleted
  })

  it('renames the machine folder, settings file and contained disks with the machine (nameSync)', async () => {
    const vbox = client.virtualBox
    await m.addStorageController('SATA', StorageBus.SATA)
    const oldFolder = join(dir.path, 'VMs', 'lab', 'box')
    const disk = await vbox.createMedium('VDI', join(oldFolder, 'box.vdi'), AccessMode.ReadWrite, DeviceType.HardDisk)
    expect(await finish(await disk.createBaseStorage(1024 * 1024, []))).toMatchObject({ code: 0 })
    await m.attachDevice('SATA', 0, 0, DeviceType.HardDisk, disk)
    await m.saveSettings()
    await vbox.registerMachine(m)
    const s = await client.getSession()
    await m.lockMachine(s, LockType.Write)
    await (await s.getMachine()).setName('crate')
    await (await s.getMachine()).saveSettings()
    await s.unlockMachine()
    const newFolder = join(dir.path, 'VMs', 'lab', 'crate')
    expect(await m.getSettingsFilePath()).toBe(join(newFolder, 'crate.vbox'))
    expect(existsSync(oldFolder)).toBe(false)
    expect(await disk.getLocation()).toBe(join(newFolder, 'box.vdi'))
    expect(await readFile(join(dir.path, 'home', 'VirtualBox.xml'), 'utf8')).toContain(
      `src="${join(newFolder, 'crate.vbox')}"`,
    )
    await client.close()
    client = await openVirtualBox({ homeFolder: join(dir.path, 'home') })
    const back = await client.virtualBox.findMachine('crate')
    const medium = await back.getMedium('SATA', 0, 0)
    expect(await medium?.getState()).toBe(1) // Created: the moved disk is found
    expect(await medium?.getLogicalSize()).toBe(1024 * 1024)
  })

  it('changes settings only under a write lock once registered', async () => {
    const vbox = client.virtualBox
    await m.saveSettings()
    await vbox.registerMachine(m)
    await expect(m.setMemorySize(512)).rejects.toMatchObject({
      code: 'VBOX_E_INVALID_VM_STATE',
      resultCode: 0x80bb0002,
    })
    const s = await client.getSession()
    await expect(s.getMachine()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_SESSION_STATE' })
    await m.lockMachine(s, LockType.Write)
    await expect(m.lockMachine(s, LockType.Write)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_OBJECT_STATE' })
    const sm = await s.getMachine()
    await sm.setMemorySize(512)
    await sm.discardSettings()
    expect(await sm.getMemorySize()).toBe(2048)
    await s.unlockMachine()
    await expect(s.unlockMachine()).rejects.toMatchObject({ code: 'VBOX_E_INVALID_SESSION_STATE' })
  })
})
