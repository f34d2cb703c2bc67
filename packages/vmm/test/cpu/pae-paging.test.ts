// PAE paging paths that QEMU's TCG cannot serve as oracle for (it re-reads PDPTEs from memory on every walk and
// never raises #GP for them) or that need the CPU's own view: the PDPTE registers and their #GP(0) on reserved
// bits at MOV CR3 / CR0 / CR4 and task switches (Intel SDM vol. 3A 4.4.1, 7.3), global pages across CR3 loads,
// pages above 4 GB, and the state API. The QEMU comparisons are in test/qemu-diff/pae-scenarios.test.ts.
import { describe, expect, it } from 'vitest'
import { protectedMachine, stepUntilException, type TestMachine } from './harness'

const PDPT = 0x20000
const PD = 0x21000
const PT = 0x22000
/** A second PDPT whose entry 0 holds a reserved bit (bit 1). */
const BAD_PDPT = 0x23000

/**
 * A flat CPL-0 machine with PAE tables in memory: PDPT → PD; PD[0] a 2 MB identity page (user, writable) covering
 * the harness's code, stack and tables; PD[1] → PT (linear 2–4 MB, filled by the tests). Paging starts off.
 */
function paeMachine(source: string, extraGdt: [number, number, number][] = []): TestMachine {
  const m = protectedMachine(source, extraGdt)
  const mem = m.memory
  mem.write32(PDPT, PD | 1)
  mem.write32(PD, 0x87)
  mem.write32(PD + 8, PT | 7)
  mem.write32(BAD_PDPT, PD | 3)
  return m
}

/** Code that turns PAE paging on (CR4.PAE, CR3 = PDPT, CR0.PG) with `pge` also setting CR4.PGE. */
function paeOn(pge = false): string {
  return `mov eax, ${pge ? 0xa0 : 0x20}\nmov cr4, eax\nmov eax, ${PDPT}\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\nmov cr0, eax\n`
}

function run(m: TestMachine): void {
  const exit = m.cpu.run(10_000)
  expect(exit.reason).toBe('halted')
}

describe('PAE paging: PDPTE registers', () => {
  it('MOV CR3 loads the PDPTEs and raises #GP(0) on a reserved bit, leaving CR3 and the PDPTEs unchanged', () => {
    const m = paeMachine(`${paeOn()}mov eax, ${BAD_PDPT}\nmov cr3, eax\nhlt`)
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    const s = m.cpu.getState()
    expect(s.cr3).toBe(PDPT)
    expect(s.pdpte.slice(0, 2)).toEqual([PD | 1, 0])
  })

  it('MOV CR0 turning paging on under CR4.PAE checks the PDPTEs (#GP, PG stays clear)', () => {
    const m = paeMachine(
      `mov eax, 0x20\nmov cr4, eax\nmov eax, ${BAD_PDPT}\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\nmov cr0, eax\nhlt`,
    )
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.cr0 & 0x80000000).toBe(0)
    expect(m.cpu.cr3).toBe(BAD_PDPT) // without paging, MOV CR3 loads nothing
  })

  it('MOV CR4 setting PAE while paging is on checks the PDPTEs (#GP, PAE stays clear)', () => {
    // 32-bit paging with PSE through a directory at 0x26000 whose first entry, a 4 MB page (PS = bit 7), is a
    // reserved bit when the same dwords are read as PDPTEs.
    const m = paeMachine(
      `mov eax, 0x10\nmov cr4, eax\nmov eax, 0x26000\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\nmov cr0, eax\nmov eax, 0x30\nmov cr4, eax\nhlt`,
    )
    m.memory.write32(0x26000, 0x87)
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.cr4).toBe(0x10)
  })

  it('reserved physical-address bits (36–63) of a PDPTE raise #GP(0) at MOV CR3', () => {
    const m = paeMachine(`${paeOn()}mov eax, 0x27000\nmov cr3, eax\nhlt`)
    m.memory.write32(0x27000, PD | 1)
    m.memory.write32(0x27004, 0x10)
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.cr3).toBe(PDPT)
  })

  it('walks use the loaded PDPTEs: a changed PDPT entry takes effect only at the next CR3 load', () => {
    const m = paeMachine(`${paeOn()}mov dword [${PDPT + 8}], ${PD | 1}\nmov eax, [0x40000000 + 0x5000]\nhlt`)
    m.memory.write32(0x5000, 0x1234)
    expect(stepUntilException(m)).toEqual({ vector: 14, errorCode: 0 })
    expect(m.cpu.cr2).toBe(0x40005000)
    const ok = paeMachine(
      `${paeOn()}mov dword [${PDPT + 8}], ${PD | 1}\nmov eax, cr3\nmov cr3, eax\nmov eax, [0x40000000 + 0x5000]\nhlt`,
    )
    ok.memory.write32(0x5000, 0x1234)
    run(ok)
    expect(ok.cpu.regs[0]).toBe(0x1234)
  })
})

