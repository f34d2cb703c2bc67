// Boot test 2 (direct Linux boot): Debian 12's i386 kernel with a busybox initramfs, console on ttyS0, loaded
// by the machine assembly through the 32-bit boot protocol, on the machine variant with the local APIC and
// I/O APIC (the shell test boots the 8259-only variant; neither needs `noapic`), with the kernel's early serial
// console (earlyprintk) before the 8250 driver. Each stage is asserted separately so a failure says how far the
// boot got (the last serial lines are part of the failure message).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildBusyboxInitramfs, debianKernelI386Path } from '@boxwood/guest-builder'
import { buildPcConfig, createMemoryCharBackend, createPcMachine } from '@boxwood/devices'
import type { MemoryCharBackend } from '@boxwood/devices'
import type { Vm } from '@boxwood/vmm'
import { runUntil } from './run-until'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')

function bootLinux(): {
  vm: Vm
  com1: MemoryCharBackend
  stage: (name: string, marker: string | (() => boolean), budgetS: number) => void
} {
  const kernel = new Uint8Array(readFileSync(debianKernelI386Path()))
  const com1 = createMemoryCharBackend()
  const { vm } = createPcMachine(
    buildPcConfig({
      ramBytes: 128 << 20,
      firmware: {
        kind: 'linux',
        kernel,
        initrd: buildBusyboxInitramfs(),
        // earlyprintk: the kernel's early console polls the 16550A's LSR and writes THR from the first
        // setup_arch() messages on, until the 8250 driver takes over (it must not slow the boot down).
        cmdline: 'console=ttyS0 earlyprintk=ttyS0 loglevel=7 tsc=reliable',
      },
      serial: [com1],
      apic: true,
      vga: true,
      startTime: 1_767_225_600, // 2026-01-01T00:00:00Z
    }),
  )
  vm.powerOn()
  const stage = (name: string, marker: string | (() => boolean), budgetS: number) => {
    const done = typeof marker === 'string' ? () => com1.text().includes(marker) : marker
    const outcome = runUntil(vm, done, budgetS * 1e9, 100_000_000)
    expect(
      outcome.reached,
      `${name}: not reached (${JSON.stringify(outcome)}); last serial lines:\n${tail(com1.text())}`,
    ).toBe(true)
  }
  return { vm, com1, stage }
}

describe('direct Linux boot (Debian 12 i386 + busybox initramfs)', () => {
  // Budgets are virtual seconds (10 ns per instruction): decompressing the kernel alone is ~2·10^9
  // instructions. Wall time on a loaded 2-core machine is several minutes, hence the long timeout.
  it('boots the kernel: TSC and RDRAND from CPUID, APICs, ACPI S5 and PCI, the 16550A, the i8042, the RTC time and the initramfs', () => {
    const { stage } = bootLinux()
    stage('kernel banner', 'Linux version 6.1', 60)
    stage('early console on the 16550A', 'bootconsole [earlyser0] enabled', 1)
    // CPUID leaf 0x15 gives the TSC frequency (no calibration against the PIT); RDRAND seeds the kernel's CRNG.
    stage('TSC frequency from CPUID', 'tsc: Detected 1000.000 MHz processor', 1)
    stage('CRNG seeded from RDRAND at boot', 'random: crng init done', 5)
    stage('E820 map from the zero page', 'BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable', 1)
    stage('I/O APIC from the MADT', 'IOAPIC[0]: apic_id 1', 10)
    stage('ACPI tables', 'ACPI: PM: (supports S0 S5)', 20)
    stage('interrupts through the I/O APIC (\\_PIC)', 'ACPI: Using IOAPIC for interrupt routing', 10)
    stage('PCI root bridge from the DSDT', 'ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])', 10)
    stage('VGA on PCI', 'pci 0000:00:02.0: [1234:1111] type 00 class 0x030000', 10)
    stage('initramfs unpacked', 'Freeing initrd memory', 30)
    stage('16550A UART', 'ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A', 30)
    stage('the 8250 driver takes over from the early console', 'bootconsole [earlyser0] disabled', 10)
    stage('PS/2 keyboard', 'input: AT Translated Set 2 keyboard', 10)
    stage('RTC time from the CMOS', 'setting system clock to 2026-01-01T00:00:', 10)
  }, 3_600_000)
})
