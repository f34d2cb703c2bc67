// Seeded generator of random integer instruction sequences for the QEMU differential tests. It tracks which
// flags each instruction leaves undefined (Intel SDM vol. 1 appendix A) so that no instruction reads an
// undefined flag and the final comparison masks them.

const CF = 0x1
const PF = 0x4
const AF = 0x10
const ZF = 0x40
const SF = 0x80
const OF = 0x800
const ALL = CF | PF | AF | ZF | SF | OF

/** A small deterministic PRNG (xorshift32). */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 1
  }
  next(): number {
    let x = this.s
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.s = x >>> 0
    return this.s
  }
  int(n: number): number {
    return this.next() % n
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
  /** A 32-bit value biased towards edge cases. */
  value(): number {
    switch (this.int(6)) {
      case 0:
        return this.pick([0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff])
      case 1:
        return this.int(256)
      case 2:
        return (0xffffff00 | this.int(256)) >>> 0
      default:
        return this.next()
    }
  }
}

const R32 = ['eax', 'ecx', 'edx', 'esi', 'edi', 'ebp']
const R16 = ['ax', 'cx', 'dx', 'si', 'di', 'bp']
const R8 = ['al', 'cl', 'dl', 'ah', 'ch', 'dh']
const CC: [string, number][] = [
  ['o', OF],
  ['no', OF],
  ['b', CF],
  ['ae', CF],
  ['e', ZF],
  ['ne', ZF],
  ['be', CF | ZF],
  ['a', CF | ZF],
  ['s', SF],
  ['ns', SF],
  ['p', PF],
  ['np', PF],
  ['l', SF | OF],
  ['ge', SF | OF],
  ['le', ZF | SF | OF],
  ['g', ZF | SF | OF],
]

/** Makes branch labels unique across every generated case. */
let labelCounter = 0

interface Insn {
  text: string
  /** Flags the instruction reads. */
  reads: number
  /** Flags it writes with defined values. */
  defines: number
  /** Flags it leaves undefined. */
  undefines: number
  /** May raise an exception (the flags at that point are dumped). */
  mayFault?: boolean
}

/** One generated case: its nasm text and the EFLAGS bits to ignore in the dump. */
export interface RandomCase {
  readonly asm: string
  readonly flagMask: number
}

function sized(rng: Rng): { size: 1 | 2 | 4; reg: () => string; mem: () => string; imm: () => string; ptr: string } {
  const size = rng.pick([1, 2, 4] as const)
  const regs = size === 1 ? R8 : size === 2 ? R16 : R32
  const ptr = size === 1 ? 'byte' : size === 2 ? 'word' : 'dword'
  const mask = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff
  return {
    size,
    ptr,
    reg: () => rng.pick(regs),
    mem: () => `${ptr} [ebx + ${rng.int(60)}]`,
    imm: () => `0x${((rng.value() & mask) >>> 0).toString(16)}`,
  }
}

function operands(rng: Rng, o: ReturnType<typeof sized>, allowImm = true): string {
  switch (rng.int(allowImm ? 4 : 3)) {
    case 0:
      return `${o.reg()}, ${o.reg()}`
    case 1:
      return `${o.reg()}, ${o.mem()}`
    case 2:
      return `${o.mem()}, ${o.reg()}`
    default:
      return rng.int(2) === 0 ? `${o.reg()}, ${o.imm()}` : `${o.mem()}, ${o.imm()}`
  }
}

