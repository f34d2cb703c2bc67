// The inline RAM fast path of compiled data accesses (jit/inline-memory.ts) against the full interpreter: seeded
// random loops of 32-bit loads, stores, read-modify-write ALU forms and stack accesses walking through paged memory
// into a not-present page, a read-only page (CR0.WP), past a segment limit, misaligned and across a page boundary,
// and into an MMIO page, in 8-, 16- and 32-bit forms. Both engines must retire the same instructions and leave the same registers, exception
// frame, memory, dirty-page bits and MMIO accesses.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { mapLatch, protectedMachine, runForComparison } from './harness'

const REGS = ['eax', 'ebx', 'edx', 'edi'] as const
/** Page directory and page table (identity map of the first 4 MiB, 4 KiB pages). */
const PD = 0x8000
const PT = 0x9000
/** The data the loops walk through: 0x30000… with page 0x34 read-only and page 0x36 not present. */
const READ_ONLY_PAGE = 0x34
const MISSING_PAGE = 0x36
/** An MMIO page mapped at 0x200000 (identity-mapped, so the loops reach it as linear 0x200000). */
const MMIO = 0x200000

/** One random data access (the forms compiled code reads and writes with `c.readN`/`c.writeN`). */
function access(rng: Rng): string {
  const r = () => rng.pick(REGS)
  const at = () => `[esi + ${rng.int(24) * 4 + rng.pick([0, 0, 0, 1, 2, 3])}]`
  const r8 = () => rng.pick(['al', 'bl', 'dl', 'bh'])
  switch (rng.int(11)) {
    case 7:
      return `movzx ${r()}, ${rng.pick(['byte', 'word'])} ${at()}`
    case 8:
      return `mov byte ${at()}, ${r8()}`
    case 9:
      return `${rng.pick(['add', 'sub', 'cmp', 'mov'])} ${r8()}, byte ${at()}`
    case 10:
      return rng.int(2) === 0 ? `mov word ${at()}, ${rng.pick(['ax', 'bx', 'dx'])}` : `movsx ${r()}, word ${at()}`
    case 0:
      return `mov ${r()}, dword ${at()}`
    case 1:
      return `mov dword ${at()}, ${r()}`
    case 2:
      return `${rng.pick(['add', 'sub', 'xor', 'cmp'])} ${r()}, dword ${at()}`
    case 3:
      return `${rng.pick(['add', 'or', 'and'])} dword ${at()}, ${r()}`
    case 4:
      return `push dword ${at()}\n  pop ${r()}`
    case 5:
      return `mov dword ${at()}, ${rng.value() | 0}`
    default:
      return `imul ${r()}, dword ${at()}`
  }
}

/** A loop of accesses relative to ESI, which steps forward so later passes reach the traps set up below. */
function program(rng: Rng): string {
  const lines = [`mov ecx, ${30 + rng.int(40)}`, 'top:']
  const body = 3 + rng.int(10)
  // A load first, so a pass that crosses a limit or a missing page mostly faults on a read.
  lines.push(`mov ${rng.pick(REGS)}, dword [esi + ${rng.int(4)}]`)
  for (let k = 0; k < body; k++) lines.push(access(rng))
  lines.push(`lea esi, [esi + ${rng.pick([64, 128, 256, 260])}]`, 'dec ecx', 'jnz top', 'hlt')
  return lines.join('\n  ')
}

/** Runs `source` on both engines with paging on; returns everything the two runs must agree on. */
function runBoth(source: string, esi: number, rng: Rng, limit = 0xffffffff) {
  const regs = REGS.map(() => rng.value())
  const fill = Array.from({ length: 0x8000 }, () => rng.int(256))
  return (['interpreter', 'compiled'] as const).map((engine) => {
    const m = protectedMachine(source, [[0x18, 0x0000ffff, 0x00cf9300]], { engine, compileThreshold: 1 })
    const mmio = mapLatch(m, MMIO)
    m.memory.ram.set(fill, 0x30000)
    m.memory.write32(PD, PT | 3)
    for (let p = 0; p < 1024; p++) {
      const flags = p === MISSING_PAGE ? 0 : p === READ_ONLY_PAGE ? 1 : 3
      m.memory.write32(PT + p * 4, (p << 12) | flags)
    }
    const s = m.cpu.getState()
    REGS.forEach((r, i) => (s[r] = regs[i]!))
    s.esi = esi
    s.cr3 = PD
    s.cr0 = 0x80010011
    s.ds = { selector: 0x18, base: 0, limit, attributes: limit === 0xffffffff ? 0xc093 : 0x4093 }
    m.cpu.setState(s)
    m.memory.dirty.fill(0)
    const { exit, st } = runForComparison(m)
    const ram = m.memory.ram
    return {
      exit,
      st,
      data: Buffer.from(ram.subarray(0x30000, 0x38000)).toString('base64'),
      stack: [...ram.subarray(0x7ff00, 0x80000)],
      dirty: [...m.memory.dirty.subarray(0, 8)],
      mmio,
    }
  })
}

