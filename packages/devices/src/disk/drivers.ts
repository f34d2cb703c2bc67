// The table of image format drivers: how each format opens and creates one layer.

import type { BlockFile } from './host'
import type { Layer, LayerContext, ParentIdentity } from './layer'
import { openIso } from './iso'
import { openQcow2 } from './qcow2'
import { createRaw, openRaw } from './raw'
import type { ImageFormat } from './types'
import { createVdi, openVdi } from './vdi'
import { createVhd, openVhd } from './vhd'
import { createVmdk, openVmdk } from './vmdk'

/** What a driver's create function receives (already validated). */
export interface CreateRequest {
  readonly size: number
  readonly variant: 'dynamic' | 'fixed'
  readonly uuid: string
  /** Set for differencing images. */
  readonly parent: ParentIdentity | undefined
  /** Path the image will finally have, when created under a temporary name (names stored inside files). */
  readonly finalPath?: string
  /** VMDK content ID to keep (rebuilds keep children's parentCID valid). */
  readonly cid?: number
}

export interface FormatDriver {
  open(context: LayerContext, file: BlockFile): Promise<Layer>
  /** Absent for read-only formats. */
  create?(context: LayerContext, file: BlockFile, request: CreateRequest): Promise<Layer>
  /** True when the format can hold a differencing image. */
  readonly differencing: boolean
}

const drivers: Partial<Record<ImageFormat, FormatDriver>> = {
  raw: {
    open: openRaw,
    create: (context, file, request) => createRaw(context, file, request.size),
    differencing: false,
  },
  vdi: { open: openVdi, create: createVdi, differencing: true },
  vhd: { open: openVhd, create: createVhd, differencing: true },
  vmdk: { open: openVmdk, create: createVmdk, differencing: true },
  iso: { open: openIso, differencing: false },
  qcow2: { open: openQcow2, differencing: false },
}

export function driverFor(format: ImageFormat): FormatDriver | undefined {
  return drivers[format]
}
