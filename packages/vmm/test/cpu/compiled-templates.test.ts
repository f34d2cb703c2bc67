// Differential test of the record templates for 8- and 16-bit operands, shifts/rotates of every width by a
// constant and by CL, NOT/NEG, XCHG, CBW/CWD, BSWAP and the flag-bit instructions (jit/narrow-templates.ts,
// jit/shift-templates.ts) against the full interpreter: seeded random loops (ECX counts down, so CL takes many
// values, 0 and 32 included), register and memory operands, some near a data-segment limit so they fault
// mid-loop, in 32-bit protected mode and in real mode. Both engines must retire the same instructions and leave
// the same registers, flags, exception frame and memory.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import type { CpuState } from '../../src/cpu/cpu-state'
import { assemble, createMachine, protectedMachine, type TestMachine, runForComparison } from './harness'

const R32 = ['eax', 'ebx', 'edx', 'edi', 'ebp'] as const
const R16 = ['ax', 'bx', 'dx', 'di', 'bp'] as const
const R8 = ['al', 'bl', 'dl', 'ah', 'bh', 'dh'] as const
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const
const ALU = ['add', 'sub', 'adc', 'sbb', 'and', 'or', 'xor', 'cmp'] as const
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar'] as const

/** One random instruction among the forms under test; `mem` addresses memory (or null in 16-bit code). */
function instruction(rng: Rng, mem: ((w: string) => string) | null): string {
  const width = rng.pick([1, 2, 2, 4] as const)
  const regs = width === 1 ? R8 : width === 2 ? R16 : R32
  const r = () => rng.pick(regs)
  const w = width === 1 ? 'byte' : width === 2 ? 'word' : 'dword'
  const rm = () => (mem !== null && rng.int(3) === 0 ? mem(w) : r())
  const imm = () => rng.value() & (width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff)
  switch (rng.int(13)) {
    case 0:
      return `${rng.pick(ALU)} ${rm()}, ${r()}`
    case 1:
      return `${rng.pick(ALU)} ${r()}, ${rm()}`
    case 2:
      return `${rng.pick(ALU)} ${rm()}, ${rng.int(2) === 0 ? imm() : rng.int(256) - 128}`
    case 3:
      return rng.int(2) === 0 ? `test ${rm()}, ${r()}` : `test ${rm()}, ${imm()}`
    case 4:
      return rng.pick([`mov ${rm()}, ${r()}`, `mov ${r()}, ${rm()}`, `mov ${rm()}, ${imm()}`, `mov ${r()}, ${imm()}`])
    case 5:
      return `${rng.pick(['inc', 'dec', 'not', 'neg'])} ${rm()}`
    case 6:
    case 7:
      return `${rng.pick(SHIFTS)} ${rm()}, ${rng.pick([1, 1 + rng.int(31), width * 8, 0])}`
    case 8:
      return `${rng.pick(SHIFTS)} ${rm()}, cl`
    case 9:
      return `xchg ${rm()}, ${r()}`
    case 10:
      return rng.pick(['cbw', 'cwde', 'cwd', 'cdq', `bswap ${rng.pick(R32)}`, 'clc', 'stc', 'cmc', 'db 0x66, 0x90'])
    case 11:
      return `set${rng.pick(CONDITIONS)} ${rng.pick(R8)}`
    default:
      return 'pushf\n  pop dx'
  }
}

/** A loop of random instructions, each flag producer often followed by a conditional skip; ECX counts down. */
function program(rng: Rng, mem: ((w: string) => string) | null, pushf: string): string {
  const lines = [`mov ecx, ${20 + rng.int(60)}`, 'top:']
  const body = 4 + rng.int(12)
  for (let k = 0; k < body; k++) {
    lines.push(instruction(rng, mem))
    if (rng.int(3) === 0) lines.push(`j${rng.pick(CONDITIONS)} skip${k}`, instruction(rng, mem), `skip${k}:`)
    // Capture every flag (lazy or not) now and then, so all of them are compared.
    if (rng.int(4) === 0) lines.push(pushf, `pop ${rng.pick(['eax', 'ebx', 'edx'])}`)
  }
  lines.push('dec ecx', 'jnz top', pushf, 'pop eax', 'hlt')
  return lines.join('\n  ')
}