function randomInsn(rng: Rng): Insn {
  const o = sized(rng)
  const dst = () => (rng.int(2) === 0 ? o.reg() : o.mem())
  switch (rng.int(24)) {
    case 0:
    case 1:
    case 2: {
      const op = rng.pick(['add', 'sub', 'cmp', 'adc', 'sbb'])
      return {
        text: `${op} ${operands(rng, o)}`,
        reads: op === 'adc' || op === 'sbb' ? CF : 0,
        defines: ALL,
        undefines: 0,
      }
    }
    case 3:
    case 4: {
      const op = rng.pick(['and', 'or', 'xor', 'test'])
      const text =
        op === 'test'
          ? `test ${rng.int(2) === 0 ? `${o.mem()}, ${o.reg()}` : `${o.reg()}, ${o.imm()}`}`
          : `${op} ${operands(rng, o)}`
      return { text, reads: 0, defines: ALL & ~AF, undefines: AF }
    }
    case 5:
      return { text: `${rng.pick(['inc', 'dec'])} ${dst()}`, reads: 0, defines: ALL & ~CF, undefines: 0 }
    case 6:
      return rng.int(2) === 0
        ? { text: `neg ${dst()}`, reads: 0, defines: ALL, undefines: 0 }
        : { text: `not ${dst()}`, reads: 0, defines: 0, undefines: 0 }
    case 7: {
      const op = rng.pick(['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'])
      const bits = o.size * 8
      const count = rng.int(3) === 0 ? 1 : 1 + rng.int(bits - 1)
      const rotate = op.startsWith('r')
      const reads = op === 'rcl' || op === 'rcr' ? CF : 0
      const text = `${op} ${dst()}, ${count}`
      if (rotate) return { text, reads, defines: count === 1 ? CF | OF : CF, undefines: count === 1 ? 0 : OF }
      return {
        text,
        reads,
        defines: CF | SF | ZF | PF | (count === 1 ? OF : 0),
        undefines: AF | (count === 1 ? 0 : OF),
      }
    }
    case 8: {
      if (o.size === 1) return { text: `mov ${o.reg()}, ${o.reg()}`, reads: 0, defines: 0, undefines: 0 }
      const count = 1 + rng.int(o.size * 8 - 1)
      const regs = o.size === 2 ? R16 : R32
      return {
        text: `${rng.pick(['shld', 'shrd'])} ${rng.int(2) === 0 ? rng.pick(regs) : o.mem()}, ${rng.pick(regs)}, ${count}`,
        reads: 0,
        defines: CF | SF | ZF | PF,
        undefines: OF | AF,
      }
    }
    case 9:
      return { text: `${rng.pick(['mul', 'imul'])} ${dst()}`, reads: 0, defines: CF | OF, undefines: SF | ZF | AF | PF }
    case 10: {
      if (o.size === 1)
        return {
          text: `imul ${rng.pick(R16)}, ${rng.pick(R16)}`,
          reads: 0,
          defines: CF | OF,
          undefines: SF | ZF | AF | PF,
        }
      const regs = o.size === 2 ? R16 : R32
      const text =
        rng.int(2) === 0 ? `imul ${rng.pick(regs)}, ${dst()}` : `imul ${rng.pick(regs)}, ${dst()}, ${o.imm()}`
      return { text, reads: 0, defines: CF | OF, undefines: SF | ZF | AF | PF }
    }
    case 11: {
      // Divisions: often #DE, which the runtime records.
      const acc = o.size === 1 ? 'ah' : o.size === 2 ? 'dx' : 'edx'
      const pre = rng.int(2) === 0 ? `xor ${acc}, ${acc}\n  ` : ''
      return {
        text: `${pre}${rng.pick(['div', 'idiv'])} ${o.mem()}`,
        reads: 0,
        defines: 0,
        undefines: ALL,
        mayFault: true,
      }
    }
    case 12: {
      const [cc, reads] = rng.pick(CC)
      const text =
        rng.int(2) === 0
          ? `set${cc} ${rng.int(2) === 0 ? rng.pick(R8) : `byte [ebx + ${rng.int(60)}]`}`
          : `cmov${cc} ${rng.pick(R32)}, ${rng.int(2) === 0 ? rng.pick(R32) : `dword [ebx + ${rng.int(60)}]`}`
      return { text, reads, defines: 0, undefines: 0 }
    }
    case 13: {
      if (o.size === 1) return { text: `xchg ${o.reg()}, ${o.mem()}`, reads: 0, defines: 0, undefines: 0 }
      const regs = o.size === 2 ? R16 : R32
      const text = rng.pick([
        `movzx ${rng.pick(regs)}, byte [ebx + ${rng.int(60)}]`,
        `movsx ${rng.pick(regs)}, ${rng.pick(R8)}`,
        `lea ${rng.pick(regs)}, [ebx + ${rng.pick(R32)} * ${rng.pick([1, 2, 4, 8])} + ${rng.int(1000)}]`,
        `bswap ${rng.pick(R32)}`,
        `xchg ${o.reg()}, ${o.reg()}`,
        o.size === 4
          ? `movzx ${rng.pick(R32)}, word [ebx + ${rng.int(60)}]`
          : `movsx ${rng.pick(R16)}, byte [ebx + ${rng.int(60)}]`,
        rng.pick(['cbw', 'cwde', 'cwd', 'cdq']),
      ])
      return { text, reads: 0, defines: 0, undefines: 0 }
    }
    case 14: {
      if (o.size === 1) return { text: 'clc', reads: 0, defines: CF, undefines: 0 }
      const op = rng.pick(['bt', 'bts', 'btr', 'btc'])
      const regs = o.size === 2 ? R16 : R32
      const text = rng.int(2) === 0 ? `${op} ${rng.pick(regs)}, ${rng.pick(regs)}` : `${op} ${o.mem()}, ${rng.int(256)}`
      return { text, reads: 0, defines: CF, undefines: OF | SF | AF | PF }
    }
    case 15: {
      if (o.size === 1) return { text: 'stc', reads: 0, defines: CF, undefines: 0 }
      const regs = o.size === 2 ? R16 : R32
      return {
        text: `${rng.pick(['bsf', 'bsr'])} ${rng.pick(regs)}, ${dst()}`,
        reads: 0,
        defines: ZF,
        undefines: CF | OF | SF | AF | PF,
      }
    }
    case 16:
      return { text: `xadd ${dst()}, ${o.reg()}`, reads: 0, defines: ALL, undefines: 0 }
    case 17:
      return { text: `cmpxchg ${dst()}, ${o.reg()}`, reads: 0, defines: ALL, undefines: 0 }
    case 18: {
      const op = rng.pick(['daa', 'das', 'aaa', 'aas', 'aam', 'aad'])
      if (op === 'daa' || op === 'das')
        return { text: op, reads: CF | AF, defines: CF | AF | SF | ZF | PF, undefines: OF }
      if (op === 'aaa' || op === 'aas') return { text: op, reads: AF, defines: CF | AF, undefines: OF | SF | ZF | PF }
      return {
        text: `${op} ${rng.int(3) === 0 ? 10 : rng.int(256)}`,
        reads: 0,
        defines: SF | ZF | PF,
        undefines: OF | AF | CF,
        mayFault: op === 'aam',
      }
    }
    case 19:
      return rng.pick([
        { text: 'cmc', reads: CF, defines: CF, undefines: 0 },
        { text: 'sahf', reads: 0, defines: SF | ZF | AF | PF | CF, undefines: 0 },
        { text: 'lahf', reads: SF | ZF | AF | PF | CF, defines: 0, undefines: 0 },
        { text: 'salc', reads: CF, defines: 0, undefines: 0 },
      ])
    case 20:
      return { text: `mov ${operands(rng, o)}`, reads: 0, defines: 0, undefines: 0 }
    case 21: {
      const regs = o.size === 1 ? R16 : o.size === 2 ? R16 : R32
      return {
        text: `${rng.pick(['push', 'push'])} ${rng.pick(regs)}\n  pop ${rng.pick(regs)}`,
        reads: 0,
        defines: 0,
        undefines: 0,
      }
    }
    case 22: {
      // Short forward branches on flags.
      const [cc, reads] = rng.pick(CC)
      const label = `.skip${labelCounter++}`
      return { text: `j${cc} ${label}\n  inc ${rng.pick(R16)}\n${label}:\n  nop`, reads, defines: 0, undefines: 0 }
    }
    default:
      return {
        text: `${rng.pick(['rcl', 'rcr'])} ${dst()}, cl`,
        reads: CF,
        defines: 0,
        undefines: ALL & ~(SF | ZF | PF | AF),
      }
  }
}

