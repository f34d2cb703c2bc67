// The VIF=VIP #GP armed by IRET (Intel SDM vol. 3A 20.3.2, 20.4) in the CPU saved-state unit: a state saved
// between the IRET and the next instruction boundary must still raise the #GP once restored (unit version 3), and
// version-2 units, which lack the pending-event word, load with nothing armed.
import { describe, expect, it } from 'vitest'
import { USER_GDT, protectedMachine, type TestMachine } from './harness'

const VIF = 0x80000
const VIP = 0x100000
const CR4_PVI = 2
const TSS = 0x4000
/** The ring-3 target of the IRETD: a NOP, then HLT (a #GP at CPL 3 for the test's purposes). */
const TARGET = 0x10100
const GP0 = { vector: 13, errorCode: 0 }
/** The five PUSHes and the IRETD. */
const TO_BOUNDARY = 6

/** Ring-0 code that IRETDs to ring 3 at TARGET with VIF and VIP set, under CR4.PVI; a TSS for the #GP's stack. */
function machine(): TestMachine {
  const image = (0x202 | VIF | VIP).toString(16)
  const m = protectedMachine(
    `push dword 0x23\npush dword 0x70000\npush dword 0x${image}\npush dword 0x1b\npush dword 0x${TARGET.toString(16)}
iretd`,
    [...USER_GDT, [0x28, (TSS << 16) | 0x67, 0x00008b00]],
  )
  m.memory.write32(TSS + 4, 0x80000) // ESP0
  m.memory.write32(TSS + 8, 0x10) // SS0
  m.memory.write8(TARGET, 0x90)
  const s = m.cpu.getState()
  s.tr = { selector: 0x28, base: TSS, limit: 0x67, attributes: 0x8b }
  s.cr4 = CR4_PVI
  m.cpu.setState(s)
  return m
}

/** A fresh machine holding `from`'s RAM and the CPU unit `bytes`. */
function restore(from: TestMachine, bytes: Uint8Array): TestMachine {
  const m = machine()
  m.memory.ram.set(from.memory.ram)
  m.cpu.loadState(bytes)
  return m
}

/** The saved unit rewritten as version 2: the same bytes without the last fixed word. */
function asVersion2(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const words = view.getUint32(8, true)
  const out = new Uint8Array(bytes.length - 4)
  out.set(bytes.subarray(0, 12 + (words - 1) * 4))
  out.set(bytes.subarray(12 + words * 4), 12 + (words - 1) * 4)
  const outView = new DataView(out.buffer)
  outView.setUint32(4, 2, true)
  outView.setUint32(8, words - 1, true)
  return out
}

describe('the armed VIF=VIP #GP in saved state', () => {
  it('is armed when a run ends right after the IRETD, and round-trips through the CPU unit', () => {
    const a = machine()
    expect(a.cpu.run(TO_BOUNDARY).retired).toBe(TO_BOUNDARY)
    expect(a.cpu.eip).toBe(TARGET)
    expect(a.cpu.virtualInterruptCheck).toBe(true)
    const bytes = a.cpu.saveState()
    const b = restore(a, bytes)
    expect(b.cpu.virtualInterruptCheck).toBe(true)
    expect(b.cpu.getState()).toEqual(a.cpu.getState())
    expect(b.cpu.saveState()).toEqual(bytes)
  })

  it('restored between the IRETD and the next boundary, raises #GP(0) before the first ring-3 instruction', () => {
    const a = machine()
    a.cpu.run(TO_BOUNDARY)
    const b = restore(a, a.cpu.saveState())
    const r = b.cpu.step()
    expect(r.exception).toEqual(GP0)
    expect(r.retired).toBe(0)
    const esp = b.cpu.regs[4]! >>> 0
    expect(b.memory.read32(esp + 4)).toBe(TARGET) // the faulting instruction is the ring-3 NOP, not yet run
    expect(b.memory.read32(esp + 8)).toBe(0x1b)
    expect(b.memory.read32(esp + 12) & (VIF | VIP)).toBe(VIF | VIP)
    // The original machine, not saved, does the same.
    expect(a.cpu.step().exception).toEqual(GP0)
  })

  it('a version-2 unit (no pending-event word) loads with nothing armed: the NOP runs', () => {
    const a = machine()
    a.cpu.run(TO_BOUNDARY)
    const b = restore(a, asVersion2(a.cpu.saveState()))
    expect(b.cpu.virtualInterruptCheck).toBe(false)
    expect(b.cpu.getState()).toEqual(a.cpu.getState())
    const r = b.cpu.step()
    expect(r.exception).toBeUndefined()
    expect(b.cpu.eip).toBe(TARGET + 1)
  })

  it('loading a unit saved with nothing armed disarms a CPU that had the check armed', () => {
    const quiet = machine()
    quiet.cpu.run(2)
    const armed = machine()
    armed.cpu.run(TO_BOUNDARY)
    armed.cpu.loadState(quiet.cpu.saveState())
    expect(armed.cpu.virtualInterruptCheck).toBe(false)
  })
})
