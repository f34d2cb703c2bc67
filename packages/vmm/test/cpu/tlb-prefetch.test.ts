// The TLB caches the next pages' translations after a 4 KB walk (paging.ts `prefetch`, allowed by Intel SDM vol.
// 3A 4.10.2.3). Only what software could not tell from a TLB that waits for the access may be cached: these tests
// change a neighbour's PTE without INVLPG where that is architecturally safe (not present, not yet accessed) and
// check rights, dirty bits and execute-disable on prefetched pages.
import { describe, expect, it } from 'vitest'
import { enterUserMode, protectedMachine, stepUntilException, USER_GDT, type TestMachine } from './harness'

const PD = 0x20000
const PT = 0x21000

/** 32-bit paging: 0–4 MB identity with user-writable, accessed and dirty 4 KB pages; `pte` overrides entries. */
function pagedMachine(source: string, pte: Record<number, number>, user = false): TestMachine {
  const m = protectedMachine(
    `mov eax, ${PD}\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\nmov cr0, eax\n${source}`,
    USER_GDT,
  )
  m.memory.write32(PD, PT | 0x27)
  for (let i = 0; i < 1024; i++) m.memory.write32(PT + i * 4, (i << 12) | 0x67)
  for (const [index, value] of Object.entries(pte)) m.memory.write32(PT + Number(index) * 4, value)
  for (const [page, value] of [
    [5, 0x5555],
    [6, 0x6666],
    [7, 0x7777],
  ]) {
    m.memory.write32(page! << 12, value!)
  }
  if (user) {
    // Paging goes on at CPL 0 (the first five instructions), then the code continues at CPL 3.
    for (let i = 0; i < 5; i++) m.cpu.step()
    enterUserMode(m)
  }
  return m
}

const run = (m: TestMachine) => expect(m.cpu.run(10_000).reason).toBe('halted')

describe('TLB prefetch after a 4 KB walk', () => {
  it('does not cache a neighbour that was never accessed (A = 0): a changed PTE is seen without INVLPG', () => {
    const m = pagedMachine(`mov eax, [0x200000]\nmov dword [${PT + 0x201 * 4}], 0x7067\nmov ebx, [0x201000]\nhlt`, {
      0x200: 0x5067,
      0x201: 0x6007,
    })
    run(m)
    expect([m.cpu.regs[0], m.cpu.regs[3]]).toEqual([0x5555, 0x7777])
  })

  it('does not cache a not-present neighbour: it can be mapped without INVLPG', () => {
    const m = pagedMachine(`mov eax, [0x200000]\nmov dword [${PT + 0x201 * 4}], 0x6067\nmov ebx, [0x201000]\nhlt`, {
      0x200: 0x5067,
      0x201: 0,
    })
    run(m)
    expect(m.cpu.regs[3]).toBe(0x6666)
  })

  it('does not give user code a supervisor neighbour: #PF(5)', () => {
    const m = pagedMachine('mov eax, [0x200000]\nmov ebx, [0x201000]\nhlt', { 0x200: 0x5067, 0x201: 0x6063 }, true)
    expect(stepUntilException(m)).toEqual({ vector: 14, errorCode: 5 })
    expect(m.cpu.cr2).toBe(0x201000)
  })

  it('walks again for a write to a clean neighbour, setting its dirty bit', () => {
    const m = pagedMachine('mov eax, [0x200000]\nmov dword [0x201000], 1\nhlt', { 0x200: 0x5067, 0x201: 0x6027 })
    run(m)
    expect(m.memory.read32(PT + 0x201 * 4)).toBe(0x6067)
    expect(m.memory.read32(0x6000)).toBe(1)
  })

  it('does not let a write through a read-only neighbour (CR0.WP)', () => {
    const m = pagedMachine(
      'mov eax, cr0\nor eax, 0x10000\nmov cr0, eax\nmov eax, [0x200000]\nmov dword [0x201000], 1\nhlt',
      {
        0x200: 0x5067,
        0x201: 0x6065,
      },
    )
    expect(stepUntilException(m)).toEqual({ vector: 14, errorCode: 3 })
  })

  it('keeps execute-disable on prefetched PAE neighbours: a fetch is #PF(0x11)', () => {
    const m = protectedMachine(`mov ecx, 0xc0000080
xor edx, edx
mov eax, 0x800
wrmsr
mov eax, 0x20
mov cr4, eax
mov eax, 0x22000
mov cr3, eax
mov eax, cr0
or eax, 0x80000000
mov cr0, eax
mov edx, [0x200000]
call 0x201000
hlt`)
    const mem = m.memory
    mem.write32(0x22000, 0x23001) // PDPTE 0 → PD
    mem.write32(0x23000, 0xe7) // PD[0]: 2 MB identity, accessed and dirty
    mem.write32(0x23008, 0x24027) // PD[1] → PT
    mem.write32(0x24000, 0x5063)
    mem.write32(0x24008, 0x6063)
    mem.write32(0x2400c, 0x80000000) // XD
    mem.write8(0x6000, 0xc3)
    expect(stepUntilException(m)).toEqual({ vector: 14, errorCode: 0x11 })
    expect(m.cpu.cr2).toBe(0x201000)
  })
})

