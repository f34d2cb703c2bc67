// The block interpreter reads records from their packed copy (BlockCache.rec): every field the decoder writes must
// come back unchanged from the packed words, including the signed ones (no register: -1, displacements, immediates,
// condition codes), 16-bit addressing, the scale and the "no override" segment of string instructions (255).
import { describe, expect, it } from 'vitest'
import {
  BlockCache,
  REC_WORDS,
  recA16,
  recAux,
  recBase,
  recIndex,
  recOp,
  recReg,
  recRm,
  recScale,
  recSeg,
  recSize,
} from '../../src/cpu/block-decoder'
import { assemble } from './harness'

/** The fields the decoder writes, each with its reader of the packed words (as block-exec.ts reads them). */
const FIELDS = {
  op: (w0: number) => recOp(w0),
  size: (w0: number) => recSize(w0),
  scale: (w0: number) => recScale(w0),
  a16: (w0: number) => recA16(w0),
  aux: (w0: number) => recAux(w0),
  reg: (w0: number) => recReg(w0),
  rm: (_: number, w1: number) => recRm(w1),
  base: (_: number, w1: number) => recBase(w1),
  index: (_: number, w1: number) => recIndex(w1),
  seg: (_: number, w1: number) => recSeg(w1),
  disp: (_: number, __: number, w2: number) => w2,
  imm: (_: number, __: number, ___: number, w3: number) => w3,
} as const

/** Each field of record `i` as the packed words give it and as the decoder's field array holds it. */
function bothViews(b: BlockCache, i: number) {
  const w = b.rec.subarray(i * REC_WORDS, (i + 1) * REC_WORDS)
  const names = Object.keys(FIELDS) as (keyof typeof FIELDS)[]
  return {
    packed: Object.fromEntries(names.map((f) => [f, FIELDS[f](w[0]!, w[1]!, w[2]!, w[3]!)])),
    fields: Object.fromEntries(names.map((f) => [f, b[f][i]])),
  }
}

const CODE32 = `bits 32
  mov eax, [ebx + esi * 8 - 0x7ffffff0]
  mov [fs:edi * 4 + 0x12345678], ecx
  add dword [esp + 4], -5
  sub al, 0x80
  shr edx, 31
  sar byte [ebp - 1], cl
  movsx eax, word [gs:esi]
  lea edi, [eax + eax * 2 + 0x7fffffff]
  cmp ecx, 0xffffffff
  cmovg ebx, [ecx]
  setnz byte [edx]
  lodsb
  rep stosd
  jl $ - 100`

const CODE16 = `bits 16
  mov ax, [bp + di - 2]
  add word [si + 0x7ff0], 3
  mov [es:bx], dx
  inc cx
  sub byte [bx + si + 0x80], 7
  jz $ + 50`

describe('packed records', () => {
  for (const [name, source, code32] of [
    ['32-bit code', CODE32, true],
    ['16-bit code', CODE16, false],
  ] as const) {
    it(`hold every field of ${name}`, () => {
      const ram = new Uint8Array(0x4000)
      const bytes = assemble(source)
      ram.set(bytes, 0x1000)
      const b = new BlockCache()
      const slot = b.decode(ram, 0x1000, code32, 7)
      const n = b.count[slot]!
      expect(n).toBeGreaterThan(3)
      for (let i = b.first[slot]!; i < b.first[slot]! + n; i++) {
        const { packed, fields } = bothViews(b, i)
        expect(packed).toEqual(fields)
      }
    })
  }

  it('are repacked when a decode reuses pool indexes', () => {
    const ram = new Uint8Array(0x4000)
    ram.set(assemble(CODE32), 0x1000)
    ram.set(assemble(CODE16), 0x2000)
    const b = new BlockCache()
    b.decode(ram, 0x1000, true, 1)
    b.flushAll()
    const slot = b.decode(ram, 0x2000, false, 2)
    for (let i = b.first[slot]!; i < b.first[slot]! + b.count[slot]!; i++) {
      const { packed, fields } = bothViews(b, i)
      expect(packed).toEqual(fields)
    }
  })
})
