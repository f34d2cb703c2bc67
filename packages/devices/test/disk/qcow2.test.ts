// QCOW2 read support against qemu-img/qemu-io: plain, compressed and backing-file images read back identically.

import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createImage, openImage } from '../../src/disk/index'
import { host, pattern, qemuImg, tempDir } from './helpers'
import { execFileSync } from 'node:child_process'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
const MiB = 1024 * 1024
const source = tmp.path('source.raw')

beforeAll(() => {
  const content = new Uint8Array(9 * MiB + 512 * 3)
  for (let i = 0; i < 5; i++) content.set(pattern(250_000, 60 + i), i * 1_800_000 + 4_321)
  content.fill(0x5a, 8 * MiB, 8 * MiB + 70_000) // compresses well
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

describe('QCOW2 images made by qemu-img', () => {
  it.each([
    ['plain', []],
    ['compressed', ['-c']],
    ['version 2, 4 KiB clusters', ['-o', 'compat=0.10,cluster_size=4096']],
  ])('%s: reads back identical content', async (name, options) => {
    const path = tmp.path(`${name.replace(/\W+/g, '-')}.qcow2`)
    const made = await qemuImg('convert', '-f', 'raw', '-O', 'qcow2', ...options, source, path)
    expect(made.code, made.stderr).toBe(0)
    expect(Buffer.compare(await readAll(path), readFileSync(source))).toBe(0)
    const image = await openImage(host, path, { readOnly: true })
    expect((await image.info()).format).toBe('qcow2')
    await image.close()
    await expect(openImage(host, path)).rejects.toMatchObject({ code: 'DISK_UNSUPPORTED' })
  })

  it('follows a backing file (of another format) and reads qemu-io writes in the overlay', async () => {
    const base = await createImage(host, tmp.path('base.vdi'), { format: 'vdi', size: 4 * MiB })
    await base.write(0, pattern(4 * MiB, 5))
    await base.close()
    const overlay = tmp.path('overlay.qcow2')
    const made = await qemuImg('create', '-f', 'qcow2', '-b', 'base.vdi', '-F', 'vdi', overlay)
    expect(made.code, made.stderr).toBe(0)
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x33 1M 100k', '-c', 'write -z 3M 64k', overlay], {
      stdio: 'ignore',
    })
    const flattened = tmp.path('overlay-flat.raw')
    expect((await qemuImg('convert', '-O', 'raw', overlay, flattened)).code).toBe(0)
    expect(Buffer.compare(await readAll(overlay), readFileSync(flattened))).toBe(0)
  })
})
