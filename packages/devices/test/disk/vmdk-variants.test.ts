// VMDK variants made by qemu-img (streamOptimized, twoGbMaxExtentSparse, monolithicFlat) read back identically,
// and VMDK differencing chains agree with qemu-img in both directions (qemu-made child, Boxwood-made child).

import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDifferencing, createImage, openImage } from '../../src/disk/index'
import { expectCheckClean, host, pattern, qemuImg, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
const MiB = 1024 * 1024
const source = tmp.path('source.raw')
const content = new Uint8Array(12 * MiB)

beforeAll(() => {
  for (let i = 0; i < 6; i++) content.set(pattern(200_000 + i * 3_000, 40 + i), i * 1_900_000 + 777)
  writeFileSync(source, content)
})
afterAll(() => tmp.cleanup())

async function readAll(path: string): Promise<Uint8Array> {
  const image = await openImage(host, path, { readOnly: true })
  try {
    const bytes = new Uint8Array(image.size)
    await image.read(0, bytes)
    return bytes
  } finally {
    await image.close()
  }
}

describe.each(['streamOptimized', 'twoGbMaxExtentSparse', 'monolithicFlat', 'monolithicSparse'])(
  'qemu-img vmdk subformat %s',
  (subformat) => {
    it('reads back the converted content', async () => {
      const path = tmp.path(`${subformat}.vmdk`)
      const made = await qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat}`, source, path)
      expect(made.code, made.stderr).toBe(0)
      const image = await openImage(host, path, { readOnly: true })
      const info = await image.info()
      expect(info.format).toBe('vmdk')
      await image.close()
      expect(Buffer.compare(await readAll(path), content)).toBe(0)
    })
  },
)

describe('VMDK read-only variants', () => {
  it('refuses write access to streamOptimized images', async () => {
    const path = tmp.path('stream-rw.vmdk')
    await qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', source, path)
    await expect(openImage(host, path)).rejects.toMatchObject({ code: 'DISK_UNSUPPORTED' })
  })
})

describe('VMDK differencing chains against qemu-img', () => {
  it('opens a child qemu-img made over a base, with the base content underneath', async () => {
    const base = tmp.path('q-base.vmdk')
    const child = tmp.path('q-child.vmdk')
    expect((await qemuImg('convert', '-f', 'raw', '-O', 'vmdk', source, base)).code).toBe(0)
    const made = await qemuImg('create', '-f', 'vmdk', '-b', 'q-base.vmdk', '-F', 'vmdk', child)
    expect(made.code, made.stderr).toBe(0)
    const expected = content.slice()
    const image = await openImage(host, child)
    expect((await image.info()).differencing).toBe(true)
    const data = pattern(100_000, 3)
    await image.write(1_000_000, data)
    expected.set(data, 1_000_000)
    await image.close()
    expect(Buffer.compare(await readAll(child), expected)).toBe(0)
    await expectCheckClean(child, 'vmdk')
    const twin = tmp.path('q-twin.raw')
    writeFileSync(twin, expected)
    const compare = await qemuImg('compare', '-f', 'vmdk', '-F', 'raw', child, twin)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })

  it('makes children qemu-img reads through to their base', async () => {
    const base = await createImage(host, tmp.path('b-base.vmdk'), { format: 'vmdk', size: 12 * MiB })
    await base.write(0, content)
    await base.close()
    const child = await createDifferencing(host, base.path, tmp.path('b-child.vmdk'), { format: 'vmdk' })
    const expected = content.slice()
    const data = pattern(700_000, 9)
    await child.write(5_000_123, data)
    expected.set(data, 5_000_123)
    await child.close()
    await expectCheckClean(child.path, 'vmdk')
    const twin = tmp.path('b-twin.raw')
    writeFileSync(twin, expected)
    const compare = await qemuImg('compare', '-f', 'vmdk', '-F', 'raw', child.path, twin)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })
})

describe('twoGbMaxExtentSparse with several extents', () => {
  it('reads data placed in the second and third 2 GiB extent', async () => {
    const raw = tmp.path('big.raw')
    const size = 5 * 1024 * MiB
    await (await createImage(host, raw, { format: 'raw', size })).close()
    const marks = [
      { at: 100 * MiB + 123, data: pattern(70_000, 1) },
      { at: 2048 * MiB - 30_000, data: pattern(70_000, 2) }, // straddles the first extent boundary
      { at: 4500 * MiB, data: pattern(70_000, 3) },
    ]
    const writer = await openImage(host, raw)
    for (const mark of marks) await writer.write(mark.at, mark.data)
    await writer.close()
    const path = tmp.path('split.vmdk')
    const made = await qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', raw, path)
    expect(made.code, made.stderr).toBe(0)
    const image = await openImage(host, path, { readOnly: true })
    expect(image.size).toBe(size)
    expect((await image.info()).variant).toBe('split2G')
    for (const mark of marks) {
      const back = new Uint8Array(mark.data.length + 2)
      await image.read(mark.at - 1, back)
      expect(back[0]).toBe(0)
      expect(Buffer.compare(back.subarray(1, -1), mark.data)).toBe(0)
    }
    await image.close()
  })
})
