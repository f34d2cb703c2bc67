// INT 15h AH=86h (wait CX:DX microseconds) in the Boxwood BIOS: a boot program waits half a second and checks
// with the BDA tick count (IRQ 0 keeps running) that the time passed; the test sees the virtual time the call
// took and that the CPU slept in HLT meanwhile (only timer ticks ran). With IRQ 14 masked the BIOS cannot
// sleep, polls, and the wait still ends. Spec: IBM PC/AT Technical Reference, INT 15h function 86h; Ralf
// Brown's Interrupt List (INT 15/AH=86h: CF clear, AH = 00h on success).
import { describe, expect, it } from 'vitest'
import type { Vm } from '@boxwood/vmm'
import { PRINT_ROUTINES, REAL_MODE_SETUP, biosMachine, bootUntil, programDisk, verdictLine } from './boot-helpers'

/** Waits 500 ms (checking 8–11 BDA ticks passed), then 20 ms with IRQ 14 masked. */
const PROGRAM = `
bits 16
org 0x7c00
main:
${REAL_MODE_SETUP}    mov si, msgStart
    call com1_print
    mov eax, [0x46c]
    mov [ticks], eax
    mov ah, 0x86
    mov cx, 0x0007
    mov dx, 0xa120                ; 7A120h = 500,000 microseconds
    int 0x15
    jc fail
    test ah, ah
    jnz fail
    mov eax, [0x46c]
    sub eax, [ticks]
    cmp eax, 8                    ; 0.5 s is 9.1 ticks of 54.9 ms
    jb fail
    cmp eax, 11
    ja fail
    mov si, msgWaited
    call com1_print
    in al, 0xa1
    or al, 0x40
    out 0xa1, al
    mov ah, 0x86
    xor cx, cx
    mov dx, 20000                 ; 20 ms
    int 0x15
    jc fail
    in al, 0xa1
    and al, 0xbf
    out 0xa1, al
    mov si, msgOk
    call com1_print
.halt:
    cli
    hlt
    jmp .halt
fail:
    mov si, msgFailed
    call com1_print
    jmp main.halt
${PRINT_ROUTINES}ticks: dd 0
msgStart: db 'START', 13, 10, 0
msgWaited: db 'WAITED', 13, 10, 0
msgOk: db 'WAIT-OK', 13, 10, 0
msgFailed: db 'WAIT-FAILED', 13, 10, 0
times 510 - ($ - $$) db 0
dw 0xaa55
`

const options = () => ({ luns: { ide: { 0: programDisk(PROGRAM) } }, bootOrder: ['disk' as const] })

/**
 * Runs 1 ms steps until COM1 shows `marker` (or a failure): the virtual time that took, and the instructions
 * retired up to the step before (the marker's own step goes on with the program's next part).
 */
function stepsUntil(vm: Vm, text: () => string, marker: string): { ms: number; instructions: number } {
  const start = { ns: vm.nowNs(), instructions: vm.cpu.instructionsRetired }
  let instructions = 0
  for (let i = 0; i < 2000 && !text().includes(marker) && !text().includes('FAILED'); i++) {
    instructions = vm.cpu.instructionsRetired - start.instructions
    vm.runFor(1_000_000)
  }
  return { ms: (vm.nowNs() - start.ns) / 1e6, instructions }
}

describe('Boxwood BIOS: INT 15h AH=86h', () => {
  it('waits CX:DX microseconds of virtual time asleep in HLT, and still ends when it cannot sleep', async () => {
    const { vm, com1 } = await bootUntil(options(), verdictLine('START'))
    const text = () => com1.text()
    expect(text()).toContain('START')
    // The call began inside the 2 ms slice in which START appeared.
    const steps = (marker: string) => stepsUntil(vm, text, marker)

    const asleep = steps('WAITED')
    expect(text()).not.toContain('WAIT-FAILED')
    expect(text()).toContain('WAITED')
    expect(asleep.ms).toBeGreaterThanOrEqual(498)
    expect(asleep.ms).toBeLessThanOrEqual(501)
    // Nine timer ticks, a few dozen instructions each; spinning would retire ~50 million.
    expect(asleep.instructions).toBeLessThan(5_000)

    // IRQ 14 masked: the BIOS cannot be woken, so it keeps re-checking (the CPU runs) and the wait ends anyway.
    const polling = steps('WAIT-OK')
    expect(text()).toContain('WAIT-OK')
    expect(polling.ms).toBeGreaterThanOrEqual(20)
    expect(polling.ms).toBeLessThanOrEqual(21)
    expect(polling.instructions).toBeGreaterThan(100_000)
  })

  it('a wait saved and restored into a new machine is called again with the caller’s registers and waits anew', async () => {
    const first = await bootUntil(options(), verdictLine('START'))
    first.vm.runFor(50_000_000) // 50 ms into the 500 ms wait, asleep in the ROM's I/O wait
    first.vm.pause()
    const saved = first.vm.saveState()
    const twin = biosMachine(options())
    twin.vm.loadState(saved)
    twin.vm.resume()
    const text = () => twin.com1.text()
    // The first timer tick wakes the guest; its OUT re-runs AH=86h (the wait starts over: at least the time asked).
    const restored = stepsUntil(twin.vm, text, 'WAITED')
    expect(text()).toContain('WAITED')
    expect(restored.ms).toBeGreaterThanOrEqual(500)
    expect(restored.ms).toBeLessThanOrEqual(556)
    expect(restored.instructions).toBeLessThan(5_000)
    stepsUntil(twin.vm, text, 'WAIT-OK')
    expect(text()).toContain('WAIT-OK')
  })
})
