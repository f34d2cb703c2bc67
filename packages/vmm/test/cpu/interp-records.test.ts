// Instructions the block decoder hands to the full interpreter inside a block (block-decoder.ts OP.interp): bit
// tests, CMPXCHG/XADD/CMPXCHG8B, SHLD/SHRD, BSF/BSR/TZCNT, PUSHF/POPF/CLI/STI, LOCK-prefixed forms, and an
// instruction crossing into the next page. Every engine must end in the interpreter's state and memory.
import { describe, expect, it } from 'vitest'
import { Rng } from '../qemu-diff/random-cases'
import { enablePaging, ENGINES, identityMap, protectedMachine, runForComparison, type TestMachine } from './harness'

const REGS = ['eax', 'ebx', 'edx', 'esi', 'edi'] as const
const REGS16 = ['ax', 'bx', 'dx', 'si', 'di'] as const

/** One of the forms the decoder sends to the interpreter, or a plain instruction between them. */
function form(rng: Rng): string {
  const reg = () => rng.pick(REGS)
  const mem = () => `dword [ebp + ${4 * rng.int(16)}]`
  switch (rng.int(14)) {
    case 0:
      return `${rng.pick(['bt', 'bts', 'btr', 'btc'])} ${rng.pick([reg(), mem()])}, ${rng.int(256)}`
    case 1:
      // The register bit offset of a memory operand reaches other dwords: kept small to stay in the data.
      return `and ecx, 0xff\n${rng.pick(['bt', 'bts', 'btr', 'btc'])} ${rng.pick([reg(), mem()])}, ecx`
    case 2:
      return `cmpxchg ${rng.pick([reg(), mem()])}, ${reg()}`
    case 3:
      return `xadd ${rng.pick([reg(), mem()])}, ${reg()}`
    case 4:
      return `lock ${rng.pick(['add', 'sub', 'or', 'xor', 'and', 'adc'])} ${mem()}, ${rng.pick([reg(), String(rng.int(1000))])}`
    case 5:
      return rng.pick([
        `lock cmpxchg ${mem()}, ${reg()}`,
        `lock xadd ${mem()}, ${reg()}`,
        `lock bts ${mem()}, ${rng.int(32)}`,
        `lock inc ${mem()}`,
        `lock neg ${mem()}`,
        `lock xchg ${mem()}, ${reg()}`,
        `db 0x3e\ncmpxchg ${mem()}, ${reg()}`,
      ])
    case 6:
      return `cmpxchg8b [ebp + ${8 * rng.int(8)}]`
    case 7:
      return `${rng.pick(['shld', 'shrd'])} ${rng.pick([reg(), mem()])}, ${reg()}, ${rng.int(32)}`
    case 8:
      return `${rng.pick(['shld', 'shrd'])} ${rng.pick([rng.pick(REGS16), 'word [ebp + 6]'])}, ${rng.pick(REGS16)}, cl`
    case 9:
      return `${rng.pick(['bsf', 'bsr', 'tzcnt'])} ${reg()}, ${rng.pick([reg(), mem()])}`
    case 10:
      return rng.pick([
        'pushfd\ncli\nadd eax, ebx\npopfd',
        'pushfd\npop edx',
        'cli\nsti',
        'pushfd\nxor dword [esp], 0x8d5\npopfd',
      ])
    case 11:
      return `${rng.pick(['add', 'sub', 'xor', 'adc'])} ${reg()}, ${reg()}`
    case 12:
      return `mov ${mem()}, ${reg()}`
    default:
      return `rol ${reg()}, ${1 + rng.int(31)}`
  }
}

/** Runs `source` on every engine (compiled from the first run, and after 300 interpreted instructions). */
function everyConfig(source: string, prepare: (m: TestMachine) => void) {
  const configs = [...ENGINES.map((engine) => ({ engine, compileThreshold: 0 })), { compileThreshold: 300 }]
  return configs.map((options) => {
    const m = protectedMachine(source, [], options)
    prepare(m)
    const { exit, st } = runForComparison(m, 2_000_000)
    return {
      exit: exit.reason,
      st,
      retired: m.cpu.instructionsRetired,
      data: [...m.memory.ram.subarray(0x40000, 0x40040)],
      stack: [...m.memory.ram.subarray(0x7ffe0, 0x80000)],
    }
  })
}

