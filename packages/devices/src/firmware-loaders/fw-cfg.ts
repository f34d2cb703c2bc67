/**
 * QEMU's firmware configuration interface (fw_cfg), the legacy I/O variant SeaBIOS uses on a PC: a 16-bit
 * selector at 0x510 and a byte-wide data port at 0x511 reading the selected item sequentially, with the file
 * directory (0x19) naming "etc/e820", "bootorder", option ROMs and the like. The DMA interface is not offered
 * (FW_CFG_ID reports 1: traditional interface only), so firmware falls back to port reads.
 * Spec: QEMU docs/specs/fw_cfg.rst (selector/data ports, item keys 0x00–0x19, file directory layout: u32 BE
 * count, then 64-byte entries of u32 BE size, u16 BE select, u16 reserved, 56-byte name).
 */
import { defineDevice, defineState, u16, u32 } from '@boxwood/vmm/device-api'
import { buildE820Map, E820_TYPE } from './e820'

/** Well-known item keys (fw_cfg.rst). */
export const FW_CFG = {
  SIGNATURE: 0x00,
  ID: 0x01,
  UUID: 0x02,
  RAM_SIZE: 0x03,
  NOGRAPHIC: 0x04,
  NB_CPUS: 0x05,
  MACHINE_ID: 0x06,
  NUMA: 0x0d,
  BOOT_MENU: 0x0e,
  MAX_CPUS: 0x0f,
  FILE_DIR: 0x19,
  FILE_FIRST: 0x20,
} as const

/** One named file of the fw_cfg directory. */
export interface FwCfgFile {
  readonly name: string
  readonly data: Uint8Array
}

const le = (bytes: number, value: number): Uint8Array => {
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(value / 2 ** (8 * i)) & 0xff
  return out
}

/** The QEMU "etc/e820" file: RAM ranges as {u64 address, u64 length, u32 type} little-endian. */
export function fwCfgE820(ramBytes: number): Uint8Array {
  const ram = buildE820Map(ramBytes).filter((e) => e.type === E820_TYPE.RAM && e.address >= 0x100000)
  const entries = [{ address: 0, length: 0xa0000, type: E820_TYPE.RAM }, ...ram]
  const out = new Uint8Array(entries.length * 20)
  entries.forEach((e, i) => {
    out.set(le(8, e.address), i * 20)
    out.set(le(8, e.length), i * 20 + 8)
    out.set(le(4, e.type), i * 20 + 16)
  })
  return out
}

/** Builds the item table: fixed keys plus the file directory and its files. */
export function buildFwCfgItems(options: {
  readonly ramBytes: number
  readonly cpus: number
  readonly files: readonly FwCfgFile[]
}): Map<number, Uint8Array> {
  const items = new Map<number, Uint8Array>()
  items.set(FW_CFG.SIGNATURE, new TextEncoder().encode('QEMU'))
  items.set(FW_CFG.ID, le(4, 1))
  items.set(FW_CFG.UUID, new Uint8Array(16))
  items.set(FW_CFG.RAM_SIZE, le(8, options.ramBytes))
  items.set(FW_CFG.NOGRAPHIC, le(2, 0))
  items.set(FW_CFG.NB_CPUS, le(2, options.cpus))
  items.set(FW_CFG.MAX_CPUS, le(2, options.cpus))
  items.set(FW_CFG.NUMA, le(8, 0))
  items.set(FW_CFG.BOOT_MENU, le(2, 0))
  const files = [...options.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const dir = new Uint8Array(4 + files.length * 64)
  const view = new DataView(dir.buffer)
  view.setUint32(0, files.length, false)
  files.forEach((file, i) => {
    const at = 4 + i * 64
    const key = FW_CFG.FILE_FIRST + i
    view.setUint32(at, file.data.length, false)
    view.setUint16(at + 4, key, false)
    const name = new TextEncoder().encode(file.name).subarray(0, 55)
    dir.set(name, at + 8)
    items.set(key, file.data)
  })
  items.set(FW_CFG.FILE_DIR, dir)
  return items
}

export const fwCfgState = defineState({
  unit: 'fw_cfg',
  version: 1,
  fields: { selector: u16, offset: u32 },
})

/** The fw_cfg device: device name `fw_cfg` (QEMU's). */
export const fwCfg = defineDevice({
  name: 'fw_cfg',
  description: 'QEMU firmware configuration interface (I/O ports)',
  maxInstances: 1,
  config: {
    base: { type: 'u16', default: 0x510 },
    ramBytes: { type: 'number' },
    cpus: { type: 'u8', default: 1, min: 1 },
    /** The boot order file ("bootorder": one device path per line). */
    bootOrder: { type: 'string', default: '' },
    /** An option ROM offered as "genroms/boxwood.rom" (firmware runs it and boots its BEV). */
    optionRom: { type: 'bytes', optional: true },
    /** ACPI tables as QEMU offers them: "etc/acpi/rsdp", "etc/acpi/tables" and the "etc/table-loader" script. */
    acpiRsdp: { type: 'bytes', optional: true },
    acpiTables: { type: 'bytes', optional: true },
    tableLoader: { type: 'bytes', optional: true },
  },
  savedState: fwCfgState,
  create(ctx, config) {
    const state = fwCfgState.initial()
    const files: FwCfgFile[] = [
      { name: 'etc/e820', data: fwCfgE820(config.ramBytes) },
      { name: 'etc/boot-fail-wait', data: le(4, 1) },
    ]
    if (config.bootOrder) files.push({ name: 'bootorder', data: new TextEncoder().encode(config.bootOrder + '\0') })
    if (config.optionRom) files.push({ name: 'genroms/boxwood.rom', data: config.optionRom })
    if (config.acpiRsdp) files.push({ name: 'etc/acpi/rsdp', data: config.acpiRsdp })
    if (config.acpiTables) files.push({ name: 'etc/acpi/tables', data: config.acpiTables })
    if (config.tableLoader) files.push({ name: 'etc/table-loader', data: config.tableLoader })
    const items = buildFwCfgItems({ ramBytes: config.ramBytes, cpus: config.cpus, files })

    ctx
      .ioPorts(
        2,
        {
          sizes: [1, 2],
          read(offset, size) {
            if (offset === 0) return size === 2 ? state.selector : state.selector & 0xff
            // Data port: bytes of the selected item in order; past the end (or no such item) reads 0.
            // Bit 14 is the (unsupported) write flag; bit 15 selects the architecture-specific keys (x86:
            // 0x8000 ACPI tables, 0x8001 SMBIOS…), which must not alias the generic ones.
            const item = items.get(state.selector & 0xbfff)
            let value = 0
            for (let i = 0; i < size; i++) {
              const b = item && state.offset < item.length ? item[state.offset]! : 0
              if (item && state.offset < item.length) state.offset++
              value |= b << (8 * i)
            }
            return value
          },
          write(offset, value, size) {
            if (offset === 0 && size === 2) {
              state.selector = value & 0xffff
              state.offset = 0
            }
            // Writes to items are not supported (read-only interface since QEMU 2.4).
          },
        },
        'fw_cfg',
      )
      .map(config.base)

    return {
      state,
      reset() {
        state.selector = 0
        state.offset = 0
      },
    }
  },
})
