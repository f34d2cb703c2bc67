; Boot-sector test program: prints a marker on COM1 (polling the 16550's LSR) and through INT 10h teletype
; when a BIOS is present, then powers off through ACPI S5 (PM1a_CNT at 0x604, SLP_TYP 0 | SLP_EN) and halts.
bits 16
org 0x7c00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov [drive], dl
    ; COM1: 115200 8N1, FIFOs on
    mov dx, 0x3fb
    mov al, 0x80
    out dx, al
    mov dx, 0x3f8
    mov al, 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 0x03
    out dx, al
    mov dx, 0x3fa
    mov al, 0x07
    out dx, al
    mov si, message
.next:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .next
.done:
    ; Report the boot drive as two hex digits.
    mov al, [drive]
    shr al, 4
    call hexdigit
    mov al, [drive]
    and al, 0x0f
    call hexdigit
    mov al, 10
    call putc
    ; ACPI S5: SLP_EN with SLP_TYP 0.
    mov dx, 0x604
    mov ax, 0x2000
    out dx, ax
.halt:
    hlt
    jmp .halt

hexdigit:
    add al, '0'
    cmp al, '9'
    jbe putc
    add al, 7
putc:
    push dx
    push ax
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, 0x3f8
    out dx, al
    pop dx
    ret

drive: db 0
message: db 'BOXWOOD-BOOTSECTOR-OK drive=', 0

times 510 - ($ - $$) db 0
dw 0xaa55
