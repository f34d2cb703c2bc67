// fw_cfg through ports 0x510/0x511: signature, ID, RAM size, file directory and files, arch-specific keys
// not aliasing generic ones, reads past an item, fuzz.
import { describe, expect, it } from 'vitest'
import { createTestMachine, fuzzDeviceIo } from '@boxwood/device-testkit'
import { fwCfg } from '../../src/firmware-loaders/fw-cfg'

const machine = () =>
  createTestMachine({
    devices: [{ definition: fwCfg, config: { ramBytes: 64 << 20, bootOrder: '/rom@genroms/boxwood.rom' } }],
  })
const readItem = (m: ReturnType<typeof machine>, key: number, n: number) => {
  m.io.out16(0x510, key)
  return Array.from({ length: n }, () => m.io.in8(0x511))
}

describe('fw_cfg', () => {
  it('reports the signature, traditional interface and RAM size', () => {
    const m = machine()
    expect(String.fromCharCode(...readItem(m, 0, 4))).toBe('QEMU')
    expect(readItem(m, 1, 4)).toEqual([1, 0, 0, 0])
    expect(readItem(m, 3, 8)).toEqual([0, 0, 0, 4, 0, 0, 0, 0])
    expect(readItem(m, 0x8000, 2)).toEqual([0, 0])
    expect(readItem(m, 0x1234, 2)).toEqual([0, 0])
  })

  it('lists files in a big-endian directory and serves them by key', () => {
    const m = machine()
    const head = readItem(m, 0x19, 4)
    const count = (head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!
    const entries = readItem(m, 0x19, 4 + count * 64).slice(4)
    const files = new Map<string, { size: number; key: number }>()
    for (let i = 0; i < count; i++) {
      const e = entries.slice(i * 64, i * 64 + 64)
      const name = String.fromCharCode(...e.slice(8).filter((c) => c !== 0))
      files.set(name, { size: (e[0]! << 24) | (e[1]! << 16) | (e[2]! << 8) | e[3]!, key: (e[4]! << 8) | e[5]! })
    }
    expect([...files.keys()].sort()).toEqual(['bootorder', 'etc/boot-fail-wait', 'etc/e820'])
    const e820 = files.get('etc/e820')!
    expect(e820.size).toBe(40)
    const bytes = readItem(m, e820.key, 40)
    const u32 = (at: number) =>
      (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
    expect([u32(20), u32(28), u32(36)]).toEqual([0x100000, (64 << 20) - 0x100000, 1])
    const order = files.get('bootorder')!
    expect(String.fromCharCode(...readItem(m, order.key, order.size))).toBe('/rom@genroms/boxwood.rom\0')
  })

  it('survives the seeded I/O fuzz', () => {
    expect(fuzzDeviceIo(machine, { runs: 30 }).reads).toBeGreaterThan(0)
  })
})
