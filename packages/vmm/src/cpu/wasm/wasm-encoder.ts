// A small WebAssembly binary encoder for the CPU's wasm tier (WebAssembly Core Specification 2.0, chapter 5
// "Binary Format"): function bodies built instruction by instruction with structured labels, and a module of one
// imported memory, imported functions, defined functions and exports. Only what the region compiler emits.

/** Value types. */
export const I32 = 0x7f
export const I64 = 0x7e
export type ValueType = typeof I32 | typeof I64

/** Opcodes the region compiler uses (spec §5.4). */
export const Op = {
  unreachable: 0x00,
  drop: 0x1a,
  select: 0x1b,
  i32Load: 0x28,
  i32Load8S: 0x2c,
  i32Load8U: 0x2d,
  i32Load16S: 0x2e,
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i64Ne: 0x52,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
  i64Mul: 0x7e,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  i32Extend8S: 0xc0,
  i32Extend16S: 0xc1,
} as const

/** A branch target: the nesting depth of the construct it names. */
export type Label = { readonly depth: number }

/** One function body under construction. */
export class WasmCode {
  private readonly out: number[] = []
  private depth = 0

  /** Emits raw opcodes. */
  op(...codes: number[]): this {
    for (const c of codes) this.out.push(c)
    return this
  }

  i32(value: number): this {
    this.out.push(0x41)
    signed(this.out, value | 0)
    return this
  }

  get(local: number): this {
    this.out.push(0x20)
    unsigned(this.out, local)
    return this
  }

  set(local: number): this {
    this.out.push(0x21)
    unsigned(this.out, local)
    return this
  }

  tee(local: number): this {
    this.out.push(0x22)
    unsigned(this.out, local)
    return this
  }

  /** A load or store with a constant offset (alignment hint 0: guest accesses may be unaligned). */
  mem(opcode: number, offset: number): this {
    this.out.push(opcode, 0)
    unsigned(this.out, offset >>> 0)
    return this
  }

  call(fn: number): this {
    this.out.push(0x10)
    unsigned(this.out, fn)
    return this
  }

  /** Opens a block (forward branches land after its `end`); the result type is empty unless given. */
  block(result?: ValueType): Label {
    this.out.push(0x02, result ?? 0x40)
    return { depth: ++this.depth }
  }

  /** Opens a loop (branches land at its start). */
  loop(): Label {
    this.out.push(0x03, 0x40)
    return { depth: ++this.depth }
  }

  /** Opens an `if` on the i32 on the stack; with `result`, both arms leave one value of that type. */
  if(result?: ValueType): Label {
    this.out.push(0x04, result ?? 0x40)
    return { depth: ++this.depth }
  }

  else(): this {
    this.out.push(0x05)
    return this
  }

  end(): this {
    this.out.push(0x0b)
    this.depth--
    return this
  }

  br(label: Label): this {
    this.out.push(0x0c)
    unsigned(this.out, this.relative(label))
    return this
  }

  brIf(label: Label): this {
    this.out.push(0x0d)
    unsigned(this.out, this.relative(label))
    return this
  }

  brTable(labels: readonly Label[], fallback: Label): this {
    this.out.push(0x0e)
    unsigned(this.out, labels.length)
    for (const l of labels) unsigned(this.out, this.relative(l))
    unsigned(this.out, this.relative(fallback))
    return this
  }

  /** The finished body: `end` appended. Every construct must be closed. */
  finish(): number[] {
    if (this.depth !== 0) throw new Error(`wasm body ends with ${this.depth} open constructs`)
    return [...this.out, 0x0b]
  }

  private relative(label: Label): number {
    const d = this.depth - label.depth
    if (d < 0) throw new Error('branch to a closed wasm label')
    return d
  }
}

/** A function type. */
export type FuncType = { readonly params: readonly ValueType[]; readonly results: readonly ValueType[] }

/** A defined function: its type index, local declarations beyond the parameters, and body (WasmCode.finish). */
export type FuncDef = { readonly type: number; readonly locals: readonly ValueType[]; readonly body: readonly number[] }

/** What a module holds. Imported functions take the first function indices, in order. */
export type ModuleDef = {
  readonly types: readonly FuncType[]
  readonly memory: { readonly module: string; readonly name: string; readonly shared: boolean }
  readonly imports: readonly { readonly module: string; readonly name: string; readonly type: number }[]
  readonly functions: readonly FuncDef[]
  readonly exports: readonly { readonly name: string; readonly func: number }[]
}

/** Encodes a module. */
export function encodeModule(def: ModuleDef): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  section(
    out,
    1,
    vector(def.types, (o, t) => o.push(0x60, ...vector(t.params, valueType), ...vector(t.results, valueType))),
  )
  const imports: number[] = []
  unsigned(imports, def.imports.length + 1)
  name(imports, def.memory.module)
  name(imports, def.memory.name)
  // Memory limits: shared memories must declare a maximum (the whole 32-bit space here).
  if (def.memory.shared) imports.push(0x02, 0x03, 0x00, ...leb(0x10000))
  else imports.push(0x02, 0x00, 0x00)
  for (const imp of def.imports) {
    name(imports, imp.module)
    name(imports, imp.name)
    imports.push(0x00)
    unsigned(imports, imp.type)
  }
  section(out, 2, imports)
  section(
    out,
    3,
    vector(def.functions, (o, f) => unsigned(o, f.type)),
  )
  section(
    out,
    7,
    vector(def.exports, (o, e) => {
      name(o, e.name)
      o.push(0x00)
      unsigned(o, e.func)
    }),
  )
  section(
    out,
    10,
    vector(def.functions, (o, f) => {
      const body: number[] = []
      // Locals in runs of one type.
      const runs: [number, ValueType][] = []
      for (const t of f.locals) {
        const last = runs[runs.length - 1]
        if (last !== undefined && last[1] === t) last[0]++
        else runs.push([1, t])
      }
      unsigned(body, runs.length)
      for (const [n, t] of runs) {
        unsigned(body, n)
        body.push(t)
      }
      for (const b of f.body) body.push(b)
      unsigned(o, body.length)
      for (const b of body) o.push(b)
    }),
  )
  return Uint8Array.from(out)
}

function section(out: number[], id: number, content: readonly number[]): void {
  out.push(id)
  unsigned(out, content.length)
  for (const b of content) out.push(b)
}

function vector<T>(items: readonly T[], each: (out: number[], item: T) => void): number[] {
  const out: number[] = []
  unsigned(out, items.length)
  for (const item of items) each(out, item)
  return out
}

function valueType(out: number[], t: ValueType): void {
  out.push(t)
}

function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text)
  unsigned(out, bytes.length)
  for (const b of bytes) out.push(b)
}

function leb(n: number): number[] {
  const out: number[] = []
  unsigned(out, n)
  return out
}

/** Unsigned LEB128 of a non-negative integer below 2^32. */
function unsigned(out: number[], n: number): void {
  let v = n >>> 0
  for (;;) {
    const byte = v & 0x7f
    v >>>= 7
    if (v === 0) {
      out.push(byte)
      return
    }
    out.push(byte | 0x80)
  }
}

/** Signed LEB128 of an int32. */
function signed(out: number[], n: number): void {
  let v = n | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return
  }
}
