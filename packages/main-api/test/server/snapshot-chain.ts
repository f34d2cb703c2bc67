// Snapshot deletion inside longer chains and snapshots of raw disks, against the public API (run in-process and
// through the service). Disk contents are read and written with @boxwood/devices/disk; qemu-img compares the
// merged base image with the expected content.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openImage, type ParentResolver } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'
import { AccessMode, DeviceType, LockType, PlatformArchitecture, StorageBus } from '../../src/index'
import type { IMachine, IMedium, ISession, IVirtualBox, IVirtualBoxClient } from '../../src/index'
import { finish, tempDir } from '../helpers'

const MB = 1024 * 1024
const SIZE = 4 * MB
const OFFSETS = [0, MB, 2 * MB, 3 * MB] as const
const host = nodeDiskHost()

/** Every registered hard disk (children included), id → location; raw parents (UUID {000…}) found via `rawBase`. */
async function resolverFor(vbox: IVirtualBox, rawBase?: string): Promise<ParentResolver> {
  const locations = new Map<string, string>()
  const walk = async (m: IMedium) => {
    locations.set(await m.getId(), await m.getLocation())
    for (const c of await m.getChildren()) await walk(c)
  }
  for (const m of await vbox.getHardDisks()) await walk(m)
  return ({ parentUuid }) => (parentUuid && locations.get(parentUuid)) || rawBase
}

/** The first byte of the sector at each of OFFSETS, read through the image's chain (-1 if the sector is mixed). */
async function view(vbox: IVirtualBox, medium: IMedium | null, rawBase?: string): Promise<number[]> {
  const image = await openImage(host, await medium!.getLocation(), {
    readOnly: true,
    resolveParent: await resolverFor(vbox, rawBase),
  })
  try {
    const out: number[] = []
    for (const offset of OFFSETS) {
      const sector = new Uint8Array(512)
      await image.read(offset, sector)
      out.push(sector.every((b) => b === sector[0]) ? (sector[0] ?? -1) : -1)
    }
    return out
  } finally {
    await image.close()
  }
}

/** Fills the sector at `offset` of the machine's current disk with `value`, as a guest would. */
async function write(vbox: IVirtualBox, machine: IMachine, offset: number, value: number, rawBase?: string) {
  const medium = await machine.getMedium('IDE', 0, 0)
  const image = await openImage(host, await medium!.getLocation(), { resolveParent: await resolverFor(vbox, rawBase) })
  try {
    await image.write(offset, new Uint8Array(512).fill(value))
  } finally {
    await image.close()
  }
}

