// INT 13h reads from the El Torito boot CD as a boot loader does them (GRUB: many small AH=42h packet reads):
// a CD made by xorriso with 1024 stamped sectors appended; the boot program reads them all in 9-sector pieces,
// forward and backward, checks every sector's stamp, and reads again after the host swapped the medium. The
// host side counts the medium's reads: read-ahead must serve most calls without waiting for the host.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBlockDrive, createMemoryMedium, type BlockMedium } from '../../src/backends/block-backend'
import { scratchDir } from '../storage/ide-helpers'
import { PRINT_ROUTINES, REAL_MODE_SETUP, bootUntil, nasm } from './boot-helpers'

const STAMPED = 1024
const CHUNK = 9

/** The boot program: stamps are `LBA` (dword 0) and `~LBA ^ salt` (dword 2044) of every appended sector. */
const PROGRAM = `
bits 16
org 0x7c00
${REAL_MODE_SETUP}    mov [drive], dl
    mov dx, 0x3fb
    mov al, 0x03
    out dx, al
    ; AH=48h: total sectors; the stamped sectors are the last ${STAMPED}.
    mov si, 0x9000
    mov word [si], 0x1a
    mov ah, 0x48
    mov dl, [drive]
    int 0x13
    jc fail
    cmp word [0x9018], 2048
    jne fail
    mov eax, [0x9010]
    sub eax, ${STAMPED}
    mov [first], eax
    ; Forward: all stamped sectors in ${CHUNK}-sector pieces (the last piece is shorter).
    xor ebp, ebp
.forward:
    mov ecx, ${STAMPED}
    sub ecx, ebp
    cmp ecx, ${CHUNK}
    jbe .short
    mov ecx, ${CHUNK}
.short:
    call readcheck
    add ebp, ecx
    cmp ebp, ${STAMPED}
    jb .forward
    ; Backward, one sector at a time every 101 sectors.
    mov ebp, ${STAMPED - 1}
.backward:
    mov ecx, 1
    call readcheck
    sub ebp, 101
    jns .backward
    ; Past the end: must fail with CF set and a zero count.
    mov eax, [first]
    add eax, ${STAMPED - 1}
    mov [dap + 8], eax
    mov word [dap + 2], 2
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jnc fail
    cmp word [dap + 2], 0
    jne fail
    mov si, pass1
    call com1_print
    ; Wait for the host to swap the medium (it sends one byte), then read sector 0 of the stamps again.
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 1
    jz .wait
    mov dx, 0x3f8
    in al, dx
    mov byte [salt], 0x5a
    xor ebp, ebp
    mov ecx, 1
    call readcheck
    mov si, okmsg
    call com1_print
.halt:
    hlt
    jmp .halt

; Reads ECX sectors at stamp index EBP into 2000:0000 and checks their stamps.
readcheck:
    mov eax, [first]
    add eax, ebp
    mov [dap + 8], eax
    mov [dap + 2], cx
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    push ecx
    int 0x13
    pop ecx
    jc fail
    push es
    mov ax, 0x2000
    mov es, ax
    xor di, di
    mov eax, [dap + 8]
    push ecx
.sector:
    cmp [es:di], eax
    jne fail
    mov edx, eax
    not edx
    movzx ebx, byte [salt]
    xor edx, ebx
    cmp [es:di + 2044], edx
    jne fail
    inc eax
    add di, 2048
    loop .sector
    pop ecx
    pop es
    ret

fail:
    mov si, failmsg
    call com1_print
    jmp $

${PRINT_ROUTINES}
drive: db 0
salt: db 0
first: dd 0
dap: db 0x10, 0
     dw 0
     dw 0, 0x2000
     dd 0, 0
pass1: db 'READS-OK', 13, 10, 0
okmsg: db 'SWAP-OK', 13, 10, 0
failmsg: db 'CHECK-FAILED', 13, 10, 0
times 2048-($-$$) db 0
`

/** The ISO made by xorriso, with `STAMPED` sectors appended whose stamps use `salt`. */
function stampedCd(salt: number): Uint8Array {
  const dir = scratchDir()
  const root = join(dir, 'root')
  mkdirSync(root)
  writeFileSync(join(root, 'boot.bin'), nasm(PROGRAM))
  const iso = join(dir, 'boot.iso')
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-b', 'boot.bin', '-no-emul-boot', '-o', iso, root], {
    stdio: 'ignore',
  })
  const base = new Uint8Array(readFileSync(iso))
  const image = new Uint8Array(base.length + STAMPED * 2048)
  image.set(base)
  const view = new DataView(image.buffer)
  for (let i = 0; i < STAMPED; i++) {
    const lba = base.length / 2048 + i
    view.setUint32(base.length + i * 2048, lba, true)
    view.setUint32(base.length + i * 2048 + 2044, (~lba ^ salt) >>> 0, true)
  }
  return image
}

/** A read-only CD medium that counts the host reads made on it. */
function countingMedium(bytes: Uint8Array): BlockMedium & { reads: number } {
  const inner = createMemoryMedium(bytes, { sectorSize: 2048, readOnly: true })
  const medium = {
    ...inner,
    reads: 0,
    read(offset: number, target: Uint8Array) {
      medium.reads++
      return inner.read(offset, target)
    },
  }
  return medium
}

describe('Boxwood BIOS INT 13h on the boot CD', () => {
  it('serves a boot loader’s many small reads correctly, mostly from read-ahead, and sees a new medium', async () => {
    const first = countingMedium(stampedCd(0))
    const cd = createBlockDrive('cdrom', first)
    const { com1, vm } = await bootUntil({ luns: { ide: { 2: cd } }, bootOrder: ['cdrom'] }, 'READS-OK')
    expect(com1.text()).toContain('READS-OK')
    const calls = Math.ceil(STAMPED / CHUNK) + Math.ceil(STAMPED / 101)
    // Forward, three 1 MiB windows cover the stamps; each backward step refills (plus the boot's own reads).
    expect(first.reads).toBeLessThan(calls / 4)
    const second = countingMedium(stampedCd(0x5a))
    cd.insert(second)
    com1.push('x')
    for (let i = 0; i < 2000 && !/SWAP-OK|FAILED/.test(com1.text()); i++) {
      vm.runFor(2_000_000)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(com1.text()).toContain('SWAP-OK')
    expect(com1.text()).not.toContain('CHECK-FAILED')
    expect(second.reads).toBeGreaterThan(0)
  })
})
