// The flat PC = 64 entry of x87-binary64.ts (extendedArithmetic, which the stack helpers call before the general
// dispatch) against the exact 80-bit path (x87-softfloat.ts, itself checked against QEMU): operands mixing binary64
// values and 64-bit significands, biased to ties, exact results, power-of-two boundaries and the ends of the
// accepted exponent range, every rounding mode, #P masked and unmasked. Whenever the fast entry stores a result it
// must be the softfloat's bits, flags, C1 and binary64 view; declining is always allowed but must be rare.
import { describe, expect, it } from 'vitest'
import { extendedArithmetic } from '../../../src/cpu/fpu/x87-binary64'
import { softArithmetic } from '../../../src/cpu/fpu/x87-softfloat'
import { X87State } from '../../../src/cpu/fpu/x87-state'
import { rng } from './seeded-random'

const OPS = [0, 1, 4, 5, 6, 7] as const // add, mul, sub, subr, div, divr (ARITH numbering)
/** Rounds of 24 cases × 4 rounding modes; X87_PROPERTY_ROUNDS raises it for a long local run. */
const ROUNDS = Number(process.env.X87_PROPERTY_ROUNDS ?? 1500)

/** An operand: a binary64 value or an 80-bit image [lo, hi, signExp]. */
type Operand = number | readonly [number, number, number]

function word(r: () => number, i: number): number {
  switch (i % 5) {
    case 0:
      return Math.floor(r() * 16)
    case 1:
      return 0xffffffff - Math.floor(r() * 16)
    case 2:
      return (Math.floor(r() * 2 ** 21) * 0x800) >>> 0 // low 11 bits clear: the value is a binary64 one
    default:
      return Math.floor(r() * 2 ** 32)
  }
}

/** Exponent (unbiased): mostly near 1, sometimes anywhere up to and past the fast path's limits. */
function exponent(r: () => number): number {
  const k = r()
  if (k < 0.7) return Math.floor((r() - 0.5) * 40)
  if (k < 0.85) return Math.floor((r() - 0.5) * 1840)
  return (r() < 0.5 ? -1 : 1) * (380 + Math.floor(r() * 540)) // around 2^±400, 2^±800, 2^±900
}

function randomOperand(r: () => number, i: number): Operand {
  const sign = r() < 0.5 ? 0x8000 : 0
  const e = exponent(r)
  if (r() < 0.5) {
    const shortMantissa = r() < 0.3
    const mant = shortMantissa
      ? 1 + Math.floor(r() * 64) / 64
      : 1 + Math.floor(r() * 2 ** 26) * 2 ** -26 + Math.floor(r() * 2 ** 26) * 2 ** -52
    return (sign !== 0 ? -mant : mant) * 2 ** e
  }
  const hi = r() < 0.15 ? 0xffffffff - Math.floor(r() * 4) : (0x80000000 | Math.floor(r() * 2 ** 31)) >>> 0
  return [word(r, i), hi, sign | (16383 + e)]
}

/** A binary64 operand that puts a sum with `x` on or near a 64-bit tie (half a unit of x's last place). */
function tieAddend(r: () => number, x: Operand): number {
  const e = typeof x === 'number' ? Math.floor(Math.log2(Math.abs(x))) : (x[2] & 0x7fff) - 16383
  const odd = 2 * Math.floor(r() * 1024) + 1
  const nudge = r() < 0.3 ? 2 ** -40 * (r() < 0.5 ? -1 : 1) : 0
  return (r() < 0.5 ? -1 : 1) * (odd + nudge) * 2 ** (e - 64)
}

function load(s: X87State, slot: number, v: Operand): void {
  if (typeof v === 'number') s.setValue(slot, v)
  else s.setExtended(slot, v[0], v[1], v[2])
}

function show(v: Operand): string {
  return typeof v === 'number' ? String(v) : v.map((w) => w.toString(16)).join(':')
}

/** Slot 2's image, binary64 view and marks, and the status word after an operation, or null when it declined. */
function outcome(s: X87State, done: boolean): string | null {
  if (!done) return null
  const view = `v=${s.values[2]} raw=${s.rawValid[2]} den=${s.denormal[2]} empty=${s.empty[2]}`
  const at = s.loadExtended(2)
  const image = [s.ext[at + 2], s.ext[at + 1], s.ext[at]].map((w) => w!.toString(16)).join(':')
  return `${image} sw=${s.statusWord().toString(16)} ${view}`
}

