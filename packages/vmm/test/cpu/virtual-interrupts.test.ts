// Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual interrupts (CR4.PVI), Intel SDM vol. 3A
// 20.3–20.4: the six INT n methods of table 20-2, CLI/STI/PUSHF/POPF/IRET on VIF with the VIP and TF faults,
// and a hardware interrupt taken by the monitor while the V86 task runs with VIF = 0. QEMU's TCG does not
// implement VME (CPUID_VME is in its "missing" list), so these are unit tests against the SDM's rules.
import { describe, expect, it } from 'vitest'
import type { Cpu } from '../../src/cpu/cpu'
import { Rng } from '../qemu-diff/random-cases'
import { assemble, protectedMachine, type TestMachine } from './harness'

const IF = 0x200
const TF = 0x100
const VM = 0x20000
const VIF = 0x80000
const VIP = 0x100000
const CR4_VME = 1
const CR4_PVI = 2
/** The TSS (32-bit, busy) lives at 0x4000 with ESP0/SS0 for the monitor and the I/O map base at 0x88. */
const TSS = 0x4000
const IO_MAP = 0x88
/** V86 code at 0700:0000, stack at 0000:6000; the IVT entry for vector n points at 0900:(n * 2). */
const V86_CS = 0x0700
const IVT_CS = 0x0900
/** IDT gate v (DPL 3, 32-bit trap gate) leads to a HLT at 0x3000 + v in ring 0. */
const HANDLERS = 0x3000

interface V86Options {
  readonly cr4?: number
  readonly iopl?: number
  /** Extra EFLAGS bits (VIF, VIP, ...); IF is always set. */
  readonly eflags?: number
  /** Vectors whose redirection-bitmap bit is set (handled in protected mode or #GP). */
  readonly notRedirected?: readonly number[]
  readonly tssLimit?: number
  readonly ioMapBase?: number
  readonly engine?: 'interpreter' | 'blocks' | 'compiled'
}

/** A ring-0 monitor with IDT and TSS, and a V86 task running `source` (16-bit) at 0700:0000. */
function v86Machine(source: string, o: V86Options = {}): TestMachine {
  const m = protectedMachine('hlt', [[0x18, (TSS << 16) | (IO_MAP + 0x2000), 0x00008b00]], {
    engine: o.engine ?? 'interpreter',
    compileThreshold: 0,
  })
  const mem = m.memory
  for (let v = 0; v < 256; v++) {
    mem.write32(0x2000 + v * 8, 0x00080000 | (HANDLERS + v))
    mem.write32(0x2000 + v * 8 + 4, 0x0000ef00)
    mem.write8(HANDLERS + v, 0xf4)
    mem.write16(v * 4, v * 2)
    mem.write16(v * 4 + 2, IVT_CS)
  }
  mem.write32(TSS + 4, 0x80000) // ESP0
  mem.write32(TSS + 8, 0x10) // SS0
  mem.write16(TSS + 0x66, o.ioMapBase ?? IO_MAP)
  for (const v of o.notRedirected ?? [])
    mem.write8(TSS + IO_MAP - 32 + (v >>> 3), mem.read8(TSS + IO_MAP - 32 + (v >>> 3)) | (1 << (v & 7)))
  mem.ram.set(assemble(`bits 16\n${source}`), V86_CS * 16)
  const s = m.cpu.getState()
  const seg = (selector: number, attributes: number) => ({ selector, base: selector * 16, limit: 0xffff, attributes })
  s.cs = seg(V86_CS, 0xfb)
  for (const r of ['ds', 'es', 'fs', 'gs', 'ss'] as const) s[r] = seg(0, 0xf3)
  s.tr = { selector: 0x18, base: TSS, limit: o.tssLimit ?? IO_MAP + 0x2000, attributes: 0x8b }
  s.idtr = { base: 0x2000, limit: 0x7ff }
  s.cr4 = o.cr4 ?? CR4_VME
  s.eflags = 2 | VM | IF | ((o.iopl ?? 0) << 12) | (o.eflags ?? 0)
  s.cpl = 3
  s.eip = 0
  s.esp = 0x6000
  m.cpu.setState(s)
  return m
}

