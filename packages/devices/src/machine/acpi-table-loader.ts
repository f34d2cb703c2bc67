/**
 * ACPI tables for external firmware (SeaBIOS) through fw_cfg, the way QEMU hands them over: the blob from
 * `buildAcpiTables` built at address 0 (so every pointer in it is an offset into the blob) becomes the files
 * "etc/acpi/rsdp" and "etc/acpi/tables" plus an "etc/table-loader" script that tells the firmware to allocate
 * both (RSDP in the F segment, tables in high memory), add the tables' address to each pointer, and fix the
 * checksums. Spec: QEMU hw/acpi/bios-linker-loader.c (command layout: 128-byte entries; ALLOCATE = 1,
 * ADD_POINTER = 2, ADD_CHECKSUM = 3; zones HIGH = 1, FSEG = 2); ACPI 6.5 §5.2.5 (RSDP), §5.2.7 (RSDT),
 * §5.2.9 (FADT FIRMWARE_CTRL at 36, DSDT at 40).
 */

/** The three fw_cfg files. */
export interface FwCfgAcpiFiles {
  readonly rsdp: Uint8Array
  readonly tables: Uint8Array
  readonly loader: Uint8Array
}

/** Thrown when the blob does not have the layout the loader script describes. */
export class AcpiTableLoaderError extends Error {
  override readonly name = 'AcpiTableLoaderError'
  readonly code = 'ACPI_TABLE_LOADER'
}

const RSDP_FILE = 'etc/acpi/rsdp'
const TABLES_FILE = 'etc/acpi/tables'
const COMMAND = { ALLOCATE: 1, ADD_POINTER: 2, ADD_CHECKSUM: 3 } as const
const ZONE = { HIGH: 1, FSEG: 2 } as const
const ENTRY_BYTES = 128
const FILE_NAME_BYTES = 56
/** ACPI 1.0 RSDP: signature, checksum, OEM id, revision, RSDT address. */
const RSDP_BYTES = 20

function entry(command: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(ENTRY_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, command, true)
  return { bytes, view }
}

function putName(bytes: Uint8Array, at: number, name: string): void {
  for (let i = 0; i < name.length && i < FILE_NAME_BYTES - 1; i++) bytes[at + i] = name.charCodeAt(i)
}

function allocate(file: string, align: number, zone: number): Uint8Array {
  const { bytes, view } = entry(COMMAND.ALLOCATE)
  putName(bytes, 4, file)
  view.setUint32(4 + FILE_NAME_BYTES, align, true)
  bytes[8 + FILE_NAME_BYTES] = zone
  return bytes
}

function addPointer(dest: string, src: string, offset: number): Uint8Array {
  const { bytes, view } = entry(COMMAND.ADD_POINTER)
  putName(bytes, 4, dest)
  putName(bytes, 4 + FILE_NAME_BYTES, src)
  view.setUint32(4 + 2 * FILE_NAME_BYTES, offset, true)
  bytes[8 + 2 * FILE_NAME_BYTES] = 4
  return bytes
}

function addChecksum(file: string, offset: number, start: number, length: number): Uint8Array {
  const { bytes, view } = entry(COMMAND.ADD_CHECKSUM)
  putName(bytes, 4, file)
  view.setUint32(4 + FILE_NAME_BYTES, offset, true)
  view.setUint32(8 + FILE_NAME_BYTES, start, true)
  view.setUint32(12 + FILE_NAME_BYTES, length, true)
  return bytes
}

function signatureAt(blob: Uint8Array, at: number): string {
  return String.fromCharCode(...blob.subarray(at, at + 4))
}

/**
 * Splits an address-0 ACPI blob (RSDP at offset 0, then RSDT and the tables it lists) into the fw_cfg files
 * and the loader script that relocates it. Every pointer the script patches is checked to land in the blob.
 */
export function buildFwCfgAcpiFiles(blob: Uint8Array): FwCfgAcpiFiles {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  const inside = (offset: number, length: number, what: string): void => {
    if (offset < 0 || offset + length > blob.length) {
      throw new AcpiTableLoaderError(`${what} at ${offset} (+${length}) is outside the ${blob.length}-byte blob`)
    }
  }
  inside(0, RSDP_BYTES, 'RSDP')
  if (String.fromCharCode(...blob.subarray(0, 8)) !== 'RSD PTR ') throw new AcpiTableLoaderError('no RSDP at 0')
  const rsdt = view.getUint32(16, true)
  inside(rsdt, 36, 'RSDT')
  const tableLength = (at: number): number => {
    const length = view.getUint32(at + 4, true)
    inside(at, length, signatureAt(blob, at))
    return length
  }
  const rsdtLength = tableLength(rsdt)

  const loader: Uint8Array[] = [allocate(RSDP_FILE, 16, ZONE.FSEG), allocate(TABLES_FILE, 64, ZONE.HIGH)]
  const patched: { at: number; length: number }[] = [{ at: rsdt, length: rsdtLength }]
  loader.push(addPointer(RSDP_FILE, TABLES_FILE, 16))
  for (let p = rsdt + 36; p + 4 <= rsdt + rsdtLength; p += 4) {
    const table = view.getUint32(p, true)
    loader.push(addPointer(TABLES_FILE, TABLES_FILE, p))
    const length = tableLength(table)
    if (signatureAt(blob, table) === 'FACP') {
      // FIRMWARE_CTRL (FACS) and DSDT: 32-bit pointers of the ACPI 1.0 FADT.
      inside(view.getUint32(table + 36, true), 64, 'FACS')
      tableLength(view.getUint32(table + 40, true))
      loader.push(addPointer(TABLES_FILE, TABLES_FILE, table + 36), addPointer(TABLES_FILE, TABLES_FILE, table + 40))
      patched.push({ at: table, length })
    }
  }
  for (const t of patched) loader.push(addChecksum(TABLES_FILE, t.at + 9, t.at, t.length))
  loader.push(addChecksum(RSDP_FILE, 8, 0, RSDP_BYTES))

  // The tables file keeps the blob's offsets (the pointers are relative to it); its RSDP copy is blanked so
  // that only the relocated one in the F segment carries the signature.
  const tables = blob.slice()
  tables.fill(0, 0, RSDP_BYTES)
  const script = new Uint8Array(loader.length * ENTRY_BYTES)
  loader.forEach((e, i) => script.set(e, i * ENTRY_BYTES))
  return { rsdp: blob.slice(0, RSDP_BYTES), tables, loader: script }
}
