// Helpers of the Boxwood BIOS boot tests: nasm programs assembled at test time and a PC with the BIOS, VGA,
// IDE and COM1 on the real CPU, run until a serial marker appears (yielding so host media I/O completes).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  assemblePcMachine,
  buildPcConfig,
  builtinDevices,
  createMemoryCharBackend,
  createPcMachine,
} from '../../src/index'
import type { DeviceDefinition } from '@boxwood/vmm/device-api'
import type { CmosBootDevice } from '../../src/pc/cmos-layout'
import type { DevicesTree } from '../../src/machine/config-tree'
import type { VgaInstance } from '../../src/graphics/vga/vga-device'
import { createBlockDrive, createMemoryMedium, type BlockDrive } from '../../src/backends/block-backend'

/** Assembles nasm `source` as a flat binary (`nasm -f bin`). */
export function nasm(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-nasm-'))
  writeFileSync(join(dir, 'p.asm'), source)
  execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'p.bin'), join(dir, 'p.asm')])
  return new Uint8Array(readFileSync(join(dir, 'p.bin')))
}

/**
 * nasm source of the usual boot-program start: interrupts off while DS = ES = SS = 0 and SP = 7000h (below the
 * program at 7C00h), then on again. DL, the boot drive the BIOS passed, is left alone.
 */
export const REAL_MODE_SETUP = `
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    sti
`

/**
 * nasm source of the output routines the boot programs share; paste it once after a program's code (it defines
 * the global labels below, each with its own local labels). It assembles as 16-bit or as 32-bit code (`bits 32`:
 * the string is at DS:ESI), but `tty_print` calls the BIOS and so works in real mode only. Spec: NS16550A
 * datasheet (LSR bit 5 THRE), IBM PC BIOS INT 10h AH=0Eh (teletype output).
 * - `com1_putc`: AL to COM1 (3F8h) once the transmitter holding register is empty; keeps every register.
 * - `com1_print`: the NUL-terminated string at DS:SI to COM1; advances SI, keeps the other registers.
 * - `tty_print`: the same string by INT 10h teletype on page 0 (grey on black) first, then to COM1, character by
 *   character, so that the screen is never behind COM1 (tests stop on a COM1 marker and then read the screen).
 */
export const PRINT_ROUTINES = `
com1_putc:
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
com1_print:
    push ax
.next:
    lodsb
    test al, al
    jz .done
    call com1_putc
    jmp .next
.done:
    pop ax
    ret
tty_print:
    push ax
    push bx
.next:
    lodsb
    test al, al
    jz .done
    push ax
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    pop ax
    call com1_putc
    jmp .next
.done:
    pop bx
    pop ax
    ret
`

/**
 * nasm source of a boot sector's switch to flat 32-bit protected mode (Intel SDM vol. 3 §9.9.1): LGDT from the
 * program's `gdtr` (code selector 08h, data selector 10h), CR0.PE, a far jump to `pm`, then DS = ES = SS = 10h
 * and ESP = 7000h. It starts the program (`bits 16`, `org 0x7c00`); the program goes on in `bits 32`.
 */
export const PROTECTED_MODE_SETUP = `
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
`

/** A 64 KiB hard disk holding the assembled nasm `source` from its first sector (the boot sector) on. */
export function programDisk(source: string): BlockDrive {
  const image = new Uint8Array(64 * 1024)
  image.set(nasm(source))
  return createBlockDrive('hard-disk', createMemoryMedium(image))
}

export interface BootOptions {
  readonly luns: { readonly ide?: Record<number, unknown>; readonly floppy?: Record<number, unknown> }
  readonly bootOrder?: readonly CmosBootDevice[]
  readonly floppy?: boolean
  readonly ramBytes?: number
  readonly extra?: DevicesTree
  /** Device definitions beyond the built-in registry, for nodes in `extra` (created after the built-in ones). */
  readonly definitions?: readonly DeviceDefinition[]
}

/**
 * A pattern for {@link bootUntil}: a whole COM1 line containing `text`, its line feed included. A program's
 * verdict ('…-OK' / '…-FAILED') is printed character by character, so stopping at a prefix such as 'EMULATION-'
 * can stop before the verdict itself has arrived.
 */
export function verdictLine(text: string): RegExp {
  return new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*\\n`)
}

/**
 * Builds the PC and runs it until COM1 shows `marker` — a substring, or a pattern such as {@link verdictLine}
 * — or the virtual-time budget runs out.
 */
export async function bootUntil(options: BootOptions, marker: string | RegExp, budgetNs = 20_000_000_000) {
  const { vm, com1 } = biosMachine(options)
  vm.powerOn()
  const start = vm.nowNs()
  const seen = () => (typeof marker === 'string' ? com1.text().includes(marker) : marker.test(com1.text()))
  while (!seen() && vm.nowNs() - start < budgetNs && vm.state === 'running') {
    // Short slices: a BIOS call waiting for host media I/O spins until the event loop has run.
    vm.runFor(2_000_000)
    await new Promise((resolve) => setImmediate(resolve))
  }
  const vga = vm.host.devices.find((d) => d.definition.name === 'vga')!.device as unknown as VgaInstance
  return { vm, com1, vga }
}

/** The PC of {@link bootUntil} (Boxwood BIOS, VGA, COM1 into memory), not powered on. */
export function biosMachine(options: BootOptions) {
  const com1 = createMemoryCharBackend()
  const cfg = buildPcConfig({
    ramBytes: options.ramBytes ?? 32 << 20,
    firmware: { kind: 'boxwood' },
    serial: [com1],
    vga: true,
    ide: (options.luns.ide ?? {}) as Record<number, BlockDrive>,
    ...(options.luns.floppy ? { floppies: [options.luns.floppy[0] as BlockDrive] as [BlockDrive] } : {}),
    cmos: {
      bootOrder: options.bootOrder ?? ['floppy', 'disk', 'cdrom'],
      ...(options.floppy ? { floppies: ['1.44M', 'none'] } : {}),
    } as never,
    ...(options.extra ? { extraDevices: options.extra } : {}),
  })
  const machine = options.definitions
    ? assemblePcMachine(cfg, [...builtinDevices, ...options.definitions])
    : createPcMachine(cfg)
  return { vm: machine.vm, com1 }
}