/** Ring-3 protected-mode code (flat 32-bit segments 0x23/0x2b) at 0x10000, for CR4.PVI. */
function ring3Machine(source: string, cr4: number, iopl: number, eflags = 0): TestMachine {
  const m = protectedMachine(source, [
    [0x20, 0x0000ffff, 0x00cffb00],
    [0x28, 0x0000ffff, 0x00cff300],
  ])
  const s = m.cpu.getState()
  s.cs = { selector: 0x23, base: 0, limit: 0xffffffff, attributes: 0xc0fb }
  for (const r of ['ds', 'es', 'fs', 'gs', 'ss'] as const)
    s[r] = { selector: 0x2b, base: 0, limit: 0xffffffff, attributes: 0xc0f3 }
  s.cpl = 3
  s.cr4 = cr4
  s.eflags = 2 | IF | (iopl << 12) | eflags
  m.cpu.setState(s)
  return m
}

function eflags(c: Cpu): number {
  return c.getEflags() >>> 0
}

function word(m: TestMachine, linear: number): number {
  return m.memory.read16(linear)
}

/** Steps one instruction and returns the exception it raised, if any. */
function stepException(m: TestMachine): { vector: number; errorCode: number | null } | undefined {
  return m.cpu.step().exception
}

const GP0 = { vector: 13, errorCode: 0 }

