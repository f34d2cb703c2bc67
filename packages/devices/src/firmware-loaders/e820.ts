/**
 * The PC memory map the firmware reports (INT 15h E820, the Linux zero page, QEMU fw_cfg "etc/e820"): usable
 * conventional memory below the EBDA, the reserved VGA/BIOS hole, usable extended memory, RAM above 4 GiB,
 * and the reserved BIOS ROM window below 4 GiB. Spec: ACPI 6.5 §15 "System Address Map Interfaces".
 */

/** E820 address range types (ACPI 6.5 Table 15.312). */
export const E820_TYPE = { RAM: 1, RESERVED: 2, ACPI: 3, NVS: 4 } as const

/** One range of the map. */
export interface E820Entry {
  readonly address: number
  readonly length: number
  readonly type: number
}

/** Where RAM below 4 GiB ends (the PCI hole starts), as the PC machine lays it out. */
export const PCI_HOLE_START = 0xe000_0000

/** The memory map of a PC with `ramBytes` of RAM (RAM beyond the PCI hole is remapped above 4 GiB). */
export function buildE820Map(ramBytes: number): E820Entry[] {
  const below4g = Math.min(ramBytes, PCI_HOLE_START)
  const map: E820Entry[] = [
    { address: 0, length: 0x9fc00, type: E820_TYPE.RAM },
    { address: 0x9fc00, length: 0x400, type: E820_TYPE.RESERVED },
    { address: 0xe0000, length: 0x20000, type: E820_TYPE.RESERVED },
  ]
  if (below4g > 0x100000) map.push({ address: 0x100000, length: below4g - 0x100000, type: E820_TYPE.RAM })
  if (ramBytes > PCI_HOLE_START) {
    map.push({ address: 2 ** 32, length: ramBytes - PCI_HOLE_START, type: E820_TYPE.RAM })
  }
  map.push({ address: 0xfffc_0000, length: 0x4_0000, type: E820_TYPE.RESERVED })
  return map
}
