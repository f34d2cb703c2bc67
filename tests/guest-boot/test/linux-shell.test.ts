// Boot test 2, end to end, in one boot: Debian 12's i386 kernel + the busybox initramfs with consoles on the
// VGA text screen (tty0) and ttyS0 reach a shell on each. The screen (read back from a PNG screenshot that
// ImageMagick decodes) shows the prompt, a command typed on the PS/2 keyboard runs there, a command typed
// into the serial port runs, and `poweroff` powers the VM off through ACPI S5. Each stage is asserted
// separately so a failure says how far the boot got (with the last serial lines or the screen).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildBusyboxInitramfs, debianKernelI386Path, INIT_MARKER, SHELL_PROMPT } from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createInputPort,
  createMemoryCharBackend,
  createPcMachine,
  screenshotPng,
} from '@boxwood/devices'
import type { VgaInstance } from '@boxwood/devices'
import { runUntil } from './run-until'
import { decodePng, liveTextScreen, readTextScreen, typeOnKeyboard } from './linux-screen'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')

describe('direct Linux boot to a shell on the serial port and the VGA console', () => {
  // Budgets are virtual seconds at 10 ns per instruction. The kernel spends tens of virtual seconds in
  // decompression, X.509 signature checks and late initcalls (QEMU TCG shows the same slow spots).
  it('reaches busybox shells on ttyS0 and tty1, runs typed commands on both and powers off', () => {
    const com1 = createMemoryCharBackend()
    const input = createInputPort()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 128 << 20,
        firmware: {
          kind: 'linux',
          kernel: new Uint8Array(readFileSync(debianKernelI386Path())),
          initrd: buildBusyboxInitramfs({ extraShells: ['tty1'] }),
          // The last console= is /dev/console (the serial shell); tty1 gets its own shell from the inittab.
          cmdline: 'console=tty0 console=ttyS0 loglevel=4 tsc=reliable',
        },
        serial: [com1],
        vga: true,
        input,
      }),
    )
    const vga = vm.host.devices.find((d) => d.definition.name === 'vga')!.device as unknown as VgaInstance
    const screen = () => liveTextScreen(vga.display)
    vm.powerOn()
    const stage = (name: string, done: () => boolean, budgetS: number) => {
      const outcome = runUntil(vm, done, budgetS * 1e9, 100_000_000)
      expect(
        outcome.reached,
        `${name}: not reached (${JSON.stringify(outcome)}); last serial lines:\n${tail(com1.text())}\n` +
          `screen:\n${screen().join('\n')}`,
      ).toBe(true)
    }
    stage('init runs', () => com1.text().includes(INIT_MARKER), 240)
    stage('serial shell prompt', () => com1.text().includes(SHELL_PROMPT), 60)
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

    com1.push('echo result-$((6*7))\n')
    stage('command typed into the serial port', () => com1.text().includes('result-42'), 60)
    expect(screen()).not.toContain('result-42')
    com1.push('poweroff\n')
    stage('power off', () => vm.state === 'powered-off', 120)
  }, 7_200_000)
})
