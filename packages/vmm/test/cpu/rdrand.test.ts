// RDRAND (Intel SDM vol. 2B, RDRAND; CPUID.01H:ECX.RDRAND[bit 30]): present only while the CPU has a random source
// (CpuOptions.readRandom); a Vm's CPU draws from the host's cryptographic generator in real time (here) and from the
// machine seed and virtual time in deterministic time (test/em/vm-real-cpu.test.ts: replay across save/restore).
import { describe, expect, it } from 'vitest'
import { createVm } from '../../src/index'
import { CPUID_RDRAND_ECX } from '../../src/cpu/system'
import { protectedMachine, stepUntilException } from './harness'

/** A source returning `values` in turn. */
const sequence = (...values: number[]) => {
  let k = 0
  return () => values[k++ % values.length]!
}

describe('RDRAND', () => {
  it('is reported in CPUID leaf 1 ECX only with a random source', () => {
    const withSource = protectedMachine('mov eax, 1\ncpuid\nhlt', [], { readRandom: sequence(1) })
    withSource.cpu.run(100)
    expect(withSource.cpu.regs[1]! & CPUID_RDRAND_ECX).toBe(CPUID_RDRAND_ECX)
    const without = protectedMachine('mov eax, 1\ncpuid\nhlt')
    without.cpu.run(100)
    expect(without.cpu.regs[1]! & CPUID_RDRAND_ECX).toBe(0)
  })

  it('loads 32- and 16-bit registers from the source, sets CF and clears OF, SF, ZF, AF and PF', () => {
    // Before each RDRAND the flags are not CF alone: the ADD overflows (OF, SF, AF), the CMP sets ZF and PF.
    const m = protectedMachine(
      ['mov eax, 0x7fffffff', 'add eax, 1', 'cmp eax, eax', 'rdrand esi', 'pushfd', 'rdrand di', 'pushfd', 'hlt'].join(
        '\n',
      ),
      [],
      { readRandom: sequence(0xdeadbeef, 0x12345678) },
    )
    m.cpu.regs[7] = 0x11112222
    expect(m.cpu.run(100).reason).toBe('halted')
    expect(m.cpu.regs[6]! >>> 0).toBe(0xdeadbeef)
    expect(m.cpu.regs[7]! >>> 0).toBe(0x11115678)
    const flags = (at: number) => m.memory.ram[at]! | (m.memory.ram[at + 1]! << 8)
    for (const at of [0x7fff8, 0x7fffc]) expect(flags(at) & 0x8d5).toBe(0x001) // CF only, of CF PF AF ZF SF OF
  })

  it('raises #UD without a source, with a memory operand, with LOCK and with an F3 prefix', () => {
    const cases: [string, Parameters<typeof protectedMachine>[2]][] = [
      ['rdrand eax', {}],
      ['db 0x0f, 0xc7, 0x30', { readRandom: sequence(1) }], // /6 with a memory operand ([eax])
      ['db 0xf0, 0x0f, 0xc7, 0xf0', { readRandom: sequence(1) }], // LOCK RDRAND EAX
      ['db 0xf3, 0x0f, 0xc7, 0xf0', { readRandom: sequence(1) }], // F3 RDRAND EAX
    ]
    for (const [code, options] of cases) {
      const m = protectedMachine(`${code}\nhlt`, [], options)
      expect(stepUntilException(m, 5)?.vector, code).toBe(6)
    }
  })

  it('draws from the host on a real-time Vm', () => {
    const host = { nowNs: () => performance.now() * 1e6 }
    const draw = () => {
      const vm = createVm({ ramBytes: 1 << 20, seed: 7, time: { kind: 'realtime', host } })
      const cpu = vm.cpu as unknown as { readRandom: () => number }
      return [cpu.readRandom(), cpu.readRandom(), cpu.readRandom()]
    }
    const first = draw()
    expect(new Set(first).size).toBe(3)
    expect(draw()).not.toEqual(first)
  })
})
