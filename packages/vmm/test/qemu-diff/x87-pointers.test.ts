// Differential test of the x87 last-instruction and last-data pointers in the FSTENV/FSAVE images against QEMU:
// real mode and virtual-8086 mode store 20-bit linear addresses (CS·16 + IP, segment base + offset) with FOP,
// protected mode stores selector:offset (Intel SDM vol. 1 §8.1.10, figures 8-9 to 8-12). QEMU writes zeros
// in the reserved upper halves of 32-bit images where Intel processors write ones, so those bytes are masked.
import { describe, expect, it } from 'vitest'
import { haveOracle } from '../cpu/fpu/qemu-harness'
import { parseDumps } from './dumps'
import { buildImage, ENGINES, runBoxwood, runQemu } from './run-both'
import { LAYOUT } from './runtime'

/** Real-mode cases: FLD through ES (base 0x7500) and DS, then the 16- and 32-bit environment images. */
const REAL = [
  `  RCASE_BEGIN
  fninit
  mov ax, 0x0750
  mov es, ax
  fld qword [es:0x0012]
  fnstenv [DATA]
  o32 fnstenv [DATA + 16]
  RCASE_END`,
  // A data address with bits 16–19 set (1234:5678 = 0x179B8) in a 16-bit FNSAVE image. (QEMU 7.2's FRSTOR and
  // FLDENV do not load the pointers, so the round trip through FRSTOR is unit-tested instead.)
  `  RCASE_BEGIN
  fninit
  fld1
  mov ax, 0x1234
  mov fs, ax
  fcom dword [fs:0x5678]
  fnsave [DATA]
  RCASE_END`,
]

/**
 * V86-mode code at 0700:0000 (linear 0x7000), entered by IRETD with DS = 0x0800 (the data area): FLD from DS,
 * 16-bit FNSTENV to DS:0, FLD from 0710:0004 through ES, 32-bit FNSTENV to DS:16, then INT3 back to ring 0.
 */
const V86_CODE = [
  0xd9, 0xe8, 0xdd, 0x1e, 0x30, 0x00, 0xd9, 0x36, 0x00, 0x00, 0x26, 0xdd, 0x06, 0x04, 0x00, 0x66, 0xd9, 0x36, 0x10,
  0x00, 0xcc,
]
const V86 = `  CASE_BEGIN
  mov edi, DATA
  xor eax, eax
  mov ecx, 16
  rep stosd
  fninit
${V86_CODE.map((b, i) => `  mov byte [0x7000 + ${i}], 0x${b.toString(16)}`).join('\n')}
  push dword 0
  push dword 0
  push dword ${LAYOUT.data >> 4}
  push dword 0x0710
  push dword 0x0
  push dword 0x6ff0
  push dword 0x23202
  push dword 0x0700
  push dword 0x0000
  iretd
  CASE_END`

/** An environment image inside a case's data area: offset, 32-bit layout, and the FOP of the instruction. */
interface EnvImage {
  readonly at: number
  readonly is32: boolean
  readonly fop: number
}

/**
 * QEMU 7.2 stores the protected-mode layout (offset and selector) in every mode. This rewrites such an image
 * into the real-mode layout of the SDM from QEMU's own selector:offset values, with the FOP the SDM defines
 * (QEMU does not track FOP) and the reserved upper halves zeroed (QEMU writes zeros there, Intel ones).
 */
function toRealModeLayout(data: Buffer, image: EnvImage): void {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const { at, fop } = image
  if (!image.is32) {
    const ip = v.getUint16(at + 8, true) * 16 + v.getUint16(at + 6, true)
    const dp = v.getUint16(at + 12, true) * 16 + v.getUint16(at + 10, true)
    v.setUint16(at + 6, ip & 0xffff, true)
    v.setUint16(at + 8, (((ip >>> 16) & 0xf) << 12) | fop, true)
    v.setUint16(at + 10, dp & 0xffff, true)
    v.setUint16(at + 12, ((dp >>> 16) & 0xf) << 12, true)
    return
  }
  const ip = v.getUint16(at + 16, true) * 16 + v.getUint32(at + 12, true)
  const dp = v.getUint16(at + 24, true) * 16 + v.getUint32(at + 20, true)
  v.setUint32(at + 12, ip & 0xffff, true)
  v.setUint32(at + 16, (((ip >>> 16) << 12) | fop) >>> 0, true)
  v.setUint32(at + 20, dp & 0xffff, true)
  v.setUint32(at + 24, ((dp >>> 16) << 12) >>> 0, true)
}

/** Zeroes the reserved upper halves of a 32-bit real-mode image (control, status, tag, IP and DP low words). */
function clearReserved(data: Buffer, image: EnvImage): void {
  if (image.is32) for (const field of [0, 4, 8, 12, 20]) data.fill(0, image.at + field + 2, image.at + field + 4)
}

/** Per case (real-mode cases, then the V86 case): the environment images in its data area. */
const IMAGES: readonly (readonly EnvImage[])[] = [
  [
    { at: 0, is32: false, fop: 0x506 }, // FLD m64 (DD /0, ModRM 06)
    { at: 16, is32: true, fop: 0x506 },
  ],
  [
    { at: 0, is32: false, fop: 0x16 }, // FCOM m32 (D8 /2, ModRM 16), in the FNSAVE image
  ],
  [
    { at: 0, is32: false, fop: 0x51e }, // FSTP m64 (DD /3, ModRM 1E)
    { at: 16, is32: true, fop: 0x506 }, // ES: FLD m64 (DD /0, ModRM 06)
  ],
]

describe.skipIf(!haveOracle())('x87 instruction/data pointers in real and V86 mode vs QEMU', () => {
  it('FSTENV/FNSAVE images hold 20-bit linear pointers outside protected mode', async () => {
    const image = buildImage(`v86_case:\n${V86}`, REAL.map((c, i) => `real_x87_${i}:\n${c}`).join('\n'))
    const qemu = parseDumps(await runQemu(image))
    expect(qemu.length).toBe(IMAGES.length)
    const expected = qemu.map((q, i) => {
      const data = Buffer.from(q.data!, 'hex')
      for (const img of IMAGES[i]!) {
        toRealModeLayout(data, img)
        clearReserved(data, img)
      }
      return { vector: q.vector, data: data.toString('hex') }
    })
    for (const engine of ENGINES) {
      const box = parseDumps(runBoxwood(image, engine)).map((b, i) => {
        const data = Buffer.from(b.data!, 'hex')
        for (const img of IMAGES[i] ?? []) clearReserved(data, img)
        return { vector: b.vector, data: data.toString('hex') }
      })
      expect({ engine: engine.engine, box }).toEqual({ engine: engine.engine, box: expected })
    }
  }, 60_000)
})
