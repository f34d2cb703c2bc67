// Compiled blocks leave through one shared epilogue (jit/compile-block.ts sharedExits), which checks the CS limit
// only for branches: a block that runs up to the limit and falls through must retire its last instruction and
// fault (#GP) on the next fetch, as the interpreter does — not on that instruction.
import { describe, expect, it } from 'vitest'
import { ENGINES, protectedMachine, runForComparison } from './harness'

/** Code selector 0x18: base 0, byte-granular limit 0x10FFF, 32-bit. */
const LIMITED_CS: [number, number, number] = [0x18, 0x00000fff, 0x00419b00]

const PROGRAM = `
  jmp 0x18:start
start:
  xor eax, eax
  xor edx, edx
  ; #GP (vector 13) to handler, through the limited code segment
  mov dword [0x2000 + 13 * 8], (0x18 << 16) | (handler - $$ + 0x10000) & 0xffff
  mov dword [0x2000 + 13 * 8 + 4], ((handler - $$ + 0x10000) & 0xffff0000) | 0x8e00
  mov ecx, 50
again:
  jmp tail
handler:
  add esp, 4
  add edx, [esp]
  dec ecx
  jz done
  mov dword [esp], again
  iret
done:
  hlt
  times 0xffe - ($ - $$) nop
tail:
  inc eax
  inc eax
`

describe('compiled block exits', () => {
  it('a block ending at the CS limit retires its last instruction; the next fetch faults', () => {
    const results = ENGINES.map((engine) => {
      const m = protectedMachine(PROGRAM, [LIMITED_CS], { engine, compileThreshold: 1 })
      const { exit, st } = runForComparison(m)
      return { exit: exit.reason, st }
    })
    expect(results[0]!.exit).toBe('halted')
    // 50 passes through `tail`, each adding 2 before the #GP at 0x11000 (EDX sums the faulting EIPs).
    expect(results[0]!.st.eax).toBe(100)
    expect(results[0]!.st.edx).toBe(50 * 0x11000)
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })
})
