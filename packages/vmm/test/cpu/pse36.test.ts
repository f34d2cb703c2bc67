// PSE-36 (Intel SDM vol. 3A 4.3, table 4-4; CPUID.1:EDX bit 17): bits 16:13 of a 4 MB page's PDE are physical
// address bits 35:32 and bits 21:17 are reserved (MAXPHYADDR 36). Frames above 4 GB hold nothing: reads give all
// ones and writes vanish, as everywhere in unclaimed physical space. The QEMU differential test
// (test/qemu-diff/pse36.test.ts) compares the rest; QEMU maps bits 20:17 as address bits 39:36 instead.
import { describe, expect, it } from 'vitest'
import { protectedMachine, stepUntilException, type TestMachine } from './harness'

const PD = 0x20000
const CR4_PSE = 0x10

/** Ring-0 `source` with paging on: 4 MB identity pages for linear 0–8 MB, PD[2] (linear 0x800000) = `pde`. */
function pagedMachine(source: string, pde: number, cr4 = CR4_PSE): TestMachine {
  const m = protectedMachine(source)
  m.memory.write32(PD, 0x87)
  m.memory.write32(PD + 4, 0x400087)
  m.memory.write32(PD + 8, pde)
  const s = m.cpu.getState()
  s.cr3 = PD
  s.cr4 = cr4
  s.cr0 |= 0x80000000
  m.cpu.setState(s)
  return m
}

describe('PSE-36', () => {
  it('is reported by CPUID leaf 1 (EDX bit 17, with PSE bit 3)', () => {
    const m = protectedMachine('mov eax, 1\ncpuid\nhlt')
    m.cpu.run(10)
    expect(m.cpu.regs[2]! & ((1 << 17) | (1 << 3))).toBe((1 << 17) | (1 << 3))
  })

  it('maps a 4 MB page above 4 GB: reads are all ones, writes reach no RAM, the PDE gets A and D', () => {
    for (const hi of [1, 0xf]) {
      const m = pagedMachine(
        'mov dword [0x800010], 0x12345678\nmov eax, [0x800010]\nmov bx, [0xbffffe]\nhlt',
        0x87 | (hi << 13),
      )
      m.memory.write32(0x10, 0xaabbccdd)
      m.cpu.run(10)
      expect(m.cpu.regs[0]! >>> 0).toBe(0xffffffff)
      expect(m.cpu.regs[3]! & 0xffff).toBe(0xffff)
      expect(m.memory.read32(0x10) >>> 0).toBe(0xaabbccdd)
      expect(m.memory.read32(PD + 8)).toBe(0xe7 | (hi << 13))
    }
  })

  it('bits 16:13 = 0 map below 4 GB as before', () => {
    const m = pagedMachine('mov dword [0x800010], 0x12345678\nmov eax, [0x10]\nhlt', 0x87)
    m.cpu.run(10)
    expect(m.cpu.regs[0]).toBe(0x12345678)
  })

  it('reserved bits 21:17 fault #PF with P and RSVD (and W/U as usual)', () => {
    for (const bit of [17, 18, 19, 20, 21]) {
      const read = pagedMachine('mov eax, [0x800000]\nhlt', 0x87 | (1 << bit))
      expect(stepUntilException(read), `bit ${bit}`).toEqual({ vector: 14, errorCode: 9 })
      expect(read.cpu.cr2 >>> 0).toBe(0x800000)
      const write = pagedMachine('mov dword [0x800004], 1\nhlt', 0x87 | (1 << bit))
      expect(stepUntilException(write), `bit ${bit}`).toEqual({ vector: 14, errorCode: 0xb })
      // The faulting walk sets no accessed bit.
      expect(write.memory.read32(PD + 8)).toBe(0x87 | (1 << bit))
    }
  })

  it('without CR4.PSE, PS is ignored and the PDE points to a page table (bits 16:13 are address bits)', () => {
    // PDE → page table at 0x30000 | (3 << 13) = 0x36000, whose entry 0 maps linear 0x800000 to 0x5000.
    const m = pagedMachine('mov eax, [0x800000]\nhlt', 0x30087 | (3 << 13), 0)
    m.memory.write32(0x36000, 0x5007)
    m.memory.write32(0x5000, 0x5a5a1234)
    // Linear 0–8 MB: the identity PDEs are 4 KB-table PDEs now too, so give them an identity page table.
    for (let i = 0; i < 1024; i++) m.memory.write32(0x40000 + i * 4, (i << 12) | 7)
    m.memory.write32(PD, 0x40007)
    m.cpu.run(10)
    expect(m.cpu.regs[0]).toBe(0x5a5a1234)
  })
})
