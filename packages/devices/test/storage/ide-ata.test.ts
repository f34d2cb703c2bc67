// PIIX3 IDE with ATA disks: IDENTIFY, PIO (single, multiple, LBA28, LBA48, CHS), writes, bus master DMA,
// and the hardware's answers to missing drives and garbage — all through guest port I/O and guest RAM.
import { truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { fuzzDeviceIo, expectSaveLoadIdentity } from '@boxwood/device-testkit'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium, type HostBlockDrive } from '../../src/backends/block-backend'
import { openImage } from '../../src/disk/index'
import { nodeDiskHost } from '../../src/node/index'
import {
  BM_BASE,
  ataTaskFile,
  fileMedium,
  ideMachine,
  makeRawDisk,
  readFileBytes,
  readWords,
  scratchDir,
  waitNotBusy,
} from './ide-helpers'

const SECTORS = 8192
let diskPath = ''
let disk: HostBlockDrive

beforeAll(async () => {
  diskPath = makeRawDisk(scratchDir(), SECTORS)
  disk = createBlockDrive('hard-disk', await fileMedium(diskPath))
})

describe('PIIX3 IDE: ATA disks', () => {
  it('answers IDENTIFY DEVICE with geometry, capacity and the model string', () => {
    const m = ideMachine({ 0: disk })
    m.io.out8(0x1f6, 0xa0)
    m.io.out8(0x1f7, 0xec)
    expect(m.io.in8(0x3f6) & 0x08).toBe(0x08)
    const id = readWords(m, 0x1f0, 256)
    const word = (i: number) => id[i * 2]! | (id[i * 2 + 1]! << 8)
    expect(word(0)).toBe(0x0040)
    expect(word(60) | (word(61) << 16)).toBe(SECTORS)
    expect(word(100) + word(101) * 65536).toBe(SECTORS)
    expect(word(83) & 0x0400).toBe(0x0400) // 48-bit
    const model = Array.from({ length: 20 }, (_, i) => String.fromCharCode(id[54 + i * 2 + 1]!, id[54 + i * 2]!)).join(
      '',
    )
    expect(model.trim()).toBe('BOXWOOD HARDDISK')
    expect(m.io.in8(0x1f7)).toBe(0x50)
    expect(m.irq(14).risingEdges).toBe(1)
  })

  it('reads several sectors by PIO with one interrupt per sector (LBA28)', async () => {
    const m = ideMachine({ 0: disk })
    ataTaskFile(m, 3000, 3)
    m.io.out8(0x1f7, 0x20)
    const got: Uint8Array[] = []
    for (let i = 0; i < 3; i++) {
      const status = await waitNotBusy(m)
      expect(status & 0x09).toBe(0x08)
      m.io.in8(0x1f7)
      got.push(readWords(m, 0x1f0, 256))
    }
    expect(m.io.in8(0x1f7) & 0x89).toBe(0)
    expect(Buffer.concat(got).equals(readFileBytes(diskPath, 3000 * 512, 3 * 512))).toBe(true)
    expect(m.irq(14).risingEdges).toBe(3)
    // The task file holds the last sector moved.
    expect(m.io.in8(0x1f3)).toBe(3002 & 0xff)
  })

  it('reads with READ MULTIPLE in blocks of the multiple count, 32-bit data port', async () => {
    const m = ideMachine({ 0: disk })
    m.io.out8(0x1f6, 0xe0)
    m.io.out8(0x1f2, 4)
    m.io.out8(0x1f7, 0xc6) // SET MULTIPLE MODE 4
    expect(m.io.in8(0x1f7) & 0x01).toBe(0)
    ataTaskFile(m, 2900, 8)
    m.io.out8(0x1f7, 0xc4)
    const out = new Uint8Array(8 * 512)
    for (let block = 0; block < 2; block++) {
      expect((await waitNotBusy(m)) & 0x08).toBe(0x08)
      m.io.in8(0x1f7) // acknowledge the interrupt, as a driver does
      for (let i = 0; i < 512; i++) new DataView(out.buffer).setUint32((block * 512 + i) * 4, m.io.in32(0x1f0), true)
    }
    expect(Buffer.from(out).equals(readFileBytes(diskPath, 2900 * 512, 8 * 512))).toBe(true)
    expect(m.irq(14).risingEdges).toBe(3) // SET MULTIPLE + two blocks
  })

  it('writes sectors by PIO to the image', async () => {
    const dir = scratchDir()
    const path = join(dir, 'w.img')
    writeFileSync(path, new Uint8Array(64 * 512))
    const m = ideMachine({ 1: createBlockDrive('hard-disk', await fileMedium(path)) })
    ataTaskFile(m, 10, 2, 1)
    m.io.out8(0x1f7, 0x30)
    for (let s = 0; s < 2; s++) {
      expect((await waitNotBusy(m)) & 0x08).toBe(0x08)
      for (let i = 0; i < 256; i++) m.io.out16(0x1f0, (s << 8) | i)
    }
    expect((await waitNotBusy(m)) & 0x09).toBe(0)
    const back = readFileBytes(path, 10 * 512, 1024)
    expect(back[0]).toBe(0)
    expect(back[512 + 2]).toBe(1)
    expect(back[512 + 3]).toBe(1)
    expect(back[512 + 1]).toBe(1)
  })

  it('addresses beyond 128 GiB with LBA48 (READ SECTORS EXT) on a sparse image opened by the disk library', async () => {
    const dir = scratchDir()
    const path = join(dir, 'big.img')
    const sectors = 2 ** 28 + 4096
    writeFileSync(path, new Uint8Array(0))
    truncateSync(path, sectors * 512)
    const lba = 2 ** 28 + 17
    const fd = openSync(path, 'r+')
    writeSync(fd, new Uint8Array(512).fill(0x5a), 0, 512, lba * 512)
    closeSync(fd)
    const image = await openImage(nodeDiskHost(), path)
    const m = ideMachine({ 0: createBlockDrive('hard-disk', image) })
    m.io.out8(0x1f6, 0x40)
    // HOB bytes first, then the low bytes (count, LBA 0..2, LBA 3..5).
    m.io.out8(0x1f2, 0)
    m.io.out8(0x1f2, 1)
    m.io.out8(0x1f3, Math.floor(lba / 2 ** 24) & 0xff)
    m.io.out8(0x1f3, lba & 0xff)
    m.io.out8(0x1f4, 0)
    m.io.out8(0x1f4, (lba >>> 8) & 0xff)
    m.io.out8(0x1f5, 0)
    m.io.out8(0x1f5, (lba >>> 16) & 0xff)
    m.io.out8(0x1f7, 0x24)
    expect((await waitNotBusy(m)) & 0x09).toBe(0x08)
    expect(readWords(m, 0x1f0, 256).every((b) => b === 0x5a)).toBe(true)
    m.io.out8(0x3f6, 0x80) // HOB: read back the high bytes
    expect(m.io.in8(0x1f3)).toBe(Math.floor(lba / 2 ** 24))
    await image.close()
  })

  it('translates CHS addresses with the geometry set by INITIALIZE DEVICE PARAMETERS', async () => {
    const m = ideMachine({ 0: disk })
    m.io.out8(0x1f6, 0xa0 | 15)
    m.io.out8(0x1f2, 32)
    m.io.out8(0x1f7, 0x91) // 16 heads, 32 sectors
    // C=6 H=3 S=5 → LBA (6 × 16 + 3) × 32 + 4 = 3172
    m.io.out8(0x1f6, 0xa0 | 3)
    m.io.out8(0x1f2, 1)
    m.io.out8(0x1f3, 5)
    m.io.out8(0x1f4, 6)
    m.io.out8(0x1f5, 0)
    m.io.out8(0x1f7, 0x20)
    await waitNotBusy(m)
    const data = readWords(m, 0x1f0, 256)
    expect(new DataView(data.buffer).getUint32(0, true)).toBe(3172)
  })

  it('reads ahead: after one medium wait the following DRQ blocks of READ SECTORS come at once, each with an IRQ', async () => {
    const m = ideMachine({ 0: disk })
    ataTaskFile(m, 2000, 4)
    m.io.out8(0x1f7, 0x20)
    await waitNotBusy(m)
    const expected = readFileBytes(diskPath, 2000 * 512, 4 * 512)
    for (let block = 0; block < 4; block++) {
      expect(m.irq(14).level).toBe(true)
      expect(m.io.in8(0x1f7)).toBe(0x58) // DRDY DSC DRQ, no wait in between (acknowledges the IRQ)
      expect(m.irq(14).level).toBe(false)
      const data = readWords(m, 0x1f0, 256)
      expect(Buffer.from(data).equals(expected.subarray(block * 512, (block + 1) * 512))).toBe(true)
    }
    expect(m.io.in8(0x1f7)).toBe(0x50)
    expect(m.irq(14).level).toBe(false)
  })

  it('moves data by bus master DMA through a PRD table and reports completion', async () => {
    const m = ideMachine({ 0: disk })
    // Two PRD entries: 512 bytes at 0x20000 and 1024 bytes at 0x30000 (end of table).
    m.memory.write32(0x1000, 0x2_0000)
    m.memory.write32(0x1004, 512)
    m.memory.write32(0x1008, 0x3_0000)
    m.memory.write32(0x100c, 0x8000_0000 | 1024)
    m.io.out32(BM_BASE + 4, 0x1000)
    ataTaskFile(m, 4000, 3)
    m.io.out8(0x1f7, 0xc8)
    m.io.out8(BM_BASE, 0x09) // start, device → memory
    await waitNotBusy(m)
    const bm = m.io.in8(BM_BASE + 2)
    expect(bm & 0x07).toBe(0x04) // interrupt, not active, no error
    const expected = readFileBytes(diskPath, 4000 * 512, 1536)
    const got = new Uint8Array(1536)
    for (let i = 0; i < 512; i++) got[i] = m.memory.read8(0x2_0000 + i)
    for (let i = 0; i < 1024; i++) got[512 + i] = m.memory.read8(0x3_0000 + i)
    expect(Buffer.from(got).equals(expected)).toBe(true)
    expect(m.irq(14).level).toBe(true)
    m.io.in8(0x1f7)
    expect(m.irq(14).level).toBe(false)
    m.io.out8(BM_BASE + 2, 0x04)
    expect(m.io.in8(BM_BASE + 2) & 0x04).toBe(0)
  })

  it('DMA past the end of RAM drops the data without touching anything else', async () => {
    const m = ideMachine({ 0: disk })
    m.memory.write32(0x1000, 0xfff0_0000)
    m.memory.write32(0x1004, 0x8000_0000 | 512)
    m.io.out32(BM_BASE + 4, 0x1000)
    ataTaskFile(m, 1, 1)
    m.io.out8(0x1f7, 0xc8)
    m.io.out8(BM_BASE, 0x09)
    expect((await waitNotBusy(m)) & 0x01).toBe(0)
  })

  it('gives the hardware answers for missing drives, garbage commands and bad addresses', async () => {
    const m = ideMachine({ 0: createBlockDrive('hard-disk', createMemoryMedium(new Uint8Array(64 * 512))) })
    expect(m.io.in8(0x177)).toBe(0xff) // empty channel: floating bus
    m.io.out8(0x1f6, 0xb0) // missing slave
    expect(m.io.in8(0x1f7)).toBe(0)
    m.io.out8(0x1f7, 0xec)
    expect(m.io.in8(0x1f7)).toBe(0)
    m.io.out8(0x1f6, 0xa0)
    m.io.out8(0x1f7, 0xff) // garbage
    expect(m.io.in8(0x1f7)).toBe(0x51)
    expect(m.io.in8(0x1f1)).toBe(0x04)
    ataTaskFile(m, 1000, 1) // beyond the 64-sector disk
    m.io.out8(0x1f7, 0x20)
    expect(m.io.in8(0x1f7) & 0x01).toBe(1)
    expect(m.io.in8(0x1f1)).toBe(0x10)
    m.io.out8(0x1f2, 3)
    m.io.out8(0x1f7, 0xc6) // not a power of two
    expect(m.io.in8(0x1f1)).toBe(0x04)
  })

  it('soft reset restores the signature', () => {
    const m = ideMachine({ 0: disk })
    m.io.out8(0x1f2, 0x55)
    m.io.out8(0x3f6, 0x04)
    expect(m.io.in8(0x3f6) & 0x80).toBe(0x80)
    m.io.out8(0x3f6, 0x00)
    expect([m.io.in8(0x1f2), m.io.in8(0x1f3), m.io.in8(0x1f4), m.io.in8(0x1f5)]).toEqual([1, 1, 0, 0])
    expect(m.io.in8(0x1f7)).toBe(0x50)
  })

  it('survives seeded random I/O and saves/loads identically', () => {
    const make = () =>
      ideMachine({
        0: createBlockDrive('hard-disk', createMemoryMedium(new Uint8Array(256 * 512))),
        2: createBlockDrive(
          'cdrom',
          createMemoryMedium(new Uint8Array(16 * 2048), { sectorSize: 2048, readOnly: true }),
        ),
      })
    const report = fuzzDeviceIo(make, { runs: 60 })
    expect(report.regions).toBe(5)
    expectSaveLoadIdentity(make(), make(), (m) => {
      ataTaskFile(m, 5, 2)
      m.io.out8(0x1f7, 0x30)
      m.io.out16(0x1f0, 0x1234)
    })
  })
})
