// Boot test 2, end to end, in one boot: Debian 12's i386 kernel + the busybox initramfs with consoles on the
// VGA text screen (tty0) and ttyS0 reach a shell on each. The screen (read back from a PNG screenshot that
// ImageMagick decodes) shows the prompt, a command typed on the PS/2 keyboard runs there, a command typed
// into the serial port runs, Linux's ata_piix (modules from the kernel package of the same release) drives the
// PIIX3 IDE with bus-master DMA, reading a stamped sector of its disk and writing one, and `poweroff` powers the
// VM off through ACPI S5. Each stage is asserted separately so a failure says how far the boot got (with the
// last serial lines or the screen).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ATA_PIIX_MODULES,
  buildBusyboxInitramfs,
  debianKernelI386Path,
  LOAD_MODULES_COMMAND,
  SHELL_PROMPT,
} from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createBlockDrive,
  createInputPort,
  createMemoryCharBackend,
  createMemoryMedium,
  createPcMachine,
  screenshotPng,
} from '@boxwood/devices'
import type { VgaInstance } from '@boxwood/devices'
import { powerOff, reachShell, runSerialCommand } from './busybox-shell'
import { runUntil, runUntilAsync } from './run-until'
import { decodePng, liveTextScreen, readTextScreen, typeOnKeyboard } from './linux-screen'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')

/** The IDE disk: 4 MiB, sector 2048 stamped so the guest can prove it read the right data. */
const DISK_SECTORS = 8192
const STAMP = 'BOXWOOD-ATA-SECTOR-2048'
function stampedDisk(): Uint8Array {
  const bytes = new Uint8Array(DISK_SECTORS * 512)
  bytes.set(
    Array.from(STAMP, (c) => c.charCodeAt(0)),
    2048 * 512,
  )
  return bytes
}

describe('direct Linux boot to a shell on the serial port and the VGA console', () => {
  // Budgets are virtual seconds at 10 ns per instruction. The kernel spends tens of virtual seconds in
  // decompression, X.509 signature checks and late initcalls (QEMU TCG shows the same slow spots).
  it('reaches shells on ttyS0 and tty1, runs typed commands on both, uses the disk through ata_piix, powers off', async () => {
    const com1 = createMemoryCharBackend()
    const input = createInputPort()
    const disk = stampedDisk()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 128 << 20,
        firmware: {
          kind: 'linux',
          kernel: new Uint8Array(readFileSync(debianKernelI386Path())),
          initrd: buildBusyboxInitramfs({ extraShells: ['tty1'], modules: ATA_PIIX_MODULES }),
          // The last console= is /dev/console (the serial shell); tty1 gets its own shell from the inittab.
          cmdline: 'console=tty0 console=ttyS0 loglevel=4 tsc=reliable',
        },
        serial: [com1],
        vga: true,
        input,
        ide: { 0: createBlockDrive('hard-disk', createMemoryMedium(disk)) },
      }),
    )
    const vga = vm.host.devices.find((d) => d.definition.name === 'vga')!.device as unknown as VgaInstance
    const screen = () => liveTextScreen(vga.display)
    vm.powerOn()
    const stage = (name: string, done: () => boolean, budgetS: number, stepNs = 100_000_000) => {
      const outcome = runUntil(vm, done, budgetS * 1e9, stepNs)
      expect(
        outcome.reached,
        `${name}: not reached (${JSON.stringify(outcome)}); last serial lines:\n${tail(com1.text())}\n` +
          `screen:\n${screen().join('\n')}`,
      ).toBe(true)
    }
    const guest = { vm, com1, stage }
    await reachShell(guest, { init: 240, prompt: 60 })
    stage('VGA shell prompt', () => screen().some((line) => line.startsWith(SHELL_PROMPT.trimEnd())), 60)

    // Key by key with a little virtual time between them: the keyboard's 64-byte queue drops what overflows.
    for (const key of 'echo vga-$((6*7))\n') {
      typeOnKeyboard(input.sink, key)
      vm.runFor(10_000_000)
    }
    stage('command typed on the keyboard', () => screen().includes('vga-42'), 60)
    expect(com1.text()).not.toContain('vga-42')

    // The PNG screenshot, decoded by ImageMagick, shows the command line and its output.
    const png = screenshotPng(vga.display)
    writeFileSync(join(mkdtempSync(join(tmpdir(), 'boxwood-tty0-')), 'screen.png'), png)
    const lines = readTextScreen(decodePng(png))
    const commandLine = lines.findIndex((line) => line === `${SHELL_PROMPT}echo vga-$((6*7))`)
    expect(commandLine, `screenshot:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0)
    expect(lines[commandLine + 1]).toBe('vga-42')
    expect(lines[commandLine + 2]?.startsWith(SHELL_PROMPT.trimEnd())).toBe(true)

    await runSerialCommand(guest, 60)
    expect(screen()).not.toContain('result-42')

    // ata_piix on the PIIX3 IDE (00:01.1): the disk appears as sda with its size, libata chose multiword DMA
    // (reads and writes then go through the bus-master PRD tables), the stamped sector reads back, and a sector
    // Linux writes lands in the host's medium. The disk's I/O completes asynchronously, so this stage yields to
    // the event loop between steps. ($((40+2)) keeps the done marker out of the echoed command line.)
    const before = com1.text().length
    const since = () => com1.text().slice(before)
    com1.push(
      `${LOAD_MODULES_COMMAND} && echo ata-size-$(cat /sys/block/sda/size) && ` +
        `echo ata-mode-$(cat /sys/class/ata_device/dev1.0/xfer_mode) && ` +
        `echo ata-data-$(dd if=/dev/sda bs=512 skip=2048 count=1 2>/dev/null | head -c ${STAMP.length}) && ` +
        `echo linux-wrote-this | dd of=/dev/sda bs=512 seek=100 conv=sync 2>/dev/null && sync && ` +
        `echo ata-$((40+2))-done\n`,
    )
    const ata = await runUntilAsync(vm, () => /ata-42-done|insmod: |rror/.test(since()), 120e9, 20_000_000)
    expect(ata.reached, `ata_piix: ${JSON.stringify(ata)}\n${tail(com1.text())}`).toBe(true)
    expect(since()).toContain(`ata-size-${DISK_SECTORS}`)
    expect(since()).toContain('ata-mode-XFER_MW_DMA_2')
    expect(since()).toContain(`ata-data-${STAMP}`)
    expect(String.fromCharCode(...disk.subarray(100 * 512, 100 * 512 + 17))).toBe('linux-wrote-this\n')
    await powerOff(guest, 120)
  }, 7_200_000)
})
