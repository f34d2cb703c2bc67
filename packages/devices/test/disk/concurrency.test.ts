// Concurrent requests on one image (the block interface allows them) and the clone pipeline, which reads ahead
// while it writes: same bytes as one request at a time, and a failure mid-way is reported, never left unhandled.

import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { DiskCorruptError, cloneImage, createImage, openImage } from '../../src/disk/index'
import { host, pattern, qemuImg, tempDir } from './helpers'

vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const MiB = 1024 * 1024

/** A 64 MiB dynamic VMDK written by qemu-img with data in its second grain table (32–64 MiB). */
async function vmdkWithSecondTable(name: string): Promise<{ path: string; data: Uint8Array }> {
  const path = tmp.path(`${name}.vmdk`)
  const raw = tmp.path(`${name}.raw`)
  const bytes = new Uint8Array(64 * MiB)
  const data = pattern(3 * MiB, 9)
  bytes.set(data, 40 * MiB)
  bytes.set(pattern(MiB, 3), 0)
  writeFileSync(raw, bytes)
  const convert = await qemuImg('convert', '-f', 'raw', '-O', 'vmdk', raw, path)
  expect(convert.code, convert.stderr).toBe(0)
  return { path, data }
}

describe('concurrent reads', () => {
  it('share one load of a VMDK grain table instead of tripping the shared-sector check', async () => {
    const { path, data } = await vmdkWithSecondTable('tables')
    const image = await openImage(host, path, { readOnly: true })
    try {
      const parts = Array.from({ length: 8 }, () => new Uint8Array(256 * 1024))
      // All eight start before any grain table is cached.
      await Promise.all(parts.map((part, i) => image.read(40 * MiB + i * part.length, part)))
      parts.forEach((part, i) => {
        const expected = data.subarray(i * part.length, (i + 1) * part.length)
        expect(Buffer.from(part).equals(Buffer.from(expected))).toBe(true)
      })
    } finally {
      await image.close()
    }
  })
})

describe('cloneImage pipeline', () => {
  it('copies an image of several chunks plus a partial one byte for byte', async () => {
    const source = tmp.path('pipeline.vdi')
    const size = 19 * MiB + 512 // four 4 MiB chunks and a partial fifth
    const image = await createImage(host, source, { format: 'vdi', size })
    const expected = new Uint8Array(size)
    for (const at of [0, 4 * MiB - 1000, 9 * MiB + 7, size - 300_000]) {
      const data = pattern(300_000, at)
      await image.write(at, data)
      expected.set(data, at)
    }
    await image.close()
    const target = tmp.path('pipeline-copy.vmdk')
    await cloneImage(host, source, target, { format: 'vmdk' })
    const copy = await openImage(host, target, { readOnly: true })
    const actual = new Uint8Array(size)
    await copy.read(0, actual)
    await copy.close()
    expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true)
  })

  it('rejects with the corruption a read-ahead finds mid-way and leaves no unhandled rejection', async () => {
    const { path } = await vmdkWithSecondTable('corrupt')
    // Point an entry of the second grain table far outside the file: found only when the clone gets there.
    const file = readFileSync(path)
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
    const gdSector = Number(view.getBigUint64(56, true))
    const secondTable = view.getUint32(gdSector * 512 + 4, true)
    view.setUint32(secondTable * 512 + 128 * 4, 0x7fff_ffff, true)
    writeFileSync(path, file)
    const error = await cloneImage(host, path, tmp.path('corrupt-copy.vdi'), { format: 'vdi' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DiskCorruptError)
    expect((error as Error).message).toMatch(/outside the data area/)
  })
})
