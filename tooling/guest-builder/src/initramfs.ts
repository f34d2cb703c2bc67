// The busybox initramfs test guest: /init mounts proc/sys/dev, prints a marker and hands over to busybox init,
// whose inittab runs a shell on the console and powers off cleanly on `poweroff`.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { buildCpio } from './cpio'
import type { CpioEntry } from './cpio'
import { busyboxI386Path } from './debian'

/** Printed by /init once userspace runs. */
export const INIT_MARKER = 'BOXWOOD-INIT-OK'
/** The shell prompt the inittab's shell shows. */
export const SHELL_PROMPT = 'boxwood# '

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
echo ${INIT_MARKER}
exec /bin/busybox init
`

const INITTAB = `::sysinit:/bin/echo inittab-sysinit
::respawn:-/bin/sh
::shutdown:/bin/echo BOXWOOD-SHUTDOWN
`

const PROFILE = `export PS1='${SHELL_PROMPT}'
`

/** Builds the gzip-compressed initramfs (newc cpio) around the i386 busybox-static binary. */
export function buildBusyboxInitramfs(): Uint8Array {
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
    { kind: 'file', path: 'etc/inittab', data: enc.encode(INITTAB) },
    { kind: 'file', path: 'etc/profile', data: enc.encode(PROFILE) },
  ]
  return new Uint8Array(gzipSync(buildCpio(entries)))
}
