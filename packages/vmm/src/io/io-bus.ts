// The contract between the CPU and the I/O port space (VirtualBox IOM): IN/OUT/INS/OUTS go through it.

/** Width of one port or MMIO access in bytes. */
export type AccessSize = 1 | 2 | 4

/**
 * What the CPU needs from the port space. Ports are 0–0xFFFF; values are unsigned and fit the access size.
 * Ports nobody claims read as all ones (0xFF, 0xFFFF, 0xFFFFFFFF) and ignore writes.
 */
export interface IoBus {
  ioRead(port: number, size: AccessSize): number
  ioWrite(port: number, value: number, size: AccessSize): void
}
