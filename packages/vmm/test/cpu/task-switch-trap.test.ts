// The T flag of a 32-bit TSS (byte 100, bit 0; Intel SDM vol. 3A 7.2.1, vol. 3B 17.2.3, 17.3.1.5): a task switch
// into it raises #DB as a trap once the switch has completed, before the new task's first instruction, with DR6.BT
// set — for JMP, CALL, a task gate, INT n through an IDT task gate and IRET to the back-linked task, in every
// engine. The Bochs differential test (test/bochs-diff/debug.test.ts) checks the JMP case against the oracle.
import { describe, expect, it } from 'vitest'
import { protectedMachine, type TestMachine, ENGINES } from './harness'

const BT = 0x8000
const BS = 0x4000
/** TSS A (current, busy, selector 0x28) and TSS B (available, 0x30); 0x38 is a task gate to B. */
const TSS_A = 0x31000
const TSS_B = 0x30000
/** Task B starts at 0x10200 (flat ring 0, stack at 0x70000); the #DB handler is a HLT at 0x3100. */
const TASK_B = 0x10200
const DB_HANDLER = 0x3100

/** `source` runs in task A; task B's code `taskB` sits at TASK_B; `tFlags` sets the T flags of A and B. */
function machine(
  source: string,
  taskB: string,
  tFlags: { a?: boolean; b?: boolean },
  engine: (typeof ENGINES)[number] = 'interpreter',
): TestMachine {
  const tss = (sel: number, base: number, type: number): [number, number, number] => [
    sel,
    ((base & 0xffff) << 16) | 0x67,
    (base & 0xff000000) | ((base >>> 16) & 0xff) | (type << 8),
  ]
  const m = protectedMachine(
    `${source}\ntimes ${TASK_B - 0x10000} - ($ - $$) db 0x90\n${taskB}`,
    [tss(0x28, TSS_A, 0x8b), tss(0x30, TSS_B, 0x89), [0x38, 0x00300000, 0x0000e500]],
    { engine, compileThreshold: 0 },
  )
  const mem = m.memory
  mem.write32(TSS_B + 0x1c, 0) // CR3 (paging is off)
  mem.write32(TSS_B + 0x20, TASK_B)
  mem.write32(TSS_B + 0x24, 2)
  mem.write32(TSS_B + 0x28, 0x5555) // EAX
  mem.write32(TSS_B + 0x38, 0x70000) // ESP
  for (const [off, sel] of [
    [0x48, 0x10],
    [0x4c, 0x08],
    [0x50, 0x10],
    [0x54, 0x10],
    [0x58, 0x10],
    [0x5c, 0x10],
  ] as const)
    mem.write32(TSS_B + off, sel)
  mem.write16(TSS_A + 0x64, tFlags.a === true ? 1 : 0)
  mem.write16(TSS_B + 0x64, tFlags.b === true ? 1 : 0)
  mem.write32(0x2000 + 5 * 8, 0x00300000) // IDT vector 5: a task gate → TSS B
  mem.write32(0x2000 + 5 * 8 + 4, 0x0000e500)
  mem.write32(0x2000 + 8, 0x00080000 | DB_HANDLER) // #DB: a 32-bit interrupt gate to DB_HANDLER
  mem.write32(0x2000 + 12, 0x00008e00)
  mem.write8(DB_HANDLER, 0xf4)
  const s = m.cpu.getState()
  s.tr = { selector: 0x28, base: TSS_A, limit: 0x67, attributes: 0x8b }
  m.cpu.setState(s)
  return m
}

/** The #DB frame's return EIP and the selector in TR, once the machine halted in the #DB handler. */
function inHandler(m: TestMachine): { eip: number; tr: number; dr6: number } {
  expect(m.cpu.eip).toBe(DB_HANDLER + 1)
  return {
    eip: m.memory.read32(m.cpu.regs[4]! >>> 0),
    tr: m.cpu.getState().tr.selector,
    dr6: m.cpu.dr[6]! >>> 0,
  }
}

