// The busybox shell stages the Linux boot tests share (guest-builder's initramfs, console on ttyS0): /init runs,
// the shell prompt appears, a command typed into the serial port runs, and `poweroff` powers the VM off through
// ACPI S5. Each test keeps its own stage runner (plain, or yielding to the event loop for asynchronous media;
// its own failure report) and passes its own budgets.
import { INIT_MARKER, SHELL_PROMPT } from '@boxwood/guest-builder'
import type { MemoryCharBackend } from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'

/** Runs the machine until `done()` within `budgetS` virtual seconds, in `stepNs` slices, or fails the test. */
export type Stage = (name: string, done: () => boolean, budgetS: number, stepNs: number) => void | Promise<void>

/** A booting busybox guest: its machine, its ttyS0 and the test's stage runner. */
export interface ShellGuest {
  readonly vm: Vm
  readonly com1: MemoryCharBackend
  readonly stage: Stage
}

/** Once the kernel runs it leaves the disks alone, so its stages run in long slices. */
const KERNEL_STEP_NS = 100_000_000

/**
 * /init runs, then the shell prompt shows on ttyS0. Budgets are virtual seconds at 10 ns per instruction: the
 * kernel spends tens of them in decompression, X.509 signature checks and late initcalls.
 */
export async function reachShell(guest: ShellGuest, budgets: { init: number; prompt: number }): Promise<void> {
  const { com1, stage } = guest
  await stage('init runs', () => com1.text().includes(INIT_MARKER), budgets.init, KERNEL_STEP_NS)
  await stage('shell prompt on ttyS0', () => com1.text().includes(SHELL_PROMPT), budgets.prompt, KERNEL_STEP_NS)
}

/**
 * Types `echo result-$((6*7))` into ttyS0 and waits for the shell's answer (the arithmetic keeps the answer
 * out of the echoed command line).
 */
export async function runSerialCommand(guest: ShellGuest, budgetS: number, stepNs = KERNEL_STEP_NS): Promise<void> {
  guest.com1.push('echo result-$((6*7))\n')
  await guest.stage('command typed into ttyS0', () => guest.com1.text().includes('result-42'), budgetS, stepNs)
}

/** Types `poweroff` into ttyS0 and waits until the machine is off (ACPI S5). */
export async function powerOff(guest: ShellGuest, budgetS: number): Promise<void> {
  guest.com1.push('poweroff\n')
  await guest.stage('power off (ACPI S5)', () => guest.vm.state === 'powered-off', budgetS, KERNEL_STEP_NS)
}