/**
 * Generates one case: random registers, flags and data area, then `length` instructions. With `code16` the
 * instructions run in a 16-bit code segment (selector 0x40, based at the cases' RAM copy; see random.test.ts);
 * with `realMode` the case is real-mode code for the image's real-mode part.
 */
export function randomCase(rng: Rng, length: number, code16 = false, realMode = false): RandomCase {
  const lines: string[] = [realMode ? 'RCASE_BEGIN' : 'CASE_BEGIN']
  for (let i = 0; i < 16; i++) lines.push(`mov dword [DATA + ${i * 4}], 0x${rng.value().toString(16)}`)
  const flags = (rng.next() & ALL) | 2
  lines.push(`push dword 0x${flags.toString(16)}`, 'popfd')
  for (const r of R32) lines.push(`mov ${r}, 0x${rng.value().toString(16)}`)
  lines.push('mov ebx, DATA')
  const back = `.back${labelCounter++}`
  const into = `.c16_${labelCounter++}`
  if (code16) lines.push(`jmp 0x40:(${into} - CASES_RAM)`, 'bits 16', `${into}:`)
  let undefinedFlags = 0
  let faultMask = 0
  let emitted = 0
  let guard = 0
  while (emitted < length && guard++ < length * 20) {
    const insn = randomInsn(rng)
    if ((insn.reads & undefinedFlags) !== 0) continue
    if (insn.mayFault === true) faultMask |= undefinedFlags
    // Rotates through CL read CF and leave OF undefined only for counts != 1; keep them simple: mark all but CF.
    undefinedFlags = (undefinedFlags & ~insn.defines) | insn.undefines
    lines.push(insn.text)
    emitted++
  }
  if (code16) lines.push(`jmp dword 0x08:${back}`, 'bits 32', `${back}:`)
  lines.push(realMode ? 'RCASE_END' : 'CASE_END')
  return { asm: lines.map((l) => `  ${l}`).join('\n'), flagMask: undefinedFlags | faultMask }
}
