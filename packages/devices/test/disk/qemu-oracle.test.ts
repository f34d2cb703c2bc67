// qemu-img as the oracle: images Boxwood creates and fills pass `qemu-img check` and compare identical to a raw
// image with the same writes; images qemu-img makes open in Boxwood with identical content and stay valid after
// Boxwood writes to them.

import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { DiskImage, WritableFormat } from '../../src/disk/index'
import { createImage, openImage } from '../../src/disk/index'
import { expectCheckClean, host, pattern, qemuImg, tempDir } from './helpers'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const MiB = 1024 * 1024
import { qemuName } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

/** Applies the same seeded writes (unaligned, some crossing block boundaries) to the image and a raw twin. */
async function applyWrites(image: DiskImage, twin: DiskImage, seed: number, count: number): Promise<void> {
  let x = seed
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
  for (let i = 0; i < count; i++) {
    const length = 1 + (next() % (i % 3 === 0 ? 3 * MiB : 70_000))
    const offset = next() % (Math.min(image.size, twin.size) - length)
    const data = pattern(length, next())
    await image.write(offset, data)
    await twin.write(offset, data)
  }
}

/** Reads both images completely and expects identical bytes (VHD sizes round up: the excess must be zeros). */
async function expectSameContent(a: DiskImage, b: DiskImage): Promise<void> {
  expect(Math.abs(a.size - b.size)).toBeLessThan(MiB)
  const size = Math.max(a.size, b.size)
  const chunk = 4 * MiB
  for (let offset = 0; offset < size; offset += chunk) {
    const length = Math.min(chunk, size - offset)
    const left = new Uint8Array(length)
    const right = new Uint8Array(length)
    await a.read(offset, left.subarray(0, Math.max(0, Math.min(length, a.size - offset))))
    await b.read(offset, right.subarray(0, Math.max(0, Math.min(length, b.size - offset))))
    expect(Buffer.compare(left, right), `content differs in [${offset}, ${offset + length})`).toBe(0)
  }
}

const cases: { format: WritableFormat; variant: 'dynamic' | 'fixed' }[] = [
  { format: 'vdi', variant: 'dynamic' },
  { format: 'vdi', variant: 'fixed' },
  { format: 'vhd', variant: 'dynamic' },
  { format: 'vhd', variant: 'fixed' },
  { format: 'vmdk', variant: 'dynamic' },
  { format: 'vmdk', variant: 'fixed' },
]

describe.each(cases)('$format $variant created by Boxwood', ({ format, variant }) => {
  it('passes qemu-img check and compares identical to raw', async () => {
    const path = tmp.path(`boxwood-${variant}.${format}`)
    const image = await createImage(host, path, { format, variant, size: 24 * MiB })
    const twin = await createImage(host, tmp.path(`boxwood-${format}-${variant}.raw`), {
      format: 'raw',
      size: image.size,
    })
    await applyWrites(image, twin, 11, 25)
    await image.close()
    await twin.close()
    await expectCheckClean(path, format)
    const compare = await qemuImg('compare', '-f', qemuName[format] ?? format, '-F', 'raw', path, twin.path)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })
})

describe.each(['vdi', 'vhd', 'vmdk'] as const)('%s images made by qemu-img', (format) => {
  it('open with identical content, take writes, and stay valid', async () => {
    const source = tmp.path(`qemu-src-${format}.raw`)
    const content = new Uint8Array(20 * MiB)
    for (let i = 0; i < 7; i++) content.set(pattern(300_000, 90 + i), i * 2_900_000 + 1000)
    writeFileSync(source, content)
    const path = tmp.path(`qemu-made.${format}`)
    const made = await qemuImg('convert', '-f', 'raw', '-O', qemuName[format] ?? format, source, path)
    expect(made.code, made.stderr).toBe(0)
    const image = await openImage(host, path)
    const twin = await openImage(host, source)
    await expectSameContent(image, twin)
    await applyWrites(image, twin, 5, 15)
    await image.close()
    await twin.close()
    await expectCheckClean(path, format)
    const compare = await qemuImg('compare', '-f', qemuName[format] ?? format, '-F', 'raw', path, source)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })
})

describe.each([
  ['vdi', ['-o', 'static=on']],
  ['vdi', []],
  ['vhd', ['-o', 'subformat=fixed']],
  ['vhd', ['-o', 'subformat=dynamic']],
  ['vmdk', ['-o', 'subformat=monolithicFlat']],
  ['vmdk', ['-o', 'subformat=monolithicSparse']],
] as const)('empty %s made by qemu-img create %j', (format, options) => {
  it('takes Boxwood writes that qemu-img then checks and compares', async () => {
    const path = tmp.path(`created-${format}-${options.join('')}.${format}`.replace(/[=,]/g, '-'))
    const made = await qemuImg('create', '-q', '-f', qemuName[format] ?? format, ...options, path, String(16 * MiB))
    expect(made.code, made.stderr).toBe(0)
    const image = await openImage(host, path)
    const twin = await createImage(host, `${path}.raw`, { format: 'raw', size: image.size })
    await applyWrites(image, twin, 23, 12)
    await image.close()
    await twin.close()
    await expectCheckClean(path, format)
    const compare = await qemuImg('compare', '-f', qemuName[format] ?? format, '-F', 'raw', path, twin.path)
    expect(compare.stdout + compare.stderr).toMatch(/Images are identical/)
  })
})