type Engine = 'interpreter' | 'blocks' | 'compiled'
type Gdt = [number, number, number][]
/** A 64 KiB data segment (selector 0x18, base 0x30000 when loaded through `setup`). */
const DATA64K: Gdt = [[0x18, 0x0000ffff, 0x00409300]]
/** The 64 KiB segment above as a data segment (accesses past 0x3FFFF fault), or a flat read-only one (stores fault). */
const LIMITED_DS = { selector: 0x18, base: 0x30000, limit: 0xffff, attributes: 0x4093 }
const READ_ONLY_DS = { selector: 0x18, base: 0, limit: 0xffffffff, attributes: 0xc091 }

/** A `setup` giving the registers of R32 the values `regs`, ESI, EFLAGS and, when given, DS. */
function startWith(regs: number[], esi: number, flags: number, ds?: CpuState['ds']): (s: CpuState) => void {
  return (s) => {
    R32.forEach((r, i) => (s[r] = regs[i]!))
    s.esi = esi
    s.eflags = flags
    if (ds !== undefined) s.ds = ds
  }
}

/**
 * Runs protected-mode `source` on each engine (the interpreter first) after `setup` edits the initial state (and
 * memory); returns per engine the exit, the final state (TSC zeroed) and `extra(m)`.
 */
function onEngines(
  source: string,
  opts: {
    engines?: readonly Engine[]
    gdt?: Gdt
    threshold?: number
    budget?: number
    setup?: (s: CpuState, m: TestMachine) => void
    extra?: (m: TestMachine) => unknown
  } = {},
) {
  return (opts.engines ?? ['interpreter', 'compiled']).map((engine) => {
    const m = protectedMachine(source, opts.gdt ?? [], { engine, compileThreshold: opts.threshold ?? 1 })
    const s = m.cpu.getState()
    opts.setup?.(s, m)
    m.cpu.setState(s)
    const { exit, st } = runForComparison(m, opts.budget ?? 1_000_000)
    return { exit, st, extra: opts.extra?.(m) }
  })
}

/** Every engine's result must equal the interpreter's, which (unless `halts` is false) ran to its HLT. */
function expectSame(results: ReturnType<typeof onEngines>, message: string, halts = true): void {
  if (halts) expect(results[0]!.exit.reason, message).toBe('halted')
  for (const r of results.slice(1)) expect(r, message).toEqual(results[0])
}

