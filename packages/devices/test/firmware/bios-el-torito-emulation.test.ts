// El Torito diskette and hard-disk emulation in the Boxwood BIOS: xorriso builds bootable ISOs around nasm boot
// images (a 1.44 MB diskette image; an MBR-partitioned hard-disk image with `-hard-disk-boot`), the ATAPI CD
// boots them, and the boot program checks from inside what INT 13h shows: its own drive number (00h / 80h),
// CHS and LBA reads of the image, the geometry (AH=08h), the specification packet (AX=4B01h, DL=7Fh), and the
// real drive of the same kind moved up by one. Oracle: QEMU's SeaBIOS boots the same program (built without the
// LBA read, which SeaBIOS does not offer on emulated drives) to the same verdict.
// Spec: El Torito "Bootable CD-ROM Format Specification" 1.0.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineState, u16 } from '@boxwood/vmm/device-api'
import { describe, expect, it } from 'vitest'
import { boxwoodBiosState } from '../../src/firmware/boxwood-bios/bios-device'
import { createBlockDrive, createMemoryMedium } from '../../src/backends/block-backend'
import { scratchDir, fileMedium } from '../storage/ide-helpers'
import { PRINT_ROUTINES, REAL_MODE_SETUP, biosMachine, bootUntil, nasm, verdictLine } from './boot-helpers'

/** The boot program; the defines say what its drive must look like. */
const program = (defines: Record<string, number>) =>
  nasm(`${Object.entries(defines)
    .map(([k, v]) => `%define ${k} ${v}`)
    .join('\n')}
bits 16
org 0x7c00
main:
${REAL_MODE_SETUP}    mov [drive], dl
%ifdef PAUSE
    ; A 100 ms INT 15h wait first, announced on COM1 (a test saves the machine's state during it).
    mov si, pauseMsg
    call com1_print
    mov ah, 0x86
    mov cx, 0x0001
    mov dx, 0x86a0
    int 0x15
    mov dl, [drive]
%endif
    cmp dl, DRIVE
    jne fail
    ; CHS read of the stamped sector.
    mov ax, 0x0201
    mov cx, STAMP_CX
    mov dh, STAMP_DH
    mov dl, [drive]
    mov bx, 0x8000
    int 0x13
    jc fail
    cmp dword [0x8000], 'STMP'
    jne fail
%ifdef EDD
    ; The same sector by LBA (EDD packet).
    mov dword [0x8000], 0
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc fail
    cmp dword [0x8000], 'STMP'
    jne fail
%endif
    ; Geometry (for diskettes ES:DI comes back pointing at the parameter table).
    mov ah, 0x08
    mov dl, [drive]
    int 0x13
    jc fail
    push ds
    pop es
    and cl, 0x3f
    cmp cl, SECTORS
    jne fail
    cmp dh, HEADS - 1
    jne fail
    ; The El Torito specification packet of the boot drive.
    mov si, 0x9000
    mov byte [si], 0x13
    mov ax, 0x4b01
    mov dl, 0x7f
    int 0x13
    jc fail
    cmp byte [0x9000], 0x13
    jne fail
    cmp byte [0x9001], MEDIA
    jne fail
    mov al, [drive]
    cmp [0x9002], al
    jne fail
    ; The real drive of the same kind is now DRIVE + 1; its sector 0 says 'REAL'.
    mov ax, 0x0201
    mov cx, 0x0001
    xor dh, dh
    mov dl, DRIVE + 1
    mov bx, 0x8200
    int 0x13
    jc fail
    cmp dword [0x8200], 'REAL'
    jne fail
    mov si, okMsg
    call com1_print
.halt:
    hlt
    jmp .halt
fail:
    mov si, failMsg
    call com1_print
    jmp main.halt
${PRINT_ROUTINES}drive: db 0
dap: db 0x10, 0
     dw 1
     dw 0x8000, 0
     dd STAMP_LBA, 0
okMsg: db 'EMULATION-OK', 13, 10, 0
failMsg: db 'EMULATION-FAILED', 13, 10, 0
%ifdef PAUSE
pauseMsg: db 'PAUSE', 13, 10, 0
%endif
times 446 - ($ - $$) db 0
`)

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0))
}

