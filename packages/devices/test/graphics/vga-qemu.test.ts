// Differential check against QEMU: a nasm boot program sets mode 13h (and 12h) through QEMU's VGA BIOS,
// loads its own DAC palette and draws a pattern; QEMU's `screendump` is compared pixel for pixel with our
// VGA after the same register programming and memory writes.
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scratchDir } from '../storage/ide-helpers'
import { nasm } from '../firmware/boot-helpers'
import { captureRgb } from '../../src/graphics/png/png-encoder'
import { setMode, vgaMachine } from './vga-helpers'

const dac = (i: number): [number, number, number] => [i & 63, (i * 3) & 63, (i * 7) & 63]

function program(mode: number): string {
  return `
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ax, 0x${mode.toString(16)}
    int 0x10
    ; DAC: entry i = (i & 63, 3i & 63, 7i & 63)
    mov dx, 0x3c8
    xor al, al
    out dx, al
    inc dx
    xor cx, cx
.dac:
    mov al, cl
    and al, 63
    out dx, al
    mov al, cl
    mov bl, 3
    mul bl
    and al, 63
    out dx, al
    mov al, cl
    mov bl, 7
    mul bl
    and al, 63
    out dx, al
    inc cx
    cmp cx, 256
    jb .dac
    mov ax, 0xa000
    mov es, ax
%if ${mode} == 0x13
    ; pixel (x, y) = (x + 3y) & 255
    xor di, di
    xor bx, bx          ; y
.row:
    xor si, si          ; x
.col:
    mov ax, bx
    mov cx, 3
    mul cx
    add ax, si
    stosb
    inc si
    cmp si, 320
    jb .col
    inc bx
    cmp bx, 200
    jb .row
%else
    ; planar: byte (x8, y) = (x8 * 7 + y) & 255 on all planes with map mask = (y & 15)
    mov dx, 0x3c4
    mov al, 2
    out dx, al
    xor di, di
    xor bx, bx
.prow:
    mov dx, 0x3c5
    mov al, bl
    and al, 15
    out dx, al
    xor si, si
.pcol:
    mov ax, si
    mov cx, 7
    mul cx
    add ax, bx
    stosb
    inc si
    cmp si, 80
    jb .pcol
    inc bx
    cmp bx, 480
    jb .prow
%endif
    cli
.h: hlt
    jmp .h
times 510-($-$$) db 0
dw 0xaa55
`
}

async function qemuScreendump(image: Uint8Array): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  const dir = scratchDir()
  const disk = join(dir, 'boot.img')
  const full = new Uint8Array(1_474_560)
  full.set(image)
  writeFileSync(disk, full)
  const dump = join(dir, 'screen.ppm')
  const qemu = spawn(
    'qemu-system-i386',
    [
      '-display',
      'none',
      '-monitor',
      'stdio',
      '-serial',
      'none',
      '-drive',
      `format=raw,file=${disk},if=floppy`,
      '-boot',
      'a',
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  )
  await new Promise((resolve) => setTimeout(resolve, 4000))
  qemu.stdin.write(`screendump ${dump}\n`)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  qemu.stdin.write('quit\n')
  await new Promise((resolve) => qemu.on('exit', resolve))
  const ppm = readFileSync(dump)
  // P6 header: magic, width, height, maxval, then RGB bytes.
  const header = ppm.toString('latin1', 0, 64).split(/\s+/)
  const width = Number(header[1])
  const height = Number(header[2])
  const rgb = new Uint8Array(ppm.subarray(ppm.length - width * height * 3))
  return { width, height, rgb }
}

function ourScreen(mode: number): { width: number; height: number; rgb: Uint8Array } {
  const { m, vga } = vgaMachine()
  setMode(m, mode)
  m.io.out8(0x3c8, 0)
  for (let i = 0; i < 256; i++) for (const c of dac(i)) m.io.out8(0x3c9, c)
  if (mode === 0x13) {
    for (let y = 0; y < 200; y++)
      for (let x = 0; x < 320; x++) m.memory.write8(0xa_0000 + y * 320 + x, (x + 3 * y) & 255)
  } else {
    m.io.out8(0x3c4, 2)
    for (let y = 0; y < 480; y++) {
      m.io.out8(0x3c5, y & 15)
      for (let x = 0; x < 80; x++) m.memory.write8(0xa_0000 + y * 80 + x, (x * 7 + y) & 255)
    }
  }
  vga.display.refresh()
  return captureRgb(vga.display)
}

describe('VGA against QEMU', () => {
  for (const mode of [0x13, 0x12]) {
    it(`renders mode ${mode.toString(16)}h like QEMU's VGA`, async () => {
      const qemu = await qemuScreendump(nasm(program(mode)))
      const ours = ourScreen(mode)
      // QEMU shows mode 13h's 320×200 pixels doubled in both directions (its 640×400 scan-out).
      const scale = qemu.width / ours.width
      expect([ours.width * scale, ours.height * scale]).toEqual([qemu.width, qemu.height])
      let differing = 0
      const samples: string[] = []
      for (let y = 0; y < ours.height; y++) {
        for (let x = 0; x < ours.width; x++) {
          const o = (y * ours.width + x) * 3
          const q = (y * scale * qemu.width + x * scale) * 3
          if (
            ours.rgb[o] !== qemu.rgb[q] ||
            ours.rgb[o + 1] !== qemu.rgb[q + 1] ||
            ours.rgb[o + 2] !== qemu.rgb[q + 2]
          ) {
            if (differing++ < 5)
              samples.push(
                `${x},${y}: ours ${ours.rgb.subarray(o, o + 3).join('/')} qemu ${qemu.rgb.subarray(q, q + 3).join('/')}`,
              )
          }
        }
      }
      expect(samples).toEqual([])
      expect(differing).toBe(0)
    }, 30_000)
  }
})