/** `connect` opens the API on a home folder; `reopen` closes a client and opens a new one on the same home. */
export function defineSnapshotChainTests(
  label: string,
  connect: (home: string) => Promise<IVirtualBoxClient>,
  reopen: (home: string, old: IVirtualBoxClient) => Promise<IVirtualBoxClient>,
): void {
  describe(`snapshot chains (${label})`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let home: string
    let client: IVirtualBoxClient
    let vms: string

    /** A registered machine with one new disk of `format` on IDE 0:0, locked for writing. */
    async function machineWithDisk(name: string, format: string): Promise<{ m: IMachine; session: ISession }> {
      const vbox = client.virtualBox
      const created = await vbox.createMachine('', name, PlatformArchitecture.x86, [], 'Other', '')
      await created.addStorageController('IDE', StorageBus.IDE)
      const disk = await vbox.createMedium(
        format,
        join(vms, name, `${name}.${format.toLowerCase() === 'raw' ? 'img' : format.toLowerCase()}`),
        AccessMode.ReadWrite,
        DeviceType.HardDisk,
      )
      expect(await finish(await disk.createBaseStorage(SIZE, []))).toMatchObject({ code: 0 })
      await created.attachDevice('IDE', 0, 0, DeviceType.HardDisk, disk)
      await created.saveSettings()
      await vbox.registerMachine(created)
      const session = await client.getSession()
      await created.lockMachine(session, LockType.Write)
      return { m: await session.getMachine(), session }
    }
    const snapshot = async (m: IMachine, name: string) => {
      const [progress] = await m.takeSnapshot(name, '', false)
      expect(await finish(progress)).toMatchObject({ code: 0 })
    }
    const snapshotDisk = async (m: IMachine, name: string) =>
      (await (await m.findSnapshot(name)).getMachine()).getMedium('IDE', 0, 0)

    beforeAll(async () => {
      dir = await tempDir(`chain-${label}`)
      home = join(dir.path, 'home')
      vms = join(dir.path, 'VMs')
      client = await connect(home)
      await (await client.virtualBox.getSystemProperties()).setDefaultMachineFolder(vms)
    })
    afterAll(async () => {
      await client.close()
      await dir.cleanup()
    })

    it('deletes snapshots in the middle and at the start of a chain of three, keeping every view', async () => {
      const vbox = client.virtualBox
      const { m, session } = await machineWithDisk('chain', 'VDI')
      await write(vbox, m, 0, 0x11)
      await write(vbox, m, 2 * MB, 0x12)
      await snapshot(m, 'S1')
      await write(vbox, m, 0, 0x21)
      await write(vbox, m, MB, 0x22)
      await snapshot(m, 'S2')
      await write(vbox, m, 3 * MB, 0x31)
      await snapshot(m, 'S3')
      await write(vbox, m, 0, 0x41)
      const s2Disk = await snapshotDisk(m, 'S2')
      const s3Disk = await snapshotDisk(m, 'S3')
      const s3Id = await s3Disk!.getId()
      const s2Path = await s2Disk!.getLocation()
      const base = join(vms, 'chain', 'chain.vdi')
      const views = async () => ({
        s3: await view(vbox, await snapshotDisk(m, 'S3')),
        current: await view(vbox, await m.getMedium('IDE', 0, 0)),
      })
      const expected = { s3: [0x21, 0x22, 0x12, 0x31], current: [0x41, 0x22, 0x12, 0x31] }
      expect(await views()).toEqual(expected)

      // The middle: S2's image goes into S3's, which keeps its UUID and now sits on the base image.
      expect(await finish(await m.deleteSnapshot(await (await m.findSnapshot('S2')).getId()))).toMatchObject({
        code: 0,
      })
      expect(existsSync(s2Path)).toBe(false)
      expect(await (await snapshotDisk(m, 'S3'))!.getId()).toBe(s3Id)
      expect(await (await (await snapshotDisk(m, 'S3'))!.getParent())!.getLocation()).toBe(base)
      expect(await (await (await m.findSnapshot('S3')).getParent())!.getName()).toBe('S1')
      expect(await view(vbox, await snapshotDisk(m, 'S1'))).toEqual([0x11, 0, 0x12, 0])
      expect(await views()).toEqual(expected)

      // The start: the base image's file now holds S3's content under S3's image UUID.
      expect(await finish(await m.deleteSnapshot(await (await m.findSnapshot('S1')).getId()))).toMatchObject({
        code: 0,
      })
      expect(await m.getSnapshotCount()).toBe(1)
      const s3Now = await snapshotDisk(m, 'S3')
      expect([await s3Now!.getId(), await s3Now!.getLocation(), await s3Now!.getParent()]).toEqual([s3Id, base, null])
      expect(await views()).toEqual(expected)
      expect(readdirSync(join(vms, 'chain', 'Snapshots'))).toHaveLength(1)
      // Oracle: qemu-img checks the rewritten VDI and finds exactly S3's content in it.
      const raw = join(dir.path, 'expected.raw')
      const content = new Uint8Array(SIZE)
      expected.s3.forEach((value, i) => content.fill(value, OFFSETS[i], (OFFSETS[i] ?? 0) + 512))
      writeFileSync(raw, content)
      execFileSync('qemu-img', ['check', '-f', 'vdi', base], { stdio: 'pipe' })
      execFileSync('qemu-img', ['compare', '-f', 'vdi', '-F', 'raw', base, raw], { stdio: 'pipe' })
      await session.unlockMachine()

      // The registry and the settings file describe the new tree: a fresh API finds every image accessible.
      client = await reopen(home, client)
      const again = await client.virtualBox.findMachine('chain')
      const current = await again.getMedium('IDE', 0, 0)
      expect(await current!.refreshState()).toBe(1)
      expect(await (await current!.getParent())!.getId()).toBe(s3Id)
      expect(await view(client.virtualBox, current)).toEqual(expected.current)

      // The last one is an ordinary leaf merge into the base image.
      const last = await client.getSession()
      await again.lockMachine(last, LockType.Write)
      const lm = await last.getMachine()
      expect(await finish(await lm.deleteSnapshot(await (await lm.findSnapshot('S3')).getId()))).toMatchObject({
        code: 0,
      })
      expect(await (await lm.getMedium('IDE', 0, 0))!.getLocation()).toBe(base)
      expect(await view(client.virtualBox, await lm.getMedium('IDE', 0, 0))).toEqual(expected.current)
      expect(readdirSync(join(vms, 'chain', 'Snapshots'))).toEqual([])
      await last.unlockMachine()
    })

    it('refuses a chain merge of VMDK images before changing anything', async () => {
      const { m, session } = await machineWithDisk('sparse', 'VMDK')
      await snapshot(m, 'A')
      await snapshot(m, 'B')
      const before = readdirSync(join(vms, 'sparse', 'Snapshots')).sort()
      await expect(m.deleteSnapshot(await (await m.findSnapshot('A')).getId())).rejects.toMatchObject({
        code: 'VBOX_E_NOT_SUPPORTED',
        message: expect.stringMatching(/VMDK/),
      })
      expect(await m.getSnapshotCount()).toBe(2)
      expect(readdirSync(join(vms, 'sparse', 'Snapshots')).sort()).toEqual(before)
      await session.unlockMachine()
    })

    it('snapshots a raw disk: the differencing image finds its UUID-less parent through the registry', async () => {
      const vbox = client.virtualBox
      const { m, session } = await machineWithDisk('plain', 'RAW')
      const rawPath = join(vms, 'plain', 'plain.img')
      await snapshot(m, 'before')
      const diff = await m.getMedium('IDE', 0, 0)
      expect(await (await diff!.getParent())!.getLocation()).toBe(rawPath)
      await write(vbox, m, MB, 0x77, rawPath)
      await session.unlockMachine()
      // After a reload the image is still accessible (its parent link is {000…}; the registry knows the parent).
      client = await reopen(home, client)
      const again = await client.virtualBox.findMachine('plain')
      const reloaded = await again.getMedium('IDE', 0, 0)
      expect(await reloaded!.refreshState()).toBe(1)
      expect(await reloaded!.getLastAccessError()).toBe('')
      const s = await client.getSession()
      await again.lockMachine(s, LockType.Write)
      const sm = await s.getMachine()
      expect(await finish(await sm.deleteSnapshot(await (await sm.findSnapshot('before')).getId()))).toMatchObject({
        code: 0,
      })
      expect(readFileSync(rawPath)[MB]).toBe(0x77)
      expect(await (await sm.getMedium('IDE', 0, 0))!.getLocation()).toBe(rawPath)
      await s.unlockMachine()
    })
  })
}
