// The PIIX3 IDE controller as PCI function 00:01.1 behind the i440FX (configuration mechanism #1): identity
// and class (8086:7010, 0101h prog-if 80h), BAR 4 sizing and mapping of the bus master registers, the
// IDETIM/SIDETIM registers, PCICMD.BME gating bus master DMA, and a seeded fuzz of config space and the
// bus master ports. Spec: Intel 82371SB (PIIX3) datasheet §2.5 (function 1 registers); SFF-8038i.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTestMachine, expectSaveLoadIdentity, fuzzDeviceIo } from '@boxwood/device-testkit'
import { createBlockDrive, createMemoryMedium } from '../../src/backends/block-backend'
import { i440fxHostBridge } from '../../src/bus/pci/i440fx-host'
import { piix3IsaBridge } from '../../src/bus/pci/piix3-isa'
import { piix3Ide } from '../../src/storage/ide/piix3-ide'
import { ataTaskFile, waitNotBusy } from './ide-helpers'

const BM = 0xc040

function stampedDisk(sectors: number): Uint8Array {
  const bytes = new Uint8Array(sectors * 512)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 9)) & 0xff
  return bytes
}

function machine(disk = stampedDisk(64)) {
  const m = createTestMachine({
    ramBytes: 0x20_0000,
    devices: [
      i440fxHostBridge,
      piix3IsaBridge,
      { definition: piix3Ide, luns: { 0: createBlockDrive('hard-disk', createMemoryMedium(disk)) } },
    ],
  })
  const address = (reg: number) => 0x8000_0000 | (1 << 11) | (1 << 8) | (reg & 0xfc)
  const cfgRead = (reg: number, size: 1 | 2 | 4 = 4): number => {
    m.io.out32(0xcf8, address(reg))
    const port = 0xcfc + (reg & 3)
    return size === 1 ? m.io.in8(port) : size === 2 ? m.io.in16(port) : m.io.in32(port) >>> 0
  }
  const cfgWrite = (reg: number, value: number, size: 1 | 2 | 4 = 4): void => {
    m.io.out32(0xcf8, address(reg))
    const port = 0xcfc + (reg & 3)
    if (size === 1) m.io.out8(port, value)
    else if (size === 2) m.io.out16(port, value)
    else m.io.out32(port, value)
  }
  return { m, cfgRead, cfgWrite, disk }
}

