// `pnpm bench` for disk images: 4 KiB sequential and strided reads/writes on raw, VDI and VMDK, and converting a
// 1 GiB image, each run by Boxwood and by qemu-img (bench/convert) on the same kind of file in the same run.
// qemu-img bench walks offsets as `(offset + step) mod (size - bufsize)`; Boxwood's loop does the same, one
// request at a time (queue depth 1, as an IDE controller issues them), with the host page cache on both sides.

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { DiskHost, DiskImage } from '@boxwood/devices/disk'
import { cloneImage, createImage, openImage } from '@boxwood/devices/disk'
import { nodeDiskHost } from '@boxwood/devices/node'

const host = nodeDiskHost()
/** Synchronous host I/O, as an emulation worker would configure it. */
const syncHost = nodeDiskHost({ io: 'sync' })
const dir = mkdtempSync(join(tmpdir(), 'boxwood-bench-disk-'))
const MiB = 1024 * 1024
const IMAGE_SIZE = 1024 * MiB
const BUFFER = 4096
const COUNT = Number(process.env.BOXWOOD_BENCH_COUNT ?? 40_000)
const STRIDE = 7 * MiB + 3 * BUFFER
/** Each measurement runs this often and the best time counts (the bench machine is shared and noisy). */
const REPEAT = Number(process.env.BOXWOOD_BENCH_REPEAT ?? 3)

async function best(run: () => Promise<number> | number): Promise<number> {
  let fastest = Infinity
  for (let i = 0; i < REPEAT; i++) fastest = Math.min(fastest, await run())
  return fastest
}
const qemuFormat = { raw: 'raw', vdi: 'vdi', vmdk: 'vmdk' } as const
type Format = keyof typeof qemuFormat

interface Row {
  readonly workload: string
  readonly boxwood: number
  readonly boxwoodSync: number
  readonly qemu: number
  readonly unit: string
}
const rows: Row[] = []

function qemuImg(args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 64 * MiB })
}

/** Seconds qemu-img bench reports for its run. */
function qemuBench(path: string, format: Format, write: boolean, step: number): number {
  const args = ['bench', '-f', qemuFormat[format], '-t', 'writeback', '-d', '1', '-c', String(COUNT), '-s', '4k']
  args.push('-S', String(step), ...(write ? ['-w', '--pattern=165'] : []), path)
  const seconds = /Run completed in ([\d.]+) seconds/.exec(qemuImg(args))?.[1]
  if (!seconds) throw new Error(`qemu-img bench printed no time for ${path}`)
  return Number(seconds)
}

async function boxwoodBench(image: DiskImage, write: boolean, step: number): Promise<number> {
  const buffer = new Uint8Array(BUFFER).fill(165)
  let offset = 0
  const start = performance.now()
  for (let i = 0; i < COUNT; i++) {
    if (write) await image.write(offset, buffer)
    else await image.read(offset, buffer)
    offset = (offset + step) % (image.size - BUFFER)
  }
  // Like qemu-img bench, the timed run ends with the last request; flush and close come after.
  return (performance.now() - start) / 1000
}

async function timed(on: DiskHost, path: string, write: boolean, step: number): Promise<number> {
  const image = await openImage(on, path, { readOnly: !write })
  try {
    return await boxwoodBench(image, write, step)
  } finally {
    await image.close()
  }
}

function fresh(format: Format, name: string): string {
  const path = join(dir, `${name}.${format}`)
  qemuImg(['create', '-q', '-f', qemuFormat[format], path, String(IMAGE_SIZE)])
  return path
}