/** Paging on with 4 MB identity pages (CR4.PSE) over the whole address space, global ones (CR4.PGE) if asked. */
function bigPageMachine(global: boolean): TestMachine {
  const m = protectedMachine('hlt')
  for (let i = 0; i < 1024; i++) m.memory.write32(PD + i * 4, ((i << 22) | 0x83 | (global ? 0x100 : 0)) >>> 0)
  const s = m.cpu.getState()
  s.cr4 = global ? 0x90 : 0x10
  s.cr3 = PD
  s.cr0 = (s.cr0 | 0x80000000) >>> 0
  m.cpu.setState(s)
  return m
}

describe('TLB flush', () => {
  it('drops pages prefetched by a walk whose own page lies beyond 4 GB (never cached) at the next CR3 load', () => {
    const m = protectedMachine(`mov eax, 0x20
mov cr4, eax
mov eax, 0x22000
mov cr3, eax
mov eax, cr0
or eax, 0x80000000
mov cr0, eax
mov edx, [0x200000]
mov ebx, [0x201000]
mov dword [0x24008], 0x7023
mov eax, cr3
mov cr3, eax
mov ecx, [0x201000]
hlt`)
    const mem = m.memory
    mem.write32(0x22000, 0x23001)
    mem.write32(0x23000, 0xe7)
    mem.write32(0x23008, 0x24027)
    mem.write32(0x24000, 0x5023)
    mem.write32(0x24004, 1) // physical 0x1_0000_5000
    mem.write32(0x24008, 0x6023)
    mem.write32(0x6000, 0x6666)
    mem.write32(0x7000, 0x7777)
    expect(m.cpu.run(1000).reason).toBe('halted')
    expect([m.cpu.regs[2], m.cpu.regs[3], m.cpu.regs[1]]).toEqual([-1, 0x6666, 0x7777])
  })

  it('after more fills than it can list, a CR3 load still drops every stale translation', () => {
    // 4 MB identity pages over the whole address space; linear 4 MB+ is beyond the 4 MB of RAM.
    const m = bigPageMachine(false)
    for (let page = 0x400; page < 0x400 + 70_000; page++) expect(m.cpu.readLin8(page << 12)).toBe(0xff)
    expect(m.cpu.filledOverflow).toBe(true)
    m.memory.write32(0x5000, 0x600d)
    m.memory.write32(PD + 4, 0x83) // linear 4–8 MB → physical 0–4 MB
    m.memory.write32(PD + 8 * 4, 0x83) // and linear 32–36 MB
    m.cpu.flushTlb(false) // what MOV CR3 does
    expect(m.cpu.readLin32(0x405000)).toBe(0x600d)
    expect(m.cpu.readLin32(0x2005000)).toBe(0x600d)
  })

  it('global entries survive CR3 loads, and MOV CR4 drops them all, even beyond what it can list', () => {
    const m = bigPageMachine(true)
    m.memory.write32(0x5000, 0x600d)
    expect(m.cpu.readLin32(0x5000)).toBe(0x600d)
    m.memory.write32(PD, 0x400183) // linear 0–4 MB → physical 4–8 MB (beyond RAM)
    m.cpu.flushTlb(false)
    expect(m.cpu.readLin32(0x5000)).toBe(0x600d) // still the global translation
    for (let page = 0x400; page < 0x400 + 70_000; page++) m.cpu.readLin8(page << 12)
    expect(m.cpu.filledGlobalOverflow).toBe(true)
    m.cpu.flushTlb(true) // what a CR4.PGE toggle does
    expect(m.cpu.readLin32(0x5000)).toBe(-1)
  })
})
