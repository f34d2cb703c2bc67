// Public entry point `@boxwood/devices/disk`: virtual disk image formats behind one block interface, usable
// without any device model (VirtualBox src/VBox/Storage). Host files arrive through the DiskHost contract.

export { createDifferencing, createImage, detectFormat, openImage } from './open'
export type { DifferencingOptions } from './open'
export {
  DiskCorruptError,
  DiskError,
  DiskFileError,
  DiskLockedError,
  DiskParentError,
  DiskUnsupportedError,
  DiskUsageError,
} from './errors'
export type { DiskErrorCode } from './errors'
export type { BlockFile, DiskHost, FileLock, FileSystem } from './host'
export type {
  CreateOptions,
  DiskImage,
  DiskInfo,
  ImageFormat,
  ImageVariant,
  OpenOptions,
  ParentResolver,
  WritableFormat,
} from './types'
export { cloneImage, compactImage, mergeChildIntoParent, resizeImage } from './operations'
export type { ChainOptions, CloneOptions, MergeOptions } from './operations'
export { readIsoInfo } from './iso'
export type { IsoInfo } from './iso'