describe('PAE paging: TLB', () => {
  it('global pages survive CR3 loads (CR4.PGE) until INVLPG', () => {
    const m = paeMachine(
      `${paeOn(true)}mov ebx, [0x200000]
mov dword [${PT}], 0x6003
mov eax, cr3
mov cr3, eax
mov ecx, [0x200000]
invlpg [0x200000]
mov edx, [0x200000]
hlt`,
    )
    m.memory.write32(PT, 0x5103) // G | RW | P
    m.memory.write32(0x5000, 0x5555)
    m.memory.write32(0x6000, 0x6666)
    run(m)
    expect([m.cpu.regs[3], m.cpu.regs[1], m.cpu.regs[2]]).toEqual([0x5555, 0x5555, 0x6666])
  })

  it('non-global pages are dropped by CR3 loads; EFER.NXE changes flush too', () => {
    const m = paeMachine(
      `${paeOn()}mov ebx, [0x200000]
mov dword [${PT}], 0x6003
mov eax, cr3
mov cr3, eax
mov ecx, [0x200000]
hlt`,
    )
    m.memory.write32(PT, 0x5003)
    m.memory.write32(0x5000, 0x5555)
    m.memory.write32(0x6000, 0x6666)
    run(m)
    expect([m.cpu.regs[3], m.cpu.regs[1]]).toEqual([0x5555, 0x6666])
  })

  it('a page beyond 4 GB reads as all ones and drops writes, without faulting', () => {
    const m = paeMachine(`${paeOn()}mov dword [0x200010], 0x77\nmov eax, [0x200010]\nmov bl, [0x200011]\nhlt`)
    m.memory.write32(PT, 0x5003)
    m.memory.write32(PT + 4, 1) // physical 0x1_0000_5000
    run(m)
    expect(m.cpu.regs[0]).toBe(-1)
    expect(m.cpu.regs[3]! & 0xff).toBe(0xff)
    expect(m.memory.read32(0x5010)).toBe(0) // no aliasing into low memory
  })

  it('A/D bits of 4 KB PTEs and the PDE are written to the low dword only', () => {
    const m = paeMachine(`${paeOn()}mov eax, [0x201000]\nmov dword [0x202000], 1\nhlt`)
    m.memory.write32(PT + 8, 0x5003)
    m.memory.write32(PT + 12, 0)
    m.memory.write32(PT + 16, 0x6003)
    m.memory.write32(PT + 20, 0)
    run(m)
    expect(m.memory.read32(PT + 8)).toBe(0x5023)
    expect(m.memory.read32(PT + 16)).toBe(0x6063)
    expect(m.memory.read32(PD + 8)).toBe(PT | 0x27)
    expect(m.memory.read32(PT + 12)).toBe(0)
  })
})

