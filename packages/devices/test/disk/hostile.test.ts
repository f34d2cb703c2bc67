// Malformed and hostile images: seeded fuzzing of headers and block maps (fast-check) plus hand-made attacks.
// Every failure must be a DiskError naming the file; nothing may crash, hang, allocate hugely or touch other files.

import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { WritableFormat } from '../../src/disk/index'
import { DiskError, createDifferencing, createImage, openImage } from '../../src/disk/index'
import { host, pattern, qemuImg, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const MiB = 1024 * 1024

/** Valid seed images: Boxwood-made and qemu-made, with data. */
const seeds: { name: string; format: WritableFormat | 'qcow2'; bytes: Uint8Array }[] = []

beforeAll(async () => {
  for (const format of ['vdi', 'vhd', 'vmdk'] as const) {
    const path = tmp.path(`seed.${format}`)
    const image = await createImage(host, path, { format, size: 3 * MiB })
    await image.write(100_000, pattern(1_200_000, 3))
    await image.close()
    seeds.push({ name: `boxwood ${format}`, format, bytes: readFileSync(path) })
    const raw = tmp.path(`seed-${format}.raw`)
    writeFileSync(
      raw,
      pattern(3 * MiB, 9).map((b, i) => (i % 65536 < 30000 ? 0 : b)),
    )
    const made = tmp.path(`qemu-seed.${format}`)
    await qemuImg('convert', '-f', 'raw', '-O', format === 'vhd' ? 'vpc' : format, raw, made)
    seeds.push({ name: `qemu ${format}`, format, bytes: readFileSync(made) })
  }
  const stream = tmp.path('qemu-seed-stream.vmdk')
  await qemuImg(
    'convert',
    '-f',
    'raw',
    '-O',
    'vmdk',
    '-o',
    'subformat=streamOptimized',
    tmp.path('seed-vmdk.raw'),
    stream,
  )
  seeds.push({ name: 'qemu vmdk streamOptimized', format: 'vmdk', bytes: readFileSync(stream) })
  for (const options of [[], ['-c']]) {
    const qcow = tmp.path(`qemu-seed${options.join('')}.qcow2`)
    await qemuImg('convert', '-f', 'raw', '-O', 'qcow2', ...options, tmp.path('seed-vmdk.raw'), qcow)
    seeds.push({ name: `qemu qcow2 ${options.join('')}`, format: 'qcow2', bytes: readFileSync(qcow) })
  }
})

/** Opens, reads a few places, writes and flushes; every error must be a DiskError that names the file. */
async function exercise(path: string): Promise<void> {
  for (const readOnly of [true, false]) {
    try {
      const image = await openImage(host, path, { readOnly, resolveParent: () => undefined })
      try {
        await image.info()
        const buffer = new Uint8Array(70_000)
        const size = image.size
        for (const at of [0, Math.floor(size / 3), size - Math.min(size, buffer.length)]) {
          const length = Math.min(buffer.length, size - at)
          if (length > 0) await image.read(at, buffer.subarray(0, length))
        }
        if (!readOnly && size > 0) {
          await image.write(Math.floor(size / 2), pattern(Math.min(5000, size - Math.floor(size / 2)), 1))
          await image.flush()
        }
      } finally {
        await image.close()
      }
    } catch (error) {
      if (!(error instanceof DiskError)) throw error
      expect(error.message).toContain(path)
    }
  }
}

/** Names, sizes and modification times of every file in the temp folder except `except`. */
function snapshot(except: string): string {
  return readdirSync(tmp.dir)
    .filter((name) => tmp.path(name) !== except && !name.endsWith('.lck'))
    .map((name) => {
      const stat = statSync(tmp.path(name))
      return `${name}:${stat.size}:${stat.mtimeMs}`
    })
    .join('\n')
}

const mutation = fc.record({
  edits: fc.array(
    fc.record({
      where: fc.double({ min: 0, max: 1, noNaN: true }),
      fromEnd: fc.boolean(),
      value: fc.oneof(
        fc.constant(0xffffffff),
        fc.constant(0),
        fc.constant(0x7fffffff),
        fc.integer({ min: 0, max: 0xffffffff }),
      ),
      width: fc.constantFrom(1, 4),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
})

describe('seeded fuzzing of headers and block maps', () => {
  it('never fails with anything but a DiskError and never touches other files', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1000 }), mutation, async (pick, { edits, truncate }) => {
        const seed = seeds[pick % seeds.length]
        if (!seed) return
        const bytes = seed.bytes.slice()
        const view = new DataView(bytes.buffer)
        // Metadata lives in the first 64 KiB (headers, maps, descriptors) and the last KiB (VHD footer, VMDK footer).
        for (const edit of edits) {
          const span = Math.min(bytes.length - 4, edit.fromEnd ? 1024 : 64 * 1024)
          const offset = edit.fromEnd ? bytes.length - 4 - Math.floor(edit.where * span) : Math.floor(edit.where * span)
          if (edit.width === 4) view.setUint32(offset, edit.value >>> 0, edit.value % 2 === 0)
          else bytes[offset] = edit.value & 0xff
        }
        const length = truncate === null ? bytes.length : Math.floor(truncate * bytes.length)
        const path = tmp.path(`fuzz-${run++}.${seed.format}`)
        writeFileSync(path, bytes.subarray(0, length))
        const before = snapshot(path)
        await exercise(path)
        expect(snapshot(path)).toBe(before)
        rmSync(path, { force: true })
      }),
      { seed: 424242, numRuns: 300 },
    )
  }, 120_000)
})

