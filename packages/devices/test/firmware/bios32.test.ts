// The BIOS32 Service Directory and the protected-mode PCI BIOS, found and called the way Linux's
// arch/x86/pci/pcbios.c does it: a boot program switches to flat 32-bit protected mode, scans E0000h–FFFFFh
// for a "_32_" header with a valid checksum, asks its entry for "$PCI", and calls that service far: the
// installation check, a configuration read of the i440FX host bridge's ID, find device (the PIIX3 IDE), and
// the routing options into a flat buffer (the IRQs dedicated to PCI, the table's size written back). Spec: BIOS32 Service Directory proposal 0.4; PCI BIOS 2.1 §3.3.
import { describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium } from '../../src/backends/block-backend'
import { PRINT_ROUTINES, bootUntil, nasm, verdictLine } from './boot-helpers'

const PROGRAM = `
bits 16
org 0x7c00
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x08:pm
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    ; Scan for "_32_" on 16-byte boundaries with a zero byte sum over its length.
    mov esi, 0xe0000
.scan:
    cmp dword [esi], '_32_'
    jne .next
    movzx ecx, byte [esi + 9]
    shl ecx, 4
    xor eax, eax
    xor ebx, ebx
.sum:
    add al, [esi + ebx]
    inc ebx
    cmp ebx, ecx
    jb .sum
    test al, al
    jz .found
.next:
    add esi, 16
    cmp esi, 0x100000
    jb .scan
    jmp fail
.found:
    cmp byte [esi + 8], 0
    jne fail
    mov eax, [esi + 4]
    mov [farptr], eax
    ; An unknown service: AL = 80h.
    mov eax, 'NONE'
    xor ebx, ebx
    call far [farptr]
    cmp al, 0x80
    jne fail
    mov eax, '$PCI'
    xor ebx, ebx
    call far [farptr]
    test al, al
    jnz fail
    add ebx, edx
    mov [farptr], ebx
    ; Installation check.
    mov ax, 0xb101
    call far [farptr]
    jc fail
    test ah, ah
    jnz fail
    cmp edx, 'PCI '
    jne fail
    cmp bx, 0x0210
    jne fail
    ; Dword read of 00:00.0 register 0: the i440FX's IDs.
    mov ax, 0xb10a
    xor bx, bx
    mov di, 0
    mov ebp, 0x5a5a5a5a
    call far [farptr]
    jc fail
    cmp ecx, 0x12378086
    jne fail
    cmp ebp, 0x5a5a5a5a
    jne fail
    ; Find device 8086:7010 (PIIX3 IDE), index 0: 00:01.1.
    mov ax, 0xb102
    mov cx, 0x7010
    mov dx, 0x8086
    xor si, si
    call far [farptr]
    jc fail
    cmp bx, (1 << 3) | 1
    jne fail
    ; Routing options into a flat buffer: { u16 size; u32 offset; u16 selector }.
    mov word [opts], 256
    mov dword [opts + 2], table
    mov word [opts + 6], 0x10
    mov ax, 0xb10e
    xor bx, bx
    mov edi, opts
    call far [farptr]
    jc fail
    cmp bx, (1 << 10) | (1 << 11)
    jne fail
    cmp word [opts], 256
    jae fail
    mov esi, okMsg
    jmp report
fail:
    mov esi, failMsg
report:
    call com1_print
.halt:
    hlt
    jmp .halt
${PRINT_ROUTINES}align 8
gdt: dq 0
     dq 0x00cf9a000000ffff
     dq 0x00cf92000000ffff
gdtr: dw 23
      dd gdt
farptr: dd 0
        dw 0x08
okMsg: db 'BIOS32-OK', 13, 10, 0
failMsg: db 'BIOS32-FAILED', 13, 10, 0
times 510 - ($ - $$) db 0
dw 0xaa55
opts: times 8 db 0
table: times 256 db 0
`

describe('Boxwood BIOS: BIOS32 Service Directory', () => {
  it('a 32-bit flat caller finds the directory and uses the $PCI service like INT 1Ah B1xxh', async () => {
    const image = new Uint8Array(64 * 1024)
    image.set(nasm(PROGRAM).subarray(0, 512))
    const disk = createBlockDrive('hard-disk', createMemoryMedium(image))
    const { com1 } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, verdictLine('BIOS32-'))
    expect(com1.text()).toContain('BIOS32-OK')
  })
})
