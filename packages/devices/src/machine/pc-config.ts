/**
 * The standard PC config tree (what VirtualBox's config builder writes for a PIIX3 machine): interrupt
 * controllers, timers, RTC with the CMOS layout, DMA, port 92h, POST port, debug consoles, COM1–COM4, and the
 * firmware choice (an external BIOS image, direct Linux boot, or a direct boot sector).
 */
import type { BlockDrive } from '../backends/block-backend'
import type { CharBackend } from '../backends/char-backend'
import type { InputPort } from '../input/input-port'
import { buildAcpiTables } from '../acpi/acpi-tables'
import type { AcpiButtons } from '../acpi/piix4-pm'
import { buildFwCfgAcpiFiles } from './acpi-table-loader'

/** The ACPI PM block of the standard PC (QEMU's PIIX4 PMBA; SCI on IRQ9; PIIX4 S5 = SLP_TYP 0). */
export const PC_ACPI = { pmBase: 0x600, sciIrq: 9, s5SleepType: 0, tablesAddress: 0xe0000 } as const
import { buildCmosImage } from '../pc/cmos-layout'
import type { CmosLayout } from '../pc/cmos-layout'
import type { DeviceNode, DevicesTree } from './config-tree'

/** The ISA resources of COM1–COM4. */
export const COM_PORTS = [
  { base: 0x3f8, irq: 4 },
  { base: 0x2f8, irq: 3 },
  { base: 0x3e8, irq: 4 },
  { base: 0x2e8, irq: 3 },
] as const

/** How the machine starts. */
export type PcFirmware =
  | { readonly kind: 'linux'; readonly kernel: Uint8Array; readonly initrd?: Uint8Array; readonly cmdline?: string }
  | { readonly kind: 'boot-sector'; readonly image: Uint8Array; readonly drive?: number }
  | {
      readonly kind: 'bios'
      /** The system BIOS image (e.g. SeaBIOS bios.bin). */
      readonly image: Uint8Array
      /** An option ROM offered through fw_cfg as genroms/boxwood.rom. */
      readonly optionRom?: Uint8Array
      /** fw_cfg "bootorder" file contents. */
      readonly bootOrder?: string
    }
  | { readonly kind: 'boxwood' }
  | { readonly kind: 'none' }

/** Options of {@link buildPcConfig}. */
export interface PcConfigOptions {
  readonly ramBytes: number
  readonly firmware: PcFirmware
  /** Char backends of COM1..COM4 (a UART is created for each given entry; `null` = a UART with nothing attached). */
  readonly serial?: readonly (CharBackend | null)[]
  /** Backend of the debug console at 0x402 (SeaBIOS and Boxwood BIOS log there) and 0xE9. */
  readonly debugConsole?: CharBackend
  /** The keyboard/mouse input port (from `createInputPort()`); the i8042 is always present. */
  readonly input?: InputPort
  /**
   * Local APIC + I/O APIC (default false): the local APIC becomes the CPU's interrupt source with the 8259 on
   * LINT0 (virtual wire), PCI PIRQs also reach I/O APIC pins 16–19, and the ACPI tables get a MADT. Guests
   * use them only if the CPU reports the APIC in CPUID.
   */
  readonly apic?: boolean
  /** The ACPI power button panel (from `createAcpiButtons()`). */
  readonly buttons?: AcpiButtons
  /** Wall-clock time at power-on, seconds since 1970 (default 2024-01-01). */
  readonly startTime?: number
  readonly cmos?: Omit<CmosLayout, 'ramBytes'>
  /** The VGA adapter (`vga`; PCI 1234:1111 with VBE): true or its VRAM size. */
  readonly vga?: boolean | { readonly vramMB: number }
  /** PIIX3 IDE drives by LUN: 0 primary master, 1 primary slave, 2 secondary master, 3 secondary slave. */
  readonly ide?: Readonly<Record<number, BlockDrive>>
  /** Diskette drives A: and B: on the 82077AA controller (`i82078`). */
  readonly floppies?: readonly [BlockDrive?, BlockDrive?]
  /** Extra or replacement device nodes, merged over the defaults (name → instance → node). */
  readonly extraDevices?: DevicesTree
}

