// Compiled code keeps ESP in a JavaScript local when the stack is 32-bit (jit/compile-block.ts espInLocal): a
// subroutine's PUSHes and POPs then never touch `c.regs[4]` until the block leaves. These check what that must
// still get right, against the interpreter: a fault after PUSHes in the same block (ESP stored back before the
// fault is delivered, whose frame lands below it), and a subroutine compiled on a 32-bit stack that later runs on
// a 16-bit one (SP wraps within 64 KiB, ESP's upper half stays) — the function must hand that back to the block
// interpreter.
import { describe, expect, it } from 'vitest'
import { protectedMachine, runForComparison } from './harness'

/** Data selector 0x18: base 0, byte-granular limit 0x30800, writable (D/B set). */
const LIMITED_DS: [number, number, number] = [0x18, 0x00000800, 0x00439300]
/**
 * Stack selector 0x20: base 0, limit 4 GiB, writable, D/B clear — a 16-bit stack (SP, not ESP) whose accesses still
 * take every offset, so only the stack-size check on entry (not the one for flat segments) can tell.
 */
const STACK16: [number, number, number] = [0x20, 0x0000ffff, 0x008f9300]

/** `sub`: PUSHes, a load and a read-modify-write through DS at ESI, POPs (EBX's value read back); ESI += 8. */
const SUB = [
  'sub:',
  'push ebx',
  'push esi',
  'mov eax, [esi]',
  'add [esi + 4], eax',
  'pop esi',
  'pop ebx',
  'add edi, eax',
  'add edi, ebx',
  'add esi, 8',
  'ret',
]

/** Runs `source` (which ends in `sub`) on the interpreter and compiled from the first run of each block. */
function runBoth(source: string) {
  return (['interpreter', 'compiled'] as const).map((engine) => {
    const m = protectedMachine(source, [LIMITED_DS, STACK16], { engine, compileThreshold: 1 })
    for (let a = 0x30000; a < 0x32000; a += 4) m.memory.write32(a, (a * 2654435761) | 0)
    const { exit, st } = runForComparison(m)
    const stack = (base: number) => Buffer.from(m.memory.ram.subarray(base, base + 0x10000)).toString('base64')
    return {
      exit: exit.reason,
      st,
      data: Buffer.from(m.memory.ram.subarray(0x30000, 0x32000)).toString('base64'),
      stacks: [stack(0x70000), stack(0)],
    }
  })
}

describe('ESP in a local of compiled code', () => {
  it('is stored back before a fault after PUSHes in the same block is delivered', () => {
    // DS has a limit from the start: `sub` faults (#GP) at its load once ESI reaches 0x30800, after two PUSHes.
    const source = ['mov ax, 0x18', 'mov ds, ax', 'mov esi, 0x30000', 'xor edi, edi', 'again:', 'call sub', 'jmp again']
    const [interpreted, compiled] = runBoth([...source, ...SUB].join('\n'))
    expect(interpreted!.exit).toBe('halted')
    // Halted in the #GP handler; its frame (error code, EIP, CS, EFLAGS) sits below the two PUSHes and the CALL's return address.
    expect(interpreted!.st.eip).toBe(0x3001)
    expect(interpreted!.st.esi).toBe(0x30800)
    expect(interpreted!.st.esp).toBe(0x80000 - 4 - 8 - 16)
    expect(compiled).toEqual(interpreted)
  })

  it('leaves a subroutine compiled on a 32-bit stack to the block interpreter on a 16-bit one', () => {
    const pass = (k: number) => ['mov edx, 200', `pass${k}:`, 'mov ebx, edx', 'call sub', 'dec edx', `jnz pass${k}`]
    const source = [
      'mov esi, 0x30000',
      'xor edi, edi',
      // Pass 0 compiles `sub` on the flat 32-bit stack.
      ...pass(0),
      // Pass 1 on the 16-bit stack, SP at the bottom of its 64 KiB and ESP's upper half set: the first PUSH wraps SP.
      'mov ebp, esp',
      'mov ax, 0x20',
      'mov ss, ax',
      'mov esp, 0x12340004',
      ...pass(1),
      'mov ecx, esp',
      'mov ax, 0x10',
      'mov ss, ax',
      'mov esp, ebp',
      // Pass 2 back on the 32-bit stack.
      ...pass(2),
      'hlt',
    ]
    const [interpreted, compiled] = runBoth([...source, ...SUB].join('\n'))
    expect(interpreted!.exit).toBe('halted')
    expect(interpreted!.st.ecx).toBe(0x12340004)
    expect(interpreted!.st.esi).toBe(0x30000 + 600 * 8)
    expect(compiled).toEqual(interpreted)
  })
})