describe('compiled templates for narrow operands, shifts and unary forms vs the interpreter', () => {
  it('random 32-bit protected-mode loops retire the same instructions with the same state', () => {
    const rng = new Rng(0x7e3a)
    for (let round = 0; round < 40; round++) {
      const source = program(rng, (w) => `${w} [esi + ${rng.int(62) * 2 + rng.int(2)}]`, 'pushfd')
      const regs = R32.map(() => rng.value())
      const flags = (rng.next() & 0x8d5) | 2
      // A third of the rounds put the data near the end of a 64 KiB data segment: accesses there fault (#GP).
      const limited = round % 3 === 0
      const esi = limited ? 0xff80 + rng.int(0x40) : 0x30000
      const results = onEngines(source, {
        gdt: DATA64K,
        setup: startWith(regs, esi, flags, limited ? LIMITED_DS : undefined),
        extra: (m) => [
          Buffer.from(m.memory.ram.subarray(0x30000, 0x50000)).toString('base64'),
          [...m.memory.ram.subarray(0x7ff00, 0x80000)],
        ],
      })
      expectSame(results, source)
    }
  }, 180_000)

  it('random real-mode loops (16-bit default operand size) retire the same instructions with the same state', () => {
    const rng = new Rng(0x1616)
    for (let round = 0; round < 20; round++) {
      // Register forms only (16-bit addressing of memory stays with the block interpreter) plus one memory form.
      const source = program(rng, rng.int(2) === 0 ? (w) => `${w} [si + ${rng.int(60)}]` : null, 'pushfd')
      const regs = R32.map(() => rng.value())
      const flags = (rng.next() & 0x8d5) | 2
      const code = assemble(`bits 16\norg 0x7c00\n${source}`)
      const results = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = createMachine(4 << 20, { engine, compileThreshold: 1 })
        m.memory.ram.set(code, 0x7c00)
        const s = m.cpu.getState()
        s.cs = { selector: 0, base: 0, limit: 0xffff, attributes: 0x9b }
        R32.forEach((r, i) => (s[r] = regs[i]!))
        s.eip = 0x7c00
        s.esp = 0x7000
        s.esi = 0x3000
        s.eflags = flags
        m.cpu.setState(s)
        const { exit, st } = runForComparison(m)
        return {
          exit,
          st,
          data: [...m.memory.ram.subarray(0x3000, 0x3100)],
          stack: [...m.memory.ram.subarray(0x6f00, 0x7000)],
        }
      })
      expect(results[0]!.exit.reason, source).toBe('halted')
      expect(results[1], source).toEqual(results[0])
    }
  }, 180_000)

  it('every shift and rotate of every width leaves the same result and flags for edge values and counts', () => {
    const lines = ['xor edx, edx', 'xor esi, esi']
    const values = {
      1: [0, 1, 0x7f, 0x80, 0xff, 0x5a],
      2: [0, 1, 0x7fff, 0x8000, 0xffff, 0x1234],
      4: [0, 1, 0x80000000, -1, 0x12345678],
    }
    for (const [width, list] of Object.entries(values)) {
      const reg = width === '1' ? 'al' : width === '2' ? 'ax' : 'eax'
      for (const v of list) {
        for (const op of SHIFTS) {
          for (const n of [0, 1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32]) {
            // A CMP first, so flags a shift leaves alone (count 0, rotates) come from a live lazy state; then the
            // same shift by CL.
            for (const count of [String(n), 'cl']) {
              lines.push(`mov cl, ${n}`, `cmp esi, ${v & 0xff}`, `mov eax, ${v}`, `${op} ${reg}, ${count}`)
              lines.push('pushfd', 'pop ebx', 'add edx, ebx', 'xor edx, eax', 'rol edx, 5', 'inc esi')
            }
          }
        }
      }
    }
    const source = `${lines.join('\n')}\nhlt`
    expectSame(onEngines(source, { threshold: 0, budget: 10_000_000 }), 'edge shifts')
  })

  it('every register of every width in the unary, XCHG, MOV imm and shift-by-CL forms', () => {
    const lines = ['mov ecx, 0x0b0a0907', 'mov esi, 0x30000']
    const all8 = [...R8, 'cl', 'ch']
    for (const r of [...all8, ...R16, 'cx']) {
      for (const op of ['not', 'neg', 'inc', 'dec'])
        lines.push(
          'cmp esi, 1',
          `${op} ${r}`,
          'pushfd',
          'pop ebx',
          'add edx, ebx',
          'add edx, eax',
          'rol edx, 3',
          'add edx, ecx',
        )
      lines.push(`mov ${r}, ${all8.includes(r) ? 0x9c : 0x9c5a}`, 'add edx, eax', 'add edx, ecx', 'rol edx, 1')
      for (const s of ['rol', 'ror', 'rcl', 'shl', 'sar'])
        lines.push(`${s} ${r}, cl`, 'pushfd', 'pop ebx', 'add edx, ebx', 'add edx, eax', 'rol edx, 1')
      for (const other of all8.includes(r) ? all8 : [...R16, 'cx'])
        lines.push(`xchg ${r}, ${other}`, 'add edx, eax', 'add edx, ecx', 'rol edx, 1')
      lines.push(`xchg ${r}, [esi]`, 'add edx, eax', 'add edx, ecx', 'add edx, [esi]', 'rol edx, 1')
    }
    const source = `mov eax, 0x81c3e5f7\nmov edi, 0x12345678\nmov ebp, 0x8899aabb\n${lines.join('\n')}\nhlt`
    expectSame(onEngines(source, { threshold: 0 }), 'every register')
  })

  it('a store into the running block by XCHG, MOV word, NOT, NEG or a shift ends the block after the whole instruction', () => {
    // Each store rewrites the immediate of the next instruction (mov ebx, imm32) in the same block: the new value
    // must be used, and XCHG must still load its register.
    for (const store of [
      'xchg [patch + 1], eax',
      'mov word [patch + 1], ax',
      'not dword [patch + 1]',
      'neg word [patch + 1]',
      'shl dword [patch + 1], cl',
      'rol word [patch + 2], 4',
    ]) {
      const source = `mov ecx, 3\ntop:\nmov eax, ecx\nadd eax, 0x1234567\n${store}\npatch:\nmov ebx, 0x11111111\nadd edx, ebx\nadd edx, eax\nrol edx, 7\ndec ecx\njnz top\nhlt`
      expectSame(onEngines(source, { engines: ['interpreter', 'blocks', 'compiled'], threshold: 0 }), store)
    }
  })

  it('PUSH/POP/CALL/RET/LEAVE on a 16-bit stack segment wrap SP at 64 KiB and keep ESP bits 16-31', () => {
    // SS: 16-bit data segment (B = 0) based at 0x60000; SP starts near 0 so pushes wrap to 0xFFFx.
    const body = [
      'push eax',
      'push 0x1234',
      'push dword [esi + 8]',
      'call fn',
      'pop ebx',
      'pop edx',
      'add edx, ebx',
      'pop edi',
      'mov [esi + 8], edi',
      'push esp',
      'pop ebx',
      'add edx, ebx',
      'rol edx, 3',
    ]
    const source = `mov ecx, 40\ntop:\n${body.join('\n')}\ndec ecx\njnz top\nhlt\nfn:\npush ebp\nmov ebp, esp\nmov eax, [esi]\nadd eax, ecx\nleave\nret`
    for (const sp of [0x0004, 0x0008, 0x8000, 0xfffc]) {
      const results = onEngines(source, {
        gdt: [[0x18, 0x0000ffff, 0x00069300]],
        setup: (s) => {
          s.ss = { selector: 0x18, base: 0x60000, limit: 0xffff, attributes: 0x93 }
          s.esp = (0xabcd0000 | sp) >>> 0
          s.ebp = 0x5a5a0000
          s.esi = 0x30000
          s.eax = 0x11223344
        },
        extra: (m) => [...m.memory.ram.subarray(0x60000, 0x70000)].join(','),
      })
      expectSame(results, `SP ${sp}`)
    }
  })

  it('PUSH and CALL past an SS limit fault with the pushing instruction and ESP unchanged', () => {
    const source =
      'mov ecx, 50\ntop:\npush eax\npush 7\ncall fn\nadd esp, 8\nsub esp, 4\ndec ecx\njnz top\nhlt\nfn:\nret'
    // A 64 KiB stack segment at 0x70000 entered at ESP = 0x90: the loop walks ESP down until a push faults (#SS),
    // whose frame then goes through the same segment (a double fault on a full stack also counts).
    const results = onEngines(source, {
      gdt: DATA64K,
      setup: (s) => {
        s.ss = { selector: 0x18, base: 0x70000, limit: 0xffff, attributes: 0x4093 }
        s.esp = 0x90
      },
    })
    expectSame(results, 'SS limit', false)
  })

  it('MUL, IMUL, DIV and IDIV of every width leave the same results, flags and #DE faults', () => {
    const rng = new Rng(0xd1d1)
    let completed = 0
    for (let round = 0; round < 16; round++) {
      const lines = ['mov ecx, 30', 'top:']
      for (let k = 0; k < 10; k++) {
        const width = rng.pick([4, 4, 2, 1] as const)
        const regs =
          width === 4 ? ['ebx', 'ecx', 'edi', 'eax', 'edx'] : width === 2 ? ['bx', 'di', 'dx'] : ['bl', 'bh', 'dl']
        const w = width === 4 ? 'dword' : width === 2 ? 'word' : 'byte'
        const src = rng.int(3) === 0 ? `${w} [esi + ${rng.int(16) * 4}]` : rng.pick(regs)
        const op = rng.pick(['mul', 'imul', 'div', 'idiv', 'mul', 'imul', 'div'])
        // A division by (part of) its own dividend's high half, or by the loop counter, always faults: not those.
        if (op.endsWith('div') && /^(e?d[xlh]|ecx)$/.test(src)) continue
        lines.push(`mov edx, ${rng.value()}`, `mov eax, ${rng.value()}`)
        // Now and then a divisor of 0, 1 or 2 (#DE or a quotient overflow).
        lines.push(`mov ebx, ${rng.int(40) === 0 ? rng.int(3) : rng.value()}`, `mov edi, ${rng.value()}`)
        // Divisions keep the dividend's high part below most divisors, so that the quotient mostly fits.
        if (op.endsWith('div'))
          lines.push(width === 4 ? 'and edx, 0xff' : width === 2 ? 'xor edx, edx' : 'and eax, 0x7f')
        lines.push(`${op} ${src}`, 'pushfd', 'pop ebp', 'and ebp, 0x8c1')
        lines.push('add [esi + 64], eax', 'add [esi + 68], edx', 'add [esi + 72], ebp', 'db 0xf3, 0x90')
      }
      lines.push('dec ecx', 'jnz top', 'hlt')
      const source = lines.join('\n')
      const data = Array.from({ length: 16 }, () => (rng.int(40) === 0 ? rng.int(2) : rng.value()))
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        setup: (s, m) => {
          data.forEach((v, j) => m.memory.write32(0x30000 + j * 4, v))
          s.esi = 0x30000
        },
        extra: (m) => [[...m.memory.ram.subarray(0x30000, 0x30050)], [...m.memory.ram.subarray(0x7ff00, 0x80000)]],
      })
      expectSame(results, source, false)
      if (results[0]!.exit.retired > 1000) completed++
    }
    // Most rounds run all 30 passes (a #DE ends a round in the handler's HLT).
    expect(completed).toBeGreaterThan(8)
  })

  it('runs loops whose instructions end right at a page end, or cross it into a page mapped elsewhere, as the interpreter does', () => {
    // The loop is placed so that the page boundary at 0x11000 falls at each offset of its body in turn.
    const body = [
      'mov eax, [esi + 4]',
      'add edx, eax',
      'shr edx, 1',
      'imul ebx, edx, 0x12345',
      'add [esi + 8], ebx',
      'inc edi',
    ]
    for (let pad = 0; pad < 28; pad++) {
      const source = `jmp start\ntimes 0x1000 - 0x20 + ${pad} - ($ - $$) nop\nstart:\nmov ecx, 100\ntop:\n${body.join('\n')}\ndec ecx\njnz top\nhlt`
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        budget: 100_000,
        setup: (s, m) => {
          // Paging: identity except linear 0x11000, which maps a copy at 0x50000; physical 0x11000 holds other
          // bytes, so an instruction decoded across the page boundary from physical memory would go wrong.
          const mem = m.memory
          mem.write32(0x100000, 0x101000 | 7)
          for (let page = 0; page < 1024; page++) mem.write32(0x101000 + page * 4, (page << 12) | 7)
          mem.write32(0x101000 + 0x11 * 4, 0x50000 | 7)
          mem.ram.copyWithin(0x50000, 0x11000, 0x12000)
          mem.ram.fill(0x90, 0x11000, 0x12000)
          s.esi = 0x30000
          s.cr3 = 0x100000
          s.cr0 = 0x80000011
        },
        extra: (m) => [...m.memory.ram.subarray(0x30000, 0x30010)],
      })
      expectSame(results, `pad ${pad}`)
    }
  })

  it('LODS, STOS and MOVS without REP step ESI/EDI by DF and fault with both unchanged', () => {
    const rng = new Rng(0x5705)
    for (let round = 0; round < 12; round++) {
      const forms = ['lodsb', 'lodsd', 'stosb', 'stosd', 'movsb', 'movsd', 'fs movsd', 'cld', 'std', 'add eax, ebx']
      const body = Array.from({ length: 12 }, () => rng.pick(forms))
      const source = `mov ecx, 40\ntop:\n${body.join('\n')}\nadd edx, eax\nrol edx, 3\ndec ecx\njnz top\ncld\nhlt`
      // Half the rounds give ES a 64 KiB limit that EDI walks past (#GP from a STOS/MOVS mid-loop).
      const limited = round % 2 === 1
      const esi = 0x38000 + rng.int(0x100)
      const edi = limited ? 0xffa0 + rng.int(0x40) : 0x40000 + rng.int(0x100)
      const ebx = rng.value()
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        gdt: DATA64K,
        setup: (s) => {
          s.esi = esi
          s.edi = edi
          s.ebx = ebx
          if (limited) s.es = LIMITED_DS
        },
        extra: (m) => Buffer.from(m.memory.ram.subarray(0x30000, 0x50000)).toString('base64'),
      })
      expectSame(results, source, !limited)
    }
  })

  it('SCAS and CMPS without REP compare like CMP (conditions fused or not) and step ESI/EDI by DF', () => {
    const rng = new Rng(0x5ca5)
    const readers = () =>
      rng.pick([
        `j${rng.pick(CONDITIONS)} .skip`,
        `set${rng.pick(CONDITIONS)} dl\n  add ebx, edx`,
        'adc ebx, 0',
        'pushfd\n  pop edx\n  add ebx, edx',
      ])
    for (let round = 0; round < 16; round++) {
      const forms = ['scasb', 'scasd', 'cmpsb', 'cmpsd', 'fs cmpsb', 'lodsb', 'std', 'cld', 'add eax, ebx', 'dec al']
      const lines: string[] = []
      for (let k = 0; k < 10; k++) {
        const form = rng.pick(forms)
        lines.push(form)
        if (/scas|cmps/.test(form) && rng.int(2) === 0)
          lines.push(readers().replace('.skip', `.s${k}`), `not ebx\n.s${k}:`)
      }
      // The kernel's strncmp: LODSB; SCASB; JNE out; TEST AL, AL; JNE back.
      const strncmp =
        'mov ecx, 24\n.cmp:\ndec ecx\njs .out\nlodsb\nscasb\njne .out\ntest al, al\njne .cmp\n.out:\nsbb eax, eax'
      const source = `mov ebp, 30\ntop:\n${lines.join('\n')}\nrol ebx, 5\ndec ebp\njnz top\ncld\n${strncmp}\nhlt`
      // Half the rounds give ES a 64 KiB limit that EDI walks past (#GP from a SCAS/CMPS mid-loop).
      const limited = round % 2 === 1
      const esi = 0x38000 + rng.int(0x100)
      const edi = limited ? 0xffa0 + rng.int(0x40) : 0x40000 + rng.int(0x100)
      const [eax, ebx] = [rng.value(), rng.value()]
      // Sparse random bytes, mostly equal on both sides, so that both outcomes of each compare occur.
      const bytes = Array.from({ length: 0x400 }, () => (rng.int(4) === 0 ? rng.int(256) : 0x41))
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        gdt: DATA64K,
        setup: (s, m) => {
          s.eax = eax
          s.ebx = ebx
          s.esi = esi
          s.edi = edi
          m.memory.ram.set(bytes, 0x37f00)
          m.memory.ram.set(
            bytes.map((v, j) => (j % 7 === 0 ? v ^ 1 : v)),
            0x3ff00,
          )
          if (limited) s.es = LIMITED_DS
        },
        extra: (m) => Buffer.from(m.memory.ram.subarray(0x30000, 0x50000)).toString('base64'),
      })
      expectSame(results, source, !limited)
    }
  })
})

