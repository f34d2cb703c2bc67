// Differential harness for the x87: builds one multiboot program (nasm) from many small cases, runs it in
// `qemu-system-i386 -accel tcg` (the oracle), and runs the same assembled bytes through X87Fpu with a tiny decoder,
// then returns both memory images. Each case gets a data area (its operands and stored results) and an FXSAVE
// image of the final x87 state. The program dumps everything as hex over the serial port and exits through
// isa-debug-exit. Multiboot a.out-kludge header: Multiboot Specification 0.6.96 §3.1.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { X87Fpu } from '../../../src/cpu/fpu/x87-fpu'
import { TestHost } from './test-host'

/** One case: operand bytes for its data area and nasm lines; `D` in a line stands for the data area address. */
export interface DiffCase {
  readonly name: string
  readonly data: readonly number[]
  readonly body: readonly string[]
}

const LOAD_BASE = 0x100000
const REGION_BASE = 0x180000
const REGION_SIZE = 1024
const DATA_SIZE = 256
const FXSAVE_OFFSET = 512

/** The outcome of one case on one side. */
export interface CaseResult {
  readonly data: Uint8Array
  readonly fxsave: Uint8Array
}

/** True when qemu-system-i386 and nasm are installed. */
export function haveOracle(): boolean {
  const q = spawnSync('qemu-system-i386', ['--version'])
  const n = spawnSync('nasm', ['-v'])
  return q.status === 0 && n.status === 0
}

function programSource(cases: readonly DiffCase[]): string {
  const lines: string[] = []
  const regionsEnd = REGION_BASE + cases.length * REGION_SIZE
  lines.push(
    'bits 32',
    `org 0x${LOAD_BASE.toString(16)}`,
    'mb: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)',
    `    dd mb, 0x${LOAD_BASE.toString(16)}, load_end, load_end, start`,
    'align 16',
    'markers: dd body_start, body_end',
    'start:',
    '  mov esp, 0x90000',
    '  mov eax, cr4',
    '  or eax, 0x200', // CR4.OSFXSR so FXSAVE is architectural
    '  mov cr4, eax',
    'body_start:',
  )
  cases.forEach((c, i) => {
    const d = REGION_BASE + i * REGION_SIZE
    lines.push(`; case ${i}: ${c.name}`, '  fninit')
    for (const line of c.body) lines.push('  ' + line.replace(/\bD\b/g, `0x${d.toString(16)}`))
    lines.push(`  fxsave [0x${(d + FXSAVE_OFFSET).toString(16)}]`)
  })
  lines.push(
    'body_end:',
    `  mov esi, 0x${REGION_BASE.toString(16)}`,
    `  mov ecx, 0x${(regionsEnd - REGION_BASE).toString(16)}`,
    'dump:',
    '  mov al, [esi]',
    '  shr al, 4',
    '  call hex',
    '  mov al, [esi]',
    '  and al, 15',
    '  call hex',
    '  inc esi',
    '  dec ecx',
    '  jnz dump',
    '  mov al, 10',
    '  mov dx, 0x3f8',
    '  out dx, al',
    '  mov al, 0',
    '  out 0xf4, al',
    '  hlt',
    'hex:',
    "  add al, '0'",
    "  cmp al, '9'",
    '  jbe .ok',
    '  add al, 7',
    '.ok:',
    '  mov dx, 0x3f8',
    '  out dx, al',
    '  ret',
    `times 0x${(REGION_BASE - LOAD_BASE).toString(16)} - ($ - $$) db 0`,
  )
  cases.forEach((c, i) => {
    if (c.data.length > DATA_SIZE) throw new Error(`case ${c.name}: data too large`)
    lines.push(`; region ${i}`)
    if (c.data.length > 0) lines.push(`db ${c.data.map((b) => b & 0xff).join(',')}`)
    lines.push(`times ${REGION_SIZE * (i + 1)} - ($ - $$ - 0x${(REGION_BASE - LOAD_BASE).toString(16)}) db 0`)
  })
  lines.push('load_end:')
  return lines.join('\n') + '\n'
}

/** Assembles the cases; returns the flat image (loaded at 1 MB). */
export function assemble(cases: readonly DiffCase[], dir: string): Uint8Array {
  const src = join(dir, 'x87.asm')
  const bin = join(dir, 'x87.bin')
  writeFileSync(src, programSource(cases))
  execFileSync('nasm', ['-f', 'bin', '-w+error', '-o', bin, src])
  return new Uint8Array(readFileSync(bin))
}

