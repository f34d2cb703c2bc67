// Public entry point `@boxwood/devices/node`: Node.js host backends for the portable device and disk code.

export { NodeBlockFile } from './disk-file'
export type { NodeIoMode } from './disk-file'
export { NodeFileSystem, nodeDiskHost } from './disk-file-system'
export type { NodeDiskOptions } from './disk-file-system'
export { lockImageFile } from './disk-lock'