describe('bit tests, double shifts, CMPXCHG and XADD in compiled blocks vs the interpreter', () => {
  it('BT/BTS/BTR/BTC (register, memory, immediate and signed register offsets), SHLD/SHRD, CMPXCHG and XADD leave the same state', () => {
    const rng = new Rng(0xb175)
    const reg = () => rng.pick(['eax', 'ebx', 'edx', 'edi', 'ebp'] as const)
    const mem = () => `dword [esi + ${rng.int(32) * 4}]`
    const line = (): string => {
      switch (rng.int(11)) {
        case 9: {
          // CMPXCHG, equal half the time (EAX loaded from the destination), then a branch on its flags.
          // LOCK only with a memory destination (else #UD, which would end the program).
          const memory = rng.int(2) === 0
          const dst = memory ? mem() : reg()
          const load = rng.int(2) === 0 ? `mov eax, ${dst}\n  ` : ''
          const lock = memory && rng.int(2) === 0 ? 'lock ' : ''
          return `${load}${lock}cmpxchg ${dst}, ${reg()}\n  set${rng.pick(CONDITIONS)} dl`
        }
        case 10:
          return rng.int(2) === 0 ? `${rng.pick(['', 'lock '])}xadd ${mem()}, ${reg()}` : `xadd ${reg()}, ${reg()}`
        case 0:
          return `${rng.pick(['bt', 'bts', 'btr', 'btc'])} ${reg()}, ${reg()}`
        case 1:
          return `${rng.pick(['bt', 'bts', 'btr', 'btc'])} ${rng.int(2) === 0 ? reg() : mem()}, ${rng.int(256)}`
        case 2:
          // A register bit offset of a memory operand: signed, it picks the dword (EDX holds -64..191).
          return `mov edx, ${rng.int(256) - 64}\n  ${rng.pick(['bt', 'bts', 'btr', 'btc'])} ${mem()}, edx`
        case 3:
          return `${rng.pick(['shld', 'shrd'])} ${rng.int(2) === 0 ? reg() : mem()}, ${reg()}, ${rng.pick([0, 1, rng.int(32), 31, 32 + rng.int(8)])}`
        case 4:
          return `${rng.pick(['shld', 'shrd'])} ${rng.int(2) === 0 ? reg() : mem()}, ${reg()}, cl`
        case 5:
          return `${rng.pick(['add', 'sub', 'and', 'xor', 'cmp'])} ${reg()}, ${rng.value() | 0}`
        case 6:
          return `j${rng.pick(CONDITIONS)} .s${rng.int(1 << 30)}`
        case 7:
          return `set${rng.pick(CONDITIONS)} dl\n  adc ebx, edx`
        default:
          return 'pushfd\n  pop edx\n  add edi, edx'
      }
    }
    for (let round = 0; round < 24; round++) {
      const lines: string[] = []
      for (let k = 0; k < 14; k++) {
        const l = line()
        // A Jcc skips one instruction: its label follows the next line.
        let skipped = line()
        while (skipped.startsWith('j')) skipped = line()
        if (l.startsWith('j')) lines.push(l, skipped, `${l.split(' ')[1]}:`)
        else lines.push(l)
      }
      const source = `mov ecx, 40\ntop:\n${lines.join('\n')}\nrol ebx, 7\ndec ecx\njnz top\npushfd\npop eax\nhlt`
      const regs = R32.map(() => rng.value())
      const flags = (rng.next() & 0x8d5) | 2
      // A third of the rounds put ESI near the end of a 64 KiB data segment: accesses there fault (#GP); another
      // third make DS read-only, so that the first store faults after its read (XADD must leave its register).
      const limited = round % 3 === 0
      const readOnly = round % 3 === 1
      const esi = limited ? 0xffa0 + rng.int(0x40) : 0x30100
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        gdt: DATA64K,
        setup: startWith(regs, esi, flags, limited ? LIMITED_DS : readOnly ? READ_ONLY_DS : undefined),
        extra: (m) => Buffer.from(m.memory.ram.subarray(0x30000, 0x50000)).toString('base64'),
      })
      expectSame(results, source, !limited && !readOnly)
    }
  })
})

