; An option ROM with a PnP Bootstrap Entry Vector: the BIOS offers it as a boot device; booting it copies the
; embedded boot sector (serial-hello.bin, assembled first) to 0000:7C00 and jumps there with DL = 80h, as a
; disk boot would. Lets SeaBIOS boot a boot-sector program without a disk controller.
; Spec: BIOS Boot Specification 1.01 (option ROM header, $PnP expansion header, BEV); the builder fixes the
; PnP header and ROM checksums after assembly.
bits 16
org 0
ROM_SIZE equ 2048

    db 0x55, 0xaa
    db ROM_SIZE / 512
    jmp init
    times 0x18 - ($ - $$) db 0
    dw 0                ; PCI data structure: none (not a PCI ROM)
    dw pnp              ; PnP expansion header

    align 16
pnp:
    db '$PnP'
    db 1                ; structure revision
    db 2                ; length in 16-byte units
    dw 0                ; next header
    db 0                ; reserved
    db 0                ; checksum (fixed by the builder)
    dd 0                ; device identifier
    dw manufacturer
    dw product
    db 0, 0, 0          ; device type code
    db 0x04             ; device indicators: IPL device
    dw 0                ; boot connection vector
    dw 0                ; disconnect vector
    dw bev              ; bootstrap entry vector
    dw 0                ; reserved
    dw 0                ; static resource information vector

init:
    retf

bev:
    cli
    cld
    xor ax, ax
    mov es, ax
    mov di, 0x7c00
    push cs
    pop ds
    mov si, sector
    mov cx, 256
    rep movsw
    xor ax, ax
    mov ds, ax
    mov dl, 0x80
    jmp 0x0000:0x7c00

manufacturer: db 'Boxwood', 0
product: db 'Boxwood boot-sector ROM', 0

sector:
    incbin 'serial-hello.bin'

    times ROM_SIZE - ($ - $$) db 0
