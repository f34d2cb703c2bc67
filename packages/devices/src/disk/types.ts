// The public block interface of the disk image library: what storage controllers and media management use.

/** Image file formats. `iso` and `qcow2` are read-only. */
export type ImageFormat = 'raw' | 'vdi' | 'vmdk' | 'vhd' | 'iso' | 'qcow2'

/** Formats this library can create and write. */
export type WritableFormat = 'raw' | 'vdi' | 'vmdk' | 'vhd'

/**
 * How the image stores its blocks (VirtualBox's MediumVariant): `dynamic` grows on demand (VDI Normal, VHD
 * dynamic, VMDK monolithicSparse, qcow2), `fixed` preallocates (raw, VDI Fixed, VHD fixed, VMDK monolithicFlat),
 * `split2G` is VMDK twoGbMaxExtentSparse, `streamOptimized` is VMDK's compressed appliance format.
 */
export type ImageVariant = 'dynamic' | 'fixed' | 'split2G' | 'streamOptimized'

/** What `DiskImage.info()` reports about one image file (one layer of a chain). */
export interface DiskInfo {
  readonly path: string
  readonly format: ImageFormat
  readonly variant: ImageVariant
  /** True for a differencing (child) image whose unallocated blocks come from a parent. */
  readonly differencing: boolean
  /** Bytes the guest sees. */
  readonly logicalSize: number
  /** Bytes the host stores for this layer's files. */
  readonly allocatedSize: number
  /** Image UUID (VDI uuidCreate, VHD unique id, VMDK ddb.uuid.image); all zeros when the format has none. */
  readonly uuid: string
  /** UUID of the parent image for differencing images. */
  readonly parentUuid: string | undefined
  /** Resolved path of the parent image, when the image is open with its chain. */
  readonly parentPath: string | undefined
  readonly readOnly: boolean
}

/**
 * An open disk image with its whole differencing chain: the block device that storage controllers and the
 * Main API's media code use. Offsets and lengths are bytes and need no alignment; I/O outside
 * `[0, size)` throws `DiskUsageError` (`DISK_OUT_OF_RANGE`). Writes become durable (and survive a crash of
 * the process) once a later `flush()` has resolved.
 */
export interface DiskImage {
  readonly path: string
  readonly format: ImageFormat
  readonly readOnly: boolean
  /** Logical size in bytes (bytes the guest sees). */
  readonly size: number
  /** Natural sector size: 512, or 2048 for ISO images. */
  readonly sectorSize: number
  /** The parent image of a differencing image (open read-only), else undefined. */
  readonly parent: DiskImage | undefined
  read(offset: number, target: Uint8Array): Promise<void>
  write(offset: number, source: Uint8Array): Promise<void>
  /** Makes every completed write durable: data first, then the block map and headers that point at it. */
  flush(): Promise<void>
  info(): Promise<DiskInfo>
  /** Flushes (when writable), releases the writer lock and closes the files of the whole chain. */
  close(): Promise<void>
}

/**
 * Finds a differencing image's parent: receives the parent's UUID and the path hint stored in the child (VMDK
 * parentFileNameHint, VHD parent locator; none for VDI) and returns a path, or undefined to use the hint.
 */
export type ParentResolver = (request: {
  readonly childPath: string
  readonly parentUuid: string | undefined
  readonly hint: string | undefined
}) => string | undefined | Promise<string | undefined>

/** Options of `openImage`. */
export interface OpenOptions {
  /** Open without write access and without taking the writer lock (default false). */
  readonly readOnly?: boolean
  /** How to find parents of differencing images (VDI stores no parent path: supply one). */
  readonly resolveParent?: ParentResolver
}

/** Options of `createImage`. */
export interface CreateOptions {
  readonly format: WritableFormat
  /** Logical size in bytes: a multiple of 512, at most 2 TiB (VHD rounds up to a whole CHS geometry). */
  readonly size: number
  /** `dynamic` (default; raw files are always sparse `fixed`) or `fixed`. */
  readonly variant?: 'dynamic' | 'fixed'
  /** Image UUID; random when omitted. */
  readonly uuid?: string
}