function runBoth(op: number, x: Operand, y: Operand, cw: number, c1: boolean): [string | null, string | null] {
  const results: (string | null)[] = []
  for (const fast of [true, false]) {
    const s = new X87State()
    s.controlWord = cw
    load(s, 0, x)
    load(s, 1, y)
    s.empty[2] = 1
    s.statusFlags = c1 ? 0x200 : 0
    let done: boolean
    if (fast) done = extendedArithmetic(s, op, 2, 0, 1)
    else if (op === 5 || op === 7) done = softArithmetic(s, op - 1, 2, 1, 0)
    else done = softArithmetic(s, op, 2, 0, 1)
    results.push(outcome(s, done))
  }
  return [results[0] ?? null, results[1] ?? null]
}

describe('x87 PC = 64 arithmetic entry (extendedArithmetic)', () => {
  it('stores exactly what the softfloat stores for mixed binary64 and 80-bit operands, every RC', () => {
    const r = rng(0x6464)
    let taken = 0
    let total = 0
    for (let i = 0; i < ROUNDS * 24; i++) {
      const op = OPS[i % OPS.length] as number
      const x = randomOperand(r, i)
      let y = randomOperand(r, i + 1)
      if ((op === 0 || op === 4) && i % 3 === 0) y = tieAddend(r, x)
      // Exact quotients and products that land on the grid: small integers and their multiples.
      if ((op === 1 || op >= 6) && i % 5 === 0) y = 1 + Math.floor(r() * 7)
      const masks = r() < 0.3 ? 0x5f : 0x7f // #P unmasked a third of the time
      for (let rc = 0; rc < 4; rc++) {
        const cw = 0x0300 | masks | (rc << 10)
        const [fast, exact] = runBoth(op, x, y, cw, r() < 0.5)
        total++
        if (fast === null) continue
        taken++
        expect(fast, `op ${op} ${show(x)} ${show(y)} cw ${cw.toString(16)}`).toBe(exact)
      }
    }
    // In-range operands are the large majority: the entry must take nearly all of them.
    expect(taken / total).toBeGreaterThan(0.6)
  })

  it('declines other precisions, empty, denormal, special and far-out operands without changing anything', () => {
    const cases: [number, Operand, Operand, number][] = [
      [0, [1, 0x80000000, 16383], 1 / 3, 0x027f], // PC = 53
      [1, [1, 0x80000000, 16383], 1 / 3, 0x007f], // PC = 24
      [0, [1, 0x80000000, 0x7fff], 1 / 3, 0x037f], // NaN image
      [0, Infinity, 1 / 3, 0x037f],
      [1, [1, 0x80000000, 16383 + 401], [3, 0xc0000000, 16383], 0x037f], // product beyond 2^±400 operands
      [6, [1, 0x80000000, 16383 - 801], 3, 0x037f],
      [0, [1, 0x40000000, 16383], 1, 0x037f], // unnormal
      [0, 0, [1, 0x80000000, 16383], 0x037f],
      [2, [1, 0x80000000, 16383], 3, 0x037f], // FCOM numbering: not arithmetic
    ]
    for (const [op, x, y, cw] of cases) {
      const s = new X87State()
      s.controlWord = cw
      load(s, 0, x)
      load(s, 1, y)
      s.statusFlags = 0x200
      const before = JSON.stringify([s.ext, s.values, s.rawValid, s.statusFlags])
      expect(extendedArithmetic(s, op, 2, 0, 1), `op ${op} ${show(x)} ${show(y)}`).toBe(false)
      expect(JSON.stringify([s.ext, s.values, s.rawValid, s.statusFlags])).toBe(before)
    }
    const s = new X87State()
    s.controlWord = 0x037f
    load(s, 0, [1, 0x80000000, 16383])
    load(s, 1, 1 / 3)
    s.denormal[1] = 1 // a denormal binary32/64 source: #D is the general path's
    expect(extendedArithmetic(s, 0, 2, 0, 1)).toBe(false)
    s.denormal[1] = 0
    s.empty[1] = 1
    expect(extendedArithmetic(s, 0, 2, 0, 1)).toBe(false)
  })
})
