// VHD differencing blocks whose sector bitmap is only partly set (as Virtual PC and VirtualBox write them):
// clear sectors come from the parent, and writing into such a block keeps every sector's content.

import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createDifferencing, createImage, openImage } from '../../src/disk/index'
import { host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const MiB = 1024 * 1024

describe('VHD sector bitmaps', () => {
  it('reads clear sectors from the parent and completes the block on write', async () => {
    const parentData = pattern(4 * MiB, 1)
    const parent = await createImage(host, tmp.path('parent.vdi'), { format: 'vdi', size: 4 * MiB })
    await parent.write(0, parentData)
    await parent.close()
    const child = await createDifferencing(host, parent.path, tmp.path('child.vhd'), { format: 'vhd' })
    const childData = pattern(2 * MiB, 2)
    await child.write(0, childData) // allocates block 0 with every sector present
    await child.close()
    // Clear the bitmap bits (most significant bit first) of sectors 8..15 and 100..103: those sectors must now read from the parent.
    const bytes = readFileSync(child.path)
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    const bitmapAt = view.getUint32(1536, false) * 512
    bytes[bitmapAt + 1] = 0x00 // sectors 8..15
    bytes[bitmapAt + 12] = 0xf0 // sectors 96..99 present, 100..103 clear
    writeFileSync(child.path, bytes)
    const expected = new Uint8Array(child.size)
    expected.set(parentData)
    expected.set(childData, 0)
    expected.set(parentData.subarray(8 * 512, 16 * 512), 8 * 512)
    expected.set(parentData.subarray(100 * 512, 104 * 512), 100 * 512)
    const resolveParent = () => parent.path
    let image = await openImage(host, child.path, { resolveParent })
    const got = new Uint8Array(image.size)
    await image.read(0, got)
    expect(Buffer.compare(got, expected)).toBe(0)
    // A small write inside the partial block: everything else in the block must keep its content.
    const small = pattern(700, 3)
    await image.write(9 * 512 + 5, small)
    expected.set(small, 9 * 512 + 5)
    await image.close()
    image = await openImage(host, child.path, { resolveParent })
    await image.read(0, got)
    expect(Buffer.compare(got, expected)).toBe(0)
    await image.close()
  })
})
