// Segmentation checks on data accesses (Intel SDM vol. 3A 5.3–5.4). QEMU's TCG does not implement these, so
// the expectations come from the SDM.
import { describe, expect, it } from 'vitest'
import { assemble, createMachine, protectedMachine, stepUntilException } from './harness'

// Descriptor dwords: base 0x8000, byte-granular limit 0xF, 32-bit, with the given access byte.
const small = (access: number): [number, number] => [0x8000000f, 0x00400000 | (access << 8)]

describe('segment limit and rights checks', () => {
  it('allows the last dword below the limit and faults #GP(0) one byte further', () => {
    const m = protectedMachine('mov ax, 0x40\nmov es, ax\nmov eax, [es:0xc]\nmov ebx, [es:0xd]', [
      [0x40, ...small(0x93)],
    ])
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.eip >>> 0).toBe(0x3000)
  })

  it('faults #SS(0) for stack-segment limit violations (a triple fault when the stack stays unusable)', () => {
    const m = protectedMachine(
      'mov ax, 0x40\nmov ss, ax\nmov esp, 0x10\npush eax\npush eax\npush eax\npush eax\npush eax',
      [[0x40, ...small(0x93)]],
    )
    for (let i = 0; i < 7; i++) expect(m.cpu.step().reason).toBe('budget')
    expect(m.cpu.regs[4]).toBe(0)
    const r = m.cpu.step()
    expect(r.reason).toBe('triple-fault')
    expect(r.exception).toEqual({ vector: 12, errorCode: 0 })
  })

  it('checks expand-down segments: offsets at or below the limit fault', () => {
    const m = protectedMachine('mov ax, 0x40\nmov es, ax\nmov eax, [es:0x1000]\nmov eax, [es:0xffc]', [
      [0x40, 0x00000fff, 0x00409700],
    ])
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.regs[0]).toBe(m.memory.read32(0x1000))
  })

  it('refuses writes to read-only data segments and reads of execute-only code', () => {
    const ro = protectedMachine('mov ax, 0x40\nmov es, ax\nmov eax, [es:0]\nmov [es:0], eax', [[0x40, ...small(0x91)]])
    expect(stepUntilException(ro)).toEqual({ vector: 13, errorCode: 0 })
    const xo = protectedMachine('mov eax, [cs:0x10000]', [])
    const s = xo.cpu.getState()
    s.cs.attributes = 0xc099
    xo.cpu.setState(s)
    expect(stepUntilException(xo)).toEqual({ vector: 13, errorCode: 0 })
  })

  it('faults #GP(0) on accesses through a null selector but allows loading it', () => {
    const m = protectedMachine('xor eax, eax\nmov ds, ax\nmov ebx, [ss:0x100]\nmov ecx, [0x100]')
    expect(stepUntilException(m)).toEqual({ vector: 13, errorCode: 0 })
    expect(m.cpu.regs[1]).toBe(0)
  })

  it('raises #UD for LOCK on a register destination or a non-lockable instruction', () => {
    const a = protectedMachine('lock add eax, ebx')
    expect(stepUntilException(a)).toEqual({ vector: 6, errorCode: null })
    const b = protectedMachine('db 0xf0\nmov [0x100], eax')
    expect(stepUntilException(b)).toEqual({ vector: 6, errorCode: null })
    const ok = protectedMachine('lock add [0x100], eax\nhlt')
    expect(stepUntilException(ok)).toBeNull()
  })

  it('faults #GP in real mode for a word access at offset 0xFFFF (no wrap within the segment)', () => {
    const m = createMachine()
    m.memory.ram.set(assemble('bits 16\nmov ax, 0x0700\nmov es, ax\nmov word [es:0xffff], 0x1111\nhlt'), 0x7c00)
    const s = m.cpu.getState()
    s.cs = { selector: 0, base: 0, limit: 0xffff, attributes: 0x9b }
    s.eip = 0x7c00
    s.esp = 0x7000
    m.cpu.setState(s)
    m.cpu.step()
    m.cpu.step()
    const r = m.cpu.step()
    expect(r.exception).toEqual({ vector: 13, errorCode: 0 })
    expect(m.memory.read8(0x16fff)).toBe(0)
  })
})
