// Finds test material installed from Debian packages (never downloaded, never committed): the busybox-static
// i386 binary, the Debian 12 netboot i386 kernel and modules of the same release, SeaBIOS. Each lookup names
// the package to install.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

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

/**
 * The release (`uname -r`) of a bzImage: the boot protocol's setup header holds a pointer to the version string
 * at offset 0x20E, relative to 0x200 (Linux Documentation/x86/boot.rst, "kernel_version").
 */
export function kernelRelease(kernelPath: string): string {
  const image = readFileSync(kernelPath)
  if (image.length < 0x210 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') {
    throw new Error(`${kernelPath} is not a bzImage (no HdrS setup header)`)
  }
  const at = image.readUInt16LE(0x20e) + 0x200
  const release = image.toString('latin1', at, Math.min(image.length, at + 64)).split(/[\s\0]/, 1)[0] ?? ''
  if (!/^[0-9][\w.+-]*$/.test(release)) throw new Error(`${kernelPath}: no kernel version string`)
  return release
}

/**
 * Paths of kernel modules (`.ko`, by module file name without the extension) of the netboot kernel's release,
 * from the i386 kernel package of that release (`linux-image-<release>:i386`; the netboot initrd has no ATA
 * modules). Modules of another build would not load: the package must be the same release.
 */
export function debianKernelModulePaths(names: readonly string[]): string[] {
  const pkg = `linux-image-${kernelRelease(debianKernelI386Path())}:i386`
  const files = listPackage(pkg)
  return names.map((name) => {
    const path = files.find((p) => p.endsWith(`/${name}.ko`))
    if (!path || !existsSync(path)) throw new MissingPackageError(`${pkg} has no module ${name}.ko`)
    return path
  })
}
