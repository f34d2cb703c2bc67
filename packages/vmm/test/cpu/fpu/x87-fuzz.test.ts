// Seeded fuzz test of the x87: random register contents, control/status words and instruction streams from the
// whole D8–DF space never throw a host exception (only the CPU faults the host raises: #UD, #MF), keep the state
// consistent, and survive a saved-state round trip.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TestFaultError, TestHost } from './test-host'
import { X87Fpu } from '../../../src/cpu/fpu/x87-fpu'

const register = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 0xffff }))
const instruction = fc.tuple(
  fc.integer({ min: 0xd8, max: 0xdf }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 0xf000 }),
)
const scenario = fc.record({
  registers: fc.array(register, { minLength: 8, maxLength: 8 }),
  tagWord: fc.integer({ min: 0, max: 0xffff }),
  controlWord: fc.integer({ min: 0, max: 0xffff }),
  statusWord: fc.integer({ min: 0, max: 0xffff }),
  memorySeed: fc.integer(),
  is32: fc.boolean(),
  protectedMode: fc.boolean(),
  numericError: fc.boolean(),
  program: fc.array(instruction, { minLength: 1, maxLength: 40 }),
  fxrstorAt: fc.option(fc.integer({ min: 0, max: 0xfd00 })),
})

describe('x87 fuzz', () => {
  it('random states and instructions never throw a host exception and keep the state consistent', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const fpu = new X87Fpu()
        const host = new TestHost()
        host.is32BitOperand = sc.is32
        host.isProtectedMode = sc.protectedMode
        host.numericError = sc.numericError
        let x = sc.memorySeed >>> 0
        for (let i = 0; i < host.memory.length; i += 4) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0
          host.view.setUint32(i, x, true)
        }
        fpu.setState({
          controlWord: sc.controlWord,
          statusWord: sc.statusWord,
          tagWord: sc.tagWord,
          registers: sc.registers.map(([sig, se]) => {
            const b = new Uint8Array(10)
            const v = new DataView(b.buffer)
            v.setBigUint64(0, sig, true)
            v.setUint16(8, se, true)
            return b
          }),
          instructionPointer: 0,
          dataPointer: 0,
          lastOpcode: 0,
        })
        // FXRSTOR of random bytes (any tag/status/register pattern), then FXSAVE must not throw either.
        if (sc.fxrstorAt !== null) {
          fpu.fxrstor(host, sc.fxrstorAt & ~15)
          fpu.fxsave(host, 0xfe00)
        }
        for (const [op, modrm, linear] of sc.program) {
          try {
            fpu.execute(op, modrm, linear, host, 0x1000, linear)
          } catch (e) {
            if (!(e instanceof TestFaultError)) throw e
          }
        }
        const s = fpu.state
        expect(s.top).toBeGreaterThanOrEqual(0)
        expect(s.top).toBeLessThan(8)
        for (let r = 0; r < 8; r++) {
          if (Number.isNaN(s.values[r])) expect(s.rawValid[r]).toBe(1)
        }
        const st = fpu.getState()
        expect(st.statusWord).toBeLessThanOrEqual(0xffff)
        expect(st.controlWord).toBeLessThanOrEqual(0xffff)
        const bytes = fpu.saveState()
        const copy = new X87Fpu()
        copy.loadState(bytes)
        expect(copy.saveState()).toEqual(bytes)
        expect(copy.getState()).toEqual(st)
      }),
      { seed: 0x87, numRuns: 400 },
    )
  })
})