describe('the TSS T flag', () => {
  for (const engine of ENGINES) {
    for (const [how, source] of [
      ['JMP to the TSS', 'jmp 0x30:0'],
      ['CALL to the TSS', 'call 0x30:0'],
      ['JMP to a task gate', 'jmp 0x38:0'],
      ['INT n through an IDT task gate', 'int 5'],
    ] as const) {
      it(`${how}: #DB with DR6.BT before the new task's first instruction (${engine})`, () => {
        const m = machine(source, 'mov eax, 0x1234\nhlt', { b: true }, engine)
        expect(m.cpu.run(1000).reason).toBe('halted')
        expect(inHandler(m)).toEqual({ eip: TASK_B, tr: 0x30, dr6: (0xffff0ff0 | BT) >>> 0 })
        expect(m.cpu.regs[0]).toBe(0x5555) // task B's EAX from its TSS: its first instruction has not run
      })
    }

    it(`IRET back to a task whose T flag is set: #DB after the IRET, in that task (${engine})`, () => {
      const m = machine('call 0x30:0\nmov ebx, 7\nhlt', 'mov eax, 0x1234\niretd', { a: true }, engine)
      expect(m.cpu.run(1000).reason).toBe('halted')
      expect(inHandler(m)).toEqual({ eip: 0x10007, tr: 0x28, dr6: (0xffff0ff0 | BT) >>> 0 }) // after the 7-byte CALL
      expect(m.cpu.regs[3]).toBe(0) // MOV EBX not run yet
    })
  }

  it('without the T flag the new task runs with no #DB', () => {
    const m = machine('jmp 0x30:0', 'mov eax, 0x1234\nhlt', {})
    expect(m.cpu.run(1000).reason).toBe('halted')
    expect(m.cpu.eip).toBe(TASK_B + 6)
    expect(m.cpu.regs[0]).toBe(0x1234)
    expect(m.cpu.dr[6]! & BT).toBe(0)
  })

  it('a single-stepped JMP into the task raises one #DB reporting both BS and BT', () => {
    const m = machine('jmp 0x30:0', 'mov eax, 0x1234\nhlt', { b: true })
    const s = m.cpu.getState()
    s.eflags |= 0x100
    m.cpu.setState(s)
    expect(m.cpu.step().retired).toBe(1)
    expect(m.cpu.eip).toBe(DB_HANDLER)
    // One frame on task B's stack, returning to its first instruction (a second #DB would have nested here).
    expect(m.cpu.regs[4]! >>> 0).toBe(0x70000 - 12)
    expect(m.memory.read32(0x70000 - 12)).toBe(TASK_B)
    expect(m.cpu.dr[6]! & (BS | BT)).toBe(BS | BT)
  })

  it('an external interrupt through an IDT task gate, taken with TF set, still raises the #DB with DR6.BT', () => {
    const m = machine('nop\nhlt', 'mov eax, 0x1234\nhlt', { b: true })
    const s = m.cpu.getState()
    s.eflags |= 0x300 // IF, TF
    m.cpu.setState(s)
    m.interrupts.pending.push(5)
    m.cpu.step() // delivers the interrupt: no instruction of the old task runs, so no single-step trap follows
    expect(m.cpu.eip).toBe(DB_HANDLER)
    expect(m.memory.read32(m.cpu.regs[4]! >>> 0)).toBe(TASK_B)
    expect(m.cpu.dr[6]! & (BS | BT)).toBe(BT)
  })

  it('a 16-bit TSS has no T flag', () => {
    const m = machine('jmp 0x30:0', 'hlt', { b: true })
    // Task B as a 16-bit TSS (type 1): entry IP at 0x0e, FLAGS 0x10, SP 0x1a, ES CS SS DS at 0x22–0x28.
    m.memory.write32(0x1000 + 0x34, 0x00008100 | (TSS_B & 0xff000000) | ((TSS_B >>> 16) & 0xff))
    m.memory.write16(TSS_B + 0x0e, TASK_B & 0xffff)
    m.memory.write16(TSS_B + 0x10, 2)
    m.memory.write16(TSS_B + 0x1a, 0x7000)
    for (const [off, sel] of [
      [0x22, 0x10],
      [0x24, 0x08],
      [0x26, 0x10],
      [0x28, 0x10],
    ] as const)
      m.memory.write16(TSS_B + off, sel)
    m.memory.write8(TASK_B & 0xffff, 0xf4) // CS base 0, 16-bit IP: task B starts at linear 0x200
    // The limit stays 0x67, so byte 100 (set) lies within the TSS.
    expect(m.cpu.run(1000).reason).toBe('halted')
    expect(m.cpu.eip).toBe((TASK_B & 0xffff) + 1)
    expect(m.cpu.dr[6]! & BT).toBe(0)
  })
})
