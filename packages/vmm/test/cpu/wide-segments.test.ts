// Compiled code made while the data segments were flat 4 GB ones leaves out their bounds checks (jit/inline-memory.ts)
// and must notice when they no longer are: a subroutine compiled under a flat DS then runs under a DS with a limit,
// and must fault (#GP) at the same access as the interpreter; back under a flat DS it is compiled again.
import { describe, expect, it } from 'vitest'
import { protectedMachine, runForComparison } from './harness'

/** Data selector 0x18: base 0, byte-granular limit 0x30800, writable (D/B set). */
const LIMITED_DS: [number, number, number] = [0x18, 0x00000800, 0x00439300]

/** Calls `sub` (a load and a read-modify-write through DS at ESI, ESI += 8) 200 times per pass. */
function program(passes: string[]): string {
  const lines = ['mov esi, 0x30000', 'xor edi, edi']
  passes.forEach((setup, k) => {
    lines.push(setup, 'mov edx, 200', `pass${k}:`, 'call sub', 'dec edx', `jnz pass${k}`)
  })
  lines.push('hlt', 'sub:', 'mov eax, [esi]', 'add [esi + 4], eax', 'add edi, eax', 'add esi, 8', 'ret')
  return lines.join('\n')
}

function runBoth(source: string) {
  return (['interpreter', 'compiled'] as const).map((engine) => {
    const m = protectedMachine(source, [LIMITED_DS], { engine, compileThreshold: 1 })
    for (let a = 0x30000; a < 0x32000; a += 4) m.memory.write32(a, (a * 2654435761) | 0)
    const { exit, st } = runForComparison(m)
    return { exit: exit.reason, st, data: Buffer.from(m.memory.ram.subarray(0x30000, 0x32000)).toString('base64') }
  })
}

describe('compiled code specialised for flat data segments', () => {
  it('faults like the interpreter once DS has a limit, after being compiled under a flat DS', () => {
    // Pass 1 (flat DS) compiles `sub` and leaves ESI at 0x30640; pass 2 runs it under the limit 0x30800.
    const results = runBoth(program(['', 'mov ax, 0x18\nmov ds, ax']))
    const [interpreted, compiled] = results
    expect(interpreted!.exit).toBe('halted')
    // Halted in the #GP handler (every vector leads to a HLT at 0x3000) with ESI at the faulting pass.
    expect(interpreted!.st.eip).toBe(0x3001)
    expect(interpreted!.st.esi).toBe(0x30800)
    expect(compiled).toEqual(interpreted)
  })

  it('runs the subroutine compiled again once DS is flat again', () => {
    const results = runBoth(program(['', 'mov ax, 0x18\nmov ds, ax\nmov esi, 0x30000', 'mov ax, 0x10\nmov ds, ax']))
    const [interpreted, compiled] = results
    // Pass 2 stays below the limit (ESI 0x30000–0x30640); pass 3 runs under the flat DS again.
    expect(interpreted!.exit).toBe('halted')
    expect(interpreted!.st.esi).toBe(0x30c80)
    expect(compiled).toEqual(interpreted)
  })
})
