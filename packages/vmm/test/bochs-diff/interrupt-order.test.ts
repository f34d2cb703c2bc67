// Which comes first when IRETD leaves VIF = VIP = 1 at CPL 3 under CR4.PVI while an external interrupt is
// pending: Bochs takes the interrupt, and the #GP(0) for the virtual interrupt comes when the handler returns to
// ring 3 (its VIP check sits in the instruction fetch, after event handling). Bochs runs its own PIC and PIT;
// Boxwood gets the one-shot pair from one-shot-pic.ts. The guest waits with IF = 0 until IRR shows IRQ 0.
import { describe, expect, it } from 'vitest'
import type { Scenario } from '../qemu-diff/scenarios'
import { compareWithBochs, dataDword } from './compare'
import { oneShotPic } from './one-shot-pic'
import { haveBochs } from './run-bochs'

const VIF = 0x80000
const VIP = 0x100000

/** The IRQ 0 handler (vector 20h): counts, records the image's EIP and EFLAGS, sends EOI and returns. */
const PRELUDE = `  jmp order_cases
order_irq0:
  inc dword [ss:DATA + 4]
  push eax
  mov eax, [esp + 4]
  mov [ss:DATA + 12], eax
  mov eax, [esp + 12]
  mov [ss:DATA + 16], eax
  mov al, 0x20
  out 0x20, al
  pop eax
  iretd
order_cases:`

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'IRETD to PVI ring-3 code with VIF and VIP while IRQ 0 is pending',
    asm: `  CASE_BEGIN
  mov eax, order_irq0
  and eax, 0xffff
  or eax, 0x00080000
  mov [IDT + 0x20 * 8], eax
  mov eax, order_irq0
  and eax, 0xffff0000
  or eax, 0x8e00
  mov [IDT + 0x20 * 8 + 4], eax
  mov al, 0x11
  out 0x20, al
  mov al, 0x20
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe
  out 0x21, al
  mov al, 0x30
  out 0x43, al
  mov al, 0x10
  out 0x40, al
  xor al, al
  out 0x40, al
  mov al, 0x0a
  out 0x20, al
  mov ecx, 1000000
.wait:
  in al, 0x20
  test al, 1
  jnz .pending
  loop .wait
.pending:
  and eax, 1
  mov [DATA], eax
  xor ecx, ecx
  mov eax, cr4
  or eax, 2
  mov cr4, eax
  push dword 0x33
  push dword 0x70000
  push dword 0x${(0x202 | VIF | VIP).toString(16)}
  push dword 0x2b
  push dword .r3
  iretd
.r3:
  mov ebx, 1
  mov ebx, 2
  CASE_END`,
  },
]

describe.skipIf(!haveBochs())('a pending external interrupt and the VIF = VIP #GP vs Bochs', () => {
  it('the interrupt is taken first; the #GP(0) follows at the ring-3 instruction', async () => {
    const [d] = await compareWithBochs(PRELUDE, SCENARIOS, 'order', oneShotPic)
    expect(dataDword(d!, 0)).toBe(1) // IRR showed IRQ 0 before the IRETD
    expect(dataDword(d!, 4)).toBe(1) // the handler ran once
    expect(dataDword(d!, 16) & (VIF | VIP)).toBe(VIF | VIP)
    expect(d!.vector).toBe('d')
    expect(Number.parseInt(d!.eip!, 16)).toBe(dataDword(d!, 12)) // both at the first ring-3 instruction
    expect(d!.ebx).toBe('0')
  }, 60_000)
})
