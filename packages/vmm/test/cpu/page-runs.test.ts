// One TLB lookup per run of base-register accesses in compiled code (jit/page-runs.ts) against the full
// interpreter: seeded random loops of [EBP ± d], [ESP + d] (SS) and [EBX + d] (DS) loads, stores and read-modify-write forms
// whose bases step through paged memory — across page boundaries, into a read-only, a not-present and an MMIO page,
// misaligned, neighbouring pages mapped apart — with base registers written between accesses and forward jumps whose targets start new runs; and a
// run that stores into the page of its own code. Both engines must agree on registers, exception frame, memory and
// dirty bits.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { enablePaging, identityMap, mapLatch, protectedMachine, runForComparison } from './harness'

const PD = 0x8000
const PT = 0x9000
const READ_ONLY_PAGE = 0x34
const MISSING_PAGE = 0x36
/** An MMIO page (identity-mapped). */
const MMIO = 0x200000

/** A random access through EBP (stack segment) or EBX (data segment). */
let label = 0

function access(rng: Rng): string {
  const at = () =>
    rng.pick([
      `[ebp - ${rng.int(16) * 4 + rng.pick([4, 4, 4, 1])}]`,
      `[ebx + ${rng.int(16) * 4 + rng.pick([0, 0, 0, 2])}]`,
      `[esp + ${rng.int(16) * 4}]`,
    ])
  const r = () => rng.pick(['eax', 'edx', 'edi'])
  switch (rng.int(9)) {
    case 0:
      return `mov ${r()}, dword ${at()}`
    case 1:
      return `mov dword ${at()}, ${r()}`
    case 2:
      return `${rng.pick(['add', 'sub', 'xor'])} dword ${at()}, ${r()}`
    case 3:
      return `${rng.pick(['add', 'cmp', 'and'])} ${r()}, dword ${at()}`
    case 4:
      return `mov byte ${at()}, ${rng.pick(['al', 'dl'])}`
    case 5:
      return `movzx ${r()}, byte ${at()}`
    case 6:
      // A base written between accesses: the run through it ends and a new one starts.
      return rng.int(2) === 0 ? `lea ebx, [ebx + ${rng.pick([4, 8, 1024])}]` : `add ebp, ${rng.pick([4, 16])}`
    case 7: {
      // A forward jump over a base change: the accesses after its target form a new run.
      // Or over accesses: a lookup made between the jump and its target serves no access after the target.
      const skip = `.s${(label += 1)}`
      const skipped =
        rng.int(2) === 0 ? 'lea ebx, [ebx + 512]' : `mov edx, [ebp - ${rng.int(16) * 4 + 4}]\n  add esi, [ebx + 4]`
      return `test eax, ${1 << rng.int(4)}\n  jz ${skip}\n  ${skipped}\n  ${skip}:`
    }
    default:
      return `push dword ${at()}\n  pop ${r()}`
  }
}

function program(rng: Rng): string {
  const lines = [`mov ecx, ${20 + rng.int(30)}`, 'top:']
  for (let k = 3 + rng.int(12); k > 0; k--) lines.push(access(rng))
  lines.push(
    `lea ebx, [ebx + ${rng.pick([64, 128, 260])}]`,
    `sub ebp, ${rng.pick([64, 256])}`,
    'dec ecx',
    'jnz top',
    'hlt',
  )
  return lines.join('\n  ')
}

function runBoth(source: string, ebx: number, ebp: number, esp: number, rng: Rng) {
  const regs = [rng.value(), rng.value(), rng.value()]
  const fill = Array.from({ length: 0x10000 }, () => rng.int(256))
  // The interpreter, compiled JavaScript, and the wasm tier (its page-run groups and fault exits).
  const configs = [
    { engine: 'interpreter' as const },
    { engine: 'compiled' as const, compileThreshold: 1 },
    { engine: 'compiled' as const, compileThreshold: 1, wasmTier: 'sync' as const },
  ]
  return configs.map((options) => {
    const m = protectedMachine(source, [], options)
    const mmio = mapLatch(m, MMIO)
    m.memory.ram.set(fill, 0x30000)
    m.memory.write32(PD, PT | 3)
    for (let p = 0; p < 1024; p++) {
      const flags = p === MISSING_PAGE ? 0 : p === READ_ONLY_PAGE ? 1 : 3
      // Neighbouring data pages map to physical pages apart, so an access past a run's page lands elsewhere.
      const frame = p >= 0x30 && p < 0x40 ? 0x30 + ((p - 0x30) ^ 5) : p
      m.memory.write32(PT + p * 4, (frame << 12) | flags)
    }
    const s = m.cpu.getState()
    ;[s.eax, s.edx, s.edi] = regs as [number, number, number]
    s.ebx = ebx
    s.ebp = ebp
    s.esp = esp
    s.cr3 = PD
    s.cr0 = 0x80010011
    m.cpu.setState(s)
    m.memory.dirty.fill(0)
    const { exit, st } = runForComparison(m)
    const ram = m.memory.ram
    return {
      exit,
      st,
      data: Buffer.from(ram.subarray(0x30000, 0x40000)).toString('base64'),
      dirty: [...m.memory.dirty.subarray(0, 16)],
      mmio,
      // Instructions the wasm tier ran (counted, not compared).
      wasmRan: m.cpu.regions?.instructions ?? 0,
    }
  })
}

