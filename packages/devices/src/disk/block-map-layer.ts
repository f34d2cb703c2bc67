// Shared engine of the block-mapped formats (VDI, VHD, VMDK sparse): lookup through an in-memory map, whole-block
// copy-on-write allocation appended to the file, and metadata written only at flush, after the data is durable.
// Ordering (VirtualBox VDI.cpp and qemu block/vdi.c do the same): a killed process leaves at worst unreferenced
// blocks past the last map entry, never a map entry pointing at unwritten data.

import type { BlockFile } from './host'
import type { BackingReader, Extent, Layer, ParentIdentity, ParentLink } from './layer'
import { Mutex, readZeroPadded } from './layer'
import type { ImageFormat, ImageVariant } from './types'

/** `locate` result for a block that reads as zeros regardless of any parent. */
export const BLOCK_ZERO = -1
/** `locate` result for a block this layer does not hold (parent data, or zeros for a base image). */
export const BLOCK_ABSENT = -2

export abstract class BlockMapLayer implements Layer {
  abstract readonly format: ImageFormat
  abstract readonly variant: ImageVariant
  abstract readonly uuid: string
  abstract readonly parent: ParentLink | undefined
  readonly sectorSize = 512
  readonly path: string
  readonly writable: boolean
  readonly blockSize: number
  logicalSize: number
  protected readonly file: BlockFile
  protected readonly mutex = new Mutex()
  /** Set when the in-memory map or header differs from the file. */
  protected metadataDirty = false

  constructor(path: string, file: BlockFile, writable: boolean, blockSize: number, logicalSize: number) {
    this.path = path
    this.file = file
    this.writable = writable
    this.blockSize = blockSize
    this.logicalSize = logicalSize
  }

  /** File offset of the block's first data byte, or BLOCK_ZERO / BLOCK_ABSENT. */
  protected abstract locate(block: number): Promise<number>
  /**
   * Writes a new block's full content (`blockSize` bytes) to fresh space and records it in the in-memory map;
   * the on-disk map changes only in `writeMetadata`.
   */
  protected abstract allocate(block: number, content: Uint8Array): Promise<void>
  /**
   * Allocates a block whose content is `part` at `inBlock` and zeros elsewhere, writing only `part` when the new
   * block lies past the end of the file (the rest is then a hole). Returns false when it cannot.
   */
  protected async allocatePart(_block: number, _part: Uint8Array, _inBlock: number): Promise<boolean> {
    return false
  }
  /** Writes map and header changes (the data they point at is already durable). */
  protected abstract writeMetadata(): Promise<void>
  /** Hook before writing into an allocated block (VHD completes partly-present differencing blocks). */
  protected async prepareWrite(_block: number, _backing: BackingReader): Promise<void> {}
  abstract identity(): ParentIdentity
  abstract grow(newSize: number): Promise<boolean>
  abstract files(): readonly string[]

  /** How a missing block reads in this layer: from the parent for differencing images, else zeros. */
  protected get missingState(): 'absent' | 'zero' {
    return this.parent ? 'absent' : 'zero'
  }

  async extent(offset: number, length: number): Promise<Extent> {
    const first = Math.floor(offset / this.blockSize)
    const state = await this.blockState(first)
    const firstLocation = state === 'data' ? await this.locate(first) : 0
    let run = Math.min(length, (first + 1) * this.blockSize - offset)
    // Extend across following blocks with the same state (and, for data, contiguous in the file).
    for (let block = first + 1; run < length; block++) {
      const next = await this.blockState(block)
      if (next !== state) break
      if (state === 'data' && (await this.locate(block)) !== firstLocation + (block - first) * this.blockSize) break
      run = Math.min(length, (block + 1) * this.blockSize - offset)
    }
    return { state, length: run }
  }

  protected async blockState(block: number): Promise<'data' | 'zero' | 'absent'> {
    const location = await this.locate(block)
    return location >= 0 ? 'data' : location === BLOCK_ZERO ? 'zero' : this.missingState
  }

  async readData(offset: number, target: Uint8Array): Promise<void> {
    let done = 0
    while (done < target.length) {
      const at = offset + done
      const block = Math.floor(at / this.blockSize)
      const inBlock = at - block * this.blockSize
      const length = Math.min(target.length - done, this.blockSize - inBlock)
      const location = await this.locate(block)
      const part = target.subarray(done, done + length)
      if (location >= 0) await readZeroPadded(this.file, location + inBlock, part)
      else part.fill(0)
      done += length
    }
  }

  /**
   * Where the block reads from when known without I/O and final (a data offset, BLOCK_ZERO, or BLOCK_ABSENT),
   * else undefined. Formats with an in-memory map answer; the default sends every read the long way.
   */
  protected peek(_block: number): number | undefined {
    return undefined
  }

  readDirect(offset: number, target: Uint8Array): Promise<void> | undefined {
    const block = Math.floor(offset / this.blockSize)
    const inBlock = offset - block * this.blockSize
    if (inBlock + target.length > this.blockSize) return undefined
    const location = this.peek(block)
    if (location === undefined) return undefined
    if (location >= 0) return readZeroPadded(this.file, location + inBlock, target)
    if (location === BLOCK_ABSENT && this.parent) return undefined
    target.fill(0)
    return Promise.resolve()
  }

  /** The block's data offset when known without I/O and writable in place right now, else undefined. */
  protected inPlace(_block: number): number | undefined {
    return undefined
  }

  write(offset: number, source: Uint8Array, backing: BackingReader): Promise<void> {
    // Fast path: a write inside one allocated block needs no allocation, so it need not queue behind others.
    const block = Math.floor(offset / this.blockSize)
    const inBlock = offset - block * this.blockSize
    if (inBlock + source.length <= this.blockSize) {
      const location = this.inPlace(block)
      if (location !== undefined) return this.file.write(location + inBlock, source)
    }
    return this.mutex.run(async () => {
      let done = 0
      while (done < source.length) {
        const at = offset + done
        const block = Math.floor(at / this.blockSize)
        const blockStart = block * this.blockSize
        const inBlock = at - blockStart
        const length = Math.min(source.length - done, this.blockSize - inBlock)
        const part = source.subarray(done, done + length)
        const location = await this.locate(block)
        if (location >= 0) {
          await this.prepareWrite(block, backing)
          await this.file.write(location + inBlock, part)
        } else {
          const blockBytes = Math.min(this.blockSize, this.logicalSize - blockStart)
          const needsBacking = length < blockBytes && location === BLOCK_ABSENT && this.parent !== undefined
          if (length === this.blockSize) {
            await this.allocate(block, part) // a whole block: no copy
          } else if (!needsBacking && (await this.allocatePart(block, part, inBlock))) {
            // written sparsely: the rest of the new block is a hole that reads as zeros
          } else {
            const content = new Uint8Array(this.blockSize)
            if (needsBacking) await backing(blockStart, content.subarray(0, blockBytes))
            content.set(part, inBlock)
            await this.allocate(block, content)
          }
        }
        done += length
      }
    })
  }

  flush(): Promise<void> {
    return this.mutex.run(async () => {
      await this.file.flush()
      if (!this.metadataDirty) return
      await this.writeMetadata()
      this.metadataDirty = false
      await this.file.flush()
    })
  }

  async close(): Promise<void> {
    await this.file.close()
  }

  allocatedSize(): Promise<number> {
    return this.file.allocatedSize()
  }
}