describe('inline RAM fast path of compiled data accesses', () => {
  it('random access loops reach page faults, read-only pages, misaligned and page-crossing data like the interpreter', () => {
    const rng = new Rng(0x1a11e)
    for (let round = 0; round < 24; round++) {
      const source = program(rng)
      // Start a few passes before the read-only page, misaligned in a quarter of the rounds.
      const esi = (READ_ONLY_PAGE << 12) - 64 * (2 + rng.int(12)) + [2, 3, 0, 0][round % 4]!
      const results = runBoth(source, esi, rng)
      expect(results[0]!.exit.reason, source).toBe('halted')
      expect(results[1], source).toEqual(results[0])
    }
  }, 60_000)

  it('a segment limit and an MMIO page end the fast path exactly where the interpreter faults or calls the device', () => {
    const rng = new Rng(0x5e9)
    for (let round = 0; round < 16; round++) {
      const source = program(rng)
      const mmio = round % 2 === 0
      const esi = mmio ? MMIO - 64 * (2 + rng.int(8)) : 0x31000
      const results = runBoth(
        source,
        esi,
        rng,
        mmio ? 0xffffffff : 0x31000 + 64 * (3 + rng.int(8)) + (round % 4 === 1 ? 1 : 3),
      )
      expect(results[0]!.exit.reason, source).toBe('halted')
      expect(results[1], source).toEqual(results[0])
      if (mmio) expect(results[0]!.mmio.length, source).toBeGreaterThan(0)
    }
  }, 60_000)

  it('faults at the exact byte: a word read crossing into a missing page, a dword read ending past a limit', () => {
    const rng = new Rng(0xed6e)
    const cases: [string, number, number][] = [
      // ESI steps by one byte: the word at 0x35fff crosses into the missing page 0x36.
      ['movzx eax, word [esi]', (MISSING_PAGE << 12) - 6, 0xffffffff],
      ['mov byte [esi + 1], bl\n  movsx edx, word [esi]', (MISSING_PAGE << 12) - 5, 0xffffffff],
      // The aligned dword at 0x31004 ends at 0x31007, past the limit 0x31006.
      ['mov eax, [esi]', 0x30ff8, 0x31006],
      ['mov [esi], eax', 0x30ff8, 0x31005],
      ['movzx eax, word [esi]', 0x30ff8, 0x31006],
    ]
    for (const [access, esi, limit] of cases) {
      const source = `mov ecx, 40\ntop:\n  ${access}\n  add edi, eax\n  inc esi\n  dec ecx\n  jnz top\n  hlt`
      const results = runBoth(source, esi, rng, limit)
      expect(results[0]!.st.esi, access).toBeLessThan(esi + 40)
      expect(results[1], access).toEqual(results[0])
    }
  })

  it('an aligned store into compiled code elsewhere takes the slow path, which drops the stale code', () => {
    // A compiled loop that, in its last ten passes, stores into the imm32 of a MOV in a subroutine it calls (the
    // store is aligned and hits plain RAM, so only the decoded-code check keeps it off the fast path).
    const source = [
      'mov ecx, 40',
      'xor edi, edi',
      'mov esi, 0x30000',
      'top:',
      'lea eax, [ecx * 8 + 5]',
      'mov ebx, 0x30000',
      'cmp ecx, 10',
      'cmovb ebx, esi',
      'mov esi, target + 1',
      'mov [ebx], eax',
      'call sub',
      'dec ecx',
      'jnz top',
      'hlt',
      'times (7 - ($ - $$) % 4) % 4 nop',
      'sub:',
      'target:',
      'mov edx, 3',
      'add edi, edx',
      'ret',
    ].join('\n')
    const sums = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      expect(m.cpu.run(100_000).reason).toBe('halted')
      return m.cpu.getState().edi
    })
    expect(sums[1]).toBe(sums[0])
    // Passes with ECX = 40..10 add 3; those with ECX = 9..1 add what their own store wrote (ECX * 8 + 5).
    expect(sums[0]).toBe(31 * 3 + (8 * 45 + 5 * 9))
  })

  it('compiles loads and stores to the inline path (the generated code indexes RAM directly)', () => {
    const source = 'mov ecx, 50\ntop:\nmov eax, [esi]\nadd [esi + 4], eax\nmov [esi + 8], eax\ndec ecx\njnz top\nhlt'
    const m = protectedMachine(source, [], { engine: 'compiled', compileThreshold: 1 })
    m.cpu.setState({ ...m.cpu.getState(), esi: 0x30000 })
    m.memory.write32(0x30000, 3)
    expect(m.cpu.run(100_000).reason).toBe('halted')
    const code = m.cpu.compiled
      .filter((f) => f !== undefined)
      .map(String)
      .find((s) => s.includes('jnz') || s.includes('continue'))
    expect(code).toMatch(/RAM32\[/)
    expect([m.memory.read32(0x30004), m.memory.read32(0x30008)]).toEqual([150, 3])
  })
})

describe('dirty-page tracking of compiled stores', () => {
  it('marks a page dirty again after its bit was collected, though the TLB said it was dirty', () => {
    // A compiled loop storing to page 0x30 (ESI fixed) and to page 0x40 + ECX*4 (EDI walks within the page).
    const source = 'top:\nmov [esi], ecx\nmov [edi + ecx * 4], eax\ndec ecx\njnz top\nhlt'
    const pages = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      m.cpu.setState({ ...m.cpu.getState(), ecx: 300, esi: 0x30000, edi: 0x40000, eax: 7 })
      m.memory.dirty.fill(0)
      const seen: number[][] = []
      const collect = () => {
        const dirty: number[] = []
        m.memory.collectDirtyPages(0x30000, 0x20000, (gpa) => dirty.push(gpa))
        seen.push(dirty)
      }
      // Run in slices, collecting between them: every slice stores to both pages again.
      for (let k = 0; k < 4; k++) {
        m.cpu.run(200)
        collect()
      }
      return seen
    })
    expect(pages[1]).toEqual(pages[0])
    for (const dirty of pages[0]!) expect(dirty).toEqual([0x30000, 0x40000])
  })
})
