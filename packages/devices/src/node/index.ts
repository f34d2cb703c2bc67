// Public entry point `@boxwood/devices/node`: Node.js host backends for the portable device and disk code.

export { NodeBlockFile } from './disk-file'
export type { NodeIoMode } from './disk-file'
export type { HybridIoOptions } from './disk-io-policy'
export { NodeFileSystem, nodeDiskHost } from './disk-file-system'
export type { NodeDiskOptions } from './disk-file-system'
export { lockImageFile } from './disk-lock'

// Serial (char) backends: the VirtualBox serial port modes.
export { StreamCharBackend } from './serial-stream'
export type { NodeCharBackend } from './serial-stream'
export { createDisconnectedSerial } from './serial-disconnected'
export { createFileSerial } from './serial-file'
export type { FileSerialOptions } from './serial-file'
export { createPipeSerial, createStdioSerial } from './serial-pipe'
export { createSocketServerSerial, createSocketClientSerial } from './serial-socket'
export type { SocketAddress, SocketServerSerial } from './serial-socket'
export { createTcpServerSerial, createTcpClientSerial } from './serial-tcp'
export { createUnixServerSerial, createUnixClientSerial } from './serial-unix'
