// ISO 9660 media info against xorriso (which builds the image and reports its own view of the volume).

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { detectFormat, openImage, readIsoInfo } from '../../src/disk/index'
import { host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())

function xorriso(...args: string[]): string {
  const result = spawnSync('xorriso', args, { encoding: 'utf8' })
  return result.stdout + result.stderr
}

describe('ISO 9660 images', () => {
  it('report the label, size and ids xorriso reports, and read as 2048-byte-sector media', async () => {
    const dir = tmp.path('tree')
    mkdirSync(dir)
    writeFileSync(`${dir}/file.bin`, pattern(300_000, 4))
    const iso = tmp.path('test.iso')
    execFileSync('xorriso', ['-as', 'mkisofs', '-V', 'Boxwood_Test', '-J', '-o', iso, dir], { stdio: 'ignore' })
    const report = xorriso('-indev', iso, '-pvd_info')
    const blocks = Number(/(\d+) data blocks/.exec(report)?.[1])
    const info = await readIsoInfo(host, iso)
    expect(info.volumeLabel).toBe(/Volume Id\s*:\s*(.*)/.exec(report)?.[1]?.trim())
    expect(info.preparerId).toBe(/Preparer Id\s*:\s*(.*)/.exec(report)?.[1]?.trim())
    expect(info.created).toBe(/Creation Time:\s*(\d+)/.exec(report)?.[1])
    expect(info.volumeBlocks).toBe(blocks)
    expect(info.volumeSize).toBe(blocks * 2048)
    expect(info.joliet).toBe(true)
    expect(await detectFormat(host, iso)).toBe('iso')
    const image = await openImage(host, iso, { readOnly: true })
    expect(image.sectorSize).toBe(2048)
    const sector = new Uint8Array(2048)
    await image.read(16 * 2048, sector)
    expect(Buffer.compare(sector, readFileSync(iso).subarray(16 * 2048, 17 * 2048))).toBe(0)
    await image.close()
    await expect(openImage(host, iso)).rejects.toMatchObject({ code: 'DISK_UNSUPPORTED' })
  })

  it('rejects a truncated descriptor set with a clear error', async () => {
    const bad = tmp.path('bad.iso')
    const bytes = new Uint8Array(17 * 2048)
    bytes.set([1, 67, 68, 48, 48, 49, 1], 16 * 2048)
    writeFileSync(bad, bytes)
    await expect(readIsoInfo(host, bad)).rejects.toThrow(/bad\.iso: ISO 9660 volume descriptor is truncated/)
  })
})
