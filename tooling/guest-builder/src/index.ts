// The guest builder: test guests made at test time from installed Debian packages into a gitignored cache.
export { buildCpio } from './cpio'
export type { CpioEntry } from './cpio'
export {
  MissingPackageError,
  busyboxI386Path,
  debianKernelI386Path,
  debianKernelModulePaths,
  kernelRelease,
  seabiosPath,
} from './debian'
export { ATA_PIIX_MODULES, buildBusyboxInitramfs, INIT_MARKER, LOAD_MODULES_COMMAND, SHELL_PROMPT } from './initramfs'
export { assemble, buildBevBootRom, diskImageWithBootSector, CACHE_DIR } from './boot-sector'
export { seabiosPath as seabiosBiosPath } from './debian'
export { buildLinuxHddImage, SYSLINUX_MARKER } from './hdd-image'
export type { LinuxHddImage, LinuxHddOptions } from './hdd-image'
export { buildGrubIso, grubConfig, GRUB_LOADED_MARKER, GRUB_MENU_ENTRY } from './grub-iso'
export type { GrubIso, GrubIsoOptions } from './grub-iso'
export { buildPaeLinuxGuest, debianPaeKernelI386Path } from './pae-kernel'