describe('PAE paging: task switches', () => {
  /** TSS B at 0x30000 (selector 0x30) whose CR3 is `cr3`; the current task's TSS A at 0x31000 (0x28, busy). */
  function taskMachine(cr3: number): TestMachine {
    const tss = (base: number, type: number): [number, number] => [
      ((base & 0xffff) << 16) | 0x67,
      (base & 0xff000000) | ((base >>> 16) & 0xff) | (type << 8),
    ]
    const m = paeMachine(`${paeOn()}jmp 0x30:0\nhlt\ntimes 0x40 - ($ - $$) nop\nmov eax, [0x200000]\nhlt`, [
      [0x28, ...tss(0x31000, 0x8b)],
      [0x30, ...tss(0x30000, 0x89)],
    ])
    const mem = m.memory
    // The second address space: PDPT 0x24000 → PD 0x25000 (PD[0] and PD[1] identity 2 MB pages; in the first
    // space linear 2 MB goes through the empty PT and faults).
    mem.write32(0x24000, 0x25001)
    mem.write32(0x25000, 0x87)
    mem.write32(0x25008, 0x200087)
    mem.write32(0x200000, 0xb0b)
    const b = 0x30000
    const taskB = 0x10040
    mem.write32(b + 0x1c, cr3)
    mem.write32(b + 0x20, taskB)
    mem.write32(b + 0x24, 2)
    mem.write32(b + 0x38, 0x80000)
    mem.write32(b + 0x48, 0x10) // ES
    mem.write32(b + 0x4c, 0x08) // CS
    for (const o of [0x50, 0x54, 0x58, 0x5c]) mem.write32(b + o, 0x10) // SS DS FS GS
    const s = m.cpu.getState()
    s.tr = { selector: 0x28, base: 0x31000, limit: 0x67, attributes: 0x8b }
    m.cpu.setState(s)
    return m
  }

  it('a task switch loads the new CR3 and its PDPTEs', () => {
    const m = taskMachine(0x24000)
    run(m)
    expect(m.cpu.cr3).toBe(0x24000)
    expect(m.cpu.regs[0]).toBe(0xb0b)
    expect(m.cpu.getState().pdpte[0]).toBe(0x25001)
  })

  it('a task switch to a CR3 with a reserved PDPTE bit raises #GP(0)', () => {
    const m = taskMachine(BAD_PDPT)
    expect(stepUntilException(m)?.vector).toBe(13)
  })
})

describe('PAE state', () => {
  it('round-trips EFER and the PDPTE registers through getState/setState and saved state', () => {
    const m = paeMachine(`${paeOn()}mov ecx, 0xc0000080\nxor edx, edx\nmov eax, 0x800\nwrmsr\nhlt`)
    run(m)
    const s = m.cpu.getState()
    expect(s.msr.efer).toBe(0x800)
    expect(s.pdpte).toEqual([PD | 1, 0, 0, 0, 0, 0, 0, 0])
    const bytes = m.cpu.saveState()
    const n = paeMachine('hlt')
    n.memory.write32(PDPT, 0) // the registers come from the state, not from memory
    n.cpu.loadState(bytes)
    expect(n.cpu.getState()).toEqual(s)
  })

  it('loads version-1 CPU state (before EFER/PDPTEs) with those registers cleared', () => {
    const m = paeMachine('mov eax, 7\nhlt')
    run(m)
    const v2 = m.cpu.saveState()
    const view = new DataView(v2.buffer, v2.byteOffset, v2.byteLength)
    const words = view.getUint32(8, true)
    const extra = words - 69
    const v1 = new Uint8Array(v2.length - extra * 4)
    v1.set(v2.subarray(0, 12 + 69 * 4))
    v1.set(v2.subarray(12 + words * 4), 12 + 69 * 4)
    const v1View = new DataView(v1.buffer)
    v1View.setUint32(4, 1, true)
    v1View.setUint32(8, 69, true)
    const n = paeMachine('hlt')
    n.cpu.loadState(v1)
    expect(n.cpu.regs[0]).toBe(7)
    expect(n.cpu.getState().msr.efer).toBe(0)
  })
})
