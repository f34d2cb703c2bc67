// The BIOS32 Service Directory and the protected-mode PCI BIOS, found and called the way Linux's
// arch/x86/pci/pcbios.c does it: a boot program switches to flat 32-bit protected mode, scans E0000h–FFFFFh
// for a "_32_" header with a valid checksum, asks its entry for "$PCI", and calls that service far: the
// installation check, a configuration read of the i440FX host bridge's ID, find device (the PIIX3 IDE), and
// the routing options into a flat buffer (the IRQs dedicated to PCI, the table's size written back). A second
// caller runs with paging and Linux's layout (physical memory also at C0000000h): it calls the service through
// that alias and hands B10Eh buffers by linear address in its segments, one of them with a non-zero base; the
// table must land where its paging maps them. Spec: BIOS32 Service Directory proposal 0.4; PCI BIOS 2.1 §3.3
// (routing options buffer in 32-bit mode: u16 size, u32 offset, u16 selector); Intel SDM vol. 3 §4.3 (PSE).
import { describe, expect, it } from 'vitest'
import { PRINT_ROUTINES, PROTECTED_MODE_SETUP, bootUntil, programDisk, verdictLine } from './boot-helpers'
import { pciTestFunction, TEST_SLOT } from './pci-test-function'

/**
 * nasm (bits 32), after a program's checks: falling in prints its \`okMsg\`, a jump to \`fail\` its \`failMsg\`, on COM1
 * (DS:ESI); then it halts. The print routines follow.
 */
const VERDICT_32 = `
    mov esi, okMsg
    jmp report
fail:
    mov esi, failMsg
report:
    call com1_print
.halt:
    hlt
    jmp .halt
${PRINT_ROUTINES}`

const PROGRAM = `${PROTECTED_MODE_SETUP}    ; Scan for "_32_" on 16-byte boundaries with a zero byte sum over its length.
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
${VERDICT_32}align 8
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

/**
 * Paging with 4 MiB pages, linear 0 and C0000000h both mapping physical 0 (Linux's PAGE_OFFSET). The routing
 * options block sits at physical 8000h and is passed as ES:EDI = 10h:C0008000h (flat); the table buffer at
 * physical A000h is passed as 18h:0010A000h, a selector based at BFF00000h. Taking either as physical (or as
 * flat) would miss. A too-small buffer first: AH = 89h with the needed size written back. The PCI test function
 * at 00:05.0 (INTA) gives the table an entry.
 */
const PAGED_PROGRAM = `${PROTECTED_MODE_SETUP}    mov edi, 0x9000
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [0x9000], 0x83
    mov dword [0x9000 + 0x300 * 4], 0x83
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov eax, 0x9000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    ; The directory through the alias (its checksum is the flat test's business).
    mov esi, 0xc00e0000
.scan:
    cmp dword [esi], '_32_'
    je .found
    add esi, 16
    cmp esi, 0xc0100000
    jb .scan
    jmp fail
.found:
    mov eax, [esi + 4]
    add eax, 0xc0000000
    mov [farptr], eax
    mov eax, '$PCI'
    xor ebx, ebx
    call far [farptr]
    test al, al
    jnz fail
    lea eax, [ebx + edx + 0xc0000000]
    mov [farptr], eax
    ; Too small: 8 bytes.
    mov word [0xc0008000], 8
    mov dword [0xc0008002], 0x0010a000
    mov word [0xc0008006], 0x18
    mov ax, 0xb10e
    xor bx, bx
    mov edi, 0xc0008000
    call far [farptr]
    jnc fail
    cmp ah, 0x89
    jne fail
    movzx ecx, word [0xc0008000]
    cmp ecx, 16
    jb fail
    ; Room for it: the table lands at physical A000h (linear C000A000h).
    mov word [0xc0008000], 512
    mov ax, 0xb10e
    xor bx, bx
    mov edi, 0xc0008000
    call far [farptr]
    jc fail
    test ah, ah
    jnz fail
    cmp bx, (1 << 10) | (1 << 11)
    jne fail
    cmp word [0xc0008000], cx
    jne fail
    cmp edi, 0xc0008000
    jne fail
${VERDICT_32}align 8
gdt: dq 0
     dq 0x00cf9a000000ffff
     dq 0x00cf92000000ffff
     dq 0xbfcf92f00000ffff
gdtr: dw 31
      dd gdt
farptr: dd 0
        dw 0x08
okMsg: db 'PAGED-OK', 13, 10, 0
failMsg: db 'PAGED-FAILED', 13, 10, 0
times 510 - ($ - $$) db 0
dw 0xaa55
`

describe('Boxwood BIOS: BIOS32 Service Directory', () => {
  it('a 32-bit flat caller finds the directory and uses the $PCI service like INT 1Ah B1xxh', async () => {
    const disk = programDisk(PROGRAM)
    const { com1 } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, verdictLine('BIOS32-'))
    expect(com1.text()).toContain('BIOS32-OK')
  })

  it('B10Eh from a paged caller: buffers are linear addresses in its segments, the table lands where they map', async () => {
    const disk = programDisk(PAGED_PROGRAM)
    const { com1, vm } = await bootUntil(
      {
        luns: { ide: { 0: disk } },
        bootOrder: ['disk'],
        definitions: [pciTestFunction],
        extra: { pcitest: { 0: {} } },
      },
      verdictLine('PAGED-'),
    )
    expect(com1.text()).toContain('PAGED-OK')
    // The size written back, and the table at physical A000h: one 16-byte slot entry per device with an INTx pin,
    // bus 0, links 60h–63h (PIIX3 PIRQRC), IRQ map 10/11. Nothing at the offset taken as physical (10A000h).
    const size = vm.memory.read16(0x8000)
    expect(size % 16).toBe(0)
    expect(size).toBeGreaterThanOrEqual(16)
    const table = Array.from({ length: size }, (_, i) => vm.memory.read8(0xa000 + i))
    for (let at = 0; at < size; at += 16) {
      expect(table[at]).toBe(0)
      for (let pin = 0; pin < 4; pin++) {
        expect(table[at + 2 + pin * 3]).toBeGreaterThanOrEqual(0x60)
        expect(table[at + 2 + pin * 3]).toBeLessThanOrEqual(0x63)
        expect(table[at + 3 + pin * 3]! | (table[at + 4 + pin * 3]! << 8)).toBe((1 << 10) | (1 << 11))
      }
    }
    expect(table.filter((_, i) => i % 16 === 1)).toContain(TEST_SLOT << 3)
    expect(Array.from({ length: size }, (_, i) => vm.memory.read8(0x10_a000 + i)).every((b) => b === 0)).toBe(true)
  })
})
