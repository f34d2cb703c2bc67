import { describe, expect, it } from 'vitest'
import { IrqRouter, IrqRoutingError } from '../../src/index'
import type { InterruptSource } from '../../src/index'

describe('IrqRouter', () => {
  it('tells receivers about level changes of a wired-OR line', () => {
    const router = new IrqRouter()
    const seen: string[] = []
    router.addReceiver({ setIrqLevel: (line, level) => seen.push(`${line}:${level ? 1 : 0}`) })
    const a = router.createDriver(11)
    const b = router.createDriver(11)
    a.raise()
    b.raise()
    a.lower()
    expect(router.levelOf(11)).toBe(true)
    b.lower()
    expect(seen).toEqual(['11:1', '11:0'])
    a.pulse()
    expect(seen).toEqual(['11:1', '11:0', '11:1', '11:0'])
    a.lower()
    expect(seen.length).toBe(4)
  })

  it('replays asserted lines to a late receiver, and notifies the loop', () => {
    const router = new IrqRouter()
    let changes = 0
    router.onChange(() => changes++)
    router.createDriver(4).raise()
    const seen: number[] = []
    router.addReceiver({ setIrqLevel: (line) => seen.push(line) })
    expect(seen).toEqual([4])
    expect(changes).toBe(1)
  })

  it('forwards the CPU interface to the one controller', () => {
    const router = new IrqRouter()
    expect(router.cpuInterrupts.hasInterrupt()).toBe(false)
    let pending = true
    const pic: InterruptSource = {
      hasInterrupt: () => pending,
      acknowledge: () => ((pending = false), 0x08),
      hasNmi: () => false,
      acknowledgeNmi: () => {},
    }
    router.setInterruptSource(pic, 'i8259')
    expect(router.cpuInterrupts.hasInterrupt()).toBe(true)
    expect(router.cpuInterrupts.acknowledge()).toBe(8)
    expect(router.cpuInterrupts.hasInterrupt()).toBe(false)
    expect(() => router.setInterruptSource(pic, 'apic')).toThrow(IrqRoutingError)
  })

  it('rejects lines out of range and drops levels silently on request', () => {
    const router = new IrqRouter(16)
    expect(() => router.createDriver(16)).toThrow(/IRQ line 16 is not 0..15/)
    const seen: boolean[] = []
    router.addReceiver({ setIrqLevel: (_l, level) => seen.push(level) })
    const d = router.createDriver(3)
    d.raise()
    router.dropAllLevelsSilently()
    expect(d.level).toBe(false)
    expect(router.levelOf(3)).toBe(false)
    expect(seen).toEqual([true])
    d.raise()
    expect(seen).toEqual([true, true])
  })
})