describe('instructions the interpreter runs inside blocks', () => {
  it('random loops of bit tests, CMPXCHG/XADD, SHLD/SHRD, BSF/BSR and flag pushes agree with the interpreter', () => {
    const rng = new Rng(0x1e_7e5c)
    for (let round = 0; round < 40; round++) {
      const body = Array.from({ length: 6 + rng.int(10) }, () => form(rng))
      const source = [`mov ecx, ${20 + rng.int(60)}`, 'mov ebp, 0x40000', 'top:', 'push ecx', ...body, 'pop ecx']
        .concat(['adc eax, 0', 'dec ecx', 'jnz top', 'hlt'])
        .join('\n')
      const start = REGS.map(() => rng.value())
      const data = Array.from({ length: 16 }, () => rng.value())
      const results = everyConfig(source, (m) => {
        const s = m.cpu.getState()
        REGS.forEach((r, k) => (s[r] = start[k]!))
        m.cpu.setState(s)
        data.forEach((v, k) => m.memory.write32(0x40000 + 4 * k, v))
      })
      expect(results[0]!.exit, source).toBe('halted')
      for (const r of results.slice(1)) expect(r, source).toEqual(results[0])
    }
  }, 180_000)

  it('raises #UD for LOCK on a register destination or on a form LOCK does not allow, as the interpreter does', () => {
    for (const bad of ['lock add eax, ebx', 'lock mov [ebp], eax', 'lock bt dword [ebp], 3', 'lock cmp [ebp], eax']) {
      // The IDT sends every vector to a HLT at 0x3000; the frame on the stack shows the faulting EIP.
      const source = `mov ebp, 0x40000\nmov ecx, 5\ntop:\nadd esi, 1\n${bad}\nhlt`
      const results = everyConfig(source, () => {})
      expect(results[0]!.st.eip, bad).toBe(0x3001)
      for (const r of results.slice(1)) expect(r, bad).toEqual(results[0])
    }
  })

  it('runs an instruction crossing into the next page with the bytes that page maps at the time', () => {
    // `mov eax, imm32` starts 2 bytes before linear 0x201000; its last 3 immediate bytes are in the next page,
    // which each pass maps to one of two physical pages (then INVLPG): the sum shows which bytes each pass ran.
    const source = `
${enablePaging(0x20000)}
  mov ecx, 200
top:
  mov edx, ecx
  and edx, 1
  shl edx, 12
  add edx, 0x50023
  mov [0x21000 + 0x201 * 4], edx
  invlpg [0x201000]
  call 0x200ffc
  add ebx, eax
  dec ecx
  jnz top
  hlt`
    const results = everyConfig(source, (m) => {
      const mem = m.memory
      identityMap(m, 0x20000, 0x21000)
      mem.write32(0x21000 + 0x200 * 4, 0x48023)
      // Linear 0x200ffc → physical 0x48ffc: NOP, NOP, then B8 and the immediate's first byte.
      mem.ram.set([0x90, 0x90, 0xb8, 0x01], 0x48ffc)
      // The rest of the immediate and RET, on the two pages the next linear page takes turns mapping.
      mem.ram.set([0x00, 0x00, 0x00, 0xc3], 0x50000)
      mem.ram.set([0x10, 0x00, 0x00, 0xc3], 0x51000)
    })
    expect(results[0]!.exit).toBe('halted')
    // 100 passes with eax = 1 and 100 with eax = 0x1001.
    expect(results[0]!.st.ebx).toBe(100 * 1 + 100 * 0x1001)
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })

  it('restarts a crossing instruction that faults at its own EIP with ESP as it was', () => {
    // PUSH [0x300000] (FF 35 + disp32) starts 2 bytes before linear 0x201000, followed there by POP EAX and RET:
    // a loop runs it until its block is cached (and compiled), then 0x300000 is unmapped and its read raises #PF.
    const source = `
${enablePaging(0x20000)}
  mov ecx, 20
top:
  mov [0x300000], ecx
  push back
  jmp 0x200ffe
back:
  add ebx, eax
  dec ecx
  jnz top
  mov dword [0x21000 + 0x300 * 4], 0
  invlpg [0x300000]
  push back
  jmp 0x200ffe`
    const results = everyConfig(source, (m) => {
      const mem = m.memory
      identityMap(m, 0x20000, 0x21000)
      mem.write32(0x21000 + 0x200 * 4, 0x48023)
      mem.write32(0x21000 + 0x201 * 4, 0x50023)
      mem.ram.set([0xff, 0x35], 0x48ffe)
      mem.ram.set([0x00, 0x00, 0x30, 0x00, 0x58, 0xc3], 0x50000)
    })
    expect(results[0]!.st.ebx).toBe((20 * 21) / 2)
    expect(results[0]!.st.eip).toBe(0x3001)
    expect(results[0]!.st.cr2).toBe(0x300000)
    // The #PF frame (error code, EIP, CS, EFLAGS) sits right under the pushed return address; its EIP is the
    // crossing instruction's.
    expect(results[0]!.st.esp).toBe(0x80000 - 4 - 16)
    expect(results[0]!.stack.slice(16, 20)).toEqual([0xfe, 0x0f, 0x20, 0x00])
    for (const r of results.slice(1)) expect(r).toEqual(results[0])
  })
})
