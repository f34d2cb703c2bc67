// Differential fuzzing of structured code: seeded random loops of ALU, shift, IMUL, SETcc/CMOVcc, LEA and 8/16/32-bit
// memory records inside nested if/else and if statements (forward Jcc and JMP inside one block — block-decoder.ts
// decodes through short JMPs, jit/forward-jumps.ts nests their labels), short counted loops whose back edge lands
// mid-block, rotated loops entered at their condition (the wasm tier's loop entries), and calls to subroutines, with
// flags read after the joins. The block interpreter, compiled code (compiling on first use) and the wasm tier must
// end in exactly the state and memory the full interpreter does, after retiring as many instructions.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { ENGINES, protectedMachine, runForComparison } from './harness'

/** Registers the generated code may change (ECX counts the loop, ESP is the stack, EBP points at the data). */
const REGS = ['eax', 'ebx', 'edx', 'esi', 'edi'] as const
const CONDS = ['z', 'nz', 'c', 'nc', 'b', 'ae', 'l', 'ge', 'le', 'g', 's', 'ns', 'o', 'no', 'p', 'np', 'be', 'a']
const ALU = ['add', 'sub', 'and', 'or', 'xor', 'adc', 'sbb', 'cmp', 'test']

/** One random program: a loop whose body is `statements` nested up to three deep. */
function program(rng: Rng): string {
  let label = 0
  const lines: string[] = []
  const subroutines: string[] = []
  const reg = () => rng.pick(REGS)
  const mem = () => `[ebp + ${4 * rng.int(16)}]`
  const simple = () => {
    switch (rng.int(11)) {
      case 0:
        return `${rng.pick(ALU)} ${reg()}, ${reg()}`
      case 1:
        return `${rng.pick(ALU)} ${reg()}, ${rng.value() | 0}`
      case 2:
        return `mov ${reg()}, ${mem()}`
      case 3:
        return `mov ${mem()}, ${reg()}`
      case 4:
        return `${rng.pick(['shl', 'shr', 'sar', 'rol', 'ror'])} ${reg()}, ${1 + rng.int(31)}`
      case 5:
        return `${rng.pick(['inc', 'dec', 'neg', 'not'])} ${reg()}`
      case 6:
        return `set${rng.pick(CONDS)} ${rng.pick(['al', 'bl', 'dl'])}`
      case 7:
        return `cmov${rng.pick(CONDS)} ${reg()}, ${reg()}`
      case 8:
        return `${rng.pick(['add', 'sub', 'xor', 'cmp'])} ${mem()}, ${reg()}`
      case 9:
        return rng.pick([
          `mov byte ${mem()}, ${rng.pick(['al', 'bl', 'dh'])}`,
          `movzx ${reg()}, word ${mem()}`,
          `movsx ${reg()}, byte ${mem()}`,
          `add word ${mem()}, ${rng.pick(['ax', 'dx', 'si'])}`,
          `lea ${reg()}, [${reg()} + ${reg()} * ${rng.pick([1, 2, 4, 8])} + ${rng.int(256)}]`,
          `${rng.pick(['shl', 'shr', 'sar', 'rol', 'ror'])} ${rng.pick(['ax', 'bl', 'dh', 'si'])}, ${1 + rng.int(20)}`,
          `${rng.pick(['shl', 'shr', 'sar'])} ${rng.pick(['word', 'byte'])} ${mem()}, ${1 + rng.int(9)}`,
        ])
      default:
        return `imul ${reg()}, ${reg()}, ${rng.value() | 0}`
    }
  }
  const block = (depth: number, count: number) => {
    for (let k = 0; k < count; k++) {
      const shape = depth < 3 ? rng.int(8) : 7
      const n = label++
      if (shape === 0) {
        // if/else: the then arm ends with a short JMP over the else arm.
        lines.push(`j${rng.pick(CONDS)} .else${n}`)
        block(depth + 1, 1 + rng.int(3))
        lines.push(`jmp .end${n}`, `.else${n}:`)
        block(depth + 1, 1 + rng.int(3))
        lines.push(`.end${n}:`)
      } else if (shape === 1) {
        lines.push(`j${rng.pick(CONDS)} .end${n}`)
        block(depth + 1, 1 + rng.int(3))
        lines.push(`.end${n}:`)
      } else if (shape === 2) {
        // A short counted loop: its back edge goes to the middle of the enclosing block.
        lines.push('push ecx', `mov ecx, ${1 + rng.int(5)}`, `.loop${n}:`)
        block(depth + 1, 1 + rng.int(3))
        lines.push('dec ecx', `jnz .loop${n}`, 'pop ecx')
      } else if (shape === 4) {
        // A rotated loop (gcc -O2): entered at its condition, after the body.
        lines.push('push ecx', `mov ecx, ${1 + rng.int(5)}`, `jmp .cond${n}`, `.body${n}:`)
        block(depth + 1, 1 + rng.int(3))
        lines.push(`.cond${n}:`, 'dec ecx', `jnz .body${n}`, 'pop ecx')
      } else if (shape === 3) {
        // A call to a subroutine placed after the program.
        lines.push(`call sub${n}`)
        const body = lines.length
        lines.push(`sub${n}:`)
        block(depth + 1, 1 + rng.int(3))
        lines.push('ret')
        subroutines.push(...lines.splice(body))
      } else lines.push(simple())
    }
  }
  lines.push(`mov ecx, ${20 + rng.int(100)}`, 'mov ebp, 0x40000', 'top:')
  block(0, 4 + rng.int(8))
  // Flags after the last join feed the loop's result.
  lines.push('adc eax, 0', 'dec ecx', 'jnz top', 'hlt', ...subroutines)
  return lines.join('\n')
}

describe('structured code on every engine', () => {
  it('random loops of nested if/else end in the same state and memory as the interpreter', () => {
    const rng = new Rng(0x1f_e15e)
    let inWasm = 0
    let wasmTotal = 0
    for (let round = 0; round < 60; round++) {
      const source = program(rng)
      const start = REGS.map(() => rng.value())
      const data = Array.from({ length: 16 }, () => rng.value())
      // The compiled engine twice: compiling on first use, and after 300 interpreted instructions (blocks change
      // from the block interpreter to compiled code in mid-run).
      // Then the wasm tier (whole code pages as one WebAssembly function), from the start and from mid-run.
      const configs = [
        ...ENGINES.map((engine) => ({ engine, compileThreshold: 0 })),
        { compileThreshold: 300 },
        { compileThreshold: 0, wasmTier: 'sync' as const },
        { compileThreshold: 300, wasmTier: 'sync' as const },
      ]
      const results = configs.map((options) => {
        const m = protectedMachine(source, [], options)
        const s = m.cpu.getState()
        REGS.forEach((r, k) => (s[r] = start[k]!))
        m.cpu.setState(s)
        data.forEach((v, k) => m.memory.write32(0x40000 + 4 * k, v))
        const { exit, st } = runForComparison(m, 2_000_000)
        const retired = m.cpu.instructionsRetired
        expect(m.cpu.regions?.error ?? null).toBe(null)
        inWasm += m.cpu.regions?.instructions ?? 0
        if (m.cpu.regions) wasmTotal += retired
        return { exit: exit.reason, st, retired, data: [...m.memory.ram.subarray(0x40000, 0x40040)] }
      })
      expect(results[0]!.exit, source).toBe('halted')
      for (const r of results.slice(1)) expect(r, source).toEqual(results[0])
    }
    // The wasm configurations ran much of their code in regions (the comparison is not vacuous).
    expect(inWasm / wasmTotal).toBeGreaterThan(0.3)
  }, 180_000)
})