describe('INT n in virtual-8086 mode: the six methods of SDM table 20-2', () => {
  /** Checks that INT 0x21 reached the protected-mode handler through IDT gate 0x21 with a V86 frame. */
  function expectProtectedModeHandler(m: TestMachine): void {
    expect(m.cpu.cpl).toBe(0)
    expect(m.cpu.eip).toBe(HANDLERS + 0x21)
    expect(eflags(m.cpu) & VM).toBe(0)
    const esp = m.cpu.regs[4]! >>> 0
    expect(esp).toBe(0x80000 - 36) // EIP CS EFLAGS ESP SS ES DS FS GS
    expect(m.memory.read32(esp)).toBe(2) // return IP past INT 0x21
    expect(m.memory.read32(esp + 4)).toBe(V86_CS)
    expect(m.memory.read32(esp + 8) & VM).toBe(VM)
  }

  it('method 1 (VME = 0, IOPL = 3): the protected-mode handler through the IDT', () => {
    const m = v86Machine('int 0x21', { cr4: 0, iopl: 3 })
    expect(stepException(m)).toBeUndefined()
    expectProtectedModeHandler(m)
  })

  it('method 2 (VME = 0, IOPL < 3): #GP(0), whatever the bitmap says', () => {
    const m = v86Machine('int 0x21', { cr4: 0, iopl: 2 })
    expect(stepException(m)).toEqual(GP0)
    expect(m.cpu.eip).toBe(HANDLERS + 13)
    expect(m.memory.read32((m.cpu.regs[4]! >>> 0) + 4)).toBe(0) // faulting IP: the INT itself
  })

  it('method 3 (VME = 1, IOPL < 3, bitmap bit set): #GP(0)', () => {
    const m = v86Machine('int 0x21', { iopl: 0, notRedirected: [0x21] })
    expect(stepException(m)).toEqual(GP0)
  })

  it('method 4 (VME = 1, IOPL = 3, bitmap bit set): the protected-mode handler through the IDT', () => {
    const m = v86Machine('int 0x21', { iopl: 3, notRedirected: [0x21] })
    expect(stepException(m)).toBeUndefined()
    expectProtectedModeHandler(m)
  })

  it('method 5 (VME = 1, IOPL = 3, bit clear): the V86 task’s own IVT handler; IF and TF cleared', () => {
    const m = v86Machine('int 0x21', { iopl: 3, notRedirected: [0x20, 0x22], eflags: VIF })
    const before = eflags(m.cpu)
    expect(stepException(m)).toBeUndefined()
    expect(m.cpu.cpl).toBe(3)
    expect(m.cpu.segSel[1]).toBe(IVT_CS)
    expect(m.cpu.eip).toBe(0x42)
    expect(m.cpu.regs[4]! >>> 0).toBe(0x6000 - 6)
    expect(word(m, 0x6000 - 6)).toBe(2) // IP
    expect(word(m, 0x6000 - 4)).toBe(V86_CS)
    expect(word(m, 0x6000 - 2)).toBe(before & 0xffff) // the real FLAGS (IF = 1, IOPL = 3)
    expect(eflags(m.cpu) & (IF | TF | VM | VIF)).toBe(VM | VIF)
  })

  it('method 6 (VME = 1, IOPL < 3, bit clear): the IVT handler; the image carries VIF as IF and IOPL 3', () => {
    for (const vif of [0, VIF]) {
      const m = v86Machine('int 0x21', { iopl: 1, eflags: vif })
      expect(stepException(m)).toBeUndefined()
      expect(m.cpu.segSel[1]).toBe(IVT_CS)
      expect(m.cpu.eip).toBe(0x42)
      const image = word(m, 0x6000 - 2)
      expect(image & IF).toBe(vif !== 0 ? IF : 0)
      expect(image & 0x3000).toBe(0x3000)
      // VIF is cleared; the real IF and IOPL are untouched.
      expect(eflags(m.cpu) & (IF | VIF | 0x3000 | VM)).toBe(IF | 0x1000 | VM)
    }
  })

  it('reads the bitmap bit of the vector itself (32 bytes below the I/O map base)', () => {
    for (const vector of [0x00, 0x07, 0x08, 0x80, 0xff]) {
      const redirected = v86Machine(`int 0x${vector.toString(16)}`, { iopl: 0, notRedirected: [vector ^ 1] })
      expect(stepException(redirected)).toBeUndefined()
      expect(redirected.cpu.eip).toBe(vector * 2)
      const trapped = v86Machine(`int 0x${vector.toString(16)}`, { iopl: 0, notRedirected: [vector] })
      expect(stepException(trapped)).toEqual(GP0)
    }
  })

  it('INT3 and INTO are never redirected: they go through the IDT (gate DPL checked)', () => {
    const m = v86Machine('int3', { iopl: 0 })
    expect(stepException(m)).toBeUndefined()
    expect(m.cpu.eip).toBe(HANDLERS + 3)
    const into = v86Machine('mov al, 0x7f\nadd al, 1\ninto', { iopl: 0 })
    into.cpu.step()
    into.cpu.step()
    into.cpu.step()
    expect(into.cpu.eip).toBe(HANDLERS + 4)
    // The two-byte form CD 03 is INT n and is redirected.
    const cd03 = v86Machine('db 0xcd, 0x03', { iopl: 0 })
    expect(stepException(cd03)).toBeUndefined()
    expect(cd03.cpu.segSel[1]).toBe(IVT_CS)
  })

  it('a TSS too short for the I/O map base or the bitmap byte is #GP(0)', () => {
    expect(stepException(v86Machine('int 0x21', { iopl: 3, tssLimit: 0x66 }))).toEqual(GP0)
    // The bitmap byte for 0x21 is at IO_MAP - 32 + 4: a limit just below it faults, at it succeeds.
    expect(stepException(v86Machine('int 0x21', { iopl: 3, tssLimit: IO_MAP - 32 + 3 }))).toEqual(GP0)
    expect(stepException(v86Machine('int 0x21', { iopl: 3, tssLimit: IO_MAP - 32 + 4 }))).toBeUndefined()
    // An I/O map base below 32 puts the bitmap before the TSS: #GP(0).
    expect(stepException(v86Machine('int 0x00', { iopl: 3, ioMapBase: 8 }))).toEqual(GP0)
  })

  it('the redirected handler returns with a 16-bit IRET that restores VIF from the image', () => {
    const m = v86Machine('int 0x21\nnop', { iopl: 0, eflags: VIF })
    m.memory.write8(IVT_CS * 16 + 0x42, 0xcf) // IRET
    m.cpu.step()
    expect(eflags(m.cpu) & VIF).toBe(0)
    expect(stepException(m)).toBeUndefined()
    expect(m.cpu.segSel[1]).toBe(V86_CS)
    expect(m.cpu.eip).toBe(2)
    expect(eflags(m.cpu) & (VIF | IF | 0x3000)).toBe(VIF | IF)
  })
})

