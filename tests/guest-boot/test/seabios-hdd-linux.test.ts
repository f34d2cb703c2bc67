// Boot test 4: Debian's SeaBIOS finds the PIIX3 IDE controller (PCI 00:01.1), boots the MBR of an IDE hard
// disk built at test time (syslinux mbr.bin → FAT partition → SYSLINUX), SYSLINUX loads the Debian 12 i386
// kernel and the busybox initramfs through INT 13h (SeaBIOS's ATA driver on our IDE ports), the kernel reaches
// the shell on ttyS0, a typed command runs and `poweroff` powers the VM off. Stages are asserted one by one.
// The Boxwood BIOS boots the same disk as far as SYSLINUX having loaded kernel and initramfs (the kernel part
// is what the SeaBIOS case and the direct-boot test already cover; a second full Linux boot would cost minutes).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildLinuxHddImage, seabiosBiosPath, SYSLINUX_MARKER } from '@boxwood/guest-builder'
import {
  buildPcConfig,
  createBlockDrive,
  createMemoryCharBackend,
  createMemoryMedium,
  createPcMachine,
  type PcConfigOptions,
  type PcFirmware,
} from '@boxwood/devices'
import { powerOff, reachShell, runSerialCommand } from './busybox-shell'
import { runUntilAsync } from './run-until'

const tail = (text: string) => text.split('\n').slice(-15).join('\n')

/** A PC with the disk as IDE primary master, COM1 and the firmware's debug console, powered on. */
function bootFromDisk(path: string, firmware: PcFirmware, cmos: PcConfigOptions['cmos'] = {}) {
  const debug = createMemoryCharBackend()
  const com1 = createMemoryCharBackend()
  const { vm } = createPcMachine(
    buildPcConfig({
      ramBytes: 128 << 20,
      firmware,
      serial: [com1],
      debugConsole: debug,
      cmos,
      ide: { 0: createBlockDrive('hard-disk', createMemoryMedium(new Uint8Array(readFileSync(path)))) },
    }),
  )
  vm.powerOn()
  // Disk reads complete asynchronously, so every stage yields to the event loop between slices: short ones
  // while firmware and SYSLINUX poll the drive, long ones once the kernel runs (it leaves the disk alone).
  const stage = async (name: string, done: () => boolean, budgetS: number, stepNs: number) => {
    const outcome = await runUntilAsync(vm, done, budgetS * 1e9, stepNs)
    expect(
      outcome.reached,
      `${name}: not reached (${JSON.stringify(outcome)}); firmware log:\n${tail(debug.text())}\nlast serial lines:\n${tail(com1.text())}`,
    ).toBe(true)
  }
  return { vm, debug, com1, stage }
}

/** Boots `image` as the IDE primary master of qemu-system-i386 (SeaBIOS) until COM1 shows `marker`. */
function qemuSerialUntil(image: string, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-i386',
      [
        '-M',
        'pc',
        '-m',
        '128',
        '-bios',
        seabiosBiosPath(),
        '-display',
        'none',
        '-monitor',
        'none',
        '-no-reboot',
      ].concat(['-drive', `file=${image},if=ide,format=raw,snapshot=on`, '-serial', 'stdio']),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    const timer = setTimeout(() => qemu.kill(), timeoutMs)
    qemu.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1')
      if (out.includes(marker)) qemu.kill()
    })
    qemu.on('error', reject)
    qemu.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

describe('SeaBIOS booting Linux from an IDE hard disk', () => {
  let disk = ''
  beforeAll(() => {
    disk = buildLinuxHddImage().path
  })

  it('the disk image is sound: on QEMU (the oracle) SYSLINUX loads kernel and initramfs from it', async () => {
    const serial = await qemuSerialUntil(disk, SYSLINUX_MARKER, 60_000)
    expect(serial).toContain('Loading vmlinuz... ok')
    expect(serial).toContain(SYSLINUX_MARKER)
  }, 120_000)

  it('SeaBIOS → MBR → SYSLINUX → kernel → busybox shell; a typed command runs; poweroff powers off', async () => {
    const image = new Uint8Array(readFileSync(seabiosBiosPath()))
    const guest = bootFromDisk(disk, { kind: 'bios', image })
    const { debug, com1, stage } = guest
    await stage('SeaBIOS boots the disk', () => debug.text().includes('Booting from Hard Disk'), 20, 10_000_000)
    expect(debug.text()).toMatch(/ATA controller 1 at 1f0\/3f4\/0 \(irq 14 dev 9\)/)
    expect(debug.text()).toMatch(/ata0-0: .* ATA-\d+ Hard-Disk \(16 MiBytes\)/)
    await stage('SYSLINUX loads kernel and initramfs', () => com1.text().includes(SYSLINUX_MARKER), 30, 1_000_000)
    expect(com1.text()).toContain('SYSLINUX 6.04')
    await reachShell(guest, { init: 240, prompt: 60 })
    await runSerialCommand(guest, 60)
    await powerOff(guest, 120)
  }, 7_200_000)

  it('the Boxwood BIOS boots the same disk: MBR → SYSLINUX loads kernel and initramfs over INT 13h', async () => {
    const { com1, stage } = bootFromDisk(disk, { kind: 'boxwood' }, { bootOrder: ['disk'] })
    await stage('SYSLINUX loads kernel and initramfs', () => com1.text().includes(SYSLINUX_MARKER), 30, 1_000_000)
    expect(com1.text()).toContain('Loading vmlinuz... ok')
  }, 600_000)
})
