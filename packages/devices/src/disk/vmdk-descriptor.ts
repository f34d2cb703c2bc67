// VMDK text descriptor (VMware "Virtual Disk Format 1.1", section "The Descriptor File"): header keys, extent
// lines and the disk database (ddb.*). Parsing is bounded and tolerant of comments and unknown keys.

import { DiskCorruptError } from './errors'

export interface VmdkExtentLine {
  readonly access: 'RW' | 'RDONLY' | 'NOACCESS'
  readonly sectors: number
  readonly type: 'FLAT' | 'SPARSE' | 'ZERO' | 'VMFS' | 'VMFSSPARSE'
  readonly file: string
  /** Start sector inside the file (FLAT extents). */
  readonly offset: number
}

export interface VmdkDescriptor {
  readonly cid: number
  readonly parentCid: number
  readonly createType: string
  readonly parentFileNameHint: string | undefined
  readonly extents: readonly VmdkExtentLine[]
  readonly ddb: ReadonlyMap<string, string>
}

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(FLAT|SPARSE|ZERO|VMFS|VMFSSPARSE)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/
const MAX_EXTENTS = 4096

function unquote(value: string): string {
  const trimmed = value.trim()
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed
}

/** Parses descriptor text; throws DiskCorruptError naming `path` on nonsense. */
export function parseDescriptor(path: string, text: string): VmdkDescriptor {
  const values = new Map<string, string>()
  const ddb = new Map<string, string>()
  const extents: VmdkExtentLine[] = []
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\0+$/, '').trim()
    if (line === '' || line.startsWith('#')) continue
    const extent = EXTENT_RE.exec(line)
    if (extent) {
      if (extents.length >= MAX_EXTENTS) throw new DiskCorruptError(path, 'VMDK descriptor lists too many extents')
      const sectors = Number(extent[2])
      if (!Number.isSafeInteger(sectors)) throw new DiskCorruptError(path, `VMDK extent size ${extent[2]} is absurd`)
      extents.push({
        access: extent[1] as VmdkExtentLine['access'],
        sectors,
        type: extent[3] as VmdkExtentLine['type'],
        file: extent[4] ?? '',
        offset: Number(extent[5] ?? '0'),
      })
      continue
    }
    const equals = line.indexOf('=')
    if (equals <= 0) continue
    const key = line.slice(0, equals).trim()
    const value = unquote(line.slice(equals + 1))
    if (key.startsWith('ddb.')) ddb.set(key, value)
    else values.set(key, value)
  }
  const hex = (key: string, fallback: number) => {
    const value = values.get(key)
    if (value === undefined) return fallback
    const parsed = parseInt(value, 16)
    if (!/^[0-9a-fA-F]{1,8}$/.test(value))
      throw new DiskCorruptError(path, `VMDK descriptor ${key}=${value} is not hex`)
    return parsed >>> 0
  }
  const createType = values.get('createType')
  if (createType === undefined) throw new DiskCorruptError(path, 'VMDK descriptor has no createType')
  return {
    cid: hex('CID', 0xfffffffe),
    parentCid: hex('parentCID', 0xffffffff),
    createType,
    parentFileNameHint: values.get('parentFileNameHint'),
    extents,
    ddb,
  }
}

/** Serialises a descriptor for the createTypes this library writes. */
export function buildDescriptor(options: {
  readonly cid: number
  readonly parentCid: number
  readonly createType: 'monolithicSparse' | 'monolithicFlat'
  readonly parentFileNameHint?: string
  readonly extents: readonly VmdkExtentLine[]
  readonly sectors: number
  readonly uuid: string
  readonly parentUuid: string
  readonly modificationUuid: string
  readonly parentModificationUuid: string
}): string {
  const hex = (value: number) => (value >>> 0).toString(16).padStart(8, '0')
  const cylinders = Math.min(16383, Math.max(1, Math.floor(options.sectors / (16 * 63))))
  const lines = [
    '# Disk DescriptorFile',
    'version=1',
    `CID=${hex(options.cid)}`,
    `parentCID=${hex(options.parentCid)}`,
    `createType="${options.createType}"`,
    ...(options.parentFileNameHint !== undefined ? [`parentFileNameHint="${options.parentFileNameHint}"`] : []),
    '',
    '# Extent description',
    ...options.extents.map(
      (e) => `${e.access} ${e.sectors} ${e.type} "${e.file}"${e.type === 'FLAT' ? ` ${e.offset}` : ''}`,
    ),
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.virtualHWVersion = "4"',
    `ddb.geometry.cylinders = "${cylinders}"`,
    'ddb.geometry.heads = "16"',
    'ddb.geometry.sectors = "63"',
    'ddb.adapterType = "ide"',
    `ddb.uuid.image = "${options.uuid}"`,
    `ddb.uuid.parent = "${options.parentUuid}"`,
    `ddb.uuid.modification = "${options.modificationUuid}"`,
    `ddb.uuid.parentmodification = "${options.parentModificationUuid}"`,
    '',
  ]
  return lines.join('\n')
}
