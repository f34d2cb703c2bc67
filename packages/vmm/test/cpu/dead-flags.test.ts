// Dead flag elimination in compiled blocks (jit/dead-flags.ts) against the full interpreter: seeded random runs of
// back-to-back flag producers (ALU, TEST, IMUL, shifts and rotates by constants, INC/DEC, ADC/SBB, byte forms) with
// readers (SETcc, CMOVcc, ADC, PUSHFD) and data reads that fault mid-loop between a producer and the record that
// overwrites its flags, so the exception frame's EFLAGS must be exact. Both engines must retire the same number of
// instructions and leave the same registers, flags, exception frame and memory.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { protectedMachine, runForComparison } from './harness'

const REGS = ['eax', 'ebx', 'edx', 'edi', 'ebp'] as const
const BYTE_REGS = ['al', 'bl', 'dl', 'ah', 'bh', 'dh'] as const
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const

/** One random flag producer (every form dead-flags.ts may leave out). */
function producer(rng: Rng): string {
  const r = () => rng.pick(REGS)
  const imm = () => rng.value() | 0
  switch (rng.int(9)) {
    case 0:
      return `${rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test'])} ${r()}, ${r()}`
    case 1:
      return `${rng.pick(['add', 'sub', 'cmp', 'and', 'or', 'xor', 'adc', 'sbb'])} ${r()}, ${imm()}`
    case 2:
      return rng.int(2) === 0 ? `imul ${r()}, ${r()}` : `imul ${r()}, ${r()}, ${imm()}`
    case 3:
      return `${rng.pick(['shl', 'shr', 'sar', 'rol', 'ror'])} ${r()}, ${1 + rng.int(31)}`
    case 4:
      return `${rng.pick(['inc', 'dec'])} ${r()}`
    case 5:
      return `${rng.pick(['add', 'sub', 'cmp', 'xor', 'adc'])} ${rng.pick(BYTE_REGS)}, ${rng.pick(BYTE_REGS)}`
    case 6:
      return `${rng.pick(['add', 'cmp', 'and'])} ${r()}, [esi + ${rng.int(64) * 4}]`
    case 7:
      return `${rng.pick(['adc', 'sbb'])} ${r()}, ${r()}`
    default:
      return `test ${r()}, ${imm()}`
  }
}

/** A record between producers: neutral, a reader, or a data read that may fault. */
function between(rng: Rng): string {
  const r = () => rng.pick(REGS)
  switch (rng.int(8)) {
    case 0:
      return `mov ${r()}, [esi + ${rng.int(64) * 4}]`
    case 1:
      return `set${rng.pick(CONDITIONS)} ${rng.pick(BYTE_REGS)}`
    case 2:
      return `cmov${rng.pick(CONDITIONS)} ${r()}, ${r()}`
    case 3:
      return `pushfd\n  pop ${r()}`
    case 4:
      return `lea ${r()}, [${r()} + ${r()} * 4 + ${rng.int(100)}]`
    case 5:
      return `movzx ${r()}, ${rng.pick(['ax', 'bl', 'dh'])}`
    default:
      return `mov ${r()}, ${r()}`
  }
}

/** A loop of producer runs (mostly back to back) with the occasional reader, neutral or faulting read between. */
function program(rng: Rng): string {
  const lines = [`mov ecx, ${10 + rng.int(30)}`, 'top:']
  const body = 6 + rng.int(16)
  for (let k = 0; k < body; k++) lines.push(rng.int(3) === 0 ? between(rng) : producer(rng))
  // ESI walks forward, so in limited rounds the reads start faulting after the block was compiled.
  lines.push('lea esi, [esi + 64]', 'dec ecx', 'jnz top', 'hlt')
  return lines.join('\n  ')
}