async function ioBenchmarks(format: Format): Promise<void> {
  for (const [pattern, step] of [
    ['sequential', BUFFER],
    ['strided', STRIDE],
  ] as const) {
    // Writes first, each tool on its own fresh image (allocation included); then reads of what was written.
    const qemuPath = fresh(format, `qemu-${pattern}`)
    const boxPath = fresh(format, `boxwood-${pattern}`)
    const syncPath = fresh(format, `boxwood-sync-${pattern}`)
    // The first write run allocates; later runs rewrite allocated blocks (best of both counts, for both tools).
    const qemuWrite = await best(() => qemuBench(qemuPath, format, true, step))
    const boxWrite = await best(() => timed(host, boxPath, true, step))
    const syncWrite = await best(() => timed(syncHost, syncPath, true, step))
    const qemuRead = await best(() => qemuBench(qemuPath, format, false, step))
    const boxRead = await best(() => timed(host, qemuPath, false, step))
    const syncRead = await best(() => timed(syncHost, qemuPath, false, step))
    const mbps = (seconds: number) => (COUNT * BUFFER) / MiB / seconds
    const unit = 'MiB/s'
    const name = `${format} ${pattern} 4K`
    rows.push({
      workload: `${name} write`,
      boxwood: mbps(boxWrite),
      boxwoodSync: mbps(syncWrite),
      qemu: mbps(qemuWrite),
      unit,
    })
    rows.push({
      workload: `${name} read`,
      boxwood: mbps(boxRead),
      boxwoodSync: mbps(syncRead),
      qemu: mbps(qemuRead),
      unit,
    })
    rmSync(syncPath)
    rmSync(qemuPath)
    rmSync(boxPath)
  }
}

async function convertBenchmark(target: 'vdi' | 'vmdk'): Promise<void> {
  const source = join(dir, 'convert-source.raw')
  const image = await createImage(host, source, { format: 'raw', size: IMAGE_SIZE })
  // Half the disk holds data (in 1 MiB runs), half is unwritten: what a freshly installed guest looks like.
  const data = new Uint8Array(MiB)
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24
  for (let offset = 0; offset < IMAGE_SIZE; offset += 2 * MiB) await image.write(offset, data)
  await image.close()
  const qemuSeconds = await best(() => {
    const start = performance.now()
    qemuImg(['convert', '-f', 'raw', '-O', target, source, join(dir, `qemu-converted.${target}`)])
    const seconds = (performance.now() - start) / 1000
    rmSync(join(dir, `qemu-converted.${target}`))
    return seconds
  })
  const convert = async (on: DiskHost, name: string) => {
    const begin = performance.now()
    await cloneImage(on, source, join(dir, name), { format: target })
    const seconds = (performance.now() - begin) / 1000
    rmSync(join(dir, name))
    return seconds
  }
  const boxSeconds = await best(() => convert(host, `boxwood-converted.${target}`))
  const syncSeconds = await best(() => convert(syncHost, `boxwood-sync-converted.${target}`))
  rows.push({
    workload: `convert 1 GiB raw → ${target}`,
    boxwood: boxSeconds,
    boxwoodSync: syncSeconds,
    qemu: qemuSeconds,
    unit: 's',
  })
  rmSync(source)
}

try {
  for (const format of ['raw', 'vdi', 'vmdk'] as const) await ioBenchmarks(format)
  for (const target of ['vdi', 'vmdk'] as const) await convertBenchmark(target)
  console.log(
    `bench-disk: ${COUNT} requests of 4 KiB at queue depth 1, ${IMAGE_SIZE / MiB} MiB images, page cache on, best of ${REPEAT}`,
  )
  console.log('| workload | Boxwood (async I/O) | Boxwood (sync I/O) | qemu-img | time vs qemu-img (async / sync) |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const row of rows) {
    const ratio = (value: number) => (row.unit === 's' ? value / row.qemu : row.qemu / value).toFixed(2)
    const fmt = (value: number) => `${value.toFixed(row.unit === 's' ? 2 : 1)} ${row.unit}`
    const cells = [row.workload, fmt(row.boxwood), fmt(row.boxwoodSync), fmt(row.qemu)]
    console.log(`| ${cells.join(' | ')} | ${ratio(row.boxwood)}× / ${ratio(row.boxwoodSync)}× |`)
  }
  // Machine-readable results for comparisons across runs (.tmp/ is git-ignored).
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true })
  writeFileSync(join(process.cwd(), '.tmp', 'bench-disk.json'), JSON.stringify(rows, null, 2))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
