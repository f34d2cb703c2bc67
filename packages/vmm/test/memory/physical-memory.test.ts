// Tests of guest physical memory: RAM, ROM, MMIO, unassigned space, A20, dirty pages and DMA bounds.
import { describe, expect, it } from 'vitest'
import { GuestMemoryError, PhysicalMemory } from '../../src/memory/physical-memory'

describe('PhysicalMemory', () => {
  it('reads and writes RAM little-endian, including unaligned and page-crossing accesses', () => {
    const m = new PhysicalMemory({ ramBytes: 64 * 1024 })
    m.write32(0x0ffe, 0x11223344)
    expect(m.read8(0x0ffe)).toBe(0x44)
    expect(m.read8(0x1001)).toBe(0x11)
    expect(m.read16(0x0fff)).toBe(0x2233)
    expect(m.read32(0x0ffe) >>> 0).toBe(0x11223344)
  })

  it('reads all ones and drops writes outside RAM, ROM and MMIO', () => {
    const m = new PhysicalMemory({ ramBytes: 8192 })
    m.write32(0x1ffe, 0xaabbccdd)
    expect(m.read8(0x1ffe)).toBe(0xdd)
    expect(m.read8(0x2000)).toBe(0xff)
    expect(m.read32(0x1ffe) >>> 0).toBe(0xffffccdd)
    expect(m.read32(0xfffffffc) >>> 0).toBe(0xffffffff)
    m.write32(0xfffffffc, 0)
    expect(m.ram.length).toBe(8192)
  })

  it('serves ROM read-only and MMIO through handlers with relative offsets and access sizes', () => {
    const m = new PhysicalMemory({ ramBytes: 1 << 20 })
    m.mapRom(0xf0000, new Uint8Array(0x10000).fill(0xea), 'bios')
    m.write8(0xf0010, 1)
    expect(m.read8(0xf0010)).toBe(0xea)
    const log: string[] = []
    const mmio = m.mapMmio(
      0xa0000,
      0x20000,
      {
        read: (o, s) => (log.push(`r${o.toString(16)}/${s}`), 0x12345678 >>> (8 * (4 - s))),
        write: (o, v, s) => void log.push(`w${o.toString(16)}=${v.toString(16)}/${s}`),
      },
      'vga',
    )
    expect(m.read32(0xa0004) >>> 0).toBe(0x12345678)
    m.write16(0xa0010, 0xbeef)
    expect(log).toEqual(['r4/4', 'w10=beef/2'])
    expect(() => m.mapMmio(0xa1000, 16, { read: () => 0, write: () => {} }, 'x')).toThrow(GuestMemoryError)
    mmio.unmap()
    m.write8(0xa0000, 7)
    expect(m.read8(0xa0000)).toBe(7)
  })

  it('masks address bit 20 while A20 is disabled', () => {
    const m = new PhysicalMemory({ ramBytes: 2 << 20 })
    m.write8(0x100005, 9)
    m.setA20(false)
    expect(m.a20Enabled).toBe(false)
    expect(m.read8(0x100005)).toBe(0)
    m.write8(0x100006, 3)
    m.setA20(true)
    expect(m.read8(0x000006)).toBe(3)
    expect(m.read8(0x100005)).toBe(9)
  })

  it('tracks dirty pages from CPU writes and DMA, and clears them on collection', () => {
    const m = new PhysicalMemory({ ramBytes: 1 << 20 })
    m.write8(0x3004, 1)
    m.dmaWrite(0x5ff0, new Uint8Array(0x20))
    const pages: number[] = []
    m.collectDirtyPages(0, 1 << 20, (p) => pages.push(p))
    expect(pages).toEqual([0x3000, 0x5000, 0x6000])
    pages.length = 0
    m.collectDirtyPages(0, 1 << 20, (p) => pages.push(p))
    expect(pages).toEqual([])
  })

  it('bounds DMA: reads past RAM give 0xFF, writes past RAM are dropped, listeners see RAM writes', () => {
    const m = new PhysicalMemory({ ramBytes: 8192 })
    const seen: [number, number][] = []
    m.onExternalWrite((a, n) => seen.push([a, n]))
    m.dmaWrite(8190, new Uint8Array([1, 2, 3, 4]))
    expect(seen).toEqual([[8190, 2]])
    const out = new Uint8Array(4)
    m.dmaRead(8190, out)
    expect([...out]).toEqual([1, 2, 0xff, 0xff])
    m.dmaRead(-5, out)
    m.dmaWrite(2 ** 40, new Uint8Array(4))
  })

  it('rejects bad RAM sizes with a clear error', () => {
    expect(() => new PhysicalMemory({ ramBytes: 100 })).toThrow(GuestMemoryError)
    expect(() => new PhysicalMemory({ ramBytes: 4 * 2 ** 30 })).toThrow(/3.5 GB/)
  })
})
