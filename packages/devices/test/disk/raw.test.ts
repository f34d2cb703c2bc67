// Raw images through the Node backend: sparse creation, unaligned I/O, bounds, locking.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { createImage, DiskLockedError, DiskUsageError, openImage } from '../../src/disk/index'
import { host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('raw images', () => {
  it('creates a sparse file and reads back unaligned writes', async () => {
    const path = tmp.path('a.img')
    const image = await createImage(host, path, { format: 'raw', size: 64 * 1024 * 1024 })
    const data = pattern(10_000, 7)
    await image.write(12_345, data)
    const back = new Uint8Array(10_000)
    await image.read(12_345, back)
    expect(back).toEqual(data)
    const info = await image.info()
    expect(info).toMatchObject({ format: 'raw', variant: 'fixed', logicalSize: 64 * 1024 * 1024, differencing: false })
    expect(info.allocatedSize).toBeLessThan(1024 * 1024)
    await image.close()
    const again = await openImage(host, path, { readOnly: true })
    const whole = new Uint8Array(20_000)
    await again.read(10_000, whole)
    expect(whole.subarray(2_345, 12_345)).toEqual(data)
    expect(whole.subarray(0, 2_345).every((b) => b === 0)).toBe(true)
    await expect(again.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'DISK_READ_ONLY' })
    await again.close()
  })

  it('rejects I/O outside the disk and use after close', async () => {
    const image = await createImage(host, tmp.path('b.img'), { format: 'raw', size: 1024 * 1024 })
    await expect(image.read(1024 * 1024 - 1, new Uint8Array(2))).rejects.toBeInstanceOf(DiskUsageError)
    await expect(image.read(-1, new Uint8Array(1))).rejects.toMatchObject({ code: 'DISK_OUT_OF_RANGE' })
    await image.close()
    await expect(image.read(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'DISK_CLOSED' })
  })

  it('allows one writer at a time and any number of readers', async () => {
    const path = tmp.path('c.img')
    const writer = await createImage(host, path, { format: 'raw', size: 1024 * 1024 })
    await expect(openImage(host, path)).rejects.toBeInstanceOf(DiskLockedError)
    const reader = await openImage(host, path, { readOnly: true })
    await reader.close()
    await writer.close()
    const second = await openImage(host, path)
    await second.close()
  })

  it('refuses to create over an existing file or with a bad size', async () => {
    const path = tmp.path('d.img')
    await (await createImage(host, path, { format: 'raw', size: 512 })).close()
    await expect(createImage(host, path, { format: 'raw', size: 512 })).rejects.toMatchObject({ code: 'DISK_EXISTS' })
    await expect(createImage(host, tmp.path('e.img'), { format: 'raw', size: 1000 })).rejects.toMatchObject({
      code: 'DISK_INVALID_ARGUMENT',
    })
  })
})