describe('XADD to a destination that faults on the store', () => {
  it('leaves its source register for the restart on every engine (a copy-on-write page, here a read-only DS)', () => {
    // The read succeeds and the store raises #GP (DS is read-only); the compiled engine compiles on first use.
    const source = 'mov ecx, 3\ntop:\nmov ebx, 5\nlock xadd dword [esi], ebx\ndec ecx\njnz top\nhlt'
    const results = onEngines(source, {
      engines: ['interpreter', 'blocks', 'compiled'],
      threshold: 0,
      setup: (s) => {
        s.esi = 0x30000
        s.ds = READ_ONLY_DS
      },
    })
    for (const r of results) expect(r.st.ebx).toBe(5)
    expectSame(results, source, false)
  })
})

describe('SAHF and LAHF in compiled blocks vs the interpreter and the block interpreter', () => {
  /** One random line: a flag producer, SAHF with a random AH, LAHF, a SETcc or an x87 compare read by SAHF. */
  function flagLine(rng: Rng, k: number): string {
    switch (rng.int(9)) {
      case 0:
        return `${rng.pick(['add', 'sub', 'cmp', 'adc', 'sbb', 'and', 'xor'])} ${rng.pick(['ebx', 'edx'])}, ${rng.value() | 0}`
      case 1:
        return `${rng.pick(['inc', 'dec'])} ${rng.pick(['ebx', 'edx', 'bx', 'dl'])}`
      case 2:
        return `${rng.pick(['shl', 'shr', 'sar', 'rol'])} ${rng.pick(['ebx', 'edx'])}, ${1 + rng.int(31)}`
      case 3:
        return `imul ebx, edx, ${rng.int(1 << 16) - (1 << 15)}`
      case 4:
        return `mov ah, ${rng.int(256)}\n  sahf`
      case 5:
        return `lahf\n  add [esi + 128], eax`
      case 6:
        return `set${rng.pick(CONDITIONS)} ${rng.pick(['bl', 'dh', 'al'])}`
      case 7:
        return `${rng.pick(['cmp', 'sub'])} ebx, edx\n  sahf\n  lahf\n  j${rng.pick(CONDITIONS)} s${k}\n  inc edi\n  s${k}:`
      default: {
        // The x87 compare idiom: FCOM/FUCOM (or the popping forms), FNSTSW AX, SAHF, Jcc.
        const cmp = rng.pick(['fcom st1', 'fucom st1', 'fcom dword [esi + 4]', 'fcomp st1', 'fucomp st1'])
        const pops = cmp.endsWith('p st1') ? 1 : 2
        return [
          `fild dword [esi + ${rng.int(4) * 4}]`,
          `fild dword [esi + ${rng.int(4) * 4}]`,
          cmp,
          'fnstsw ax',
          'sahf',
          `j${rng.pick(['a', 'ae', 'b', 'be', 'e', 'ne', 'p', 'np'])} f${k}`,
          'add edi, ebx',
          `f${k}:`,
          ...Array.from({ length: pops }, () => 'fstp st0'),
        ].join('\n  ')
      }
    }
  }

  it('random loops mixing flag producers, SAHF, LAHF, SETcc, Jcc and FNSTSW AX + SAHF leave the same state', () => {
    const rng = new Rng(0x5afe)
    for (let round = 0; round < 30; round++) {
      const lines = ['fninit', `mov ecx, ${10 + rng.int(30)}`, 'top:']
      const body = 4 + rng.int(14)
      for (let k = 0; k < body; k++) {
        lines.push(flagLine(rng, k))
        if (rng.int(3) === 0) lines.push(`j${rng.pick(CONDITIONS)} j${k}`, flagLine(rng, 100 + k), `j${k}:`)
        if (rng.int(4) === 0) lines.push('pushfd', 'pop ebp', 'add [esi + 132], ebp')
      }
      lines.push('dec ecx', 'jnz top', 'pushfd', 'pop eax', 'hlt')
      const source = lines.join('\n  ')
      // Some equal values, so that the x87 compares also find "equal" (ZF = 1 after SAHF).
      const data = Array.from({ length: 4 }, () => (rng.int(3) === 0 ? 7 : rng.value() | 0))
      const regs = [rng.value(), rng.value(), rng.value()]
      const flags = (rng.next() & 0x8d5) | 2
      const results = onEngines(source, {
        engines: ['interpreter', 'blocks', 'compiled'],
        setup: (s, m) => {
          data.forEach((v, j) => m.memory.write32(0x30000 + j * 4, v))
          s.esi = 0x30000
          s.ebx = regs[0]!
          s.edx = regs[1]!
          s.edi = regs[2]!
          s.eflags = flags
        },
        extra: (m) => [[...m.memory.ram.subarray(0x30000, 0x30090)]],
      })
      expectSame(results, source)
    }
  }, 180_000)
})
