// The GRUB ISO test guest (issue 4, guest 3): a grub-mkrescue image (grub-pc-bin, i386-pc, El Torito
// no-emulation) holding the Debian 12 i386 kernel and the busybox initramfs, with a menu drawn on both the
// serial port and the screen (GRUB manual: "serial", "terminal_output", "menuentry").
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { debianKernelI386Path, MissingPackageError } from './debian'
import { buildBusyboxInitramfs } from './initramfs'

/** The title of the menu entry that boots the kernel (it appears in GRUB's menu on serial and on screen). */
export const GRUB_MENU_ENTRY = 'Boxwood Linux (busybox on ttyS0)'

/** Where grub-pc-bin installs the i386-pc modules and images. */
const GRUB_I386_PC = '/usr/lib/grub/i386-pc'

/** GRUB prints this on its terminals once it has read the kernel and the initramfs from the medium. */
export const GRUB_LOADED_MARKER = 'BOXWOOD-GRUB-LOADED'

/** What to put into the GRUB ISO. */
export interface GrubIsoOptions {
  /** The kernel command line (default: console on ttyS0). */
  readonly cmdline?: string
  /** GRUB's menu timeout in seconds; -1 (the default) waits for a key. */
  readonly timeoutS?: number
}

/** The ISO image built by {@link buildGrubIso}. */
export interface GrubIso {
  /** The ISO file (in a fresh temporary folder). */
  readonly path: string
  /** The grub.cfg written into it. */
  readonly config: string
}

/** The grub.cfg: serial console at 115200 baud next to the screen, for input and output, one menu entry. */
export function grubConfig(options: GrubIsoOptions = {}): string {
  const cmdline = options.cmdline ?? 'console=ttyS0'
  return [
    'serial --unit=0 --speed=115200',
    'terminal_input serial console',
    'terminal_output serial console',
    `set timeout=${options.timeoutS ?? -1}`,
    'set default=0',
    `menuentry '${GRUB_MENU_ENTRY}' {`,
    `  linux /boot/vmlinuz ${cmdline}`,
    '  initrd /boot/initrd.gz',
    `  echo '${GRUB_LOADED_MARKER}'`,
    '}',
    '',
  ].join('\n')
}

/** Builds the GRUB rescue ISO with grub-mkrescue (needs grub-pc-bin, xorriso and mtools installed). */
export function buildGrubIso(options: GrubIsoOptions = {}): GrubIso {
  if (!existsSync(join(GRUB_I386_PC, 'boot.img'))) {
    throw new MissingPackageError('GRUB for i386-pc is not installed (apt-get install grub-pc-bin xorriso mtools)')
  }
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-grub-iso-'))
  const root = join(dir, 'root')
  mkdirSync(join(root, 'boot', 'grub'), { recursive: true })
  copyFileSync(debianKernelI386Path(), join(root, 'boot', 'vmlinuz'))
  writeFileSync(join(root, 'boot', 'initrd.gz'), buildBusyboxInitramfs())
  const config = grubConfig(options)
  writeFileSync(join(root, 'boot', 'grub', 'grub.cfg'), config)
  const path = join(dir, 'grub.iso')
  try {
    // Only the i386-pc platform: the image boots from BIOS through El Torito no-emulation.
    execFileSync('grub-mkrescue', [`--directory=${GRUB_I386_PC}`, '-o', path, root], { stdio: 'pipe' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingPackageError('grub-mkrescue is not installed (apt-get install grub-pc-bin xorriso mtools)')
    }
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '')
    throw new Error(`grub-mkrescue failed: ${stderr.trim()}`, { cause: error })
  }
  return { path, config }
}
