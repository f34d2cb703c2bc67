// The binary64 fast path at 64-bit precision (x87-binary64.ts) against the exact 80-bit path (x87-softfloat.ts,
// itself checked against QEMU): for random and boundary-hugging binary64 operands in every rounding mode, both
// must store the same 80-bit image, status flags and C1 — or the fast path must decline.
import { describe, expect, it } from 'vitest'
import {
  binary64Arithmetic,
  binary64SquareRoot,
  extendedAdd,
  extendedDivide,
  extendedMultiply,
  extendedSquareRoot,
} from '../../../src/cpu/fpu/x87-binary64'
import { softArithmetic, softSquareRoot } from '../../../src/cpu/fpu/x87-softfloat'
import { X87State } from '../../../src/cpu/fpu/x87-state'
import { rng } from './seeded-random'

const OPS = [0, 1, 4, 6] as const // add, mul, sub, div (ARITH numbering)
const SQRT = -1

/** Random binary64 operands: full 53-bit significands, short ones (exact results), and wide exponents. */
function operand(r: () => number): number {
  const kind = Math.floor(r() * 4)
  const sign = r() < 0.5 ? -1 : 1
  let mant = 1 + Math.floor(r() * 2 ** 26) * 2 ** -26 + Math.floor(r() * 2 ** 26) * 2 ** -52
  if (kind === 0) mant = 1 + Math.floor(r() * 64) / 64
  if (kind === 1) mant = 2 - 2 ** -52 * Math.floor(1 + r() * 4) // just below a power of two
  const exp = kind === 2 ? Math.floor((r() - 0.5) * 1700) : Math.floor((r() - 0.5) * 40)
  return sign * mant * 2 ** exp
}

/** Runs one operation through `fast` or the exact path on a fresh state; returns the observable result. */
function run(op: number, x: number, y: number, rc: number, fast: boolean): string | null {
  const s = new X87State()
  s.controlWord = 0x037f | (rc << 10)
  s.setValue(0, x)
  s.setValue(1, y)
  s.statusFlags = 0
  let done: boolean
  if (op === SQRT) done = fast ? binary64SquareRoot(s, 2, x) : softSquareRoot(s, 2, 0)
  else done = fast ? binary64Arithmetic(s, op, 2, x, y) : softArithmetic(s, op, 2, 0, 1)
  return outcome(s, done)
}

/** What an operation left in slot 2 (80-bit image) and the status word, or null when it declined. */
function outcome(s: X87State, done: boolean): string | null {
  if (!done) return null
  // The binary64 view and its marks too: fast paths store them directly, the exact path through setExtended.
  const view = `v=${s.values[2]} raw=${s.rawValid[2]} den=${s.denormal[2]}`
  const at = s.loadExtended(2)
  const image = [s.ext[at + 2], s.ext[at + 1], s.ext[at]].map((w) => w!.toString(16)).join(':')
  return `${image} sw=${s.statusWord().toString(16)} ${view}`
}

