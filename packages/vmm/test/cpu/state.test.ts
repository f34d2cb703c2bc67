// The single-step / state API: getState/setState round trips, saved-state bytes, malformed state input.
import { describe, expect, it } from 'vitest'
import { CpuStateError } from '../../src/cpu/cpu-saved-state'
import { createMachine, protectedMachine, runReal } from './harness'

describe('CPU state API', () => {
  it('reports the power-on state (CS:IP F000:FFF0, CS base FFFF0000, EDX signature)', () => {
    const { cpu } = createMachine()
    const s = cpu.getState()
    expect(s.cs).toEqual({ selector: 0xf000, base: 0xffff0000, limit: 0xffff, attributes: 0x9b })
    expect(s.eip).toBe(0xfff0)
    expect(s.eflags).toBe(2)
    expect(s.edx).toBe(0x633)
    expect(s.cr0).toBe(0x60000010)
  })

  it('round-trips getState → setState exactly', () => {
    const m = protectedMachine('mov eax, 1\nhlt')
    const s = m.cpu.getState()
    s.eax = 0xdeadbeef
    s.eflags = 0x8d7
    s.dr[0] = 0x1234
    s.cr2 = 0xcafe0000
    m.cpu.setState(s)
    expect(m.cpu.getState()).toEqual(s)
  })

  it('saves and restores the CPU unit, continuing identically', () => {
    const a = protectedMachine('mov ecx, 1000\nl: add eax, ecx\nrol eax, 3\nloop l\nhlt')
    a.cpu.run(500)
    const bytes = a.cpu.saveState()
    const b = protectedMachine('hlt')
    b.memory.ram.set(a.memory.ram)
    b.cpu.loadState(bytes)
    expect(b.cpu.getState()).toEqual(a.cpu.getState())
    a.cpu.run(100_000)
    b.cpu.run(100_000)
    expect(b.cpu.getState()).toEqual(a.cpu.getState())
    expect(a.cpu.halted).toBe(true)
  })

  it('rejects malformed saved state with CpuStateError', () => {
    const { cpu } = createMachine()
    expect(() => cpu.loadState(new Uint8Array(3))).toThrow(CpuStateError)
    expect(() => cpu.loadState(new Uint8Array(64))).toThrow(/not a CPU state/)
    const bytes = cpu.saveState()
    expect(() => cpu.loadState(bytes.subarray(0, bytes.length - 8))).toThrow(CpuStateError)
  })

  it('steps exactly one instruction and reports the exception it raised', () => {
    const m = protectedMachine('mov eax, 5\nxor edx, edx\nxor ecx, ecx\ndiv ecx')
    expect(m.cpu.step()).toEqual({ reason: 'budget', retired: 1 })
    expect(m.cpu.regs[0]).toBe(5)
    m.cpu.step()
    m.cpu.step()
    const r = m.cpu.step()
    expect(r.exception).toEqual({ vector: 0, errorCode: null })
    expect(r.retired).toBe(0)
    expect(m.cpu.eip).toBe(0x3000) // the handler
  })

  it('exposes the register file to firmware calls and loads segments back like MOV Sreg', () => {
    const m = runReal('mov ax, 0x1234\nhlt')
    const regs = {
      eax: 0,
      ebx: 0,
      ecx: 0,
      edx: 0,
      esi: 0,
      edi: 0,
      ebp: 0,
      esp: 0,
      eip: 0,
      eflags: 0,
      cs: 0,
      ds: 0,
      es: 0,
      ss: 0,
      fs: 0,
      gs: 0,
    }
    m.cpu.readFirmwareRegisters(regs)
    expect(regs.eax & 0xffff).toBe(0x1234)
    regs.es = 0x2000
    regs.ebx = 7
    m.cpu.writeFirmwareRegisters(regs)
    expect(m.cpu.getState().es.base).toBe(0x20000)
    expect(m.cpu.regs[3]).toBe(7)
  })
})
