// INT 13h waiting for host media I/O on a writable disk: the Boxwood BIOS sleeps in HLT until the I/O completes
// (woken by IRQ 14, as a real BIOS waits for its disk controller) instead of re-running its stub. A boot program
// reads through a medium whose host reads the test holds back, so the test sees what the guest CPU does while
// the host works: (1) nothing but timer ticks; (2) with IRQ 14 masked it cannot sleep, keeps polling and still
// completes; (3) an INT 13h call from the timer hook while another waits is a separate call (nested frames);
// (4) a read in flight when the state is saved is read again after a restore.
// Spec: IBM PC/AT Technical Reference (hard disk BIOS waits for IRQ 14, INT 76h); Intel 8259A datasheet (OCW3).
import { describe, expect, it } from 'vitest'
import type { Vm } from '@boxwood/vmm'
import { createBlockDrive, createMemoryMedium, type BlockMedium } from '../../src/backends/block-backend'
import { PRINT_ROUTINES, REAL_MODE_SETUP, biosMachine, bootUntil, nasm } from './boot-helpers'

/** Reads sector 1 (waiting), then with IRQ 14 masked sector 2, then sector 3 from INT 1Ch while sector 4 waits. */
const PROGRAM = `
bits 16
org 0x7c00
main:
${REAL_MODE_SETUP}    mov [drive], dl
    mov si, msgStart
    call com1_print
    mov eax, 1
    mov di, 0x8000
    call read
    mov si, msgRead1
    call com1_print
    in al, 0xa1
    or al, 0x40
    out 0xa1, al
    mov eax, 2
    mov di, 0x8200
    call read
    in al, 0xa1
    and al, 0xbf
    out 0xa1, al
    mov si, msgRead2
    call com1_print
    ; INT 1Ch reads sector 3 on the next tick, while sector 4 is being read here.
    cli
    mov word [0x1c * 4], tick
    mov word [0x1c * 4 + 2], 0
    sti
    mov eax, 4
    mov di, 0x8600
    call read
.inner:
    cmp byte [innerDone], 1
    jne .inner
    mov si, msgRead3
    call com1_print
.halt:
    hlt
    jmp .halt

; EAX = LBA, DI = buffer: one sector by an AH=42h packet; the sector's first dword must be its LBA.
read:
    mov [dap + 8], eax
    mov [dap + 4], di
    push eax
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    pop eax
    jc fail
    cmp [di], eax
    jne fail
    ret

tick:
    cmp byte [innerDone], 0
    jne .out
    mov byte [innerDone], 2
    pusha
    mov si, innerDap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc .bad
    cmp dword [0x8400], 3
    jne .bad
    mov byte [innerDone], 1
.bad:
    popa
.out:
    iret

fail:
    mov si, msgFailed
    call com1_print
    jmp main.halt
${PRINT_ROUTINES}drive: db 0
innerDone: db 0
dap: db 0x10, 0
     dw 1
     dw 0, 0
     dd 0, 0
innerDap: db 0x10, 0
     dw 1
     dw 0x8400, 0
     dd 3, 0
msgStart: db 'START ', 0
msgRead1: db 'READ1 ', 0
msgRead2: db 'READ2 ', 0
msgRead3: db 'READ3 ', 0
msgFailed: db 'CHECK-FAILED ', 0
times 510 - ($ - $$) db 0
dw 0xaa55
`

/** A writable medium whose reads past the boot sector wait until the test releases them. */
function heldMedium(bytes: Uint8Array): BlockMedium & { held: number; release(): void } {
  const inner = createMemoryMedium(bytes)
  let waiting: (() => void)[] = []
  const medium = {
    ...inner,
    get held() {
      return waiting.length
    },
    release() {
      const go = waiting
      waiting = []
      for (const resolve of go) resolve()
    },
    read(offset: number, target: Uint8Array): Promise<void> {
      if (offset < 512) return inner.read(offset, target)
      return new Promise<void>((resolve) => waiting.push(resolve)).then(() => inner.read(offset, target))
    },
  }
  return medium
}

function diskImage(): Uint8Array {
  const image = new Uint8Array(64 * 1024)
  image.set(nasm(PROGRAM))
  const view = new DataView(image.buffer)
  for (let lba = 1; lba < 8; lba++) view.setUint32(lba * 512, lba, true)
  return image
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

/** Runs in 1 ms steps (yielding to the host) until the medium holds `count` reads. */
async function untilHeld(vm: Vm, medium: { held: number }, count: number): Promise<void> {
  for (let i = 0; i < 500 && medium.held < count; i++) {
    vm.runFor(1_000_000)
    await settle()
  }
  expect(medium.held).toBe(count)
}

/** Runs in 1 ms steps until COM1 shows `marker`. */
async function until(vm: Vm, text: () => string, marker: string): Promise<void> {
  for (let i = 0; i < 500 && !text().includes(marker); i++) {
    vm.runFor(1_000_000)
    await settle()
  }
  expect(text()).toContain(marker)
}

describe('Boxwood BIOS: INT 13h waits for host I/O', () => {
  it('sleeps in HLT while the host reads, polls when IRQ 14 is masked, and keeps nested calls apart', async () => {
    const medium = heldMedium(diskImage())
    const disk = createBlockDrive('hard-disk', medium)
    const { vm, com1 } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, 'START')
    const text = () => com1.text()

    // (1) 50 ms of virtual time while the host holds the read: only the 18.2 Hz timer tick runs.
    await untilHeld(vm, medium, 1)
    let before = vm.cpu.instructionsRetired
    vm.runFor(50_000_000)
    const sleeping = vm.cpu.instructionsRetired - before
    expect(sleeping).toBeLessThan(2_000) // spinning for 50 ms would retire ~5 million (10 ns per instruction)
    medium.release()
    await until(vm, text, 'READ1')

    // (2) IRQ 14 masked: the wake-up cannot arrive, so the BIOS polls (the CPU keeps running) and completes.
    await untilHeld(vm, medium, 1)
    before = vm.cpu.instructionsRetired
    vm.runFor(5_000_000)
    expect(vm.cpu.instructionsRetired - before).toBeGreaterThan(100_000)
    medium.release()
    await until(vm, text, 'READ2')

    // (3) The timer hook's INT 13h (sector 3) waits inside the outer call's wait (sector 4); both complete right.
    await untilHeld(vm, medium, 2)
    medium.release()
    await until(vm, text, 'READ3')
    expect(text()).not.toContain('CHECK-FAILED')
  })

  it('a read in flight when the state is saved is read again by the machine the state is restored into', async () => {
    const medium = heldMedium(diskImage())
    const { vm } = await bootUntil(
      { luns: { ide: { 0: createBlockDrive('hard-disk', medium) } }, bootOrder: ['disk'] },
      'START',
    )
    await untilHeld(vm, medium, 1)
    vm.pause()
    const saved = vm.saveState()
    const disk = createBlockDrive('hard-disk', createMemoryMedium(diskImage()))
    const twin = biosMachine({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] })
    twin.vm.loadState(saved)
    twin.vm.resume()
    // The guest sleeps in the ROM's I/O wait; a timer tick wakes it and its stub re-runs INT 13h unchanged.
    await until(twin.vm, () => twin.com1.text(), 'READ1')
    expect(twin.com1.text()).not.toContain('CHECK-FAILED')
  })
})
