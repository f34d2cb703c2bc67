// Raw (flat) images: the file is the disk. New images are sparse files made with truncate.

import type { BlockFile } from './host'
import type { BackingReader, Extent, Layer, LayerContext, ParentIdentity } from './layer'
import { readZeroPadded } from './layer'
import { NIL_UUID } from './uuid'

class RawLayer implements Layer {
  readonly format = 'raw'
  readonly variant = 'fixed'
  readonly sectorSize = 512
  readonly uuid = NIL_UUID
  readonly parent = undefined
  readonly blockSize = 1024 * 1024
  readonly path: string
  readonly writable: boolean
  logicalSize: number
  private readonly file: BlockFile

  constructor(context: LayerContext, file: BlockFile, size: number) {
    this.path = context.path
    this.writable = context.writable
    this.file = file
    this.logicalSize = size
  }

  async extent(_offset: number, length: number): Promise<Extent> {
    return { state: 'data', length }
  }

  readData(offset: number, target: Uint8Array): Promise<void> {
    return readZeroPadded(this.file, offset, target)
  }

  readDirect(offset: number, target: Uint8Array): Promise<void> {
    return readZeroPadded(this.file, offset, target)
  }

  write(offset: number, source: Uint8Array, _backing: BackingReader): Promise<void> {
    return this.file.write(offset, source)
  }

  flush(): Promise<void> {
    return this.file.flush()
  }

  close(): Promise<void> {
    return this.file.close()
  }

  allocatedSize(): Promise<number> {
    return this.file.allocatedSize()
  }

  identity(): ParentIdentity {
    return { path: this.path, uuid: NIL_UUID, modificationUuid: NIL_UUID, cid: 0xfffffffe, timestamp: 0 }
  }

  async grow(newSize: number): Promise<boolean> {
    await this.file.truncate(newSize)
    this.logicalSize = newSize
    return true
  }

  files(): readonly string[] {
    return [this.path]
  }
}

/** Opens a raw image: its logical size is the file length. */
export async function openRaw(context: LayerContext, file: BlockFile): Promise<Layer> {
  return new RawLayer(context, file, await file.size())
}

/** Creates a raw image of `size` bytes as a sparse file. */
export async function createRaw(context: LayerContext, file: BlockFile, size: number): Promise<Layer> {
  await file.truncate(size)
  await file.flush()
  return new RawLayer(context, file, size)
}
