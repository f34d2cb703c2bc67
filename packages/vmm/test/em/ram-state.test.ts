import { describe, expect, it } from 'vitest'
import { decodeRam, encodeRam, validateRam } from '../../src/em/ram-state'

describe('RAM saved-state unit', () => {
  it('elides zero pages and restores RAM and A20 exactly', () => {
    const ram = new Uint8Array(64 * 4096)
    ram[5] = 1
    ram[10 * 4096 + 4095] = 0xff
    ram[63 * 4096] = 7
    const payload = encodeRam(ram, false)
    expect(payload.length).toBe(4 + 1 + 8 + 3 * 4096)
    const target = new Uint8Array(64 * 4096).fill(0x55)
    expect(decodeRam(payload, target)).toBe(false)
    expect(target).toEqual(ram)
    expect(validateRam(encodeRam(ram, true), ram.length)).toBe(true)
  })

  it('rejects a different RAM size and malformed payloads without touching RAM', () => {
    const ram = new Uint8Array(8 * 4096)
    ram[100] = 9
    const payload = encodeRam(ram, true)
    expect(() => validateRam(payload, 16 * 4096)).toThrow(/saved RAM is 32768 bytes, VM has 65536/)
    const target = new Uint8Array(8 * 4096).fill(1)
    expect(() => decodeRam(payload.subarray(0, payload.length - 1), target)).toThrow(/truncated/)
    expect(target.every((b) => b === 1)).toBe(true)
    const badA20 = payload.slice()
    badA20[4] = 2
    expect(() => decodeRam(badA20, target)).toThrow(/A20 byte is 2/)
  })
})
