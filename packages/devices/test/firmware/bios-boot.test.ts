// The Boxwood BIOS booting nasm boot-sector programs on the real CPU: from an IDE hard-disk image and from an
// El Torito no-emulation CD built by xorriso; output through INT 10h (checked on the VGA text screen) and COM1;
// INT 13h CHS and LBA reads, INT 15h E820, INT 12h checked by the program itself.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium } from '../../src/backends/block-backend'
import { scratchDir, fileMedium } from '../storage/ide-helpers'
import { PRINT_ROUTINES, REAL_MODE_SETUP, bootUntil, nasm, verdictLine } from './boot-helpers'

/** A boot program: prints a banner by INT 10h teletype and COM1, proves INT 13h/15h/12h work, halts. */
const PROGRAM = (org: string) => `
bits 16
org ${org}
start:
${REAL_MODE_SETUP}    mov [drive], dl
    mov dx, 0x3fb
    mov al, 0x03
    out dx, al
    mov si, banner
    call tty_print
    ; INT 13h extensions: read the sector after this one (or CD block 0 of the image) to 0x8000 by LBA.
    mov ah, 0x41
    mov bx, 0x55aa
    mov dl, [drive]
    int 0x13
    jc fail
    cmp bx, 0xaa55
    jne fail
%ifdef CD
    ; El Torito: the specification packet names the boot image's LBA; its second block holds the message.
    mov si, 0x9100
    mov byte [si], 0x13
    mov ax, 0x4b01
    mov dl, [drive]
    int 0x13
    jc fail
    mov eax, [0x9104]
    inc eax
    mov [dap + 8], eax
%endif
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc fail
    cmp dword [0x8000], 0x5353454d   ; 'MESS'
    jne fail
    mov si, 0x8000
    call tty_print
%ifndef CD
    ; CHS: cylinder 0, head 0, sector 2 is the same sector.
    mov ax, 0x0201
    mov cx, 0x0002
    xor dh, dh
    mov dl, [drive]
    mov bx, 0x8400
    int 0x13
    jc fail
    cmp dword [0x8400], 0x5353454d
    jne fail
%endif
    ; E820: the first entry is usable low memory.
    xor ebx, ebx
    mov edx, 0x534d4150
    mov eax, 0xe820
    mov ecx, 20
    mov di, 0x9000
    int 0x15
    jc fail
    cmp eax, 0x534d4150
    jne fail
    cmp dword [0x9010], 1
    jne fail
    int 0x12
    cmp ax, 639
    jne fail
    mov si, okmsg
    call tty_print
.halt:
    hlt
    jmp .halt
fail:
    mov si, failmsg
    call tty_print
    jmp start.halt
${PRINT_ROUTINES}drive: db 0
dap: db 0x10, 0
     dw 1
     dw 0x8000, 0
     dd LBA, 0
banner: db 'Boxwood boot sector running', 13, 10, 0
okmsg: db 'ALL-CHECKS-OK', 13, 10, 0
failmsg: db 'CHECK-FAILED', 13, 10, 0
`

function screenText(
  vga: Awaited<ReturnType<typeof bootUntil>>['vga'],
  m: Awaited<ReturnType<typeof bootUntil>>['vm'],
): string {
  // Text memory through the guest's view of B8000h (80×25 cells).
  let text = ''
  for (let row = 0; row < 25; row++) {
    for (let col = 0; col < 80; col++) text += String.fromCharCode(m.memory.read8(0xb_8000 + (row * 80 + col) * 2))
    text += '\n'
  }
  void vga
  return text
}

function secondSector(): Uint8Array {
  const s = new Uint8Array(512)
  s.set(Array.from('MESSAGE FROM LBA 1', (c) => c.charCodeAt(0)))
  s.set([13, 10, 0], 18)
  return s
}