describe('CLI/STI/PUSHF/POPF/IRET in V86 mode with CR4.VME', () => {
  it('CLI and STI change VIF at IOPL < 3, and IF at IOPL 3', () => {
    const m = v86Machine('cli\nsti', { iopl: 0, eflags: VIF })
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (IF | VIF)).toBe(IF)
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (IF | VIF)).toBe(IF | VIF)
    const iopl3 = v86Machine('cli', { iopl: 3, eflags: VIF })
    iopl3.cpu.step()
    expect(eflags(iopl3.cpu) & (IF | VIF)).toBe(VIF)
  })

  it('STI with VIP set is #GP(0) and leaves VIF clear', () => {
    const m = v86Machine('sti', { iopl: 0, eflags: VIP })
    expect(stepException(m)).toEqual(GP0)
    expect(m.memory.read32((m.cpu.regs[4]! >>> 0) + 12) & (VIF | VIP)).toBe(VIP)
  })

  it('without VME every one of them is #GP(0) at IOPL < 3', () => {
    for (const code of ['cli', 'sti', 'pushf', 'popf', 'iret']) {
      expect(stepException(v86Machine(code, { cr4: 0, iopl: 2 })), code).toEqual(GP0)
    }
  })

  it('PUSHF pushes VIF as IF and IOPL 3; PUSHFD is #GP(0)', () => {
    for (const vif of [0, VIF]) {
      const m = v86Machine('pushf', { iopl: 0, eflags: vif })
      expect(stepException(m)).toBeUndefined()
      const image = word(m, 0x5ffe)
      expect(image & (IF | 0x3000)).toBe((vif !== 0 ? IF : 0) | 0x3000)
    }
    expect(stepException(v86Machine('pushfd', { iopl: 0 }))).toEqual(GP0)
  })

  it('POPF loads VIF from the image’s IF and keeps IF and IOPL', () => {
    const m = v86Machine('push word 0x0cd5\npopf\npush word 0x0200\npopf', { iopl: 1 })
    m.cpu.step()
    expect(stepException(m)).toBeUndefined()
    // 0x0cd5: OF DF SF ZF AF PF CF set, IF = 0, IOPL 0 in the image.
    expect(eflags(m.cpu) & 0xffff).toBe(0x0cd5 | IF | 0x1000 | 2)
    expect(eflags(m.cpu) & VIF).toBe(0)
    m.cpu.step()
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (VIF | IF | 0x3000)).toBe(VIF | IF | 0x1000)
    expect(m.cpu.regs[4]! & 0xffff).toBe(0x6000)
  })

  it('POPF faults #GP(0) on IF with VIP pending, on TF, and as POPFD', () => {
    const vip = v86Machine('push word 0x0200\npopf', { iopl: 0, eflags: VIP })
    vip.cpu.step()
    expect(stepException(vip)).toEqual(GP0)
    expect(vip.memory.read32((vip.cpu.regs[4]! >>> 0) + 16) & 0xffff).toBe(0x6000 - 2) // SP before POPF
    // IF = 0 in the image with VIP set is fine.
    const clear = v86Machine('push word 0x0000\npopf', { iopl: 0, eflags: VIP })
    clear.cpu.step()
    expect(stepException(clear)).toBeUndefined()
    const tf = v86Machine('push word 0x0100\npopf', { iopl: 0 })
    tf.cpu.step()
    expect(stepException(tf)).toEqual(GP0)
    const d = v86Machine('push dword 0\npopfd', { iopl: 0 })
    d.cpu.step()
    expect(stepException(d)).toEqual(GP0)
  })

  it('IRET returns within the task and loads VIF; faults on TF, on IF with VIP, and as IRETD', () => {
    const frame = (flags: number) => `push word 0x${flags.toString(16)}\npush word 0x0800\npush word 0x0010\n`
    const m = v86Machine(`${frame(0x0200 | 0x0001)}iret`, { iopl: 0 })
    for (let i = 0; i < 3; i++) m.cpu.step()
    expect(stepException(m)).toBeUndefined()
    expect(m.cpu.segSel[1]).toBe(0x0800)
    expect(m.cpu.segBase[1]).toBe(0x8000)
    expect(m.cpu.eip).toBe(0x10)
    expect(eflags(m.cpu) & (VIF | IF | 0x3000 | 1)).toBe(VIF | IF | 1)
    for (const [flags, extra] of [
      [0x0100, 0],
      [0x0200, VIP],
    ] as const) {
      const bad = v86Machine(`${frame(flags)}iret`, { iopl: 0, eflags: extra })
      for (let i = 0; i < 3; i++) bad.cpu.step()
      expect(stepException(bad)).toEqual(GP0)
    }
    const d = v86Machine('push dword 0\npush dword 0\npush dword 0\niretd', { iopl: 0 })
    for (let i = 0; i < 3; i++) d.cpu.step()
    expect(stepException(d)).toEqual(GP0)
  })
})

