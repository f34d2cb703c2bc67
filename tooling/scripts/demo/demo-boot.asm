; Boxwood demo guest: a boot sector that needs no BIOS services (the Boxwood BIOS, SeaBIOS or a direct boot-sector
; load all start it at 0000:7C00). It talks to the hardware directly:
;   - COM1 (16550 at 0x3F8): 115200 8N1, prints a banner, echoes every byte it receives;
;   - Bochs VBE "DISPI" (ports 0x1CE/0x1CF): 320x200, 8 bits per pixel, banked window at A000:0000, with a
;     palette loaded through the VGA DAC (0x3C8/0x3C9), and draws a pattern with a frame;
;   - i8042 keyboard (0x60/0x64): every key press is echoed to COM1 as its character and drawn as a coloured
;     block on the bottom row of the screen;
;   - the i8259 PIC is initialised so that keyboard (IRQ1) and COM1 (IRQ4) interrupts wake the CPU from HLT:
;     an idle guest costs the host nothing.
; References: PC16550D datasheet (LCR/DLL/DLM/IER/LSR), Bochs vbe.h (DISPI indices), 8259A datasheet (ICW1-4),
; IBM PC/AT technical reference (scancode set 1, 8042 command 0x60).
bits 16
org 0x7c00

COM1        equ 0x3f8
BLOCK_Y     equ 184                 ; top row of the keyboard echo blocks

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    cld
    ; --- COM1: divisor 1 (115200), 8N1, FIFOs on, receive interrupts, OUT2 gates IRQ4 ---
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al
    mov dx, COM1
    mov al, 1
    out dx, al
    inc dx                          ; DLM = 0
    dec ax
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al
    dec dx                          ; FCR
    mov al, 0x07
    out dx, al
    mov dx, COM1 + 1                ; IER: received data available
    mov al, 0x01
    out dx, al
    mov dx, COM1 + 4                ; MCR: DTR, RTS, OUT2
    mov al, 0x0b
    out dx, al
    ; --- PIC: vectors 0x08-0x0F, only IRQ1 (keyboard) and IRQ4 (COM1) unmasked ---
    mov al, 0x11
    out 0x20, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xed
    out 0x21, al
    mov word [0x09 * 4], irq_return
    mov word [0x09 * 4 + 2], 0
    mov word [0x0c * 4], irq_return
    mov word [0x0c * 4 + 2], 0
    ; --- keyboard: controller command byte = translate, system flag, IRQ1 on; keyboard scanning on ---
    mov al, 0x60
    out 0x64, al
    mov al, 0x45
    out 0x60, al
    mov al, 0xf4
    out 0x60, al
    ; --- screen: DISPI 320x200x8, banked ---
    mov dx, 0x1ce
    mov si, dispi
.dispi:
    lodsw
    out dx, ax                      ; index
    inc dx
    lodsw
    out dx, ax                      ; value
    dec dx
    cmp si, dispi_end
    jb .dispi
    ; palette: entry i = (i/4, i/4 xor 63 for blue, i mod 64 for green): a wide colour ramp
    xor ax, ax
    mov dx, 0x3c8
    out dx, al
    inc dx
    xor cx, cx
.palette:
    mov al, cl
    shr al, 2
    out dx, al                      ; red
    mov al, cl
    and al, 63
    out dx, al                      ; green
    mov al, cl
    shr al, 2
    xor al, 63
    out dx, al                      ; blue
    inc cl
    jnz .palette
    ; pattern: colour = (x + y) with a frame of colour 255 around the edge
    push 0xa000
    pop es
    xor di, di
    xor bx, bx                      ; y
.row:
    xor cx, cx                      ; x
.pixel:
    mov al, cl
    add al, bl
    cmp bx, 4
    jb .frame
    cmp bx, 196
    jae .frame
    cmp cx, 4
    jb .frame
    cmp cx, 316
    jb .store
.frame:
    mov al, 255
.store:
    stosb
    inc cx
    cmp cx, 320
    jb .pixel
    inc bx
    cmp bx, 200
    jb .row
    ; the banner comes last, once the screen is drawn: whoever waits for it may take a screenshot at once
    mov si, banner
    call puts
    mov di, BLOCK_Y * 320 + 8       ; where the next echo block goes
    sti
; --- main loop: sleep until an interrupt, then drain COM1 and the keyboard ---
idle:
    hlt
.serial:
    mov dx, COM1 + 5
    in al, dx
    test al, 1
    jz .keyboard
    mov dx, COM1
    in al, dx
    call putc
    jmp .serial
.keyboard:
    in al, 0x64
    test al, 1
    jz idle
    in al, 0x60
    test al, 0x80                   ; key releases (and the 0xFA acknowledge) are not echoed
    jnz .keyboard
    mov bl, al
    ; draw an 8x8 block in a colour from the scancode, advancing along the bottom row
    push di
    mov ah, 8
.block:
    mov cx, 8
    mov al, bl
    shl al, 2
    rep stosb
    add di, 320 - 8
    dec ah
    jnz .block
    pop di
    add di, 10
    cmp di, BLOCK_Y * 320 + 308
    jb .echo
    mov di, BLOCK_Y * 320 + 8
.echo:
    ; scancode set 1 -> ASCII for the main block of a US keyboard
    sub bl, 0x02
    cmp bl, keymap_end - keymap
    jae .keyboard
    xor bh, bh
    mov al, [keymap + bx]
    test al, al                     ; modifier keys (Shift, Ctrl) have no character
    jz .keyboard
    call putc
    cmp al, 13
    jne .keyboard
    mov al, 10
    call putc
    jmp .keyboard

irq_return:
    push ax
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

putc:
    push dx
    push ax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, COM1
    out dx, al
    pop dx
    ret

dispi:
    dw 4, 0                         ; ENABLE = 0 while changing the mode
    dw 1, 320                       ; XRES
    dw 2, 200                       ; YRES
    dw 3, 8                         ; BPP
    dw 5, 0                         ; BANK
    dw 4, 1                         ; ENABLE
dispi_end:

keymap:
    db '1234567890-=', 8, 9
    db 'qwertyuiop[]', 13, 0
    db "asdfghjkl;'`", 0, '\'
    db 'zxcvbnm,./', 0, '*', 0, ' '
keymap_end:

banner:
    db 13, 10, 'BOXWOOD DEMO: booted. Type here (COM1) or on the VM keyboard.', 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
