// Media operations: clone/convert between every writable format (checked by qemu-img), compact, resize by
// rebuild, and merging differencing children into their parents.

import { existsSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { WritableFormat } from '../../src/disk/index'
import {
  cloneImage,
  compactImage,
  createDifferencing,
  createImage,
  mergeChildIntoParent,
  openImage,
  resizeImage,
} from '../../src/disk/index'
import { expectCheckClean, host, pattern, qemuImg, qemuName, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const MiB = 1024 * 1024
const byUuid = new Map<string, string>()
const resolveParent = ({ parentUuid }: { parentUuid: string | undefined }) =>
  parentUuid ? byUuid.get(parentUuid) : undefined

async function readAll(path: string): Promise<Uint8Array> {
  const image = await openImage(host, path, { readOnly: true, resolveParent })
  try {
    const bytes = new Uint8Array(image.size)
    await image.read(0, bytes)
    return bytes
  } finally {
    await image.close()
  }
}

/** A vdi ← vdi chain with content in both layers; returns the child path and the expected content. */
async function makeChain(name: string): Promise<{ child: string; expected: Uint8Array }> {
  const expected = new Uint8Array(10 * MiB)
  const base = await createImage(host, tmp.path(`${name}-base.vdi`), { format: 'vdi', size: expected.length })
  byUuid.set((await base.info()).uuid, base.path)
  for (let i = 0; i < 4; i++) {
    const data = pattern(400_000, i + 1)
    await base.write(i * 2_500_000, data)
    expected.set(data, i * 2_500_000)
  }
  await base.close()
  const child = await createDifferencing(host, base.path, tmp.path(`${name}-child.vdi`), { format: 'vdi' })
  byUuid.set((await child.info()).uuid, child.path)
  const data = pattern(1_500_000, 77)
  await child.write(2_300_000, data)
  expected.set(data, 2_300_000)
  await child.close()
  return { child: child.path, expected }
}

const targets: { format: WritableFormat; variant: 'dynamic' | 'fixed' }[] = [
  { format: 'raw', variant: 'fixed' },
  { format: 'vdi', variant: 'dynamic' },
  { format: 'vdi', variant: 'fixed' },
  { format: 'vhd', variant: 'dynamic' },
  { format: 'vhd', variant: 'fixed' },
  { format: 'vmdk', variant: 'dynamic' },
  { format: 'vmdk', variant: 'fixed' },
]

describe.each(targets)('clone a vdi chain to $format $variant', ({ format, variant }) => {
  it('flattens the chain; qemu-img checks it and finds it identical', async () => {
    const { child, expected } = await makeChain(`clone-${format}-${variant}`)
    const target = tmp.path(`clone-${variant}.${format}`)
    await cloneImage(host, child, target, { format, variant, resolveParent })
    const info = await (async () => {
      const image = await openImage(host, target, { readOnly: true })
      const result = await image.info()
      await image.close()
      return result
    })()
    expect(info).toMatchObject({ format, differencing: false })
    const twin = tmp.path(`clone-${format}-${variant}.raw`)
    writeFileSync(twin, expected)
    await expectCheckClean(target, format)
    const compare = await qemuImg('compare', '-f', qemuName[format] ?? format, '-F', 'raw', target, twin)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })
})

describe('compact', () => {
  it.each(['vdi', 'vhd', 'vmdk'] as const)(
    'drops all-zero blocks of a %s image and keeps its content',
    async (format) => {
      const path = tmp.path(`compact.${format}`)
      const image = await createImage(host, path, { format, size: 16 * MiB })
      const uuid = (await image.info()).uuid
      await image.write(0, pattern(16 * MiB, 5))
      await image.write(2 * MiB, new Uint8Array(10 * MiB))
      await image.close()
      const before = await readAll(path)
      const sizeBefore = (await (await openImage(host, path, { readOnly: true })).info()).allocatedSize
      await compactImage(host, path)
      const after = await openImage(host, path, { readOnly: true })
      const infoAfter = await after.info()
      await after.close()
      expect(infoAfter.uuid).toBe(uuid)
      expect(infoAfter.allocatedSize).toBeLessThan(sizeBefore - 8 * MiB)
      expect(Buffer.compare(await readAll(path), before)).toBe(0)
      await expectCheckClean(path, format)
    },
  )

  it('keeps zero blocks of a differencing image that hide non-zero parent data', async () => {
    const { child, expected } = await makeChain('compact-diff')
    const image = await openImage(host, child, { resolveParent })
    await image.write(0, new Uint8Array(MiB))
    expected.fill(0, 0, MiB)
    await image.close()
    await compactImage(host, child, { resolveParent })
    expect(Buffer.compare(await readAll(child), expected)).toBe(0)
  })
})

describe('resize', () => {
  it.each(['vdi', 'vhd', 'vmdk'] as const)('grows a dynamic %s image (qemu-img agrees)', async (format) => {
    const path = tmp.path(`grow.${format}`)
    const image = await createImage(host, path, { format, size: 8 * MiB })
    const data = pattern(3 * MiB, 8)
    await image.write(4 * MiB, data)
    await image.close()
    await resizeImage(host, path, 40 * MiB)
    const grown = await readAll(path)
    expect(grown.length).toBeGreaterThanOrEqual(40 * MiB)
    const expected = new Uint8Array(grown.length)
    expected.set(data, 4 * MiB)
    expect(Buffer.compare(grown, expected)).toBe(0)
    await expectCheckClean(path, format)
    await expect(resizeImage(host, path, 4 * MiB)).rejects.toMatchObject({ code: 'DISK_INVALID_ARGUMENT' })
  })
})

describe('merge', () => {
  it('merges the middle of a three-deep chain into its base and deletes it', async () => {
    const { child, expected } = await makeChain('merge')
    const grandchild = await createDifferencing(host, child, tmp.path('merge-grandchild.vhd'), {
      format: 'vhd',
      resolveParent,
    })
    const data = pattern(900_000, 99)
    await grandchild.write(7_000_000, data)
    await grandchild.close()
    // Merge the grandchild into the child, then the child into the base: the content stays the same.
    expected.set(data, 7_000_000)
    await mergeChildIntoParent(host, grandchild.path, { resolveParent })
    expect(existsSync(grandchild.path)).toBe(false)
    // The VHD grandchild is a little larger (CHS rounding): the merge grew the child to match, with zeros.
    const merged = await readAll(child)
    expect(merged.length).toBe(grandchild.size)
    expect(Buffer.compare(merged.subarray(0, expected.length), expected)).toBe(0)
    expect(merged.subarray(expected.length).every((b) => b === 0)).toBe(true)
    const grownExpected = new Uint8Array(merged.length)
    grownExpected.set(expected)
    await mergeChildIntoParent(host, child, { resolveParent })
    expect(existsSync(child)).toBe(false)
    const base = child.replace('-child.vdi', '-base.vdi')
    expect(Buffer.compare(await readAll(base), grownExpected)).toBe(0)
    await expectCheckClean(base, 'vdi')
  })

  it('refuses to merge a base image', async () => {
    const image = await createImage(host, tmp.path('lonely.vdi'), { format: 'vdi', size: MiB })
    await image.close()
    await expect(mergeChildIntoParent(host, image.path)).rejects.toMatchObject({ code: 'DISK_INVALID_ARGUMENT' })
  })
})
