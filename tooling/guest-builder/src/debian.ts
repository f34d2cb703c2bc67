// Finds test material installed from Debian packages (never downloaded, never committed): the busybox-static
// i386 binary, the Debian 12 netboot i386 kernel, SeaBIOS. Each lookup names the package to install.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Thrown when a needed Debian package is not installed (the message names it). */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError'
  readonly code = 'GUEST_MISSING_PACKAGE'
}

function listPackage(pkg: string): string[] {
  try {
    return execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    throw new MissingPackageError(`Debian package ${pkg} is not installed (apt-get install ${pkg})`)
  }
}

/** The busybox-static i386 binary (package busybox-static:i386). */
export function busyboxI386Path(): string {
  const path = listPackage('busybox-static:i386').find((p) => p.endsWith('/bin/busybox'))
  if (!path || !existsSync(path)) throw new MissingPackageError('busybox-static:i386 has no /bin/busybox')
  return path
}

/** The Debian 12 i386 netboot kernel (package debian-installer-12-netboot-i386, text flavour). */
export function debianKernelI386Path(): string {
  const path = listPackage('debian-installer-12-netboot-i386').find((p) =>
    /\/text\/debian-installer\/i386\/linux$/.test(p),
  )
  if (!path || !existsSync(path)) throw new MissingPackageError('debian-installer-12-netboot-i386 has no kernel')
  return path
}

/** SeaBIOS's 128 KiB bios.bin (package seabios). */
export function seabiosPath(): string {
  const path = listPackage('seabios').find((p) => p.endsWith('/bios.bin'))
  if (!path || !existsSync(path)) throw new MissingPackageError('seabios has no bios.bin')
  return path
}
