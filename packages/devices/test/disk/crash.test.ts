// Nothing lost: a writer child process is killed (SIGKILL) at seeded random points; the image must reopen (taking
// over the dead writer's lock), hold every acknowledged (flushed) write, and pass `qemu-img check`.

import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { WritableFormat } from '../../src/disk/index'
import { createDifferencing, createImage, openImage } from '../../src/disk/index'
import { makePlan, planBytes } from './crash-plan'
import { expectCheckClean, host, pattern, tempDir } from './helpers'

// Generous: these tests run real files and qemu-img, and CI machines are shared.
vi.setConfig({ testTimeout: 120_000 })

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const MiB = 1024 * 1024
const SIZE = 8 * MiB
const COUNT = 400
const tsx = createRequire(import.meta.url).resolve('tsx')
const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url))

/** Runs the writer until it has acknowledged `killAfter` flushes, waits `delayMs`, kills it; returns the last ack. */
function runAndKill(args: string[], killAfter: number, delayMs: number): Promise<{ acked: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let acked = 0
    let acks = 0
    let finished = false
    let buffered = ''
    let errors = ''
    let killing = false
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('ack ')) {
          acked = Number(line.slice(4))
          acks++
        }
        if (line === 'done') finished = true
      }
      if (acks >= killAfter && !killing) {
        killing = true
        setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`writer failed (${code}): ${errors}`))
      else resolve({ acked, finished })
    })
  })
}

/** Every byte must hold its value after the acked writes, unless a later (unacked) write covers it. */
function verify(got: Uint8Array, base: Uint8Array, seed: number, acked: number): void {
  const plan = makePlan(seed, SIZE, COUNT)
  const model = base.slice()
  for (const write of plan.slice(0, acked)) model.set(planBytes(write), write.offset)
  const later = plan.slice(acked)
  const covered = new Uint8Array(SIZE)
  for (const write of later) covered.fill(1, write.offset, write.offset + write.length)
  const laterBytes = later.map((write) => ({ write, bytes: planBytes(write) }))
  for (let i = 0; i < SIZE; i++) {
    if (got[i] === model[i]) continue
    const explained =
      covered[i] === 1 &&
      laterBytes.some(
        ({ write, bytes }) =>
          i >= write.offset && i < write.offset + write.length && bytes[i - write.offset] === got[i],
      )
    if (!explained) throw new Error(`byte ${i}: got ${got[i]}, acknowledged content is ${model[i]} (acked ${acked})`)
  }
}

const cases: { name: string; format: 'vdi' | 'vhd' | 'vmdk'; parent?: WritableFormat }[] = [
  { name: 'vdi', format: 'vdi' },
  { name: 'vhd', format: 'vhd' },
  { name: 'vmdk', format: 'vmdk' },
  { name: 'vdi child of vmdk', format: 'vdi', parent: 'vmdk' },
]

describe.each(cases)('$name writer killed at random points', ({ name, format, parent }) => {
  it('reopens with every acknowledged write and passes qemu-img check', async () => {
    for (const [round, seed] of [101, 202, 303].entries()) {
      const path = tmp.path(`crash-${name.replace(/ /g, '-')}-${round}.${format}`)
      let base: Uint8Array = new Uint8Array(SIZE)
      let parentPath = ''
      if (parent) {
        parentPath = tmp.path(`crash-parent-${round}.${parent}`)
        const p = await createImage(host, parentPath, { format: parent, size: SIZE })
        base = pattern(SIZE, seed)
        await p.write(0, base)
        await p.close()
        await (await createDifferencing(host, parentPath, path, { format })).close()
      } else {
        await (await createImage(host, path, { format, size: SIZE })).close()
      }
      const image0 = await openImage(host, path, { readOnly: true, resolveParent: () => parentPath || undefined })
      const size = image0.size
      await image0.close()
      const extended = new Uint8Array(size)
      extended.set(base.subarray(0, size))
      const killAfter = 1 + ((seed * 7) % 25)
      const { acked, finished } = await runAndKill(
        [path, String(seed), String(SIZE), String(COUNT), parentPath],
        killAfter,
        (seed % 4) * 3,
      )
      expect(finished).toBe(false)
      const image = await openImage(host, path, { resolveParent: () => parentPath || undefined })
      const got = new Uint8Array(SIZE)
      await image.read(0, got)
      await image.close()
      verify(got, extended.subarray(0, SIZE), seed, acked)
      if (!parent) await expectCheckClean(path, format)
    }
  })
})
