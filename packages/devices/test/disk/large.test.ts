// 2 TiB images (VHD: its 2040 GiB maximum): created sparse in every dynamic format, written at both ends, and
// accepted by qemu-img.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { createImage, openImage } from '../../src/disk/index'
import { expectCheckClean, host, pattern, qemuImg, qemuName, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const TiB = 1024 ** 4

describe.each(['vdi', 'vhd', 'vmdk'] as const)('2 TiB %s', (format) => {
  it('is created sparse, holds writes at both ends, and qemu-img reads them', async () => {
    const path = tmp.path(`big.${format}`)
    const size = format === 'vhd' ? 2040 * 1024 ** 3 : 2 * TiB
    const image = await createImage(host, path, { format, size })
    expect(image.size).toBe(size)
    const head = pattern(5000, 1)
    const tail = pattern(5000, 2)
    await image.write(512, head)
    await image.write(image.size - 6000, tail)
    const info = await image.info()
    expect(info.allocatedSize).toBeLessThan(64 * 1024 * 1024)
    await image.close()
    const again = await openImage(host, path, { readOnly: true })
    const back = new Uint8Array(5000)
    await again.read(again.size - 6000, back)
    expect(Buffer.compare(back, tail)).toBe(0)
    await again.close()
    await expectCheckClean(path, format)
    const qemuInfo = JSON.parse((await qemuImg('info', '--output=json', '-f', qemuName[format] ?? format, path)).stdout)
    expect(qemuInfo['virtual-size']).toBe(again.size)
  })
})

describe('size limits', () => {
  it('refuses VHD images beyond 2040 GiB and any image beyond 2 TiB', async () => {
    await expect(createImage(host, tmp.path('too-big.vhd'), { format: 'vhd', size: 2 * TiB })).rejects.toMatchObject({
      code: 'DISK_INVALID_ARGUMENT',
    })
    await expect(
      createImage(host, tmp.path('too-big.vdi'), { format: 'vdi', size: 2 * TiB + 512 }),
    ).rejects.toMatchObject({ code: 'DISK_INVALID_ARGUMENT' })
  })
})
