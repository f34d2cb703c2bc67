// First-light tests of the CPU: real-mode arithmetic, stack, loops and string operations.
import { describe, expect, it } from 'vitest'
import { runReal } from './harness'

describe('CPU real mode', () => {
  it('runs a counting loop and stores to memory', () => {
    const m = runReal(`
      mov cx, 100
      xor ax, ax
    l: add ax, cx
      loop l
      mov [0x500], ax
      hlt`)
    expect(m.cpu.regs[0]! & 0xffff).toBe(5050)
    expect(m.memory.read16(0x500)).toBe(5050)
  })

  it('calls, pushes and uses rep movsb', () => {
    const m = runReal(`
      mov si, src
      mov di, 0x600
      mov cx, 5
      cld
      rep movsb
      call f
      hlt
    f: mov bx, 0x1234
      ret
    src: db 'hello'`)
    expect(String.fromCharCode(...m.memory.ram.subarray(0x600, 0x605))).toBe('hello')
    expect(m.cpu.regs[3]! & 0xffff).toBe(0x1234)
  })
})