/** Runs `source` on both engines from the same random state; returns what each left behind. */
function runBoth(source: string, rng: Rng, limited: boolean) {
  const regs = REGS.map(() => rng.value())
  const flags = (rng.next() & 0x8d5) | 2
  const esi = limited ? 0x10000 - 256 - 64 * (3 + rng.int(8)) : 0x30000
  return (['interpreter', 'compiled'] as const).map((engine) => {
    const m = protectedMachine(source, [[0x18, 0x0000ffff, 0x00409300]], { engine, compileThreshold: 1 })
    const s = m.cpu.getState()
    REGS.forEach((r, i) => (s[r] = regs[i]!))
    s.esi = esi
    s.eflags = flags
    if (limited) s.ds = { selector: 0x18, base: 0x30000, limit: 0xffff, attributes: 0x4093 }
    m.cpu.setState(s)
    const { exit, st } = runForComparison(m)
    return { exit, st, stack: [...m.memory.ram.subarray(0x7ff00, 0x80000)] }
  })
}

describe('dead flag elimination in compiled blocks', () => {
  it('random producer runs with readers and faulting reads between leave the interpreter’s state', () => {
    const rng = new Rng(0xdeadf1a9)
    for (let round = 0; round < 50; round++) {
      const source = program(rng)
      // Half the rounds read near the end of a 64 KiB data segment: a read there raises #GP mid-block.
      const results = runBoth(source, rng, round % 2 === 0)
      expect(results[0]!.exit.reason, source).toBe('halted')
      expect(results[1], source).toEqual(results[0])
    }
  }, 60_000)

  it('a fault between a producer and its overwriter shows the producer’s flags in the exception frame', () => {
    const producers = ['imul eax, ebx', 'shl eax, 3', 'rol eax, 1', 'inc eax', 'adc eax, ebx', 'test eax, 1']
    for (const p of producers) {
      // The read of [esi] faults on the third pass (ESI moves past the segment limit); IMUL then overwrites.
      const source = `mov ecx, 3\nl:\n${p}\nmov edx, [esi]\nimul ebx, ecx\nadd esi, 0x4000\ndec ecx\njnz l\nhlt`
      const frames = (['interpreter', 'compiled'] as const).map((engine) => {
        const m = protectedMachine(source, [[0x18, 0x00000fff, 0x00409300]], { engine, compileThreshold: 0 })
        const s = m.cpu.getState()
        s.ds = { selector: 0x18, base: 0x30000, limit: 0x7fff, attributes: 0x4093 }
        Object.assign(s, { esi: 0, eax: 0x80000001, ebx: 0xffffffff, eflags: 0x8d7 })
        m.cpu.setState(s)
        expect(m.cpu.run(1_000_000).reason).toBe('halted')
        return [...m.memory.ram.subarray(0x7fff0, 0x80000)]
      })
      expect(frames[1], p).toEqual(frames[0])
    }
  })

  it('leaves out the flag stores of IMUL/shift/INC chains (the generated code stores the last producer only)', () => {
    const source =
      'mov ecx, 50\ntop:\nshr edx, 16\nimul eax, edx\nimul ebx, eax\nrol eax, 3\ninc ebx\nadd eax, ebx\nmov [esi], eax\ndec ecx\njnz top\nhlt'
    const m = protectedMachine(source, [], { engine: 'compiled', compileThreshold: 1 })
    m.cpu.setState({ ...m.cpu.getState(), esi: 0x30000 })
    expect(m.cpu.run(100_000).reason).toBe('halted')
    const code = m.cpu.compiled
      .filter((f) => f !== undefined)
      .map(String)
      .find((s) => s.includes('Math.imul'))
    expect(code).toBeDefined()
    // Six producers before the store: only ADD (exposed by the store's possible fault) records flags.
    const body = code!.slice(code!.indexOf('for (;;)'), code!.indexOf('c.write32'))
    expect(body.match(/(?:c\.|\$)lzOp = /g)).toHaveLength(1)
    expect(body).not.toMatch(/(?:c\.|\$)flags = /)
  })
})