describe('hardware interrupts while the V86 task runs with VIF = 0', () => {
  // The monitor's IRQ handler (ring 0, interrupt gate 0x20) marks the interrupt pending for the task by setting
  // VIP in the saved EFLAGS image when VIF is clear, then IRETDs back to V86 mode.
  const monitor = assemble(`bits 32
org 0x3200
  test dword [ss:esp + 8], 0x80000
  jnz .deliver
  or dword [ss:esp + 8], 0x100000
.deliver:
  iretd`)

  for (const engine of ['interpreter', 'blocks', 'compiled'] as const) {
    it(`are taken by the monitor (IF = 1), and STI then traps for the pending one (${engine})`, () => {
      const m = v86Machine('cli\nout 0x80, al\nmov ax, 1\nmov bx, 2\nsti\nhlt', { iopl: 0, eflags: VIF, engine })
      m.memory.ram.set(monitor, 0x3200)
      m.memory.write32(0x2000 + 0x20 * 8, 0x00083200)
      m.memory.write32(0x2000 + 0x20 * 8 + 4, 0x00008e00)
      // The device behind port 0x80 raises an interrupt: delivered although the task's VIF is 0.
      m.ports.ioWrite = () => void m.interrupts.pending.push(0x20)
      m.cpu.flushDecodedCode()
      expect(m.cpu.run(1000).reason).toBe('halted')
      expect(m.interrupts.pending).toEqual([])
      expect(m.cpu.eip).toBe(HANDLERS + 13 + 1) // halted in the #GP handler, for the STI
      const esp = m.cpu.regs[4]! >>> 0
      expect(m.memory.read32(esp)).toBe(0) // error code
      expect(m.memory.read32(esp + 4)).toBe(9) // IP of STI
      const image = m.memory.read32(esp + 12)
      expect(image & (VM | IF | VIF | VIP)).toBe(VM | IF | VIP)
      expect(m.cpu.regs[0]! & 0xffff).toBe(1)
      expect(m.cpu.regs[3]! & 0xffff).toBe(2)
    })
  }

  it('with VIF = 1 nothing traps: VIP is only checked when STI/POPF/IRET would set VIF', () => {
    const m = v86Machine('mov ax, 1\nmov bx, 2\nhlt', { iopl: 0, eflags: VIF | VIP })
    m.cpu.step()
    expect(stepException(m)).toBeUndefined()
    expect(m.cpu.regs[3]! & 0xffff).toBe(2)
  })
})

describe('CR4.PVI: CLI/STI at CPL 3 in protected mode', () => {
  it('CLI and STI change VIF at CPL 3 with IOPL < 3', () => {
    const m = ring3Machine('cli\nsti\nhlt', CR4_PVI, 0, VIF)
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (IF | VIF)).toBe(IF)
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (IF | VIF)).toBe(IF | VIF)
  })

  it('STI with VIP set is #GP(0); without PVI both are #GP(0); at IOPL 3 they change IF', () => {
    expect(stepException(ring3Machine('sti', CR4_PVI, 0, VIP))).toEqual(GP0)
    expect(stepException(ring3Machine('cli', CR4_VME, 0, VIF))).toEqual(GP0)
    expect(stepException(ring3Machine('sti', 0, 2))).toEqual(GP0)
    const iopl3 = ring3Machine('cli', CR4_PVI, 3, VIF)
    iopl3.cpu.step()
    expect(eflags(iopl3.cpu) & (IF | VIF)).toBe(VIF)
  })

  it('only applies at CPL 3: CPL 1 with IOPL 0 is #GP(0)', () => {
    const m = ring3Machine('cli', CR4_PVI, 0, VIF)
    const s = m.cpu.getState()
    s.cpl = 1
    s.cs = { ...s.cs, selector: 0x21, attributes: 0xc0bb }
    m.cpu.setState(s)
    expect(stepException(m)).toEqual(GP0)
  })

  it('POPF at CPL 3 changes neither IF nor VIF (PVI covers CLI and STI only)', () => {
    const m = ring3Machine('push dword 0\npopfd\nhlt', CR4_PVI, 0, VIF)
    m.cpu.step()
    expect(stepException(m)).toBeUndefined()
    expect(eflags(m.cpu) & (IF | VIF)).toBe(IF | VIF)
  })

  it('IRETD from CPL 0 loads VIF and VIP (how a kernel resumes PVI code); from CPL 3 it keeps them', () => {
    const toRing3 = protectedMachine(
      `push dword 0x2b
  push dword 0x70000
  push dword 0x${(0x202 | VIF | VIP).toString(16)}
  push dword 0x23
  push dword ring3
  iretd
ring3:
  hlt`,
      [
        [0x20, 0x0000ffff, 0x00cffb00],
        [0x28, 0x0000ffff, 0x00cff300],
      ],
    )
    for (let i = 0; i < 6; i++) toRing3.cpu.step()
    expect(toRing3.cpu.cpl).toBe(3)
    expect(eflags(toRing3.cpu) & (VIF | VIP)).toBe(VIF | VIP)
    // Without PVI the processor does not look at VIF/VIP (SDM vol. 3A 2.3): no pending-interrupt fault here.
    const atRing3 = ring3Machine(
      'push cs\npop eax\npushfd\nand dword [esp], ~0x180000\npush eax\npush dword done\niretd\ndone: hlt',
      0,
      0,
      VIF | VIP,
    )
    for (let i = 0; i < 7; i++) atRing3.cpu.step()
    expect(atRing3.cpu.cpl).toBe(3)
    expect(atRing3.cpu.eip).toBe(0x10011) // `done`, after the 17 bytes above
    expect(eflags(atRing3.cpu) & (VIF | VIP)).toBe(VIF | VIP)
  })
})

