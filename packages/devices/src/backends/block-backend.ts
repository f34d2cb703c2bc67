/**
 * Block backend contract (VirtualBox PDMIMEDIA + PDMIMOUNT, the "Block"/"VD" driver chain): what a storage
 * controller (IDE, floppy) sees at a LUN — a drive of a kind, holding a medium (an open disk image or
 * nothing), with guest-controlled eject lock and host-driven media change. A `DiskImage` from
 * `@boxwood/devices/disk` is a valid medium as is; `createBlockDrive` builds drives for embedders and tests.
 */
import { defineContract } from '@boxwood/vmm/device-api'

/** The bytes of a disk, disc or diskette. Offsets and lengths in bytes; reads/writes complete asynchronously. */
export interface BlockMedium {
  /** Bytes the guest sees. */
  readonly size: number
  /** Natural sector size: 512 for disks and diskettes, 2048 for CD/DVD images. */
  readonly sectorSize: number
  readonly readOnly: boolean
  read(offset: number, target: Uint8Array): Promise<void>
  write(offset: number, source: Uint8Array): Promise<void>
  flush(): Promise<void>
}

/** What kind of drive sits at the LUN. */
export type BlockDriveKind = 'hard-disk' | 'cdrom' | 'floppy'

/** A drive attached to a storage controller. */
export interface BlockDrive {
  readonly kind: BlockDriveKind
  /** The medium in the drive; always present for hard disks, optional for removable drives. */
  readonly medium: BlockMedium | undefined
  /** True while the guest prevents medium removal (ATAPI PREVENT ALLOW MEDIUM REMOVAL). */
  readonly locked: boolean
  setLocked(locked: boolean): void
  /** A guest-requested eject (ATAPI START STOP UNIT with LoEj); false when locked or empty. */
  requestEject(): boolean
  /** Observes medium changes (insert, eject); returns the function that stops it. */
  onMediumChange(listener: () => void): () => void
}

/** A drive the host controls: insert and eject media (VirtualBox IMachine::mountMedium). */
export interface HostBlockDrive extends BlockDrive {
  /** Puts `medium` in the drive (replacing what was there), notifying the controller. */
  insert(medium: BlockMedium): void
  /** Removes the medium; with `force` even when the guest locked it. Returns false when refused. */
  eject(force?: boolean): boolean
}

/** The LUN contract storage controllers attach drives with. */
export const blockDriveContract = defineContract<BlockDrive>(
  'BlockDrive',
  (value): value is BlockDrive =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BlockDrive).kind === 'string' &&
    typeof (value as BlockDrive).onMediumChange === 'function' &&
    typeof (value as BlockDrive).requestEject === 'function',
)

/** Error of a drive used wrongly (a hard disk without a medium). */
export class BlockDriveError extends Error {
  override readonly name = 'BlockDriveError'
  readonly code = 'BLOCK_DRIVE'
}

/** Builds a drive of `kind`, optionally with a medium in it. Hard disks need a medium. */
export function createBlockDrive(kind: BlockDriveKind, medium?: BlockMedium): HostBlockDrive {
  if (kind === 'hard-disk' && medium === undefined) throw new BlockDriveError('a hard-disk drive needs a medium')
  const listeners = new Set<() => void>()
  let current = medium
  let locked = false
  const notify = (): void => {
    for (const l of listeners) l()
  }
  return {
    kind,
    get medium() {
      return current
    },
    get locked() {
      return locked
    },
    setLocked(value) {
      locked = value
    },
    requestEject() {
      if (kind === 'hard-disk' || locked || current === undefined) return false
      current = undefined
      notify()
      return true
    },
    onMediumChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    insert(next) {
      if (kind === 'hard-disk') throw new BlockDriveError('the medium of a hard disk cannot be changed')
      current = next
      notify()
    },
    eject(force = false) {
      if (kind === 'hard-disk' || current === undefined || (locked && !force)) return false
      current = undefined
      locked = false
      notify()
      return true
    },
  }
}

/** An in-memory medium over `bytes` (tests, embedders, RAM disks). */
export function createMemoryMedium(
  bytes: Uint8Array,
  options: { sectorSize?: number; readOnly?: boolean } = {},
): BlockMedium {
  const check = (offset: number, length: number): void => {
    if (!Number.isInteger(offset) || offset < 0 || offset + length > bytes.length) {
      throw new RangeError(`I/O of ${length} bytes at ${offset} is outside the ${bytes.length}-byte medium`)
    }
  }
  return {
    size: bytes.length,
    sectorSize: options.sectorSize ?? 512,
    readOnly: options.readOnly ?? false,
    read(offset, target) {
      check(offset, target.length)
      target.set(bytes.subarray(offset, offset + target.length))
      return Promise.resolve()
    },
    write(offset, source) {
      if (options.readOnly) return Promise.reject(new RangeError('the medium is read-only'))
      check(offset, source.length)
      bytes.set(source, offset)
      return Promise.resolve()
    },
    flush: () => Promise.resolve(),
  }
}