/** A bootable ISO (xorriso) whose El Torito image is `image`, with extra mkisofs options. */
function isoAround(image: Uint8Array, options: readonly string[]): string {
  const dir = scratchDir()
  const root = join(dir, 'root')
  mkdirSync(root)
  writeFileSync(join(root, 'boot.img'), image)
  const iso = join(dir, 'boot.iso')
  execFileSync(
    'xorriso',
    ['-as', 'mkisofs', '-quiet', '-b', 'boot.img', '-c', 'boot.cat', ...options, '-o', iso, root],
    {
      stdio: 'ignore',
    },
  )
  return iso
}

/** Boots qemu-system-i386 (SeaBIOS) with `args` until COM1 shows `marker`; returns COM1's text. */
function qemuSerialUntil(args: readonly string[], marker: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-i386',
      ['-M', 'pc', '-m', '32', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', ...args],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
    let out = ''
    const timer = setTimeout(() => qemu.kill(), timeoutMs)
    qemu.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1')
      if (marker.test(out)) qemu.kill()
    })
    qemu.on('error', reject)
    qemu.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

/** A sector-0 image of a real drive, stamped 'REAL'. */
function realDrive(size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  bytes.set(ascii('REAL'))
  return bytes
}

describe('Boxwood BIOS: El Torito emulation', () => {
  it('boots a 1.44 MB diskette image from the CD as drive 00h; the real diskette becomes 01h', async () => {
    const iso = (edd: boolean) => {
      const image = new Uint8Array(1_474_560)
      // Sector 2 (LBA 1) is CHS 0/0/2.
      const defines = { DRIVE: 0x00, STAMP_CX: 0x0002, STAMP_DH: 0, STAMP_LBA: 1, SECTORS: 18, HEADS: 2, MEDIA: 2 }
      image.set(program(edd ? { ...defines, EDD: 1 } : defines))
      image.set([0x55, 0xaa], 510)
      image.set(ascii('STMP'), 512)
      return isoAround(image, [])
    }
    const realFloppy = realDrive(1_474_560)
    const cd = createBlockDrive('cdrom', await fileMedium(iso(true), 2048, true))
    const floppy = createBlockDrive('floppy', createMemoryMedium(realFloppy))
    const { com1 } = await bootUntil(
      { luns: { ide: { 2: cd }, floppy: { 0: floppy } }, bootOrder: ['cdrom'], floppy: true },
      verdictLine('EMULATION-'),
    )
    expect(com1.text()).toContain('EMULATION-OK')

    const fd = join(scratchDir(), 'real.img')
    writeFileSync(fd, realFloppy)
    const oracle = ['-cdrom', iso(false), '-boot', 'd', '-drive', `file=${fd},if=floppy,format=raw`]
    expect(await qemuSerialUntil(oracle, /EMULATION-\w+\r?\n/)).toContain('EMULATION-OK')
  })

  it('a state saved while the emulated diskette boots restores with drive 00h, its packet and diskette 01h', async () => {
    const image = new Uint8Array(1_474_560)
    const defines = { DRIVE: 0x00, STAMP_CX: 0x0002, STAMP_DH: 0, STAMP_LBA: 1, SECTORS: 18, HEADS: 2, MEDIA: 2 }
    image.set(program({ ...defines, EDD: 1, PAUSE: 1 }))
    image.set([0x55, 0xaa], 510)
    image.set(ascii('STMP'), 512)
    const path = isoAround(image, [])
    const options = async () => ({
      luns: {
        ide: { 2: createBlockDrive('cdrom', await fileMedium(path, 2048, true)) },
        floppy: { 0: createBlockDrive('floppy', createMemoryMedium(realDrive(1_474_560))) },
      },
      bootOrder: ['cdrom' as const],
      floppy: true,
    })
    const first = await bootUntil(await options(), verdictLine('PAUSE'))
    first.vm.runFor(20_000_000)
    first.vm.pause()
    const twin = biosMachine(await options())
    twin.vm.loadState(first.vm.saveState())
    twin.vm.resume()
    const verdict = verdictLine('EMULATION-')
    for (let i = 0; i < 1000 && !verdict.test(twin.com1.text()); i++) {
      twin.vm.runFor(2_000_000)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(twin.com1.text()).toContain('EMULATION-OK')
  })

  it('loads a version 1 pcbios unit (before the boot CD was saved): the VBE mode, no boot CD', () => {
    const v1 = defineState({ unit: 'pcbios', version: 1, fields: { vbeMode: u16 } })
    const state = boxwoodBiosState.initial()
    boxwoodBiosState.decodeInto(state, v1.encode({ vbeMode: 0x4118 }), 1)
    expect(state).toMatchObject({ vbeMode: 0x4118, cdBoot: 0 })
    const again = boxwoodBiosState.initial()
    boxwoodBiosState.decodeInto(again, boxwoodBiosState.encode({ ...state, cdBoot: 2, cdLba: 27 }), 2)
    expect(again).toMatchObject({ vbeMode: 0x4118, cdBoot: 2, cdLba: 27 })
  })

  it('boots a partitioned hard-disk image from the CD as drive 80h; the real hard disk becomes 81h', async () => {
    // Two cylinders of 16 heads × 63 sectors; one partition from LBA 63 (CHS 0/1/1) to the end (CHS 1/15/63).
    const heads = 16
    const sectors = 63
    const total = 2 * heads * sectors
    const iso = (edd: boolean) => {
      const image = new Uint8Array(total * 512)
      const defines = { DRIVE: 0x80, STAMP_CX: 1, STAMP_DH: 1, STAMP_LBA: 63, SECTORS: sectors, HEADS: heads, MEDIA: 4 }
      image.set(program(edd ? { ...defines, EDD: 1 } : defines))
      partition(image, heads, sectors, total)
      return isoAround(image, ['-hard-disk-boot'])
    }
    const realDisk = realDrive(1 << 20)
    const cd = createBlockDrive('cdrom', await fileMedium(iso(true), 2048, true))
    const disk = createBlockDrive('hard-disk', createMemoryMedium(realDisk))
    const { com1 } = await bootUntil(
      { luns: { ide: { 0: disk, 2: cd } }, bootOrder: ['cdrom'] },
      verdictLine('EMULATION-'),
    )
    expect(com1.text()).toContain('EMULATION-OK')

    const hd = join(scratchDir(), 'real.img')
    writeFileSync(hd, realDisk)
    const oracle = ['-cdrom', iso(false), '-boot', 'd', '-drive', `file=${hd},if=ide,index=0,format=raw`]
    expect(await qemuSerialUntil(oracle, /EMULATION-\w+\r?\n/)).toContain('EMULATION-OK')
  })
})

/** The MBR's one partition, LBA 63 (CHS 0/1/1) to the end of the last cylinder, the signature and the stamp. */
function partition(image: Uint8Array, heads: number, sectors: number, total: number): void {
  const entry = new DataView(image.buffer, 0x1be, 16)
  entry.setUint8(0, 0x80)
  entry.setUint8(1, 1) // start head
  entry.setUint8(2, 1) // start sector (cylinder 0)
  entry.setUint8(3, 0)
  entry.setUint8(4, 0x06) // FAT16
  entry.setUint8(5, heads - 1) // end head
  entry.setUint8(6, sectors) // end sector, cylinder bits 8–9 = 0
  entry.setUint8(7, total / (heads * sectors) - 1) // end cylinder
  entry.setUint32(8, 63, true)
  entry.setUint32(12, total - 63, true)
  image.set([0x55, 0xaa], 510)
  image.set(ascii('STMP'), 63 * 512)
}