describe('VIF and VIP both set at the start of an instruction (SDM vol. 3A 20.3.2)', () => {
  /** Ring-0 code that IRETDs to `target` with EFLAGS `image` (ring 3 when the image has no VM). */
  function iretTo(image: number, cr4: number, v86: boolean): TestMachine {
    const frame = v86
      ? 'push dword 0\npush dword 0\npush dword 0\npush dword 0\npush dword 0\npush dword 0x6ff0\n' +
        `push dword 0x${(image | VM).toString(16)}\npush dword 0x0700\npush dword 0`
      : `push dword 0x2b\npush dword 0x70000\npush dword 0x${image.toString(16)}\npush dword 0x23\npush dword 0x10100`
    const m = protectedMachine(`${frame}\niretd\n`, [
      [0x18, (TSS << 16) | 0x67, 0x00008b00],
      [0x20, 0x0000ffff, 0x00cffb00],
      [0x28, 0x0000ffff, 0x00cff300],
    ])
    m.memory.write32(TSS + 4, 0x80000)
    m.memory.write32(TSS + 8, 0x10)
    m.memory.write8(0x10100, 0x90)
    m.memory.write8(V86_CS * 16, 0x90)
    const s = m.cpu.getState()
    s.tr = { selector: 0x18, base: TSS, limit: 0x67, attributes: 0x8b }
    s.cr4 = cr4
    m.cpu.setState(s)
    return m
  }
  const pushes = (v86: boolean) => (v86 ? 9 : 5)

  it('IRETD to ring 3 with PVI: #GP(0) at the target, after the IRETD retired', () => {
    const m = iretTo(0x202 | VIF | VIP, CR4_PVI, false)
    for (let i = 0; i < pushes(false); i++) m.cpu.step()
    const iret = m.cpu.step()
    expect(iret.exception).toBeUndefined()
    expect(iret.retired).toBe(1)
    // The #GP comes at the next instruction boundary, before the first ring-3 instruction runs.
    const r = m.cpu.step()
    expect(r.exception).toEqual(GP0)
    expect(r.retired).toBe(0)
    const esp = m.cpu.regs[4]! >>> 0
    expect(m.memory.read32(esp + 4)).toBe(0x10100) // the first instruction of the ring-3 code
    expect(m.memory.read32(esp + 8)).toBe(0x23)
    expect(m.memory.read32(esp + 12) & (VIF | VIP)).toBe(VIF | VIP)
  })

  it('IRETD into a V86 task with VME: #GP(0) at its first instruction', () => {
    const m = iretTo(0x202 | VIF | VIP, CR4_VME, true)
    for (let i = 0; i < pushes(true); i++) m.cpu.step()
    expect(m.cpu.step().exception).toBeUndefined()
    expect(m.cpu.step().exception).toEqual(GP0)
    const esp = m.cpu.regs[4]! >>> 0
    expect(m.memory.read32(esp + 4)).toBe(0)
    expect(m.memory.read32(esp + 8)).toBe(V86_CS)
  })

  it('is checked in V86 mode with PVI alone too (VIP counts under VME or PVI, SDM vol. 3A 2.3; Bochs agrees)', () => {
    const m = iretTo(0x202 | VIF | VIP, CR4_PVI, true)
    for (let i = 0; i < pushes(true); i++) m.cpu.step()
    expect(m.cpu.step().exception).toBeUndefined()
    expect(m.cpu.step().exception).toEqual(GP0)
  })

  it('is not checked at IOPL 3, without VME/PVI, or with only one of the flags', () => {
    for (const [image, cr4, v86] of [
      [0x3202 | VIF | VIP, CR4_VME, true],
      [0x3202 | VIF | VIP, CR4_PVI, false],
      [0x202 | VIF | VIP, 0, true],
      [0x202 | VIF | VIP, CR4_VME, false],
      [0x202 | VIF, CR4_VME | CR4_PVI, true],
      [0x202 | VIP, CR4_VME | CR4_PVI, false],
    ] as const) {
      const m = iretTo(image, cr4, v86)
      for (let i = 0; i < pushes(v86); i++) m.cpu.step()
      expect(m.cpu.step().exception, `${image.toString(16)} ${cr4} ${v86}`).toBeUndefined()
      expect(m.cpu.step().exception).toBeUndefined() // the NOP
    }
  })
})

