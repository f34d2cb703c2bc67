// CPUID leaves 0x15/0x16 (Intel SDM vol. 2A, CPUID: "Time Stamp Counter and Nominal Core Crystal Clock Information"
// and "Processor Frequency Information"): reported only when the TSC has a known rate (CpuOptions.tscHz), so that
// Linux takes the TSC frequency from CPUID instead of calibrating it against the PIT with timed busy loops.
import { describe, expect, it } from 'vitest'
import { protectedMachine } from './harness'

/** EAX, EBX, ECX, EDX of CPUID `leaf`. */
function cpuidOf(leaf: number, options: Parameters<typeof protectedMachine>[2] = {}): number[] {
  const m = protectedMachine(`mov eax, ${leaf}\ncpuid\nhlt`, [], options)
  expect(m.cpu.run(100).reason).toBe('halted')
  const r = m.cpu.regs
  return [r[0]! >>> 0, r[3]! >>> 0, r[1]! >>> 0, r[2]! >>> 0]
}

const GHZ_TSC = { readTsc: () => 0, tscHz: 1_000_000_000 }

describe('CPUID: TSC frequency', () => {
  it('reports 0x16 as the highest basic leaf and a 1 GHz TSC on a 100 MHz crystal', () => {
    expect(cpuidOf(0, GHZ_TSC)[0]).toBe(0x16)
    const [den, num, crystalHz, edx] = cpuidOf(0x15, GHZ_TSC)
    expect(crystalHz).toBe(100_000_000)
    expect((crystalHz! * num!) / den!).toBe(1_000_000_000)
    expect(edx).toBe(0)
    expect(cpuidOf(0x16, GHZ_TSC)).toEqual([1000, 1000, 100, 0])
  })

  it('reports the leaves below as absent (zeros) and leaves above 0x16 as leaf 0x16', () => {
    for (const leaf of [2, 4, 6, 7, 0xa, 0xb, 0xd, 0x14]) expect(cpuidOf(leaf, GHZ_TSC)).toEqual([0, 0, 0, 0])
    expect(cpuidOf(0x17, GHZ_TSC)).toEqual(cpuidOf(0x16, GHZ_TSC))
    expect(cpuidOf(0x7fffffff, GHZ_TSC)).toEqual(cpuidOf(0x16, GHZ_TSC))
  })

  it('stops at leaf 1 when the TSC has no defined rate (the retired-instruction count)', () => {
    expect(cpuidOf(0)[0]).toBe(1)
    expect(cpuidOf(0x15)).toEqual(cpuidOf(1))
    // A rate without a TSC source is ignored: the default TSC counts instructions.
    expect(cpuidOf(0, { tscHz: 1_000_000_000 })[0]).toBe(1)
  })
})
