// Property tests: random read/write/flush/resize/reopen sequences against an in-memory model (fast-check, seeded),
// for every writable format and for differencing chains of several formats and depths.

import fc from 'fast-check'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { DiskImage, WritableFormat } from '../../src/disk/index'
import { createDifferencing, createImage, openImage, resizeImage } from '../../src/disk/index'
import { host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const MiB = 1024 * 1024
let serial = 0

type Op =
  | { kind: 'write'; at: number; length: number; seed: number }
  | { kind: 'read'; at: number; length: number }
  | { kind: 'flush' }
  | { kind: 'reopen' }
  | { kind: 'grow'; by: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      length: fc.integer({ min: 1, max: 300_000 }),
      seed: fc.integer(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      length: fc.integer({ min: 1, max: 2 * MiB }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('grow' as const), by: fc.integer({ min: 1, max: 4096 }) }) },
)

/** A stack description: base format/variant, then differencing child formats. */
interface Setup {
  readonly name: string
  readonly base: WritableFormat
  readonly variant: 'dynamic' | 'fixed'
  readonly children: readonly ('vdi' | 'vhd' | 'vmdk')[]
}

const setups: Setup[] = [
  { name: 'raw', base: 'raw', variant: 'fixed', children: [] },
  { name: 'vdi dynamic', base: 'vdi', variant: 'dynamic', children: [] },
  { name: 'vdi fixed', base: 'vdi', variant: 'fixed', children: [] },
  { name: 'vdi ← vdi ← vdi', base: 'vdi', variant: 'dynamic', children: ['vdi', 'vdi'] },
  { name: 'raw ← vdi', base: 'raw', variant: 'fixed', children: ['vdi'] },
  { name: 'vhd dynamic', base: 'vhd', variant: 'dynamic', children: [] },
  { name: 'vhd fixed', base: 'vhd', variant: 'fixed', children: [] },
  { name: 'vhd ← vhd ← vdi', base: 'vhd', variant: 'dynamic', children: ['vhd', 'vdi'] },
  { name: 'vdi ← vhd', base: 'vdi', variant: 'fixed', children: ['vhd'] },
  { name: 'vmdk sparse', base: 'vmdk', variant: 'dynamic', children: [] },
  { name: 'vmdk flat', base: 'vmdk', variant: 'fixed', children: [] },
  { name: 'vmdk ← vmdk ← vhd ← vdi', base: 'vmdk', variant: 'fixed', children: ['vmdk', 'vhd', 'vdi'] },
]

/** Resolves VDI parents (which store no path) through the paths this test created. */
const byUuid = new Map<string, string>()
const resolveParent = ({ parentUuid }: { parentUuid: string | undefined }) =>
  parentUuid ? byUuid.get(parentUuid) : undefined

async function remember(image: DiskImage): Promise<void> {
  byUuid.set((await image.info()).uuid, image.path)
}

async function build(setup: Setup, size: number, model: Uint8Array): Promise<DiskImage> {
  const id = serial++
  let image = await createImage(host, tmp.path(`m${id}-0.${setup.base}`), {
    format: setup.base,
    variant: setup.variant,
    size,
  })
  await remember(image)
  for (const [depth, format] of setup.children.entries()) {
    // Each layer gets some content of its own before the next child is stacked on it.
    const data = pattern(150_000, id * 10 + depth)
    const at = (depth * 1_300_000) % (size - data.length)
    await image.write(at, data)
    model.set(data, at)
    const path = image.path
    await image.close()
    image = await createDifferencing(host, path, tmp.path(`m${id}-${depth + 1}.${format}`), { format, resolveParent })
    await remember(image)
  }
  return image
}

describe.each(setups)('$name against an in-memory model', (setup) => {
  it('keeps every write across flush, reopen and grow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const initial = new Uint8Array(6 * MiB)
        let image = await build(setup, initial.length, initial)
        // VHD rounds sizes up to a whole CHS geometry: the extra bytes read as zeros.
        let model = new Uint8Array(image.size)
        model.set(initial)
        try {
          for (const step of ops) {
            if (step.kind === 'write') {
              const length = Math.min(step.length, model.length)
              const at = Math.floor(step.at * (model.length - length))
              const data = pattern(length, step.seed)
              await image.write(at, data)
              model.set(data, at)
            } else if (step.kind === 'read') {
              const length = Math.min(step.length, model.length)
              const at = Math.floor(step.at * (model.length - length))
              const got = new Uint8Array(length)
              await image.read(at, got)
              expect(Buffer.compare(got, model.subarray(at, at + length))).toBe(0)
            } else if (step.kind === 'flush') {
              await image.flush()
            } else {
              const path = image.path
              await image.close()
              if (step.kind === 'grow') {
                await resizeImage(host, path, image.size + step.by * 512, { resolveParent })
              }
              image = await openImage(host, path, { resolveParent })
              if (step.kind === 'grow') {
                const grown = new Uint8Array(image.size)
                grown.set(model)
                model = grown
              }
              expect(image.size).toBe(model.length)
            }
          }
          const all = new Uint8Array(model.length)
          await image.read(0, all)
          expect(Buffer.compare(all, model)).toBe(0)
        } finally {
          await image.close()
        }
      }),
      { seed: 20261125, numRuns: 12 },
    )
  })
})

/** Batches of concurrent requests (as a controller with several commands in flight issues them). */
const batch = fc.array(
  fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 200_000 }),
    seed: fc.integer(),
    read: fc.boolean(),
  }),
  { minLength: 1, maxLength: 8 },
)

describe.each(setups.filter((s) => ['vdi dynamic', 'vhd ← vhd ← vdi', 'vmdk sparse', 'vdi ← vhd'].includes(s.name)))(
  '$name with concurrent requests',
  (setup) => {
    it('matches the model when non-overlapping requests run at the same time', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 6 }), async (batches) => {
          const initial = new Uint8Array(6 * MiB)
          const image = await build(setup, initial.length, initial)
          const model = new Uint8Array(image.size)
          model.set(initial)
          try {
            for (const requests of batches) {
              const taken: [number, number][] = []
              const pending: Promise<void>[] = []
              for (const request of requests) {
                const length = Math.min(request.length, model.length)
                const at = Math.floor(request.at * (model.length - length))
                if (taken.some(([from, to]) => at < to && at + length > from)) continue
                taken.push([at, at + length])
                if (request.read) {
                  const expected = model.slice(at, at + length)
                  const got = new Uint8Array(length)
                  pending.push(image.read(at, got).then(() => expect(Buffer.compare(got, expected)).toBe(0)))
                } else {
                  const data = pattern(length, request.seed)
                  model.set(data, at)
                  pending.push(image.write(at, data))
                }
              }
              await Promise.all(pending)
            }
            await image.flush()
            const all = new Uint8Array(model.length)
            await image.read(0, all)
            expect(Buffer.compare(all, model)).toBe(0)
          } finally {
            await image.close()
          }
        }),
        { seed: 31337, numRuns: 10 },
      )
    })
  },
)
