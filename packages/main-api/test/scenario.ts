// The "Done when" scenario, written once against the public API and run both in-process and through the
// service: create a machine with a disk and a DVD, save, reload, find, lock from two sessions, snapshots offline,
// unregister with full cleanup, no stray files.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openImage } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import {
  AccessMode,
  CleanupMode,
  DeviceType,
  LockType,
  MachineState,
  MediumState,
  PlatformArchitecture,
  SessionState,
  SessionType,
  StorageBus,
  VBoxEventType,
  openEventStream,
} from '../src/index'
import type { IMachine, IVirtualBoxClient, VBoxEvent } from '../src/index'
import { finish, listFiles, tempDir, waitFor, writeIso } from './helpers'

const MB = 1024 * 1024

/** Defines the scenario for one way of reaching the API; `connect` may be called several times (reloads). */
export function defineScenario(
  label: string,
  connect: (home: string) => Promise<IVirtualBoxClient>,
  reload: (home: string) => Promise<void>,
): void {
  describe(`Main API scenario (${label})`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let home: string
    let vmFolder: string
    let iso: string
    let client: IVirtualBoxClient
    let machineId: string
    const events: VBoxEvent[] = []
    let abort: AbortController | undefined
    let collecting: Promise<void> | undefined

    // Collects every event of the current client's VirtualBox object until the next reload.
    async function watch(): Promise<void> {
      abort = new AbortController()
      const stream = await openEventStream(await client.virtualBox.getEventSource(), [VBoxEventType.Any], {
        pollMs: 100,
        signal: abort.signal,
      })
      collecting = (async () => {
        for await (const e of stream) events.push(e)
      })().catch(() => undefined) // the stream ends with an error when its service is killed
    }
    async function unwatch(): Promise<void> {
      abort?.abort()
      await collecting?.catch(() => undefined)
    }

    beforeAll(async () => {
      dir = await tempDir(label)
      home = join(dir.path, 'home')
      vmFolder = join(dir.path, 'VMs')
      iso = join(dir.path, 'boot.iso')
      await writeIso(iso)
      client = await connect(home)
      await (await client.virtualBox.getSystemProperties()).setDefaultMachineFolder(vmFolder)
      await watch()
    })

    afterAll(async () => {
      await unwatch()
      await client?.close()
      await dir.cleanup()
    })

    it('creates a machine with a new VDI disk and a DVD image, saves and registers it', async () => {
      const vbox = client.virtualBox
      const machine = await vbox.createMachine('', 'demo', PlatformArchitecture.x86, [], 'Debian_64', '')
      machineId = await machine.getId()
      expect(await machine.getSettingsFilePath()).toBe(join(vmFolder, 'demo', 'demo.vbox'))
      expect(await machine.getMemorySize()).toBe(2048) // Debian_64's recommended RAM
      await machine.setMemorySize(256)
      await machine.setCPUCount(2)
      await machine.addStorageController('SATA', StorageBus.SATA)
      await machine.addStorageController('IDE', StorageBus.IDE)
      const disk = await vbox.createMedium(
        'VDI',
        join(vmFolder, 'demo', 'demo.vdi'),
        AccessMode.ReadWrite,
        DeviceType.HardDisk,
      )
      expect(await disk.getState()).toBe(MediumState.NotCreated)
      expect(await finish(await disk.createBaseStorage(64 * MB, [0]))).toMatchObject({ code: 0 })
      expect(await disk.getState()).toBe(MediumState.Created)
      expect(await disk.getLogicalSize()).toBe(64 * MB)
      const dvd = await vbox.openMedium(iso, DeviceType.DVD, AccessMode.ReadOnly, false)
      await machine.attachDevice('SATA', 0, 0, DeviceType.HardDisk, disk)
      await machine.attachDevice('IDE', 1, 0, DeviceType.DVD, dvd)
      await machine.setBootOrder(1, DeviceType.DVD)
      await machine.saveSettings()
      await vbox.registerMachine(machine)
      const text = await readFile(join(vmFolder, 'demo', 'demo.vbox'), 'utf8')
      expect(text).toContain(`<Machine uuid="{${machineId}}" name="demo" OSType="Debian_64"`)
      expect(text).toMatch(/<HardDisk uuid="\{[0-9a-f-]+\}" location="demo.vdi" format="VDI" type="Normal"\/>/)
      expect(text).toContain(`<Image uuid="{${await dvd.getId()}}" location="${iso}"/>`)
      expect(text).toContain('<StorageController name="SATA" type="AHCI" PortCount="30"')
      const global = await readFile(join(home, 'VirtualBox.xml'), 'utf8')
      expect(global).toContain(`<MachineEntry uuid="{${machineId}}" src="${join(vmFolder, 'demo', 'demo.vbox')}"/>`)
      // Through the service the event arrives with the listener's next poll.
      await waitFor(
        () => events.some((e) => e.type === VBoxEventType.OnMachineRegistered && e.machineId === machineId),
        5000,
        'OnMachineRegistered',
      )
    })

    it('finds the machine again after the service (or process) reloads its registry', async () => {
      await unwatch()
      await client.close()
      await reload(home)
      client = await connect(home)
      await watch()
      const m = await client.virtualBox.findMachine('demo')
      expect(await m.getId()).toBe(machineId)
      expect(await (await client.virtualBox.findMachine(`{${machineId}}`)).getName()).toBe('demo')
      expect(await m.getMemorySize()).toBe(256)
      expect(await m.getCPUCount()).toBe(2)
      expect(await m.getBootOrder(1)).toBe(DeviceType.DVD)
      const attachments = await m.getMediumAttachments()
      expect(attachments.map((a) => [a.controller, a.port, a.device, a.type])).toEqual([
        ['SATA', 0, 0, DeviceType.HardDisk],
        ['IDE', 1, 0, DeviceType.DVD],
      ])
      expect(await attachments[0]?.medium?.getLocation()).toBe(join(vmFolder, 'demo', 'demo.vdi'))
      expect(await (await client.virtualBox.getHardDisks()).length).toBe(1)
      await expect(client.virtualBox.findMachine('nope')).rejects.toMatchObject({
        code: 'VBOX_E_OBJECT_NOT_FOUND',
        resultCode: 0x80bb0001,
      })
    })

    it('grants one write lock, refuses a second, and allows a shared lock alongside', async () => {
      const m = await client.virtualBox.findMachine('demo')
      const s1 = await client.getSession()
      const s2 = await client.getSession()
      await m.lockMachine(s1, LockType.Write)
      expect(await s1.getState()).toBe(SessionState.Locked)
      expect(await s1.getType()).toBe(SessionType.WriteLock)
      expect(await m.getSessionState()).toBe(SessionState.Locked)
      await expect(m.lockMachine(s2, LockType.Write)).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_OBJECT_STATE',
        resultCode: 0x80bb0007,
      })
      await m.lockMachine(s2, LockType.Shared)
      expect(await s2.getType()).toBe(SessionType.Shared)
      // Only the write session's machine is mutable.
      await expect((await s2.getMachine()).setMemorySize(512)).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_VM_STATE',
      })
      await expect(m.setMemorySize(512)).rejects.toMatchObject({ code: 'VBOX_E_INVALID_VM_STATE' })
      const mutable = await s1.getMachine()
      await mutable.setMemorySize(512)
      expect(await mutable.getSettingsModified()).toBe(true)
      await s2.unlockMachine()
      await s1.unlockMachine() // unsaved changes are discarded
      expect(await m.getMemorySize()).toBe(256)
      expect(await m.getSessionState()).toBe(SessionState.Unlocked)
      await m.lockMachine(s1, LockType.Write)
      await (await s1.getMachine()).setMemorySize(384)
      await (await s1.getMachine()).saveSettings()
      await s1.unlockMachine()
      expect(await m.getMemorySize()).toBe(384)
      // Through the service the events arrive with the listener's next poll (CI once checked before it came).
      for (const type of [VBoxEventType.OnSessionStateChanged, VBoxEventType.OnMachineDataChanged]) {
        await waitFor(() => events.some((e) => e.type === type && e.machineId === machineId), 5000, `event ${type}`)
      }
    })

    it('takes, restores and deletes snapshots offline with differencing images', async () => {
      const m = await client.virtualBox.findMachine('demo')
      const session = await client.getSession()
      await m.lockMachine(session, LockType.Write)
      const sm = await session.getMachine()
      const [progress, snapId] = await sm.takeSnapshot('first', 'before changes', false)
      expect(await finish(progress)).toMatchObject({ code: 0 })
      const snapshotFolder = join(vmFolder, 'demo', 'Snapshots')
      const diff = await sm.getMedium('SATA', 0, 0)
      expect(diff).not.toBeNull()
      const diffPath = (await diff?.getLocation()) as string
      expect(diffPath.startsWith(snapshotFolder)).toBe(true)
      expect(await (await diff?.getParent())?.getLocation()).toBe(join(vmFolder, 'demo', 'demo.vdi'))
      expect(await sm.getSnapshotCount()).toBe(1)
      const snap = await sm.findSnapshot('first')
      expect(await snap.getId()).toBe(snapId)
      expect(await snap.getDescription()).toBe('before changes')
      expect(await (await sm.getCurrentSnapshot())?.getName()).toBe('first')

      // The guest writes through the diff; restoring discards that write, deleting merges a new one down.
      await writeThrough(diffPath, join(vmFolder, 'demo', 'demo.vdi'), 0xaa)
      const restore = await sm.restoreSnapshot(snap)
      expect(await finish(restore)).toMatchObject({ code: 0 })
      const fresh = (await (await sm.getMedium('SATA', 0, 0))?.getLocation()) as string
      expect(fresh).not.toBe(diffPath)
      expect(existsSync(diffPath)).toBe(false)
      expect(await readThrough(fresh, join(vmFolder, 'demo', 'demo.vdi'))).toBe(0)
      await writeThrough(fresh, join(vmFolder, 'demo', 'demo.vdi'), 0x55)
      const del = await sm.deleteSnapshot(snapId)
      expect(await finish(del)).toMatchObject({ code: 0 })
      expect(await sm.getSnapshotCount()).toBe(0)
      expect(await (await sm.getMedium('SATA', 0, 0))?.getLocation()).toBe(join(vmFolder, 'demo', 'demo.vdi'))
      expect(existsSync(fresh)).toBe(false)
      // The merged write is now in the base image.
      expect(await readBase(join(vmFolder, 'demo', 'demo.vdi'))).toBe(0x55)
      await session.unlockMachine()
      const kinds = events.map((e) => e.type)
      expect(kinds).toContain(VBoxEventType.OnSnapshotTaken)
      expect(kinds).toContain(VBoxEventType.OnSnapshotRestored)
      expect(kinds).toContain(VBoxEventType.OnSnapshotDeleted)
      const states = events
        .filter((e) => e.type === VBoxEventType.OnMachineStateChanged)
        .map((e) => (e as { state: number }).state)
      expect(states).toEqual(
        expect.arrayContaining([
          MachineState.Snapshotting,
          MachineState.RestoringSnapshot,
          MachineState.DeletingSnapshot,
        ]),
      )
    })

    it('refuses to launch hardware the PC cannot emulate yet and leaves the machine powered off and unlocked', async () => {
      const m = await client.virtualBox.findMachine('demo')
      const session = await client.getSession()
      // Unset any plugged-in machine driver: the built-in PC has no SATA (AHCI) controller yet.
      const progress = await m.launchVMProcess(session, 'headless', ['BOXWOOD_MACHINE_DRIVER'])
      const result = await finish(progress)
      expect(result.code).toBe(0x80bb0009)
      expect(result.text).toMatch(/storage controller 'SATA' cannot be emulated yet/)
      expect(await m.getState()).toBe(MachineState.PoweredOff)
      expect(await m.getSessionState()).toBe(SessionState.Unlocked)
      expect(await session.getState()).toBe(SessionState.Unlocked)
    })

    it('unregisters with full cleanup and leaves no stray files', async () => {
      const m: IMachine = await client.virtualBox.findMachine('demo')
      await expect(m.unregister(CleanupMode.UnregisterOnly)).rejects.toMatchObject({
        code: 'VBOX_E_INVALID_OBJECT_STATE',
      })
      const media = await m.unregister(CleanupMode.DetachAllReturnHardDisksOnly)
      expect(await Promise.all(media.map((x) => x.getLocation()))).toEqual([join(vmFolder, 'demo', 'demo.vdi')])
      const progress = await m.deleteConfig(media)
      expect(await finish(progress)).toMatchObject({ code: 0 })
      expect(existsSync(join(vmFolder, 'demo'))).toBe(false)
      expect(await listFiles(vmFolder)).toEqual([])
      expect(existsSync(iso)).toBe(true) // the user's DVD image is never deleted
      expect(await client.virtualBox.getMachines()).toEqual([])
      expect(await client.virtualBox.getHardDisks()).toEqual([])
      const global = await readFile(join(home, 'VirtualBox.xml'), 'utf8')
      expect(global).not.toContain(machineId)
      expect(global).not.toContain('demo.vdi')
    })
  })
}

const host = nodeDiskHost()

async function writeThrough(child: string, parent: string, byte: number): Promise<void> {
  const image = await openImage(host, child, { resolveParent: () => parent })
  await image.write(4096, new Uint8Array(512).fill(byte))
  await image.close()
}

async function readThrough(child: string, parent: string): Promise<number> {
  const image = await openImage(host, child, { readOnly: true, resolveParent: () => parent })
  const data = new Uint8Array(512)
  await image.read(4096, data)
  await image.close()
  return data[0] as number
}

async function readBase(path: string): Promise<number> {
  const image = await openImage(host, path, { readOnly: true })
  const data = new Uint8Array(512)
  await image.read(4096, data)
  await image.close()
  return data[0] as number
}
