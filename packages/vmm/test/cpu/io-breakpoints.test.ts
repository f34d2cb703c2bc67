// I/O breakpoints (Intel SDM vol. 3B 17.2.4–17.2.5): with CR4.DE set, DR7 R/W = 10 makes DR0–DR3 watch I/O
// ports; an IN/OUT/INS/OUTS touching a watched port raises a #DB trap after the instruction, with B0–B3 in DR6.
import { describe, expect, it } from 'vitest'
import { protectedMachine, type TestMachine } from './harness'

const CR4_DE = 0x8

/** DR7 bits arming breakpoint `i` as an I/O breakpoint of LEN field `len` (00 1 byte, 01 2, 11 4). */
const ioBreak = (i: number, len: number) => (1 << (i * 2)) | (2 << (16 + i * 4)) | (len << (18 + i * 4))

function machine(source: string, dr: Record<number, number>, de = true): TestMachine {
  const m = protectedMachine(source)
  // #DB gets its own handler (a HLT at 0x3100): traps are delivered, not reported as step exceptions.
  m.memory.write32(0x2000 + 8, 0x00083100)
  m.memory.ram[0x3100] = 0xf4
  const s = m.cpu.getState()
  s.cr4 = de ? CR4_DE : 0
  for (const [k, v] of Object.entries(dr)) s.dr[Number(k)] = v
  m.cpu.setState(s)
  return m
}

/** Runs to the first exception; returns it with DR6's B bits, EIP of the interrupted instruction and ports written. */
function firstException(m: TestMachine) {
  for (let n = 0; n < 100; n++) {
    const r = m.cpu.step()
    const trap = m.cpu.eip === 0x3100 ? { vector: 1, errorCode: null } : undefined
    if (r.exception !== undefined || trap !== undefined) {
      const esp = m.cpu.regs[4]! >>> 0
      return {
        ...(r.exception ?? trap),
        b: m.cpu.getState().dr[6]! & 0xf,
        returnEip: m.memory.read32(esp) - 0x10000,
        writes: m.ports.writes.map(([port]) => port),
      }
    }
    if (r.reason !== 'budget') return null
  }
  return null
}

describe('I/O breakpoints', () => {
  it('traps after an OUT to a watched port, with B0 set', () => {
    const m = machine('mov al, 1\nout 0x80, al\nnop\nhlt', { 0: 0x80, 7: ioBreak(0, 0) })
    expect(firstException(m)).toEqual({ vector: 1, errorCode: null, b: 1, returnEip: 4, writes: [0x80] })
  })

  it('matches the breakpoint range by LEN and the access size (IN AX from a port inside a 4-byte range)', () => {
    const m = machine('mov dx, 0x3fa\nin ax, dx\nhlt', { 2: 0x3f8, 7: ioBreak(2, 3) })
    expect(firstException(m)).toMatchObject({ vector: 1, b: 4, returnEip: 6 })
  })

  it('traps a REP OUTSB over a watched port after each iteration, at the REP while iterations remain', () => {
    // SDM vol. 3A 17.3.1.2; Bochs agrees (test/bochs-diff/debug-scenarios.ts), QEMU skips the remaining iterations.
    const m = machine('mov esi, 0x20000\nmov ecx, 3\nmov dx, 0x71\ncld\nrep outsb\nhlt', {
      1: 0x70,
      7: ioBreak(1, 1),
    })
    expect(firstException(m)).toMatchObject({ vector: 1, b: 2, returnEip: 15, writes: [0x71] })
    expect(m.cpu.regs[1]).toBe(2)
  })

  it('ignores ports outside the range and R/W = 10 without CR4.DE', () => {
    const other = machine('out 0x81, al\nud2', { 0: 0x80, 7: ioBreak(0, 0) })
    expect(firstException(other)).toMatchObject({ vector: 6 })
    const noDe = machine('out 0x80, al\nud2', { 0: 0x80, 7: ioBreak(0, 0) }, false)
    expect(firstException(noDe)).toMatchObject({ vector: 6 })
  })

  it('arms when CR4.DE is set by MOV CR4 after DR7', () => {
    const m = machine('mov eax, cr4\nor eax, 8\nmov cr4, eax\nout 0x80, al\nhlt', { 0: 0x80, 7: ioBreak(0, 0) }, false)
    expect(firstException(m)).toMatchObject({ vector: 1, b: 1 })
  })
})
