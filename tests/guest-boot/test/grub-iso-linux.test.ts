// Boot test 3: a GRUB rescue ISO (grub-mkrescue, i386-pc) on the ATAPI CD (IDE secondary master). Through the
// Boxwood BIOS (El Torito no-emulation, INT 13h on 2048-byte sectors) GRUB's menu shows on COM1 and on the VGA
// text screen (in text memory, and in a PNG screenshot decoded by ImageMagick whose every cell shows the font
// glyph of the character in text memory); Enter on the serial console boots the Debian 12 i386 kernel to the
// busybox shell on ttyS0, a typed command runs and `poweroff` powers the VM off. SeaBIOS boots the same ISO from
// the same drive to GRUB's menu, and GRUB loads kernel and initramfs through it (the rest of that boot is what
// the Boxwood case and guest 2 already cover; a second full Linux boot would cost minutes of CI).
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildGrubIso,
  GRUB_LOADED_MARKER,
  GRUB_MENU_ENTRY,
  seabiosBiosPath,
  type GrubIso,
} from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createBlockDrive,
  createMemoryCharBackend,
  createMemoryMedium,
  createPcMachine,
  screenshotPng,
  vgaFont,
  type PcFirmware,
  type VgaInstance,
} from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'
import { powerOff, reachShell, runSerialCommand } from './busybox-shell'
import { runUntilAsync } from './run-until'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')
/** GRUB's title line, drawn above the menu on every terminal. */
const GRUB_TITLE = 'GNU GRUB  version 2.06'

/** The 80×25 text screen as the guest wrote it at B8000h. */
function textMemory(vm: Vm): string {
  let text = ''
  for (let row = 0; row < 25; row++) {
    for (let col = 0; col < 80; col++) text += String.fromCharCode(vm.memory.read8(0xb_8000 + (row * 80 + col) * 2))
    text += '\n'
  }
  return text
}

/** Decodes a PNG with ImageMagick's `convert` (an independent PNG reader) through binary PPM into RGB. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const ppm = new Uint8Array(execFileSync('convert', ['png:-', '-depth', '8', 'ppm:-'], { input: png }))
  // P6 header: magic, width, height, maxval, each followed by one whitespace byte (no comments from convert).
  const header = new TextDecoder().decode(ppm.subarray(0, 32)).split(/\s/, 4)
  const headerBytes = header.join(' ').length + 1
  return { width: Number(header[1]), height: Number(header[2]), rgb: ppm.subarray(headerBytes) }
}

/**
 * The cells of an 80×25 text-mode screenshot (9×16 cells) whose ink differs from the font glyph of the character
 * in text memory. Ink = pixels unlike the cell's commonest colour, so a glyph may also show inverted (more ink
 * than background); the ninth column (line-graphics copy) and the cursor's cell are not compared.
 */
function cellsUnlikeTextMemory(vm: Vm, shot: { width: number; rgb: Uint8Array }): string[] {
  const font = vgaFont(16)
  const cursor = vm.memory.read8(0x450) + vm.memory.read8(0x451) * 80
  const bad: string[] = []
  for (let cell = 0; cell < 80 * 25; cell++) {
    if (cell === cursor) continue
    const code = vm.memory.read8(0xb_8000 + cell * 2)
    const x0 = (cell % 80) * 9
    const y0 = Math.floor(cell / 80) * 16
    const colours: number[] = []
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 8; x++) {
        const p = ((y0 + y) * shot.width + x0 + x) * 3
        colours.push((shot.rgb[p]! << 16) | (shot.rgb[p + 1]! << 8) | shot.rgb[p + 2]!)
      }
    }
    const counts = new Map<number, number>()
    for (const c of colours) counts.set(c, (counts.get(c) ?? 0) + 1)
    const background = [...counts].sort((a, b) => b[1] - a[1])[0]![0]
    let same = true
    let inverse = true
    for (let i = 0; i < 128; i++) {
      const glyphInk = (font[code * 16 + (i >> 3)]! & (0x80 >> (i & 7))) !== 0
      const ink = colours[i] !== background
      if (ink !== glyphInk) same = false
      if (ink === glyphInk) inverse = false
    }
    if (!same && !inverse) bad.push(`row ${Math.floor(cell / 80)} col ${cell % 80} char ${code.toString(16)}`)
  }
  return bad
}