/**
 * A function called four times whose prologue sets EBP from EBX and then loops `passes` times over `body` (its block
 * is compiled, with the loop inside it: the head is the function's third record).
 */
function calledLoop(body: readonly string[], passes: number): string[] {
  const caller = ['mov esi, 4', 'again:', 'call f', 'dec esi', 'jnz again', 'hlt']
  return [...caller, 'f:', 'mov ebp, ebx', `mov ecx, ${passes}`, 'top:', ...body, 'dec ecx', 'jnz top', 'ret']
}

describe('page runs: one lookup for accesses through an unchanged base register', () => {
  it('random EBP/EBX loops across pages, into read-only and missing pages and misaligned, as the interpreter', () => {
    const rng = new Rng(0xba5e)
    let inWasm = 0
    for (let round = 0; round < 24; round++) {
      const source = program(rng)
      // EBX starts just below a page boundary (or the MMIO page), misaligned in some rounds.
      const ebx = (round % 4 === 3 ? MMIO : 0x31000) - 64 * rng.int(6) - rng.pick([0, 4, 20]) + [0, 1, 2, 0][round % 4]!
      // EBP starts a few bytes above a page boundary (runs through it straddle the two pages), or walks down from
      // the missing page's end toward it.
      const ebp =
        round % 3 === 0 ? ((MISSING_PAGE + 1) << 12) + 64 * rng.int(4) : 0x3f000 + 4 * rng.int(12) - (round % 3)
      // ESP (pushes and pops move it) a little below a page boundary of the data.
      const esp = 0x3d000 - 4 * rng.int(16)
      const results = runBoth(source, ebx, ebp, esp, rng)
      inWasm += results[2]!.wasmRan
      const { wasmRan: _a, ...interpreted } = results[0]!
      const { wasmRan: _b, ...compiled } = results[1]!
      const { wasmRan: _c, ...wasm } = results[2]!
      expect(compiled, source).toEqual(interpreted)
      expect(wasm, source).toEqual(interpreted)
    }
    // The wasm configuration ran regions (its faults, MMIO and page crossings were the tier's).
    expect(inWasm).toBeGreaterThan(0)
  }, 60_000)

  it('puts one lookup before a run (the accesses index RAM from it)', () => {
    const source =
      'mov ecx, 40\ntop:\nmov eax, [ebp - 8]\nadd [ebp - 12], eax\nmov [ebp - 16], eax\ndec ecx\njnz top\nhlt'
    const m = protectedMachine(source, [], { engine: 'compiled', compileThreshold: 1 })
    m.cpu.setState({ ...m.cpu.getState(), ebp: 0x30100 })
    m.memory.write32(0x300f8, 5)
    expect(m.cpu.run(100_000).reason).toBe('halted')
    const code = m.cpu.compiled
      .filter((f) => f !== undefined)
      .map(String)
      .find((s) => s.includes('continue'))
    expect(code).toMatch(/\$g5_2 \? RAM32\[\(\$p5_2 \+ -8\) >>> 2\]/)
    expect(code).toMatch(/if \(\$w5_2\) \{ RAM32\[\(\$q5_2 \+ -16\) >>> 2\] = /)
    expect([m.memory.read32(0x300f4), m.memory.read32(0x300f0)]).toEqual([40 * 5, 5])
  })

  it('a run that stores into a page holding compiled code modifies the code the next call runs', () => {
    // EBX points at the immediate of `add edi, imm32` in a routine on the next page, which is stored to before
    // it holds code (so its write TLB entry already says dirty); each pass stores ECX there and calls it.
    const source = [
      'mov ecx, 30',
      'mov ebx, patch + 2',
      'mov [ebx], ecx',
      'mov [ebx], ecx',
      'top:',
      'mov eax, [ebx - 2]',
      'mov [ebx], ecx',
      'mov edx, [ebx]',
      'call patch',
      'dec ecx',
      'jnz top',
      'hlt',
      'times 0x1000 - ($ - $$) nop',
      'patch:',
      'add edi, 0x11111111',
      'ret',
    ].join('\n')
    const results = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      return runForComparison(m).st
    })
    expect(results[1]).toEqual(results[0])
    // Every pass adds what the pass itself stored (the interpreter's answer): 30 + 29 + … + 1.
    expect(results[0]!.edi).toBe((30 * 31) / 2)
  })

  it('looks a base register up again on every pass when the loop writes it: LOOP decrements ECX', () => {
    // [ECX + d] accesses in a LOOP loop: the branch back (emitted by the block compiler, not a record's code)
    // writes ECX, so no lookup through ECX may serve every pass (whatever ECX the compiled loop is entered with).
    for (const start of [401, 402, 403, 404]) {
      const source = [
        enablePaging(PD),
        `mov ecx, ${start}`,
        'top:',
        'add esi, [ecx + 0x40000]',
        'add edi, [ecx + 0x40004]',
        'loop top',
        'hlt',
      ].join('\n')
      const results = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
        identityMap(m, PD, PT)
        for (let i = 0; i < 256; i++) m.memory.write32(0x40000 + 4 * i, i * 7 + 1)
        return runForComparison(m).st
      })
      expect(results[1]).toEqual(results[0])
    }
  })

  it('keeps a lookup made before the loop up to the write after it, and looks the base up again past the write', () => {
    // EBP stays put through the loop (one lookup on entry), then MOV EBP, EBX after the loop's last branch back:
    // the accesses after it read another page.
    const source = [
      'mov ecx, 50',
      'top:',
      'add eax, [ebp - 8]',
      'add edx, [ebp - 12]',
      'dec ecx',
      'jnz top',
      'mov ebp, ebx',
      'add eax, [ebp - 8]',
      'add edx, [ebp - 12]',
      'hlt',
    ].join('\n')
    const results = (['interpreter', 'compiled'] as const).map((engine) => {
      const m = protectedMachine(source, [], { engine, compileThreshold: 1 })
      m.cpu.setState({ ...m.cpu.getState(), eax: 0, edx: 0, ebp: 0x30100, ebx: 0x34100 })
      m.memory.write32(0x300f8, 5)
      m.memory.write32(0x300f4, 7)
      m.memory.write32(0x340f8, 1000)
      m.memory.write32(0x340f4, 3000)
      const st = runForComparison(m).st
      return {
        st,
        code: m.cpu.compiled
          .filter((f) => f !== undefined)
          .map(String)
          .find((x) => x.includes('continue')),
      }
    })
    expect(results[1]!.st).toEqual(results[0]!.st)
    expect([results[0]!.st.eax, results[0]!.st.edx]).toEqual([50 * 5 + 1000, 50 * 7 + 3000])
    // The loop's lookup through EBP comes before the function's loop, `B0: for (;;)`.
    expect(results[1]!.code).toMatch(/\$g5_2 = \(\$e & 9\) === 9;[^\n]*\n+B0: for \(;;\)/)
  })

  it('looks up once before an inner loop a base its prologue set, across pages and into faulting pages', () => {
    // The MPI loops' shape: a function's prologue writes EBP, then a loop inside the same block reaches its locals
    // through EBP, which no record of the loop writes. The function is called a few times, so that its block (not
    // only the loop's own) is compiled. Random accesses as in the first test; EBP straddles a page boundary, sits at
    // the missing page's end or in plain RAM.
    const rng = new Rng(0x100b)
    for (let round = 0; round < 12; round++) {
      const body: string[] = []
      for (let k = 2 + rng.int(6); k > 0; k--) {
        const at = `[ebp - ${rng.int(16) * 4 + rng.pick([4, 4, 1])}]`
        const r = rng.pick(['eax', 'edx', 'edi'])
        body.push(
          rng.pick([
            `mov ${r}, dword ${at}`,
            `mov dword ${at}, ${r}`,
            `add dword ${at}, ${r}`,
            `sub ${r}, dword ${at}`,
            `movzx ${r}, byte ${at}`,
          ]),
        )
      }
      const source = calledLoop(body, 10 + rng.int(20)).join('\n  ')
      const base = [0x3f000 + 4 * rng.int(8), ((MISSING_PAGE + 1) << 12) + 4 * rng.int(8), 0x3a800][round % 3]!
      const results = runBoth(source, base, 0, 0x3d000, rng).map(({ wasmRan: _, ...r }) => r)
      expect(results[1], source).toEqual(results[0])
      expect(results[2], source).toEqual(results[0])
    }
    // The lookup comes before the inner loop (its head is the function's third record), not inside it on every pass.
    const source = calledLoop(['add eax, [ebp - 8]'], 10).join('\n')
    const m = protectedMachine(source, [], { engine: 'compiled', compileThreshold: 1 })
    m.cpu.setState({ ...m.cpu.getState(), eax: 0, ebx: 0x30100 })
    m.memory.write32(0x300f8, 3)
    expect(m.cpu.run(100_000).reason).toBe('halted')
    expect(m.cpu.getState().eax).toBe(4 * 10 * 3)
    const code = m.cpu.compiled
      .filter((f) => f !== undefined)
      .map(String)
      .find((x) => x.includes('B2: for'))
    expect(code).toMatch(/\$g5_2 = \(\$e & 9\) === 9;[^\n]*\n+B2: for \(;;\)/)
  })
})
