// The busybox initramfs test guest: /init mounts proc/sys/dev, prints a marker and hands over to busybox init,
// whose inittab runs a shell on the console (and optionally on more terminals, e.g. the VGA's tty1) and powers
// off cleanly on `poweroff`.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { buildCpio } from './cpio'
import type { CpioEntry } from './cpio'
import { busyboxI386Path, debianKernelModulePaths } from './debian'

/** Printed by /init once userspace runs. */
export const INIT_MARKER = 'BOXWOOD-INIT-OK'
/** The shell prompt the inittab's shell shows. */
export const SHELL_PROMPT = 'boxwood# '

/**
 * The modules that let Linux drive the PIIX3 IDE with ata_piix and see its disks as /dev/sdX, in load order
 * (modules.dep of the release, with the crypto checksum drivers sd_mod's t10-pi uses loaded before their users,
 * as modules.softdep asks).
 */
export const ATA_PIIX_MODULES = [
  'scsi_common',
  'scsi_mod',
  'libata',
  'ata_piix',
  'crc64',
  'crc64_rocksoft_generic',
  'crc64-rocksoft',
  'crct10dif_common',
  'crct10dif_generic',
  'crc-t10dif',
  't10-pi',
  'sd_mod',
] as const

/** The command the initramfs has when built with modules: insmods them in order, stops at the first failure. */
export const LOAD_MODULES_COMMAND = 'load-modules'

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
echo ${INIT_MARKER}
exec /bin/busybox init
`

/** The inittab: a login shell on /dev/console plus one per extra terminal (busybox init's `tty::action:cmd`). */
const inittab = (ttys: readonly string[]) => `::sysinit:/bin/echo inittab-sysinit
::respawn:-/bin/sh
${ttys.map((tty) => `${tty}::respawn:-/bin/sh\n`).join('')}::shutdown:/bin/echo BOXWOOD-SHUTDOWN
`

const PROFILE = `export PS1='${SHELL_PROMPT}'
`

/** Options of {@link buildBusyboxInitramfs}. */
export interface BusyboxInitramfsOptions {
  /**
   * Terminals besides the console that get a shell of their own, by /dev name: e.g. `['tty1']`, the first
   * virtual console on the VGA text screen, typed into on the PS/2 keyboard (boot with `console=tty0` too).
   */
  readonly extraShells?: readonly string[]
  /**
   * Kernel modules (file names without `.ko`, in load order, e.g. {@link ATA_PIIX_MODULES}) taken from the
   * kernel package of the netboot kernel's release into /lib/modules; `load-modules` (in /bin) loads them.
   */
  readonly modules?: readonly string[]
}

/** Builds the gzip-compressed initramfs (newc cpio) around the i386 busybox-static binary. */
export function buildBusyboxInitramfs(options: BusyboxInitramfsOptions = {}): Uint8Array {
  const ttys = options.extraShells ?? []
  for (const tty of ttys) {
    if (!/^[a-zA-Z0-9]+$/.test(tty)) throw new RangeError(`not a terminal name under /dev: ${JSON.stringify(tty)}`)
  }
  const enc = new TextEncoder()
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'sbin' },
    { kind: 'dir', path: 'etc' },
    { kind: 'dir', path: 'dev' },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'root' },
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: new Uint8Array(readFileSync(busyboxI386Path())), mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'symlink', path: 'sbin/init', target: '../bin/busybox' },
    { kind: 'file', path: 'init', data: enc.encode(INIT), mode: 0o755 },
    { kind: 'file', path: 'etc/inittab', data: enc.encode(inittab(ttys)) },
    { kind: 'file', path: 'etc/profile', data: enc.encode(PROFILE) },
  ]
  const modules = options.modules ?? []
  if (modules.length > 0) {
    entries.push({ kind: 'dir', path: 'lib' }, { kind: 'dir', path: 'lib/modules' })
    debianKernelModulePaths(modules).forEach((path, i) => {
      entries.push({ kind: 'file', path: `lib/modules/${modules[i]}.ko`, data: new Uint8Array(readFileSync(path)) })
    })
    const script = `#!/bin/sh\nfor m in ${modules.join(' ')}; do insmod /lib/modules/$m.ko || exit 1; done\n`
    entries.push({ kind: 'file', path: `bin/${LOAD_MODULES_COMMAND}`, data: enc.encode(script), mode: 0o755 })
  }
  return new Uint8Array(gzipSync(buildCpio(entries)))
}