let attacks = 0
describe('hand-made attacks', () => {
  async function corrupt(format: WritableFormat, edit: (bytes: Uint8Array, view: DataView) => void): Promise<string> {
    const path = tmp.path(`attack-${attacks++}.${format}`)
    const image = await createImage(host, path, { format, size: 4 * MiB })
    await image.write(0, pattern(3 * MiB, 1))
    await image.close()
    const bytes = readFileSync(path)
    edit(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    writeFileSync(path, bytes)
    return path
  }

  it('VDI blocks pointing at each other', async () => {
    const path = await corrupt('vdi', (_, view) => view.setUint32(512 + 4, view.getUint32(512, true), true))
    await expect(openImage(host, path)).rejects.toThrow(/share data block/)
  })

  it('VDI absurd disk size', async () => {
    const path = await corrupt('vdi', (_, view) => view.setUint32(368 + 4, 0x10000, true))
    await expect(openImage(host, path)).rejects.toMatchObject({ code: 'DISK_CORRUPT' })
  })

  it('VDI block map entry outside the file', async () => {
    const path = await corrupt('vdi', (_, view) => view.setUint32(512, 3, true))
    await expect(openImage(host, path)).rejects.toThrow(/outside the file/)
  })

  it('VHD blocks overlapping', async () => {
    const path = await corrupt('vhd', (_, view) => view.setUint32(1536 + 4, view.getUint32(1536, false) + 1, false))
    await expect(openImage(host, path)).rejects.toThrow(/overlap/)
  })

  it('truncated VMDK header', async () => {
    const path = tmp.path('short.vmdk')
    writeFileSync(path, new Uint8Array([0x4b, 0x44, 0x4d, 0x56, 1, 0, 0]))
    await expect(openImage(host, path, { readOnly: true })).rejects.toThrow(
      /short\.vmdk: VMDK header is truncated|truncated/,
    )
  })

  it('VMDK extent reaching outside its folder', async () => {
    const path = tmp.path('escape.vmdk')
    writeFileSync(
      path,
      '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 2048 FLAT "../../etc/passwd" 0\n',
    )
    await expect(openImage(host, path)).rejects.toThrow(/outside the descriptor's folder/)
  })

  it('parent loops: a child naming itself, and two children naming each other', async () => {
    const base = await createImage(host, tmp.path('loop-base.vmdk'), { format: 'vmdk', size: MiB })
    await base.close()
    const a = await createDifferencing(host, base.path, tmp.path('loop-a.vmdk'), { format: 'vmdk' })
    await a.close()
    const b = await createDifferencing(host, a.path, tmp.path('loop-b.vmdk'), { format: 'vmdk' })
    await b.close()
    const rewrite = (path: string, hint: string) => {
      const bytes = readFileSync(path)
      const text = bytes.toString('latin1')
      const start = text.indexOf('parentFileNameHint="')
      const end = text.indexOf('"', start + 20)
      const replaced = `parentFileNameHint="${hint}"`.padEnd(end + 1 - start, ' ')
      bytes.write(replaced.slice(0, end + 1 - start), start, 'latin1')
      writeFileSync(path, bytes)
    }
    rewrite(a.path, 'loop-b.vmdk')
    await expect(openImage(host, b.path, { readOnly: true })).rejects.toMatchObject({ code: 'DISK_PARENT_LOOP' })
    rewrite(a.path, 'loop-a.vmdk')
    await expect(openImage(host, a.path, { readOnly: true })).rejects.toMatchObject({ code: 'DISK_PARENT_LOOP' })
  })

  it('a differencing image whose parent is missing or has another UUID', async () => {
    const base = await createImage(host, tmp.path('p-base.vhd'), { format: 'vhd', size: MiB })
    await base.close()
    const other = await createImage(host, tmp.path('p-other.vhd'), { format: 'vhd', size: MiB })
    await other.close()
    const child = await createDifferencing(host, base.path, tmp.path('p-child.vhd'), { format: 'vhd' })
    await child.close()
    await expect(openImage(host, child.path, { resolveParent: () => other.path })).rejects.toMatchObject({
      code: 'DISK_PARENT_MISMATCH',
    })
    await expect(openImage(host, child.path, { resolveParent: () => tmp.path('gone.vhd') })).rejects.toMatchObject({
      code: 'DISK_PARENT_NOT_FOUND',
    })
    const vdiChild = await createDifferencing(host, base.path, tmp.path('p-child.vdi'), { format: 'vdi' })
    await vdiChild.close()
    await expect(openImage(host, vdiChild.path)).rejects.toMatchObject({ code: 'DISK_PARENT_NOT_FOUND' })
  })
})
