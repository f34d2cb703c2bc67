// The block interpreter reads records from their packed copy (BlockCache.rec): every field the decoder writes must
// come back unchanged from the packed words, including the signed ones (no register: -1, displacements, immediates,
// condition codes), 16-bit addressing, the scale and the "no override" segment of string instructions (255).
import { describe, expect, it } from 'vitest'
import { BlockCache, REC_WORDS } from '../../src/cpu/block-decoder'
import { assemble } from './harness'

/** The fields of record `i` read back from the packed words, as block-exec.ts reads them. */
function unpacked(b: BlockCache, i: number) {
  const w0 = b.rec[i * REC_WORDS]!
  const w1 = b.rec[i * REC_WORDS + 1]!
  return {
    op: w0 & 0xff,
    size: (w0 >>> 8) & 15,
    scale: (w0 >>> 12) & 3,
    a16: (w0 >>> 14) & 1,
    aux: (w0 << 8) >> 24,
    reg: w0 >> 24,
    rm: (w1 << 24) >> 24,
    base: (w1 << 16) >> 24,
    index: (w1 << 8) >> 24,
    seg: w1 >>> 24,
    disp: b.rec[i * REC_WORDS + 2]!,
    imm: b.rec[i * REC_WORDS + 3]!,
  }
}

/** The same fields from the decoder's field arrays. */
function fields(b: BlockCache, i: number) {
  return {
    op: b.op[i]!,
    size: b.size[i]!,
    scale: b.scale[i]!,
    a16: b.a16[i]!,
    aux: b.aux[i]!,
    reg: b.reg[i]!,
    rm: b.rm[i]!,
    base: b.base[i]!,
    index: b.index[i]!,
    seg: b.seg[i]!,
    disp: b.disp[i]!,
    imm: b.imm[i]!,
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
      for (let i = b.first[slot]!; i < b.first[slot]! + n; i++) expect(unpacked(b, i)).toEqual(fields(b, i))
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
    for (let i = b.first[slot]!; i < b.first[slot]! + b.count[slot]!; i++) expect(unpacked(b, i)).toEqual(fields(b, i))
  })
})
