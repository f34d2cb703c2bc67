// Boot test 2, end to end: Debian 12's i386 kernel + the busybox initramfs reach a shell on ttyS0, a command
// typed into the serial port runs, and `poweroff` powers the VM off through ACPI S5. Each stage is asserted
// separately so a failure says how far the boot got (with the last serial lines).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildBusyboxInitramfs, debianKernelI386Path, INIT_MARKER, SHELL_PROMPT } from '@boxwood/guest-builder'
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '@boxwood/devices'
import { runUntil } from './run-until'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')

describe('direct Linux boot to a shell', () => {
  // Budgets are virtual seconds at 10 ns per instruction. The kernel spends tens of virtual seconds in
  // decompression, X.509 signature checks and late initcalls (QEMU TCG shows the same slow spots).
  it('reaches the busybox shell, runs a typed command and powers off', () => {
    const com1 = createMemoryCharBackend()
    const { vm } = createPcMachine(
      buildPcConfig({
        ramBytes: 128 << 20,
        firmware: {
          kind: 'linux',
          kernel: new Uint8Array(readFileSync(debianKernelI386Path())),
          initrd: buildBusyboxInitramfs(),
          cmdline: 'console=ttyS0 loglevel=4 tsc=reliable',
        },
        serial: [com1],
      }),
    )
    vm.powerOn()
    const stage = (name: string, done: () => boolean, budgetS: number) => {
      const outcome = runUntil(vm, done, budgetS * 1e9, 100_000_000)
      expect(
        outcome.reached,
        `${name}: not reached (${JSON.stringify(outcome)}); last serial lines:\n${tail(com1.text())}`,
      ).toBe(true)
    }
    stage('init runs', () => com1.text().includes(INIT_MARKER), 240)
    stage('shell prompt', () => com1.text().includes(SHELL_PROMPT), 60)
    com1.push('echo result-$((6*7))\n')
    stage('typed command', () => com1.text().includes('result-42'), 60)
    com1.push('poweroff\n')
    stage('power off', () => vm.state === 'powered-off', 120)
  }, 7_200_000)
})
