// Node disk files in each I/O mode: the same bytes whichever thread does a request, host errors as DiskFileError,
// and the hybrid mode keeps the event loop turning through long chains of requests it serves synchronously.

import { setImmediate } from 'node:timers'
import { afterAll, describe, expect, it } from 'vitest'
import { DiskFileError } from '../../src/disk/index'
import type { NodeIoMode } from '../../src/node/index'
import { NodeFileSystem } from '../../src/node/index'
import { pattern, tempDir } from '../disk/helpers'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const modes: NodeIoMode[] = ['hybrid', 'async', 'sync']

/** Deterministic request sizes from a byte up to 256 KiB: both sides of the hybrid mode's 64 KiB limit. */
function lengthAt(i: number): number {
  return [1, 511, 4096, 65_536, 65_537, 200_000, 262_144][i % 7] as number
}

describe.each(modes)('NodeBlockFile (%s)', (io) => {
  it('reads back exactly what it wrote, across mixed request sizes, and reads short at end of file', async () => {
    const fs = new NodeFileSystem({ io })
    const file = await fs.create(tmp.path(`mixed-${io}.bin`))
    const size = 2 * 1024 * 1024
    const model = new Uint8Array(size)
    await file.truncate(size)
    for (let i = 0; i < 60; i++) {
      const length = lengthAt(i)
      const at = (i * 7_919_993) % (size - length)
      const data = pattern(length, i + 1)
      await file.write(at, data)
      model.set(data, at)
    }
    for (let i = 0; i < 60; i++) {
      const length = lengthAt(i + 3)
      const at = (i * 3_333_331) % (size - length)
      const target = new Uint8Array(length)
      expect(await file.read(at, target)).toBe(length)
      expect(Buffer.from(target).equals(Buffer.from(model.subarray(at, at + length)))).toBe(true)
    }
    const tail = new Uint8Array(4096)
    expect(await file.read(size - 100, tail)).toBe(100)
    expect(await file.size()).toBe(size)
    await file.flush()
    await file.close()
  })

  it('turns host errors into DiskFileError naming the file', async () => {
    const fs = new NodeFileSystem({ io })
    const path = tmp.path(`closed-${io}.bin`)
    const file = await fs.create(path)
    await file.close()
    for (const io of [file.read(0, new Uint8Array(512)), file.write(0, new Uint8Array(512))]) {
      const error = await io.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(DiskFileError)
      expect((error as DiskFileError).message).toContain(path)
    }
  })
})

describe('event loop', () => {
  /** Issues 4 KiB reads one after another until a timer set before the loop has fired (or `limit` reads). */
  async function readsBeforeTimer(io: NodeIoMode, limit: number): Promise<number | undefined> {
    const fs = new NodeFileSystem({ io })
    const file = await fs.create(tmp.path(`loop-${io}.bin`))
    await file.truncate(1024 * 1024)
    await new Promise<void>((resolve) => setImmediate(resolve))
    let fired: number | undefined
    let count = 0
    const timer = setImmediate(() => (fired = count))
    const buffer = new Uint8Array(4096)
    for (; count < limit && fired === undefined; count++) await file.read((count * 4096) % (1024 * 1024), buffer)
    clearImmediate(timer)
    await file.close()
    return fired
  }

  it('turns while the hybrid mode serves a long run of requests on the calling thread', async () => {
    // 4 ms of requests at most before the loop turns; 200 000 page-cache reads take far longer than that.
    expect(await readsBeforeTimer('hybrid', 200_000)).toBeDefined()
  })

  it('does not turn in sync mode (which is why hybrid is the default)', async () => {
    expect(await readsBeforeTimer('sync', 2_000)).toBeUndefined()
  })
})
