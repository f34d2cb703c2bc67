// The boot benchmark's guest: the guest-builder's Debian 12 i386 kernel and busybox initramfs (built from the
// installed Debian packages at run time), one RAM size and command line for every emulator.
import { readFileSync } from 'node:fs'
import { buildBusyboxInitramfs, debianKernelI386Path, SHELL_PROMPT } from '@boxwood/guest-builder'

/** What every emulator boots. */
export interface BootGuest {
  readonly kernel: Uint8Array
  readonly initrd: Uint8Array
  readonly cmdline: string
  readonly ramBytes: number
  /** Appears on the serial console once the shell is ready for input. */
  readonly prompt: string
}

/** Milestones of one boot, in wall-clock ms since the emulator was started. */
export interface BootTimes {
  readonly promptMs: number
  readonly poweroffMs: number
  /** Guest instructions retired up to the prompt, when the emulator reports them (0 otherwise). */
  readonly instructions: number
  /** CPU seconds of an emulator running in another process (QEMU), measured by its runner. */
  readonly cpuS?: number
}

/** Builds the guest (console on ttyS0 at the same RAM size everywhere). */
export function loadGuest(ramMiB = 128): BootGuest {
  return {
    kernel: new Uint8Array(readFileSync(debianKernelI386Path())),
    initrd: buildBusyboxInitramfs(),
    cmdline: 'console=ttyS0 loglevel=4 tsc=reliable',
    ramBytes: ramMiB << 20,
    prompt: SHELL_PROMPT,
  }
}
