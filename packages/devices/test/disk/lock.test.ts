// The single-writer lock: held by a live process it blocks writers; left by a dead process it is taken over.

import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createImage, openImage } from '../../src/disk/index'
import { lockImageFile, nodeDiskHost } from '../../src/node/index'
import { host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('writer lock files', () => {
  it('records pid and start time, and disappears on close', async () => {
    const path = tmp.path('a.vdi')
    const image = await createImage(host, path, { format: 'vdi', size: 1024 * 1024 })
    const owner = JSON.parse(readFileSync(`${path}.lck`, 'utf8')) as { pid: number; start: string }
    expect(owner.pid).toBe(process.pid)
    expect(owner.start).toMatch(/^\d+$/)
    await image.close()
    expect(existsSync(`${path}.lck`)).toBe(false)
  })

  it('takes over a lock whose process has exited', async () => {
    const path = tmp.path('b.vdi')
    await (await createImage(host, path, { format: 'vdi', size: 1024 * 1024 })).close()
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    writeFileSync(`${path}.lck`, JSON.stringify({ pid: Number(dead.stdout), start: '1', host: hostname() }))
    const image = await openImage(host, path)
    await image.close()
  })

  it('takes over a lock whose pid now belongs to another process (different start time)', async () => {
    const path = tmp.path('c.raw')
    await (await createImage(host, path, { format: 'raw', size: 4096 })).close()
    writeFileSync(`${path}.lck`, JSON.stringify({ pid: process.pid, start: '1', host: hostname() }))
    await (await openImage(host, path)).close()
  })

  it('refuses while a live process holds it, and treats garbage lock files as stale', async () => {
    const path = tmp.path('d.raw')
    await (await createImage(host, path, { format: 'raw', size: 4096 })).close()
    const held = await lockImageFile(path)
    await expect(openImage(host, path)).rejects.toMatchObject({ code: 'DISK_LOCKED' })
    await held.release()
    writeFileSync(`${path}.lck`, '{"pid": ')
    await (await openImage(host, path)).close()
  })

  it('works the same with synchronous host I/O', async () => {
    const syncHost = nodeDiskHost({ io: 'sync' })
    const path = tmp.path('e.vmdk')
    const image = await createImage(syncHost, path, { format: 'vmdk', size: 2 * 1024 * 1024 })
    const data = pattern(100_000, 2)
    await image.write(33_333, data)
    await image.close()
    const again = await openImage(host, path, { readOnly: true })
    const back = new Uint8Array(data.length)
    await again.read(33_333, back)
    expect(Buffer.compare(back, data)).toBe(0)
    await again.close()
  })
})