/** A PC with the ISO in the ATAPI drive (secondary master), VGA and COM1, booting from CD, powered on. */
function bootFromCd(iso: GrubIso, firmware: PcFirmware) {
  const debug = createMemoryCharBackend()
  const com1 = createMemoryCharBackend()
  const medium = createMemoryMedium(new Uint8Array(readFileSync(iso.path)), { sectorSize: 2048, readOnly: true })
  const { vm } = createPcMachine(
    buildPcConfig({
      ramBytes: 128 << 20,
      firmware,
      serial: [com1],
      debugConsole: debug,
      vga: true,
      ide: { 2: createBlockDrive('cdrom', medium) },
      cmos: { bootOrder: ['cdrom', 'disk'] },
    }),
  )
  const vga = vm.host.devices.find((d) => d.definition.name === 'vga')!.device as unknown as VgaInstance
  vm.powerOn()
  // Firmware and GRUB wait for asynchronous CD reads, so they run in short slices that yield to the event
  // loop; the kernel leaves the CD alone and runs in long ones.
  const stage = async (name: string, done: () => boolean, budgetS: number, stepNs: number) => {
    const outcome = await runUntilAsync(vm, done, budgetS * 1e9, stepNs)
    expect(
      outcome.reached,
      `${name}: not reached (${JSON.stringify(outcome)}); firmware log:\n${tail(debug.text())}\nlast serial lines:\n${tail(com1.text())}\nscreen:\n${textMemory(vm)}`,
    ).toBe(true)
  }
  return { vm, vga, com1, stage }
}

describe('a GRUB ISO on the ATAPI CD', () => {
  let iso: GrubIso
  beforeAll(() => {
    iso = buildGrubIso({ cmdline: 'console=ttyS0 loglevel=4 tsc=reliable' })
  })
  afterAll(() => rmSync(dirname(iso.path), { recursive: true, force: true }))

  it('Boxwood BIOS: GRUB’s menu on COM1 and the screen; Enter boots Linux to the shell; poweroff', async () => {
    const guest = bootFromCd(iso, { kind: 'boxwood' })
    const { vm, vga, com1, stage } = guest
    await stage('GRUB menu on COM1', () => com1.text().includes(GRUB_MENU_ENTRY), 30, 2_000_000)
    await stage('GRUB menu on the screen', () => textMemory(vm).includes(GRUB_MENU_ENTRY), 5, 2_000_000)
    expect(textMemory(vm)).toContain(GRUB_TITLE)
    expect(com1.text()).toContain(GRUB_TITLE)
    // The screenshot a user would take shows exactly that text, glyph by glyph (box lines included).
    vga.display.refresh()
    const shot = decodePng(screenshotPng(vga.display))
    expect([shot.width, shot.height]).toEqual([720, 400])
    expect(cellsUnlikeTextMemory(vm, shot)).toEqual([])
    com1.push('\r')
    await stage('GRUB loads kernel and initramfs', () => com1.text().includes(GRUB_LOADED_MARKER), 30, 2_000_000)
    await reachShell(guest, { init: 240, prompt: 60 })
    await runSerialCommand(guest, 60, 20_000_000)
    await powerOff(guest, 120)
  }, 3_600_000)

  it('SeaBIOS: boots the same CD to GRUB’s menu on COM1; Enter loads the kernel and initramfs', async () => {
    const image = new Uint8Array(readFileSync(seabiosBiosPath()))
    const { com1, stage } = bootFromCd(iso, { kind: 'bios', image })
    await stage('GRUB menu on COM1', () => com1.text().includes(GRUB_MENU_ENTRY), 30, 2_000_000)
    expect(com1.text()).toContain(GRUB_TITLE)
    com1.push('\r')
    await stage('GRUB loads kernel and initramfs', () => com1.text().includes(GRUB_LOADED_MARKER), 30, 2_000_000)
  }, 900_000)
})
