// The PAE test guest: Debian 12's i386 `686-pae` kernel (PAE paging, NX) from the installed package
// linux-image-686-pae:i386, with the busybox initramfs (which loads no modules, so the kernel's release may differ
// from the netboot kernel's). Linux Documentation/x86/boot.rst for the bzImage header the release is read from.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { kernelRelease, MissingPackageError } from './debian'
import { buildBusyboxInitramfs } from './initramfs'

/** The Debian meta-package that installs the current i386 PAE kernel. */
const PAE_PACKAGE = 'linux-image-686-pae:i386'

/**
 * The i386 PAE kernel image, `/boot/vmlinuz-<release>-686-pae`, of the kernel package the meta-package
 * linux-image-686-pae:i386 depends on (throws {@link MissingPackageError} naming the package if it is missing).
 */
export function debianPaeKernelI386Path(): string {
  let depends: string
  try {
    depends = execFileSync('dpkg-query', ['-W', '-f', '${Status}|${Depends}', PAE_PACKAGE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch {
    depends = ''
  }
  const [status = '', deps = ''] = depends.split('|')
  if (!status.endsWith(' installed')) {
    throw new MissingPackageError(`Debian package ${PAE_PACKAGE} is not installed (apt-get install ${PAE_PACKAGE})`)
  }
  // e.g. "linux-image-6.1.0-50-686-pae (= 6.1.176-1)": the versioned kernel package names the release.
  const release = /linux-image-(\S+-686-pae)\b/.exec(deps)?.[1]
  const path = release === undefined ? undefined : `/boot/vmlinuz-${release}`
  if (path === undefined || !existsSync(path)) {
    throw new MissingPackageError(
      `${PAE_PACKAGE} installed no /boot/vmlinuz-*-686-pae (apt-get install ${PAE_PACKAGE})`,
    )
  }
  return path
}

/** The PAE kernel and its initramfs, ready for a direct (boot protocol) Linux boot. */
export interface PaeLinuxGuest {
  /** The bzImage. */
  readonly kernel: Uint8Array
  /** The gzip'd busybox initramfs (shell on /dev/console, no modules). */
  readonly initrd: Uint8Array
  /** The kernel's release, read from its setup header (e.g. `6.1.0-50-686-pae`). */
  readonly release: string
}

/** Reads the i386 PAE kernel and builds the busybox initramfs for it. */
export function buildPaeLinuxGuest(): PaeLinuxGuest {
  const path = debianPaeKernelI386Path()
  const release = kernelRelease(path)
  if (!release.endsWith('-686-pae')) throw new Error(`${path} is not a 686-pae kernel (release ${release})`)
  return { kernel: new Uint8Array(readFileSync(path)), initrd: buildBusyboxInitramfs(), release }
}