/** Runs the image in QEMU and returns the memory regions it dumped. */
export function runQemu(image: Uint8Array, dir: string, caseCount: number): Uint8Array {
  const bin = join(dir, 'qemu.bin')
  writeFileSync(bin, image)
  const out = spawnSync(
    'qemu-system-i386',
    [
      '-accel',
      'tcg',
      '-cpu',
      'pentium3',
      '-m',
      '16',
      '-nodefaults',
      '-display',
      'none',
      '-serial',
      `file:${join(dir, 'serial.txt')}`,
      '-no-reboot',
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=1',
      '-kernel',
      bin,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' },
  )
  const text = readFileSync(join(dir, 'serial.txt'), 'latin1').trim()
  const expected = caseCount * REGION_SIZE * 2
  const hex = text.slice(text.length - expected)
  if (hex.length !== expected || !/^[0-9A-F]+$/.test(hex)) {
    throw new Error(
      `QEMU output malformed (status ${out.status}, ${text.length} of ${expected} chars, bad at ${hex.search(/[^0-9A-F]/)}): ${text.slice(0, 100)} ${out.stderr ?? ''}`,
    )
  }
  const bytes = new Uint8Array(expected / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** A TestHost whose memory is the program image at 1 MB (linear → linear − 1 MB). */
class ImageHost extends TestHost {
  readonly image: Uint8Array
  readonly imageView: DataView
  constructor(image: Uint8Array) {
    super()
    this.image = image.slice()
    this.imageView = new DataView(this.image.buffer)
  }
  private at(linear: number): number {
    const i = linear - LOAD_BASE
    if (i < 0 || i >= this.image.length) throw new Error(`access outside the image: ${linear.toString(16)}`)
    return i
  }
  override read8(l: number): number {
    return this.imageView.getUint8(this.at(l))
  }
  override read16(l: number): number {
    return this.imageView.getUint16(this.at(l), true)
  }
  override read32(l: number): number {
    return this.imageView.getUint32(this.at(l), true)
  }
  override write8(l: number, v: number): void {
    this.imageView.setUint8(this.at(l), v)
  }
  override write16(l: number, v: number): void {
    this.imageView.setUint16(this.at(l), v, true)
  }
  override write32(l: number, v: number): void {
    this.imageView.setUint32(this.at(l), v >>> 0, true)
  }
}

/**
 * Runs the body of the image through X87Fpu: decodes FWAIT, 66h, D8–DF with register or [disp32] operands,
 * FXSAVE/FXRSTOR [disp32], SAHF, PUSHFD + POP [disp32], and MOV [disp32], AX.
 */
export function runModel(image: Uint8Array, caseCount: number): Uint8Array {
  const host = new ImageHost(image)
  host.numericError = false
  const fpu = new X87Fpu()
  const view = new DataView(image.buffer, image.byteOffset)
  // The markers sit at the first 16-aligned offset after the 32-byte header.
  const bodyStart = view.getUint32(32, true) - LOAD_BASE
  const bodyEnd = view.getUint32(36, true) - LOAD_BASE
  let pc = bodyStart
  let pushed = 0
  while (pc < bodyEnd) {
    const start = pc
    let op = image[pc++] as number
    let operand32 = true
    if (op === 0x66) {
      operand32 = false
      op = image[pc++] as number
    }
    host.is32BitOperand = operand32
    if (op === 0x9b) {
      fpu.wait(host)
      continue
    }
    if (op === 0x9e) {
      host.eflags = (host.eflags & ~0xd5) | ((host.ax >>> 8) & 0xd5)
      continue
    }
    if (op === 0x9c) {
      pushed = host.eflags
      continue
    }
    const modrm = image[pc++] as number
    const disp = (): number => {
      if (modrm >= 0xc0) return 0
      if ((modrm & 0xc7) !== 0x05) throw new Error(`unsupported addressing at ${start.toString(16)}`)
      const d = view.getUint32(pc, true)
      pc += 4
      return d
    }
    if (op === 0xa3 && !operand32) {
      // mov [disp32], ax (the byte after A3 is the first displacement byte)
      pc--
      const d = view.getUint32(pc, true)
      pc += 4
      host.write16(d, host.ax)
      continue
    }
    if (op === 0x8f) {
      host.write32(disp(), pushed)
      continue
    }
    if (op === 0x0f) {
      const sub = image[pc++] as number
      const linear = (() => {
        if ((sub & 0xc7) !== 0x05) throw new Error('unsupported 0F AE form')
        const d = view.getUint32(pc, true)
        pc += 4
        return d
      })()
      if (modrm !== 0xae) throw new Error('unsupported 0F opcode')
      if (((sub >>> 3) & 7) === 0) fpu.fxsave(host, linear)
      else fpu.fxrstor(host, linear)
      continue
    }
    if (op < 0xd8 || op > 0xdf) throw new Error(`unsupported opcode ${op.toString(16)} at ${start.toString(16)}`)
    const linear = disp()
    fpu.execute(op, modrm, linear, host, LOAD_BASE + start, linear)
  }
  return host.image.slice(REGION_BASE - LOAD_BASE, REGION_BASE - LOAD_BASE + caseCount * REGION_SIZE)
}

/** Splits a dump into per-case results. */
export function splitResults(dump: Uint8Array, caseCount: number): CaseResult[] {
  const out: CaseResult[] = []
  for (let i = 0; i < caseCount; i++) {
    const r = dump.subarray(i * REGION_SIZE, (i + 1) * REGION_SIZE)
    out.push({ data: r.subarray(0, DATA_SIZE), fxsave: r.subarray(FXSAVE_OFFSET, FXSAVE_OFFSET + 512) })
  }
  return out
}

/** Runs cases on both sides (QEMU and the model) in a temporary directory. */
export function runBoth(cases: readonly DiffCase[]): { qemu: CaseResult[]; model: CaseResult[] } {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-x87-'))
  try {
    const image = assemble(cases, dir)
    const qemu = splitResults(runQemu(image, dir, cases.length), cases.length)
    const model = splitResults(runModel(image, cases.length), cases.length)
    return { qemu, model }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Little-endian helpers for building operand bytes. */
export function f64Bytes(x: number): number[] {
  const v = new DataView(new ArrayBuffer(8))
  v.setFloat64(0, x, true)
  return [...new Uint8Array(v.buffer)]
}
export function f32Bytes(x: number): number[] {
  const v = new DataView(new ArrayBuffer(4))
  v.setFloat32(0, x, true)
  return [...new Uint8Array(v.buffer)]
}
export function intBytes(x: number | bigint, size: number): number[] {
  let v = BigInt.asUintN(size * 8, BigInt(x))
  const out: number[] = []
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn))
    v >>= 8n
  }
  return out
}

/** Hex of a byte range, for readable failure messages. */
export function hex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  return [...bytes.subarray(from, to)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