describe('entering a V86 task by a task switch with VIF and VIP set', () => {
  /** Current TSS A at 0x31000 (0x28, busy); TSS B at 0x30000 (0x30) holds a V86 task at 0700:0000 (a NOP). */
  function taskMachine(source: string, taskFlags: number): TestMachine {
    const tss = (sel: number, base: number, type: number): [number, number, number] => [
      sel,
      ((base & 0xffff) << 16) | 0x67,
      (base & 0xff000000) | ((base >>> 16) & 0xff) | (type << 8),
    ]
    const m = protectedMachine(source, [
      tss(0x28, 0x31000, 0x8b),
      tss(0x30, 0x30000, 0x89),
      [0x38, 0x00300000, 0x0000e500], // task gate → TSS B
    ])
    const mem = m.memory
    const b = 0x30000
    mem.write32(b + 4, 0x80000) // ESP0
    mem.write32(b + 8, 0x10) // SS0
    mem.write32(b + 0x20, 0) // EIP
    mem.write32(b + 0x24, 2 | IF | VM | taskFlags)
    mem.write32(b + 0x38, 0x6ff0) // ESP
    mem.write32(b + 0x4c, V86_CS) // CS; ES SS DS FS GS stay 0
    mem.write8(V86_CS * 16, 0x90)
    mem.write32(0x2000 + 5 * 8, 0x00300000) // IDT vector 5: a task gate → TSS B
    mem.write32(0x2000 + 5 * 8 + 4, 0x0000e500)
    const s = m.cpu.getState()
    s.tr = { selector: 0x28, base: 0x31000, limit: 0x67, attributes: 0x8b }
    s.cr4 = CR4_VME
    m.cpu.setState(s)
    return m
  }

  for (const [how, source] of [
    ['JMP', 'jmp 0x30:0'],
    ['CALL', 'call 0x30:0'],
    ['a task gate', 'jmp 0x38:0'],
    ['INT n through an IDT task gate', 'int 5'],
  ] as const) {
    it(`by ${how}: #GP(0) at the task's first instruction; with VIP clear it runs`, () => {
      const m = taskMachine(source, VIF | VIP)
      expect(m.cpu.step().exception).toBeUndefined()
      const r = m.cpu.step()
      expect(r.exception).toEqual(GP0)
      expect(r.retired).toBe(0)
      expect(m.cpu.segSel[7]).toBe(0x30)
      const esp = m.cpu.regs[4]! >>> 0
      expect(m.memory.read32(esp + 4)).toBe(0)
      expect(m.memory.read32(esp + 8)).toBe(V86_CS)
      expect(m.memory.read32(esp + 12) & (VM | VIF | VIP)).toBe(VM | VIF | VIP)
      const ok = taskMachine(source, VIF)
      expect(ok.cpu.step().exception).toBeUndefined()
      expect(ok.cpu.step().exception).toBeUndefined()
      expect(ok.cpu.eip).toBe(1)
      expect(ok.cpu.v86).toBe(true)
    })
  }
})

