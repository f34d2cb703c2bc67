// The wasm tier's binary encoder against the host's WebAssembly: modules it encodes validate, link their imports
// and memory, and compute what their code says (branch depths through nested labels, br_table, LEB128 constants).
import { describe, expect, it } from 'vitest'
import { encodeModule, I32, Op, WasmCode } from '../../../src/cpu/wasm/wasm-encoder'

type Api = {
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer }
  Module: new (b: Uint8Array) => object
  Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => number> }
}
const wasm = (globalThis as unknown as { WebAssembly: Api }).WebAssembly

describe('wasm encoder', () => {
  it('encodes constants, loads, stores, calls and a br_table loop that the host runs', () => {
    // f(n, k): sums 3·i for i < n through a dispatch loop of three cases, then stores the sum at address k and
    // returns imported(sum) - load(k) (= sum + 1000000 - sum).
    const w = new WasmCode()
    const [n, k, sum, i, state] = [0, 1, 2, 3, 4]
    const exit = w.block()
    const dispatch = w.loop()
    const c2 = w.block()
    const c1 = w.block()
    const c0 = w.block()
    w.get(state).brTable([c0, c1, c2], c2)
    w.end() // case 0: i < n ? add : leave
    w.get(i).get(n).op(Op.i32LtS).op(Op.i32Eqz).brIf(exit)
    w.i32(1).set(state).br(dispatch)
    w.end() // case 1: sum += 3 * i
    w.get(sum).get(i).i32(3).op(Op.i32Mul).op(Op.i32Add).set(sum)
    w.i32(2).set(state).br(dispatch)
    w.end() // case 2: i++
    w.get(i).i32(1).op(Op.i32Add).set(i).i32(0).set(state).br(dispatch)
    w.end() // dispatch
    w.end() // exit
    w.get(k).get(sum).mem(Op.i32Store, 16)
    w.get(sum).call(0).get(k).mem(Op.i32Load, 16).op(Op.i32Sub)
    const bytes = encodeModule({
      types: [
        { params: [I32], results: [I32] },
        { params: [I32, I32], results: [I32] },
      ],
      memory: { module: 'm', name: 'memory', shared: false },
      imports: [{ module: 'm', name: 'addMillion', type: 0 }],
      functions: [{ type: 1, locals: [I32, I32, I32], body: w.finish() }],
      exports: [{ name: 'f', func: 1 }],
    })
    const memory = new wasm.Memory({ initial: 1, maximum: 1 })
    const instance = new wasm.Instance(new wasm.Module(bytes), {
      m: { memory, addMillion: (x: number) => x + 1_000_000 },
    })
    expect(instance.exports.f!(10, 100)).toBe(1_000_000)
    expect(new Int32Array(memory.buffer)[(100 + 16) / 4]).toBe(3 * 45)
  })

  it('encodes i32 constants at the signed LEB128 boundaries', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 0x7fffffff, -0x80000000, 0x12345678]
    const w = new WasmCode()
    // Returns the sum of (value_j xor j), which any mis-encoded constant would change.
    w.i32(0)
    values.forEach((v, j) => w.i32(v).i32(j).op(Op.i32Xor).op(Op.i32Add))
    const bytes = encodeModule({
      types: [{ params: [], results: [I32] }],
      memory: { module: 'm', name: 'memory', shared: false },
      imports: [],
      functions: [{ type: 0, locals: [], body: w.finish() }],
      exports: [{ name: 'g', func: 0 }],
    })
    const memory = new wasm.Memory({ initial: 1, maximum: 1 })
    const instance = new wasm.Instance(new wasm.Module(bytes), { m: { memory } })
    const expected = values.reduce((acc, v, j) => (acc + (v ^ j)) | 0, 0)
    expect(instance.exports.g!()).toBe(expected)
  })

  it('refuses a body with a construct left open', () => {
    const w = new WasmCode()
    w.block()
    expect(() => w.finish()).toThrow(/open constructs/)
  })
})