/** Builds the standard PC devices tree. */
export function buildPcConfig(options: PcConfigOptions): { ramBytes: number; devices: DevicesTree } {
  const one = (node: DeviceNode = {}) => ({ 0: node })
  const withLun = (backend: CharBackend | null | undefined): DeviceNode => (backend ? { luns: { 0: backend } } : {})
  const devices: Record<string, Record<number, DeviceNode>> = {
    i8259: one(options.apic ? { config: { cpuFacing: false } } : {}),
    ...(options.apic ? { lapic: one(), ioapic: one() } : {}),
    i440fx: one({ config: { pirqGsiBase: options.apic ? 16 : 0 } }),
    piix3: one(),
    i8254: one(),
    mc146818: one({
      config: {
        image: buildCmosImage({ ramBytes: options.ramBytes, ...options.cmos }),
        ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
      },
    }),
    '8237A': one(),
    pcarch: one(),
    postcode: one(),
    pckbd: one(options.input ? { luns: { 0: options.input } } : {}),
    acpi: one({
      config: { pmBase: PC_ACPI.pmBase, sciIrq: PC_ACPI.sciIrq, s5SleepType: PC_ACPI.s5SleepType },
      ...(options.buttons ? { luns: { 0: options.buttons } } : {}),
    }),
  }
  if (options.vga)
    devices['vga'] = one(typeof options.vga === 'object' ? { config: { vramMB: options.vga.vramMB } } : {})
  if (options.ide) devices['piix3ide'] = one({ luns: { ...options.ide } })
  if (options.floppies) {
    const luns: Record<number, BlockDrive> = {}
    options.floppies.forEach((drive, unit) => drive && (luns[unit] = drive))
    devices['i82078'] = one({ luns })
  }
  if (options.debugConsole) {
    devices['debugcon'] = {
      0: { config: { base: 0x402 }, luns: { 0: options.debugConsole } },
      1: { config: { base: 0xe9 }, luns: { 0: options.debugConsole } },
    }
  }
  const serial: Record<number, DeviceNode> = {}
  ;(options.serial ?? []).slice(0, 4).forEach((backend, i) => {
    serial[i] = { config: { ...COM_PORTS[i]! }, ...withLun(backend) }
  })
  if (Object.keys(serial).length > 0) devices['serial'] = serial
  const fw = options.firmware
  const apicTables = options.apic
    ? { apic: { localApicAddress: 0xfee0_0000, ioApicAddress: 0xfec0_0000, ioApicId: 1 } }
    : {}
  if (fw.kind === 'linux') {
    devices['linuxboot'] = one({
      config: {
        kernel: fw.kernel,
        ramBytes: options.ramBytes,
        cmdline: fw.cmdline ?? '',
        acpiAddress: PC_ACPI.tablesAddress,
        acpiTables: buildAcpiTables({
          ...PC_ACPI,
          address: PC_ACPI.tablesAddress,
          ...apicTables,
        }),
        ...(fw.initrd ? { initrd: fw.initrd } : {}),
      },
    })
  } else if (fw.kind === 'boxwood') {
    devices['pcbios'] = one({
      config: {
        acpiAddress: PC_ACPI.tablesAddress,
        acpiTables: buildAcpiTables({
          ...PC_ACPI,
          address: PC_ACPI.tablesAddress,
          ...apicTables,
        }),
      },
    })
  } else if (fw.kind === 'boot-sector') {
    devices['bootsector'] = one({ config: { image: fw.image, ...(fw.drive !== undefined ? { drive: fw.drive } : {}) } })
  } else if (fw.kind === 'bios') {
    devices['bios'] = one({ config: { image: fw.image } })
    // SeaBIOS relocates the tables itself (QEMU's table loader), so they are built at address 0.
    const acpi = buildFwCfgAcpiFiles(buildAcpiTables({ ...PC_ACPI, address: 0, ...apicTables }))
    devices['fw_cfg'] = one({
      config: {
        ramBytes: options.ramBytes,
        acpiRsdp: acpi.rsdp,
        acpiTables: acpi.tables,
        tableLoader: acpi.loader,
        ...(fw.optionRom ? { optionRom: fw.optionRom } : {}),
        ...(fw.bootOrder ? { bootOrder: fw.bootOrder } : {}),
      },
    })
  }
  for (const [name, instances] of Object.entries(options.extraDevices ?? {})) {
    devices[name] = { ...devices[name], ...instances }
  }
  return { ramBytes: options.ramBytes, devices }
}