describe('Boxwood BIOS boot', () => {
  it('boots a hard-disk image: INT 10h on the VGA screen, COM1, INT 13h LBA, E820, INT 12h', async () => {
    const sector = nasm(`%define LBA 1\n${PROGRAM('0x7c00')}\ntimes 510-($-$$) db 0\ndw 0xaa55\n`)
    const image = new Uint8Array(4 << 20)
    image.set(sector)
    image.set(secondSector(), 512)
    const disk = createBlockDrive('hard-disk', createMemoryMedium(image))
    const { vm, com1, vga } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, verdictLine('CHECK'))
    expect(com1.text()).toContain('Boxwood boot sector running')
    expect(com1.text()).toContain('MESSAGE FROM LBA 1')
    expect(com1.text()).toContain('ALL-CHECKS-OK')
    const screen = screenText(vga, vm)
    expect(screen).toContain('Boxwood BIOS')
    expect(screen).toContain('Booting from Hard Disk...')
    expect(screen).toContain('Boxwood boot sector running')
    expect(screen).toContain('ALL-CHECKS-OK')
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 720, height: 400 })
    // The ACPI RSDP is where OSes scan for it (E0000h..FFFFFh, 16-byte aligned).
    const sig = Array.from({ length: 8 }, (_, i) => String.fromCharCode(vm.memory.read8(0xe_0000 + i))).join('')
    expect(sig).toBe('RSD PTR ')
  })

  it('boots a 1.44 MB diskette through the floppy controller (INT 13h CHS and LBA)', async () => {
    const sector = nasm(`%define LBA 1\n${PROGRAM('0x7c00')}\ntimes 510-($-$$) db 0\ndw 0xaa55\n`)
    const image = new Uint8Array(1_474_560)
    image.set(sector)
    image.set(secondSector(), 512)
    const floppy = createBlockDrive('floppy', createMemoryMedium(image))
    const { com1, vm, vga } = await bootUntil(
      { luns: { floppy: { 0: floppy } }, bootOrder: ['floppy', 'disk'], floppy: true },
      verdictLine('CHECK'),
    )
    expect(com1.text()).toContain('MESSAGE FROM LBA 1')
    expect(com1.text()).toContain('ALL-CHECKS-OK')
    expect(screenText(vga, vm)).toContain('Booting from Floppy...')
  })

  it('boots an El Torito no-emulation CD made by xorriso from the ATAPI drive', async () => {
    const dir = scratchDir()
    const root = join(dir, 'root')
    mkdirSync(root)
    // The boot image: 4 × 512 bytes loaded at 07C0:0000; block 0 of the CD's image file is read back by LBA.
    const program = nasm(`%define LBA 0\n%define CD\n${PROGRAM('0x7c00')}\ntimes 2048-($-$$) db 0\n`)
    const bootImage = new Uint8Array(4096)
    bootImage.set(program)
    bootImage.set(secondSector(), 2048)
    writeFileSync(join(root, 'boot.bin'), bootImage)
    const iso = join(dir, 'boot.iso')
    execFileSync(
      'xorriso',
      ['-as', 'mkisofs', '-quiet', '-b', 'boot.bin', '-no-emul-boot', '-boot-load-size', '4', '-o', iso, root],
      {
        stdio: 'ignore',
      },
    )
    const cd = createBlockDrive('cdrom', await fileMedium(iso, 2048, true))
    const { com1, vm, vga } = await bootUntil({ luns: { ide: { 2: cd } }, bootOrder: ['cdrom'] }, verdictLine('CHECK'))
    expect(com1.text()).toContain('Boxwood boot sector running')
    expect(com1.text()).toContain('MESSAGE FROM LBA 1')
    expect(com1.text()).toContain('ALL-CHECKS-OK')
    expect(screenText(vga, vm)).toContain('Booting from DVD/CD...')
  })

  it('sets a VBE mode through INT 10h 4Fxx and draws through the bank window; the VGA is a PCI function', async () => {
    const sector = nasm(`
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov di, 0x8000
    mov dword [di], 'VBE2'
    mov ax, 0x4f00
    int 0x10
    cmp ax, 0x004f
    jne fail
    cmp dword [0x8000], 'VESA'
    jne fail
    cmp word [0x8004], 0x0300
    jne fail
    mov ax, 0x4f01
    mov cx, 0x142
    mov di, 0x9000
    int 0x10
    cmp ax, 0x004f
    jne fail
    cmp dword [0x9028], 0xe0000000
    jne fail
    mov ax, 0x4f02
    mov bx, 0x142
    int 0x10
    cmp ax, 0x004f
    jne fail
    mov ax, 0xa000
    mov es, ax
    mov dword [es:0], 0x00ff0000
    mov ax, 0x4f05
    xor bx, bx
    mov dx, 1
    int 0x10
    mov dword [es:0], 0x0000ff00
    mov si, ok
    jmp report
fail:
    mov si, bad
report:
    call com1_print
.halt:
    hlt
    jmp .halt
${PRINT_ROUTINES}ok: db 'VBE-OK', 10, 0
bad: db 'VBE-FAIL', 10, 0
times 510-($-$$) db 0
dw 0xaa55
`)
    const image = new Uint8Array(1 << 20)
    image.set(sector)
    const disk = createBlockDrive('hard-disk', createMemoryMedium(image))
    const { com1, vga, vm } = await bootUntil({ luns: { ide: { 0: disk } }, bootOrder: ['disk'] }, verdictLine('VBE-'))
    expect(com1.text()).toContain('VBE-OK')
    vga.display.refresh()
    expect(vga.display.mode).toMatchObject({ width: 640, height: 480, format: 'x8r8g8b8', stride: 2560 })
    const fb = vga.display.framebuffer()
    expect(Array.from(fb.subarray(0, 3))).toEqual([0x00, 0x00, 0xff])
    const green = 65536
    expect(Array.from(fb.subarray(green, green + 3))).toEqual([0x00, 0xff, 0x00])
    // The adapter is the Bochs/QEMU standard VGA on the PCI bus with BAR 0 at the framebuffer.
    let found = false
    for (let slot = 0; slot < 32 && !found; slot++) {
      vm.host.ports.ioWrite(0xcf8, (0x8000_0000 | (slot << 11)) >>> 0, 4)
      if (vm.host.ports.ioRead(0xcfc, 4) >>> 0 !== 0x1111_1234) continue
      found = true
      vm.host.ports.ioWrite(0xcf8, (0x8000_0000 | (slot << 11) | 0x10) >>> 0, 4)
      expect(vm.host.ports.ioRead(0xcfc, 4) >>> 0).toBe(0xe000_0008)
    }
    expect(found).toBe(true)
  })
})
