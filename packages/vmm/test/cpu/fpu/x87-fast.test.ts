// The pre-decoded x87 fast paths (x87-kinds.ts, x87-fast.ts) against the general decoder: every encoding with a
// fast path runs on random register files (binary64 values, 80-bit images, NaNs, denormals, empty registers),
// random control words and random memory operands, once with the fast paths and once with `fastPaths: false`;
// the architectural state, memory, integer-register effects and faults must be identical.
import { describe, expect, it } from 'vitest'
import { CR0_EM, CR0_TS, CS } from '../../../src/cpu/constants'
import { X87Fpu } from '../../../src/cpu/fpu/x87-fpu'
import { exactArithmetic, exactSquareRoot } from '../../../src/cpu/fpu/x87-hot'
import { softArithmetic, softSquareRoot } from '../../../src/cpu/fpu/x87-softfloat'
import { SW, X87State } from '../../../src/cpu/fpu/x87-state'
import { FAST_OPERAND, KIND, OPERAND_WRITE, X87_KINDS, x87OperandAccess } from '../../../src/cpu/fpu/x87-kinds'
import { rng } from './seeded-random'
import { TestFaultError, TestHost } from './test-host'

/** Every (escape byte, ModRM) with a fast path; memory forms use one ModRM per reg field. */
function fastEncodings(): [number, number][] {
  const out: [number, number][] = []
  for (let code = 0; code < 2048; code++) {
    if (X87_KINDS[code] === KIND.GENERAL) continue
    const modrm = code & 0xff
    if (modrm < 0xc0 && (modrm & 0xc7) !== 0x05) continue
    out.push([0xd8 | (code >>> 8), modrm])
  }
  return out
}

/** Binary64 values at the edges of the fast paths: signed zeros, infinities, the ends of the normal range. */
const SPECIALS = [0, -0, 1, -1, Infinity, -Infinity, 2 ** -1022, -(2 ** -1022), Number.MAX_VALUE, 0.5, -2]

/** A random 80-bit register image biased towards the cases the fast paths must get right or decline. */
function randomRegister(next: () => number): Uint8Array {
  const bytes = new Uint8Array(10)
  const view = new DataView(bytes.buffer)
  const pick = next()
  if (pick < 0.45) {
    // A binary64 value: small integers (exact arithmetic), or a random double.
    const kind = next()
    const value =
      kind < 0.15
        ? SPECIALS[Math.floor(next() * SPECIALS.length)]!
        : kind < 0.55
          ? Math.floor(next() * 64) - 16
          : (next() - 0.5) * 2 ** Math.floor(next() * 80 - 40)
    const scratch = new DataView(new ArrayBuffer(8))
    scratch.setFloat64(0, value, true)
    const bits = scratch.getBigUint64(0, true)
    const sign = bits >> 63n
    const exp = Number((bits >> 52n) & 0x7ffn)
    const frac = bits & ((1n << 52n) - 1n)
    if (exp === 0) {
      bytes[9] = Number(sign) << 7 // ±0 (no binary64 denormals here)
      return bytes
    }
    if (exp === 0x7ff) {
      view.setBigUint64(0, 1n << 63n, true)
      view.setUint16(8, (Number(sign) << 15) | 0x7fff, true) // ±∞
      return bytes
    }
    view.setBigUint64(0, ((1n << 52n) | frac) << 11n, true)
    view.setUint16(8, (Number(sign) << 15) | (exp - 1023 + 16383), true)
    return bytes
  }
  if (pick < 0.75) {
    // A normal value with a full 64-bit significand near 1.
    view.setBigUint64(
      0,
      (1n << 63n) | (BigInt(Math.floor(next() * 2 ** 31)) * 2n ** 32n + BigInt(Math.floor(next() * 2 ** 32))),
      true,
    )
    view.setUint16(8, (next() < 0.3 ? 0x8000 : 0) | (16383 + Math.floor(next() * 40) - 20), true)
    return bytes
  }
  // Anything: NaNs, infinities, denormals, unsupported encodings, huge and tiny exponents.
  for (let i = 0; i < 10; i++) bytes[i] = Math.floor(next() * 256)
  const special = Math.floor(next() * 4)
  if (special === 0) view.setUint16(8, (bytes[9]! & 0x80) << 8) // zero exponent: denormal or pseudo-denormal
  if (special === 1) view.setUint16(8, ((bytes[9]! & 0x80) << 8) | 0x7fff) // NaN or infinity
  return bytes
}