describe('fuzzing V86 code with VME', () => {
  type Engine = 'interpreter' | 'blocks' | 'compiled'
  const LOW_RAM = 0x10000

  /** One machine per engine, reused across rounds (each round restores the low 64 KB and the CPU state). */
  function fuzzMachine(engine: Engine): { m: TestMachine; low: Uint8Array; state: ReturnType<Cpu['getState']> } {
    const m = v86Machine('', { engine })
    const ram = m.memory.ram
    // A monitor that resumes the task one byte further on after every exception or interrupt (popping the error
    // code where there is one), so the random code keeps running through faults.
    for (let v = 0; v < 256; v++) {
      const stub = 0x3400 + v * 16
      const skip = [8, 10, 11, 12, 13, 14, 17].includes(v) ? [0x83, 0xc4, 0x04] : []
      ram.set([...skip, 0x66, 0xff, 0x04, 0x24, 0xcf], stub) // [add esp, 4]; inc word [esp]; iretd
      m.memory.write32(0x2000 + v * 8, 0x00080000 | stub)
    }
    return { m, low: ram.slice(0, LOW_RAM), state: m.cpu.getState() }
  }

  /** Random 16-bit code dense in the VIF-sensitive opcodes, under random IOPL/VIF/VIP/CR4 and bitmap. */
  function randomize(f: ReturnType<typeof fuzzMachine>, seed: number): void {
    const rng = new Rng(seed)
    const ram = f.m.memory.ram
    ram.set(f.low, 0)
    const sensitive = [0xfa, 0xfb, 0x9c, 0x9d, 0xcd, 0xcf, 0x66, 0xcc, 0xce, 0xf4, 0x90, 0x50, 0x58]
    for (let i = 0; i < 0x1000; i++) ram[V86_CS * 16 + i] = rng.int(3) === 0 ? rng.int(256) : rng.pick(sensitive)
    for (let i = 0; i < 32; i++) ram[TSS + IO_MAP - 32 + i] = rng.int(256)
    // The V86 task's IVT handlers (0900:2n) and stack hold random bytes too.
    for (let i = 0; i < 0x200; i++) ram[IVT_CS * 16 + i] = rng.pick(sensitive)
    for (let i = 0; i < 0x100; i++) ram[0x5f00 + i] = rng.int(256)
    const s = structuredClone(f.state)
    s.cr4 = rng.int(4)
    s.eflags = 2 | VM | IF | (rng.int(4) << 12) | rng.pick([0, VIF, VIP, VIF | VIP])
    s.tr.limit = rng.pick([0x60, IO_MAP - 32 + rng.int(40), IO_MAP + 0x2000])
    f.m.cpu.setState(s) // also drops decoded code
  }

  it('never escapes the guest, and every engine ends in the same state', () => {
    const machines = (['interpreter', 'blocks', 'compiled'] as const).map(fuzzMachine)
    for (let round = 0; round < 24; round++) {
      const states = machines.map((f) => {
        randomize(f, 0x7e3e + round)
        const before = f.m.cpu.instructionsRetired
        const exit = f.m.cpu.run(4000)
        expect(['budget', 'halted', 'triple-fault']).toContain(exit.reason)
        return { ...f.m.cpu.getState(), retired: f.m.cpu.instructionsRetired - before, fpu: null }
      })
      expect(states[1], `round ${round}: blocks`).toEqual(states[0])
      expect(states[2], `round ${round}: compiled`).toEqual(states[0])
    }
  })
})

describe('CPUID and CR4', () => {
  it('reports VME in CPUID leaf 1 and accepts CR4.VME and CR4.PVI', () => {
    const m = protectedMachine('mov eax, 1\ncpuid\nmov eax, cr4\nor eax, 3\nmov cr4, eax\nmov ebx, cr4\nhlt')
    expect(m.cpu.run(20).reason).toBe('halted')
    expect((m.cpu.regs[2]! >>> 1) & 1).toBe(1)
    expect(m.cpu.regs[3]! & 3).toBe(3)
  })
})
