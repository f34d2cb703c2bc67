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

/** A growable byte buffer (module code is built byte by byte; a plain array was a tenth of the build time). */
export class ByteSink {
  private bytes = new Uint8Array(256)
  length = 0

  push(b: number): void {
    if (this.length === this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2)
      bigger.set(this.bytes)
      this.bytes = bigger
    }
    this.bytes[this.length++] = b
  }

  append(data: Uint8Array | ByteSink): void {
    const src = data instanceof ByteSink ? data.view() : data
    if (this.length + src.length > this.bytes.length) {
      let size = this.bytes.length * 2
      while (size < this.length + src.length) size *= 2
      const bigger = new Uint8Array(size)
      bigger.set(this.bytes.subarray(0, this.length))
      this.bytes = bigger
    }
    this.bytes.set(src, this.length)
    this.length += src.length
  }

  /** The bytes so far (a view: valid until the next push). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }
}

/** A branch target: the nesting depth of the construct it names. */
export type Label = { readonly depth: number }

/** One function body under construction. */
export class WasmCode {
  private readonly out = new ByteSink()
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
    this.out.push(opcode)
    this.out.push(0)
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
    this.out.push(0x02)
    this.out.push(result ?? 0x40)
    return { depth: ++this.depth }
  }

  /** Opens a loop (branches land at its start). */
  loop(): Label {
    this.out.push(0x03)
    this.out.push(0x40)
    return { depth: ++this.depth }
  }

  /** Opens an `if` on the i32 on the stack; with `result`, both arms leave one value of that type. */
  if(result?: ValueType): Label {
    this.out.push(0x04)
    this.out.push(result ?? 0x40)
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
  finish(): Uint8Array {
    if (this.depth !== 0) throw new Error(`wasm body ends with ${this.depth} open constructs`)
    this.out.push(0x0b)
    return this.out.view().slice()
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
export type FuncDef = { readonly type: number; readonly locals: readonly ValueType[]; readonly body: Uint8Array }

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
  const out = new ByteSink()
  for (const b of [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) out.push(b)
  section(
    out,
    1,
    vector(def.types, (o, t) => {
      o.push(0x60)
      o.append(vector(t.params, (p, v) => p.push(v)))
      o.append(vector(t.results, (p, v) => p.push(v)))
    }),
  )
  const imports = new ByteSink()
  unsigned(imports, def.imports.length + 1)
  name(imports, def.memory.module)
  name(imports, def.memory.name)
  imports.push(0x02)
  // Memory limits: shared memories must declare a maximum (the whole 32-bit space here).
  if (def.memory.shared) {
    imports.push(0x03)
    imports.push(0x00)
    unsigned(imports, 0x10000)
  } else {
    imports.push(0x00)
    imports.push(0x00)
  }
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
      const head = new ByteSink()
      // Locals in runs of one type.
      const runs: [number, ValueType][] = []
      for (const t of f.locals) {
        const last = runs[runs.length - 1]
        if (last !== undefined && last[1] === t) last[0]++
        else runs.push([1, t])
      }
      unsigned(head, runs.length)
      for (const [n, t] of runs) {
        unsigned(head, n)
        head.push(t)
      }
      unsigned(o, head.length + f.body.length)
      o.append(head)
      o.append(f.body)
    }),
  )
  return out.view().slice()
}

function section(out: ByteSink, id: number, content: ByteSink): void {
  out.push(id)
  unsigned(out, content.length)
  out.append(content)
}

function vector<T>(items: readonly T[], each: (out: ByteSink, item: T) => void): ByteSink {
  const out = new ByteSink()
  unsigned(out, items.length)
  for (const item of items) each(out, item)
  return out
}

function name(out: ByteSink, text: string): void {
  const bytes = new TextEncoder().encode(text)
  unsigned(out, bytes.length)
  out.append(bytes)
}

/** Unsigned LEB128 of a non-negative integer below 2^32. */
function unsigned(out: ByteSink, n: number): void {
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
function signed(out: ByteSink, n: number): void {
  let v = n | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return
  }
}