/** Runs one instruction; returns everything it can change (architectural x87 state, memory, EFLAGS, AX, fault). */
function run(fpu: X87Fpu, host: TestHost, opcode: number, modrm: number): string {
  let fault = -1
  try {
    fpu.execute(opcode, modrm, 0x100, host, 0x1234, 0x100)
  } catch (e) {
    if (!(e instanceof TestFaultError)) throw e
    fault = e.vector
  }
  const st = fpu.getState()
  const registers = st.registers.map((r) => [...r].join('.')).join(' ')
  const memory = [...host.memory.subarray(0x100, 0x10c)].join('.')
  const words = [st.controlWord, st.statusWord, st.tagWord, st.instructionPointer, st.dataPointer, st.lastOpcode]
  return `${words.join(' ')} | ${registers} | ${memory} | ${host.eflags} ${host.ax} ${fault}`
}

describe('x87 fast paths', () => {
  it('use the constants the CPU side spells as numeric literals (cpu/block-fpu.ts)', () => {
    expect([KIND.GENERAL, KIND.MEMORY, SW.ES, OPERAND_WRITE, CS, CR0_EM | CR0_TS]).toEqual([
      0, 32, 0x80, 0x1000, 1, 0xc,
    ])
  })

  it('pre-decode exactly the memory operand sizes and directions the CPU checks', () => {
    for (let code = 0; code < 2048; code++) {
      const kind = X87_KINDS[code]!
      if (kind < KIND.MEMORY) continue
      expect(code & 0xff).toBeLessThan(0xc0)
      const access = FAST_OPERAND[kind]!
      expect(access).toBe(x87OperandAccess(code >>> 8, code & 0xff, true))
      expect(access).toBe(x87OperandAccess(code >>> 8, code & 0xff, false))
    }
    // Spot checks against the SDM's operand sizes (vol. 2 FSTP m64fp, FNSAVE, FLDENV).
    expect(x87OperandAccess(0xdd, 0x18, true)).toBe(8 | OPERAND_WRITE)
    expect(x87OperandAccess(0xdd, 0x30, true)).toBe(108 | OPERAND_WRITE)
    expect(x87OperandAccess(0xdd, 0x30, false)).toBe(94 | OPERAND_WRITE)
    expect(x87OperandAccess(0xd9, 0x20, false)).toBe(14)
    expect(x87OperandAccess(0xdb, 0x20, true)).toBe(0) // DB /4 memory: undefined
  })

  it('give the same state, memory and faults as the general decoder on random operands', () => {
    const next = rng(0x87fa57)
    const encodings = fastEncodings()
    expect(encodings.length).toBeGreaterThan(250)
    let fastRuns = 0
    const mismatches: string[] = []
    for (let round = 0; round < 40; round++) {
      for (const [opcode, modrm] of encodings) {
        const registers = Array.from({ length: 8 }, () => randomRegister(next))
        // Mostly masked exceptions with any precision and rounding; sometimes unmasked ones.
        const controlWord = (next() < 0.8 ? 0x3f : Math.floor(next() * 64)) | (Math.floor(next() * 16) << 8) | 0x40
        const emptyBits = Math.floor(next() * 256) & Math.floor(next() * 256)
        let tagWord = 0
        for (let r = 0; r < 8; r++) if ((emptyBits >>> r) & 1) tagWord |= 3 << (r * 2)
        // Random TOP and condition codes (C0–C3), sometimes a pending exception (ES), which the fast paths leave alone.
        const conditions = Math.floor(next() * 65536) & 0x4700
        const statusWord = (Math.floor(next() * 8) << 11) | conditions | (next() < 0.1 ? 0x81 : 0)
        const operand = registers[Math.floor(next() * 8)]!
        const hosts = [new TestHost(), new TestHost()]
        const fpus = [new X87Fpu(), new X87Fpu({ fastPaths: false })]
        for (let k = 0; k < 2; k++) {
          const host = hosts[k]!
          host.numericError = next() < 0.5
          host.memory.set(operand, 0x100)
          if (next() < 0.5) host.view.setFloat32(0x100, (next() - 0.5) * 2 ** Math.floor(next() * 60 - 30), true)
          fpus[k]!.setState({
            controlWord,
            statusWord,
            tagWord,
            registers,
            instructionPointer: 0,
            dataPointer: 0,
            lastOpcode: 0,
          })
        }
        hosts[1]!.numericError = hosts[0]!.numericError
        hosts[1]!.memory.set(hosts[0]!.memory.subarray(0x100, 0x10c), 0x100)
        const fast = run(fpus[0]!, hosts[0]!, opcode, modrm)
        const general = run(fpus[1]!, hosts[1]!, opcode, modrm)
        if (fast !== general) mismatches.push(`${opcode.toString(16)} ${modrm.toString(16)}:\n${fast}\n${general}`)
        fastRuns++
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    expect(fastRuns).toBeGreaterThan(10_000)
  })

  it('take exact binary64 results only when the exact 80-bit path stores the same bits', () => {
    const next = rng(0xe4ac7)
    // Short significands (products, quotients and roots that are often exact) and full ones, perfect squares.
    const operand = (): number => {
      const pick = next()
      const sign = next() < 0.2 ? -1 : 1
      if (pick < 0.4) return sign * (Math.floor(next() * 2 ** 20) + 1) * 2 ** Math.floor(next() * 40 - 30)
      if (pick < 0.7) {
        const root = (Math.floor(next() * 2 ** 26) + 1) * 2 ** Math.floor(next() * 60 - 40)
        return sign * root * root
      }
      return sign * (1 + next()) * 2 ** Math.floor(next() * 200 - 100)
    }
    const outcome = (s: X87State, done: boolean): string => {
      if (!done) return 'declined'
      const at = s.loadExtended(0)
      return `${s.ext[at + 2]}:${s.ext[at + 1]}:${s.ext[at]} sw=${s.statusWord()}`
    }
    let taken = 0
    for (let i = 0; i < 20_000; i++) {
      const x = operand()
      const y = operand()
      const op = [0, 1, 4, 5, 6, 7, -1][i % 7]!
      // PC 53/64 bits, any RC; #P unmasked in every third case (ES set, result still stored).
      const controlWord = (i % 3 === 0 ? 0x005f : 0x007f) | ((2 + (i & 1)) << 8) | (Math.floor(next() * 4) << 10)
      const states = [new X87State(), new X87State()]
      for (const s of states) {
        s.controlWord = controlWord
        s.setValue(0, op === -1 ? Math.abs(x) : x)
        s.setValue(1, y)
        s.statusFlags = 0x200 // C1 set: the exact paths must clear it
      }
      const fast = op === -1 ? exactSquareRoot(states[0]!, 0) : exactArithmetic(states[0]!, op, 0, 0, 1)
      if (!fast) continue
      taken++
      // The softfloat takes ADD/MUL/SUB/DIV; SUBR/DIVR are SUB/DIV with the operands swapped.
      const reversed = op === 5 || op === 7
      const s1 = states[1]!
      const exact =
        op === -1
          ? softSquareRoot(s1, 0, 0)
          : softArithmetic(s1, reversed ? op - 1 : op, 0, reversed ? 1 : 0, reversed ? 0 : 1)
      expect(outcome(states[0]!, fast), `op ${op} ${x} ${y}`).toBe(outcome(states[1]!, exact))
    }
    expect(taken).toBeGreaterThan(3000)
  })

  it('round FST(P) m32fp like the general path at binary32 ties and at the ends of its normal range', () => {
    const next = rng(0xf1032)
    const values: number[] = []
    const near = (base: number, ulp: number) => {
      // Quarter-ulp steps around a binary32 value: below, halfway (a tie), above — all exact in binary64.
      for (let q = -3; q <= 3; q++) values.push(base + (q * ulp) / 4, -(base + (q * ulp) / 4))
    }
    near(2 ** -126, 2 ** -149) // the smallest normal: tiny results and results rounded up to it
    near(2 ** -126 + 2 ** -149, 2 ** -149)
    near(3.4028234663852886e38, 2 ** 104) // the largest finite value: overflow and results rounded down to it
    near(1, 2 ** -23)
    near(1.5, 2 ** -23)
    for (let i = 0; i < 150; i++) {
      const exponent = Math.floor(next() * 260) - 130
      const significand = 2 ** 23 + Math.floor(next() * 2 ** 23)
      near(significand * 2 ** (exponent - 23), 2 ** (exponent - 23))
    }
    const fpus = [new X87Fpu(), new X87Fpu({ fastPaths: false })]
    const hosts = [new TestHost(), new TestHost()]
    const initial = fpus[0]!.getState()
    let taken = 0
    for (const value of values) {
      for (const modrm of [0x15, 0x1d]) {
        // Each RC with #P masked, then unmasked (the store still happens; ES is set).
        for (const controlWord of [0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x035f, 0x075f]) {
          const outcomes = [0, 1].map((k) => {
            const fpu = fpus[k]!
            const host = hosts[k]!
            fpu.setState({ ...initial, controlWord })
            host.view.setFloat64(0x100, value, true)
            run(fpu, host, 0xdd, 0x05) // FLD m64fp
            return run(fpu, host, 0xd9, modrm) // FST / FSTP m32fp
          })
          if (Math.fround(value) !== value && (controlWord & 0xc00) === 0) taken++
          expect(outcomes[0], `${value} cw ${controlWord.toString(16)} modrm ${modrm.toString(16)}`).toBe(outcomes[1])
        }
      }
    }
    expect(taken).toBeGreaterThan(3000)
  })
})
