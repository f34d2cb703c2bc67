// Settings XML: a .vbox written in VirtualBox 7.0's format (vbox-api.md §4.4) loads, round-trips and keeps foreign content.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DeviceType, StorageControllerType } from '../../src/api/storage-enums'
import { GraphicsControllerType, NetworkAdapterType, PointingHIDType, PortMode } from '../../src/api/machine-enums'
import { readMachine } from '../../src/settings/machine-settings-read'
import { writeMachine } from '../../src/settings/machine-settings-write'
import { buildSettingsText, loadSettingsFile, parseSettings, writeFileAtomic } from '../../src/settings/settings-file'
import { rootSchema } from '../../src/settings/settings-schema'
import type { parseXml } from '../../src/settings/xml-tree'
import { child } from '../../src/settings/xml-tree'
import { defaultMachineSettings } from '../../src/settings/machine-settings'

const fixture = join(import.meta.dirname, 'fixtures', 'demo-7.0.vbox')

function machineOf(root: ReturnType<typeof parseXml>) {
  const m = child(root, 'Machine')
  if (!m) throw new Error('no Machine')
  return m
}

describe('machine settings', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boxwood-settings-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a VirtualBox 7.0 .vbox file', async () => {
    const loaded = await loadSettingsFile(fixture, 'Machine')
    expect(loaded.version).toBe('1.19-linux')
    const s = readMachine(machineOf(loaded.root))
    expect(s.uuid).toBe('3c1b6c4e-0a57-4a8e-9a3b-2b1e5f0c9d11')
    expect(s.name).toBe('demo')
    expect(s.osType).toBe('Ubuntu_64')
    expect(s.hardware.cpuCount).toBe(2)
    expect(s.hardware.memorySize).toBe(2048)
    expect(s.hardware.pae && s.hardware.longMode && s.hardware.x2apic && s.hardware.largePages).toBe(true)
    expect(s.hardware.pointingHID).toBe(PointingHIDType.USBTablet)
    expect(s.hardware.bootOrder).toEqual([DeviceType.DVD, DeviceType.HardDisk, DeviceType.Null, DeviceType.Null])
    expect(s.hardware.graphicsController).toBe(GraphicsControllerType.VMSVGA)
    expect(s.hardware.vramSize).toBe(16)
    expect(s.hardware.vrde.enabled).toBe(true)
    expect(s.hardware.vrde.properties).toContainEqual(['TCP/Ports', '3389'])
    expect(s.hardware.ioapic).toBe(true)
    expect(s.hardware.rtcUseUTC).toBe(true)
    const nic = s.hardware.network[0]
    expect(nic?.adapterType).toBe(NetworkAdapterType.I82540EM)
    expect(nic?.natRedirects[0]).toMatchObject({ name: 'ssh', proto: 1, hostPort: 2222, guestPort: 22 })
    expect(s.hardware.serial[0]?.hostMode).toBe(PortMode.Disconnected)
    const ide = s.hardware.storageControllers[0]
    expect(ide?.type).toBe(StorageControllerType.PIIX4)
    expect(ide?.attachments.map((a) => [a.type, a.port, a.device, a.mediumId])).toEqual([
      [DeviceType.HardDisk, 0, 0, '9f7d2a10-5c3e-4b6a-8d2f-0e1a2b3c4d5e'],
      [DeviceType.DVD, 1, 0, '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'],
    ])
    expect(s.mediaRegistry.hardDisks[0]).toMatchObject({ location: 'demo.vdi', format: 'VDI' })
    expect(s.extraData).toEqual([['GUI/LastGuestSizeHint', '1024,768']])
  })

  it('round-trips the file: same settings, foreign elements kept in place, stable on a second save', async () => {
    const loaded = await loadSettingsFile(fixture, 'Machine')
    const s = readMachine(machineOf(loaded.root))
    const first = buildSettingsText(writeMachine(s), loaded.root, rootSchema('Machine'))
    // USB and Clipboard are not modelled by Boxwood: they must survive where they were.
    expect(first.text).toMatch(/<\/BIOS>\s*<USB>\s*<Controllers>\s*<Controller name="OHCI" type="OHCI"\/>/)
    expect(first.text).toMatch(/<RTC localOrUTC="UTC"\/>\s*<Clipboard mode="Bidirectional"\/>/)
    expect(first.text).toContain('xmlns="http://www.virtualbox.org/"')
    expect(first.text).toContain('uuid="{3c1b6c4e-0a57-4a8e-9a3b-2b1e5f0c9d11}"')
    const again = parseSettings('x.vbox', first.text, 'Machine')
    expect(readMachine(machineOf(again.root))).toEqual(s)
    const second = buildSettingsText(writeMachine(s), again.root, rootSchema('Machine'))
    expect(second.text).toBe(first.text)
  })

  it('keeps unknown attributes and drops known ones that went back to their default', async () => {
    const loaded = await loadSettingsFile(fixture, 'Machine')
    const s = readMachine(machineOf(loaded.root))
    const patched = loaded.root
    const machine = machineOf(patched)
    machine.attrs.push(['futureAttribute', 'kept'])
    s.hardware.vramSize = 8
    s.hardware.graphicsController = GraphicsControllerType.VBoxVGA
    const { text } = buildSettingsText(writeMachine(s), patched, rootSchema('Machine'))
    expect(text).toContain('futureAttribute="kept"')
    expect(text).not.toContain('<Display')
  })

  it('omits defaults for a new machine', () => {
    const s = defaultMachineSettings('11111111-2222-4333-8444-555555555555', 'fresh', 'Other')
    const { text } = buildSettingsText(writeMachine(s), undefined, rootSchema('Machine'))
    expect(text).toMatch(/^<\?xml version="1.0"\?>\n<!--/)
    expect(text).toContain('<Memory RAMSize="128"/>')
    for (const absent of ['<Display', '<RemoteDisplay', '<Network', '<UART', '<HID', 'count='])
      expect(text).not.toContain(absent)
  })

  it('reports a corrupt file with its path and line and offers the previous version', async () => {
    const path = join(dir, 'bad.vbox')
    const good = await readFile(fixture, 'utf8')
    await writeFileAtomic(path, good)
    await writeFileAtomic(path, good.replace('<Memory RAMSize="2048"/>', '<Memory RAMSize="2048">'))
    await expect(loadSettingsFile(path, 'Machine')).rejects.toMatchObject({
      code: 'VBOX_E_XML_ERROR',
      resultCode: 0x80bb000a,
      message: expect.stringMatching(new RegExp(`${path}.*line \\d+.*${path}-prev`)),
    })
    // The kept previous version is intact and loads.
    await expect(loadSettingsFile(`${path}-prev`, 'Machine')).resolves.toMatchObject({ version: '1.19-linux' })
  })

  it('rejects a file that is not a VirtualBox settings file', async () => {
    const path = join(dir, 'other.vbox')
    await writeFile(path, '<?xml version="1.0"?><Foo/>')
    await expect(loadSettingsFile(path, 'Machine')).rejects.toMatchObject({ code: 'VBOX_E_XML_ERROR' })
  })

  it('writes atomically, leaving no temporary files behind', async () => {
    const path = join(dir, 'a.vbox')
    await writeFileAtomic(path, 'one')
    await writeFileAtomic(path, 'two')
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(dir)).sort()).toEqual(['a.vbox', 'a.vbox-prev'])
    expect(await readFile(path, 'utf8')).toBe('two')
    expect(await readFile(`${path}-prev`, 'utf8')).toBe('one')
  })

  it('reads the 7.1 (settings 1.20) platform layout', () => {
    const xml = `<VirtualBox xmlns="http://www.virtualbox.org/" version="1.20-linux"><Machine uuid="{11111111-2222-4333-8444-555555555555}" name="n" OSType="Other_64">
      <Hardware><Memory RAMSize="512"/><Firmware type="EFI"><IOAPIC enabled="true"/></Firmware>
      <UART><Port slot="1" enabled="true" IOAddress="0x2f8" IRQ="3" hostMode="RawFile" path="/tmp/x.log"/></UART></Hardware>
      <Platform architecture="x86"><Chipset type="ICH9"/><RTC localOrUTC="UTC"/><CPU count="4"/><x86><HPET enabled="true"/><CPU><PAE enabled="true"/></CPU></x86></Platform>
      </Machine></VirtualBox>`
    const s = readMachine(machineOf(parseSettings('p.vbox', xml, 'Machine').root))
    expect(s.hardware).toMatchObject({
      cpuCount: 4,
      pae: true,
      hpet: true,
      rtcUseUTC: true,
      ioapic: true,
      memorySize: 512,
    })
    expect(s.hardware.firmware).toBe(2)
    expect(s.hardware.serial[1]).toMatchObject({
      enabled: true,
      hostMode: PortMode.RawFile,
      path: '/tmp/x.log',
      ioAddress: 0x2f8,
    })
  })
})