describe('PIIX3 IDE as PCI function 00:01.1', () => {
  it('identifies as 8086:7010, mass storage/IDE in compatibility mode with bus mastering', () => {
    const { cfgRead } = machine()
    expect(cfgRead(0x00)).toBe(0x7010_8086)
    expect(cfgRead(0x08) >>> 8).toBe(0x01_0180)
    expect((cfgRead(0x0c) >>> 16) & 0xff).toBe(0x00) // single-function header (the bridge at .0 says multi)
    expect(cfgRead(0x3c) >>> 8).toBe(0) // no INTx pin: compatibility mode uses IRQ 14/15
    expect((cfgRead(0x04) >>> 16) & 0x0600).toBe(0x0200) // DEVSEL medium
  })

  it('sizes BAR 4 as 16 I/O ports and leaves BARs 0–3 hard-wired to 0 (legacy ports)', () => {
    const { cfgRead, cfgWrite } = machine()
    for (const bar of [0x10, 0x14, 0x18, 0x1c]) {
      cfgWrite(bar, 0xffff_ffff)
      expect(cfgRead(bar)).toBe(0)
    }
    cfgWrite(0x20, 0xffff_ffff)
    expect(cfgRead(0x20)).toBe(0xffff_fff1)
    cfgWrite(0x20, BM | 0x0f)
    expect(cfgRead(0x20)).toBe(BM | 1)
  })

  it('maps the bus master registers at BAR 4 only while I/O decoding is on; legacy ports always decode', () => {
    const { m, cfgWrite } = machine()
    expect(m.io.in8(0x1f7)).toBe(0x50) // drive ready before any PCI programming (firmware without PCI)
    cfgWrite(0x20, BM)
    m.io.out32(BM + 4, 0x1234_5678)
    expect(m.io.in8(BM + 4)).toBe(0xff)
    cfgWrite(0x04, 0x0001)
    m.io.out32(BM + 4, 0x0002_3456)
    expect(m.io.in32(BM + 4) >>> 0).toBe(0x0002_3454) // dword-aligned PRD pointer
    cfgWrite(0x20, BM + 0x100)
    expect(m.io.in8(BM + 4)).toBe(0xff)
    expect(m.io.in32(BM + 0x104) >>> 0).toBe(0x0002_3454)
  })

  it('keeps IDETIM (with reserved bits 11:10 at 0) and SIDETIM; reserved registers read 0', () => {
    const { cfgRead, cfgWrite } = machine()
    expect(cfgRead(0x40)).toBe(0)
    expect(cfgRead(0x44, 1)).toBe(0)
    cfgWrite(0x40, 0xffff_ffff)
    expect(cfgRead(0x40)).toBe(0xf3ff_f3ff)
    cfgWrite(0x42, 0x8000, 2) // secondary channel decode enable, as SeaBIOS writes it
    expect(cfgRead(0x40)).toBe(0x8000_f3ff)
    cfgWrite(0x44, 0xa5, 1)
    expect(cfgRead(0x44)).toBe(0xa5)
    cfgWrite(0x48, 0xffff_ffff)
    cfgWrite(0xfc, 0xffff_ffff)
    expect([cfgRead(0x48), cfgRead(0xfc)]).toEqual([0, 0])
  })

  it('moves READ DMA data through BAR 4 when bus mastering is enabled, and master-aborts when it is not', async () => {
    const { m, cfgWrite, disk } = machine()
    cfgWrite(0x20, BM)
    cfgWrite(0x04, 0x0001) // I/O decoding, no bus mastering yet
    m.memory.write32(0x1000, 0x4_0000)
    m.memory.write32(0x1004, 0x8000_0000 | 1024)
    m.io.out32(BM + 4, 0x1000)
    ataTaskFile(m, 10, 2)
    m.io.out8(0x1f7, 0xc8)
    m.io.out8(BM, 0x09)
    const refused = await waitNotBusy(m)
    expect(refused & 0x01).toBe(1) // the drive aborts
    expect(m.io.in8(BM + 2) & 0x07).toBe(0x06) // interrupt + error, engine stopped
    expect(m.memory.read32(0x4_0000)).toBe(0)

    m.io.out8(BM, 0x00)
    m.io.out8(BM + 2, 0x06)
    cfgWrite(0x04, 0x0005) // + bus master enable
    ataTaskFile(m, 10, 2)
    m.io.out8(0x1f7, 0xc8)
    m.io.out8(BM, 0x09)
    expect((await waitNotBusy(m)) & 0x01).toBe(0)
    expect(m.io.in8(BM + 2) & 0x07).toBe(0x04)
    const got = new Uint8Array(1024).map((_, i) => m.memory.read8(0x4_0000 + i))
    expect(Buffer.from(got).equals(Buffer.from(disk.subarray(10 * 512, 12 * 512)))).toBe(true)
    expect(m.irq(14).level).toBe(true)
  })

  it('ends DMA with an error, never a host exception, for a PRD table at the top of the address space', async () => {
    const { m, cfgWrite } = machine()
    cfgWrite(0x20, BM)
    cfgWrite(0x04, 0x0005)
    m.io.out32(BM + 4, 0xffff_fffc) // the entry's second dword would sit at 4 GiB: the address wraps
    ataTaskFile(m, 0, 1)
    m.io.out8(0x1f7, 0xc8)
    m.io.out8(BM, 0x09)
    await waitNotBusy(m)
    // Outside RAM the table reads as all ones: one 64 KiB entry at FFFFFFFEh, not the last; nothing lands in RAM.
    expect(m.io.in8(BM + 2) & 0x07).toBe(0x05)
    expect(m.io.in8(0x1f7) & 0x01).toBe(0)
  })

  it('writes by WRITE DMA EXT from a PRD table', async () => {
    const { m, cfgWrite, disk } = machine()
    cfgWrite(0x20, BM)
    cfgWrite(0x04, 0x0005)
    for (let i = 0; i < 512; i++) m.memory.write8(0x5_0000 + i, (i * 7) & 0xff)
    m.memory.write32(0x1000, 0x5_0000)
    m.memory.write32(0x1004, 0x8000_0000 | 512)
    m.io.out32(BM + 4, 0x1000)
    m.io.out8(0x1f6, 0xe0)
    for (const [reg, value] of [
      [2, 0],
      [2, 1],
      [3, 0],
      [3, 33],
      [4, 0],
      [4, 0],
      [5, 0],
      [5, 0],
    ] as const)
      m.io.out8(0x1f0 + reg, value)
    m.io.out8(0x1f7, 0x35)
    m.io.out8(BM, 0x01) // start, memory → device
    expect((await waitNotBusy(m)) & 0x01).toBe(0)
    expect(Array.from(disk.subarray(33 * 512, 33 * 512 + 8))).toEqual([0, 7, 14, 21, 28, 35, 42, 49])
  })

  it('survives a seeded fuzz of its config space and bus master ports, and saves/loads identically', () => {
    const op = fc.record({
      target: fc.constantFrom('cfg', 'bm', 'ata'),
      offset: fc.nat(0xff),
      size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
      write: fc.boolean(),
      value: fc.nat(0xffff_ffff),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { m, cfgRead, cfgWrite } = machine()
        cfgWrite(0x20, BM)
        cfgWrite(0x04, 0x0005)
        for (const o of ops) {
          const mask = 2 ** (o.size * 8) - 1
          if (o.target === 'cfg') {
            const reg = o.offset & ~(o.size - 1)
            if (o.write) cfgWrite(reg, o.value & mask, o.size)
            else expect(cfgRead(reg, o.size)).toBeLessThanOrEqual(mask)
          } else {
            const port = o.target === 'bm' ? BM + (o.offset & 0x0f & ~(o.size - 1)) : 0x1f0 + (o.offset & 7)
            const size = o.target === 'ata' && (o.offset & 7) !== 0 ? 1 : o.size
            if (o.write) m.host.ports.ioWrite(port, o.value % 2 ** (size * 8), size)
            else expect(m.host.ports.ioRead(port, size)).toBeLessThanOrEqual(2 ** (size * 8) - 1)
          }
          m.clock.advanceNs(1000)
        }
        // The identity registers are read-only whatever was written.
        expect(cfgRead(0x00)).toBe(0x7010_8086)
        expect(cfgRead(0x08) >>> 8).toBe(0x01_0180)
        const first = m.saveState()
        m.loadState(first)
        expect(Buffer.from(m.saveState()).equals(Buffer.from(first))).toBe(true)
      }),
      { seed: 0x1d3, numRuns: 40 },
    )
    expect(fuzzDeviceIo(() => machine().m, { runs: 20 }).regions).toBeGreaterThan(4)
  })

  it('restores BAR 4 and IDETIM across save/load', () => {
    const a = machine()
    const b = machine()
    expectSaveLoadIdentity(a.m, b.m, () => {
      a.cfgWrite(0x20, BM)
      a.cfgWrite(0x04, 0x0001)
      a.cfgWrite(0x40, 0x8000_8000)
      a.m.io.out32(BM + 4, 0x8000)
    })
    expect(b.m.io.in32(BM + 4) >>> 0).toBe(0x8000)
    expect(b.cfgRead(0x40)).toBe(0x8000_8000)
  })
})
