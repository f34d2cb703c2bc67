// The 82077AA floppy controller with ISA DMA channel 2 (the real i8237 model) on 1.44 MB and 2.88 MB images
// formatted by mtools: reset and sense interrupts, READ/WRITE DATA by DMA compared with the image file,
// multi-track reads, seek/recalibrate, disk change, garbage commands, missing media, the I/O fuzz.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo, type TestMachine } from '@boxwood/device-testkit'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium, type HostBlockDrive } from '../../src/backends/block-backend'
import { i8237Dma } from '../../src/pc/i8237-dma'
import { i82077Fdc } from '../../src/storage/floppy/i82077-fdc'
import { scratchDir } from './ide-helpers'

let image144 = new Uint8Array(0)
let path144 = ''

beforeAll(() => {
  const dir = scratchDir()
  path144 = join(dir, 'a.img')
  execFileSync('mformat', ['-C', '-i', path144, '-f', '1440', '-v', 'BOXWOOD', '::'])
  const file = join(dir, 'DATA.TXT')
  writeFileSync(file, Array.from({ length: 4000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join(''))
  execFileSync('mcopy', ['-i', path144, file, '::DATA.TXT'])
  image144 = new Uint8Array(readFileSync(path144))
})

function fdcMachine(drive: HostBlockDrive | undefined): TestMachine {
  return createTestMachine({
    ramBytes: 0x10_0000,
    devices: [i8237Dma, { definition: i82077Fdc, luns: drive ? { 0: drive } : {} }],
  })
}

function fifoOut(m: TestMachine, ...bytes: number[]): void {
  for (const b of bytes) {
    expect(m.io.in8(0x3f4) & 0xc0).toBe(0x80)
    m.io.out8(0x3f5, b)
  }
}

function fifoResults(m: TestMachine): number[] {
  const out: number[] = []
  while ((m.io.in8(0x3f4) & 0xc0) === 0xc0) out.push(m.io.in8(0x3f5))
  return out
}

/** Programs i8237 channel 2 for `length` bytes at `address` (mode 46h: write to memory, 4Ah: read). */
function programDma(m: TestMachine, address: number, length: number, toMemory: boolean): void {
  m.io.out8(0x0a, 0x06) // mask channel 2
  m.io.out8(0x0c, 0)
  m.io.out8(0x0b, toMemory ? 0x46 : 0x4a)
  m.io.out8(0x04, address & 0xff)
  m.io.out8(0x04, (address >> 8) & 0xff)
  m.io.out8(0x81, (address >> 16) & 0xff)
  m.io.out8(0x05, (length - 1) & 0xff)
  m.io.out8(0x05, ((length - 1) >> 8) & 0xff)
  m.io.out8(0x0a, 0x02) // unmask
}

const settle = async (m: TestMachine): Promise<void> => {
  for (let i = 0; i < 100 && (m.io.in8(0x3f4) & 0xc0) !== 0xc0; i++) await new Promise((r) => setImmediate(r))
}

function resetController(m: TestMachine): void {
  m.io.out8(0x3f2, 0x00)
  m.io.out8(0x3f2, 0x1c) // motor A, DMA/IRQ enabled, out of reset
  expect(m.irq(6).level).toBe(true)
  for (let d = 0; d < 4; d++) {
    fifoOut(m, 0x08)
    expect(fifoResults(m)).toEqual([0xc0 | d, 0])
  }
  fifoOut(m, 0x03, 0xdf, 0x02) // SPECIFY: DMA mode
}

describe('82077AA floppy controller', () => {
  it('resets with four sense interrupts and reports its version', () => {
    const m = fdcMachine(createBlockDrive('floppy', createMemoryMedium(image144.slice())))
    resetController(m)
    fifoOut(m, 0x10)
    expect(fifoResults(m)).toEqual([0x90])
  })

  it('reads sectors by DMA (multi-track) and they match the mtools image', async () => {
    const m = fdcMachine(createBlockDrive('floppy', createMemoryMedium(image144.slice())))
    resetController(m)
    fifoOut(m, 0x07, 0x00) // recalibrate
    fifoOut(m, 0x08)
    expect(fifoResults(m)).toEqual([0x20, 0])
    // Seek to cylinder 1, then read C=1 H=0 R=17 through head 1 sector 2 (MT): 4 sectors.
    fifoOut(m, 0x0f, 0x00, 1)
    fifoOut(m, 0x08)
    expect(fifoResults(m)).toEqual([0x20, 1])
    programDma(m, 0x2_0000, 4 * 512, true)
    m.irq(6).clear()
    fifoOut(m, 0xe6, 0x00, 1, 0, 17, 2, 18, 0x1b, 0xff)
    await settle(m)
    const result = fifoResults(m)
    expect(result.slice(0, 3)).toEqual([0x00, 0x00, 0x00])
    expect(m.irq(6).risingEdges).toBe(1)
    const lba = (1 * 2 + 0) * 18 + 16
    const got = new Uint8Array(4 * 512)
    for (let i = 0; i < got.length; i++) got[i] = m.memory.read8(0x2_0000 + i)
    expect(Buffer.from(got).equals(image144.subarray(lba * 512, (lba + 4) * 512))).toBe(true)
    expect(result.slice(3)).toEqual([1, 1, 3, 2]) // stopped by terminal count: next sector C1 H1 R3
  })

  it('writes sectors by DMA into the image', async () => {
    const bytes = image144.slice()
    const m = fdcMachine(createBlockDrive('floppy', createMemoryMedium(bytes)))
    resetController(m)
    for (let i = 0; i < 512; i++) m.memory.write8(0x3_0000 + i, (i * 3) & 0xff)
    programDma(m, 0x3_0000, 512, false)
    fifoOut(m, 0xc5, 0x00, 0, 0, 5, 2, 5, 0x1b, 0xff)
    await settle(m)
    expect(fifoResults(m).slice(0, 3)).toEqual([0, 0, 0])
    const lba = 4
    expect(Array.from(bytes.subarray(lba * 512, lba * 512 + 4))).toEqual([0, 3, 6, 9])
  })

  it('supports 2.88 MB diskettes', async () => {
    const dir = scratchDir()
    const path = join(dir, 'b.img')
    execFileSync('mformat', ['-C', '-i', path, '-f', '2880', '::'])
    const bytes = new Uint8Array(readFileSync(path))
    expect(bytes.length).toBe(2_949_120)
    const m = fdcMachine(createBlockDrive('floppy', createMemoryMedium(bytes)))
    resetController(m)
    programDma(m, 0x2_0000, 512, true)
    fifoOut(m, 0x46, 0x04, 0, 1, 36, 2, 36, 0x1b, 0xff) // C0 H1 R36: the last sector of track 1
    await settle(m)
    expect(fifoResults(m).slice(0, 3)).toEqual([0x04, 0, 0])
    expect(m.memory.read8(0x2_0000 + 7)).toBe(bytes[(36 + 35) * 512 + 7])
  })

  it('answers garbage, missing media and out-of-range sectors like the chip', async () => {
    const drive = createBlockDrive('floppy')
    const m = fdcMachine(drive)
    resetController(m)
    m.io.out8(0x3f5, 0x1f) // no such command
    expect(fifoResults(m)).toEqual([0x80])
    fifoOut(m, 0x08) // no interrupt pending
    expect(fifoResults(m)).toEqual([0x80])
    fifoOut(m, 0x46, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff)
    const noMedia = fifoResults(m)
    expect(noMedia[0]! & 0xc0).toBe(0x40)
    expect(m.io.in8(0x3f7) & 0x80).toBe(0x80) // disk change line
    drive.insert(createMemoryMedium(image144.slice()))
    fifoOut(m, 0x07, 0x00)
    fifoOut(m, 0x08)
    fifoResults(m)
    expect(m.io.in8(0x3f7) & 0x80).toBe(0)
    fifoOut(m, 0x46, 0x00, 0, 0, 30, 2, 18, 0x1b, 0xff) // sector 30 does not exist
    await settle(m)
    const r = fifoResults(m)
    expect([r[0]! & 0xc0, r[1]]).toEqual([0x40, 0x04])
  })

  it('survives seeded random I/O and saves/loads identically', () => {
    const make = () => fdcMachine(createBlockDrive('floppy', createMemoryMedium(image144.slice())))
    const report = fuzzDeviceIo(make, { runs: 60 })
    expect(report.regions).toBeGreaterThanOrEqual(2)
    expectSaveLoadIdentity(make(), make(), (m) => {
      resetController(m)
      fifoOut(m, 0x0f, 0x00, 5)
    })
  })
})