describe('x87 binary64 fast path at 64-bit precision', () => {
  it('stores exactly what the 80-bit path stores, in every rounding mode', () => {
    const r = rng(0x64b)
    let fastCount = 0
    for (let i = 0; i < 8000; i++) {
      const op = i % 5 === 4 ? SQRT : (OPS[i % 4] as number)
      let x = operand(r)
      const y = operand(r)
      if (op === SQRT) x = Math.abs(x)
      if (i % 7 === 0 && op === 1) x = 1 + 2 ** -52 // products with a long tail
      for (let rc = 0; rc < 4; rc++) {
        const fast = run(op, x, y, rc, true)
        if (fast === null) continue
        fastCount++
        expect(fast, `op ${op} rc ${rc} ${x} ${y}`).toBe(run(op, x, y, rc, false))
      }
    }
    // The fast path must actually take almost every in-range case (it declines only near rounding boundaries).
    expect(fastCount).toBeGreaterThan(20000)
  })

  it('rounds ties and power-of-two boundaries like the exact path', () => {
    const cases: [number, number, number][] = [
      [0, 1, 2 ** -64], // exactly half a 64-bit ulp above 1: a tie
      [0, 1, 3 * 2 ** -65], // three quarters of a 64-bit ulp
      [4, 1, 2 ** -66], // just below 1: the finer grid under a power of two
      [4, 1, 2 ** -65 + 2 ** -100],
      [4, 2, 2 ** -64 + 2 ** -90],
      [1, 1 + 2 ** -52, 1 + 2 ** -52], // 1 + 2^-51 + 2^-104
      [1, 1 - 2 ** -53, 1 - 2 ** -53],
      [6, 1, 3],
      [6, 2, 3],
      [6, -1, 7],
      [SQRT, 2, 0],
      [SQRT, 3, 0],
      [SQRT, 1 - 2 ** -53, 0],
      [SQRT, 4 * (1 + 2 ** -52), 0],
    ]
    for (const [op, x, y] of cases) {
      for (let rc = 0; rc < 4; rc++) {
        const fast = run(op, x, y, rc, true)
        // Sums and products have exact error terms: never in doubt. Quotients and roots may decline.
        if (op !== 6 && op !== SQRT) expect(fast, `op ${op} rc ${rc} ${x} ${y}: declined`).not.toBeNull()
        if (fast === null) continue
        expect(fast, `op ${op} rc ${rc} ${x} ${y}`).toBe(run(op, x, y, rc, false))
      }
    }
  })

  it('FSQRT of 64-bit significands rounds like the exact path', () => {
    const r = rng(0x5a7)
    let fastCount = 0
    for (let i = 0; i < 6000; i++) {
      const hi = (0x80000000 | Math.floor(r() * 2 ** 31)) >>> 0
      // Random low words, and low words near 0 and 2^32 (roots close to a binary64 value or a tie).
      const kind = i % 4
      const lo =
        kind === 0 ? Math.floor(r() * 64) : kind === 1 ? 0xffffffff - Math.floor(r() * 64) : Math.floor(r() * 2 ** 32)
      const exp = 16383 + Math.floor((r() - 0.5) * (kind === 3 ? 1700 : 80))
      for (let rc = 0; rc < 4; rc++) {
        const results: (string | null)[] = []
        for (const fast of [true, false]) {
          const s = new X87State()
          s.controlWord = 0x037f | (rc << 10)
          s.setExtended(0, lo, hi, exp)
          s.statusFlags = 0
          results.push(outcome(s, fast ? extendedSquareRoot(s, 2, 0) : softSquareRoot(s, 2, 0)))
        }
        if (results[0] === null) continue
        fastCount++
        expect(results[0], `sqrt ${hi.toString(16)}:${lo.toString(16)} exp ${exp} rc ${rc}`).toBe(results[1])
      }
    }
    expect(fastCount).toBeGreaterThan(15000)
  })

  it.each([
    // Sums of these boundary-hugging significands are often exact or ties, which the exact path decides.
    ['FDIV', 6, 0xd17, 800, 15000],
    ['FMUL', 1, 0x3a1, 400, 15000],
    ['FADD', 0, 0xadd, 900, 8000],
    ['FSUB', 4, 0x5b5, 900, 8000],
  ] as const)('%s of 64-bit significands rounds like the exact path', (_name, op, seed, range, minFast) => {
    const r = rng(seed)
    const word = (i: number): number =>
      i % 3 === 0 ? Math.floor(r() * 16) : i % 3 === 1 ? 0xffffffff - Math.floor(r() * 16) : Math.floor(r() * 2 ** 32)
    let fastCount = 0
    for (let i = 0; i < 5000; i++) {
      const aHi = (0x80000000 | Math.floor(r() * 2 ** 31)) >>> 0
      const bHi = i % 5 === 0 ? 0x80000000 : (0x80000000 | Math.floor(r() * 2 ** 31)) >>> 0
      const aLo = word(i)
      const bLo = i % 7 === 0 ? 0 : word(i + 1)
      const wide = i % 4 === 3 ? 2 * range - 100 : 60
      const aSe = (r() < 0.5 ? 0x8000 : 0) | (16383 + Math.floor((r() - 0.5) * wide))
      const bSe = (r() < 0.5 ? 0x8000 : 0) | (16383 + Math.floor((r() - 0.5) * wide))
      for (let rc = 0; rc < 4; rc++) {
        const results: (string | null)[] = []
        for (const fast of [true, false]) {
          const s = new X87State()
          s.controlWord = 0x037f | (rc << 10)
          s.setExtended(0, aLo, aHi, aSe)
          s.setExtended(1, bLo, bHi, bSe)
          s.statusFlags = 0
          let done: boolean
          if (!fast) done = softArithmetic(s, op, 2, 0, 1)
          else if (op === 6) done = extendedDivide(s, 2, 0, 1)
          else if (op === 1) done = extendedMultiply(s, 2, 0, 1)
          else done = extendedAdd(s, 2, 0, 1, op === 4)
          results.push(outcome(s, done))
        }
        if (results[0] === null) continue
        fastCount++
        const name = `op ${op} ${aSe.toString(16)}:${aHi.toString(16)}:${aLo.toString(16)} ${bSe.toString(16)}:${bHi.toString(16)}:${bLo.toString(16)} rc ${rc}`
        expect(results[0], name).toBe(results[1])
      }
    }
    expect(fastCount).toBeGreaterThan(minFast)
  })

  it('declines operands and results near the ends of the binary64 range', () => {
    const s = new X87State()
    expect(binary64Arithmetic(s, 1, 2, 1e300, 1e300)).toBe(false)
    expect(binary64Arithmetic(s, 6, 2, 1e-300, 1e300)).toBe(false)
    expect(binary64Arithmetic(s, 0, 2, 2 ** -1000, 1)).toBe(false)
    expect(binary64SquareRoot(s, 2, 2 ** -1060)).toBe(false)
  })
})
