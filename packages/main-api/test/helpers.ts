// Test helpers: temporary home folders and small media files.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IProgress } from '../src/api/interfaces'

/** A temporary folder removed by `cleanup`. */
export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `boxwood-${prefix}-`))
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) }
}

/** Writes a minimal ISO 9660 image (primary volume descriptor at sector 16 with the CD001 signature). */
export async function writeIso(path: string, sectors = 32): Promise<void> {
  const data = new Uint8Array(sectors * 2048)
  const pvd = 16 * 2048
  data[pvd] = 1
  data.set([0x43, 0x44, 0x30, 0x30, 0x31], pvd + 1)
  data[pvd + 6] = 1
  const view = new DataView(data.buffer)
  view.setUint32(pvd + 80, sectors, true)
  view.setUint32(pvd + 84, sectors, false)
  view.setUint16(pvd + 128, 2048, true)
  view.setUint16(pvd + 130, 2048, false)
  data[pvd + 2048] = 0xff
  data.set([0x43, 0x44, 0x30, 0x30, 0x31], pvd + 2048 + 1)
  await writeFile(path, data)
}

/** Waits for a progress and returns its result code and error text. */
export async function finish(progress: IProgress): Promise<{ code: number; text: string | undefined }> {
  await progress.waitForCompletion(-1)
  const info = await progress.getErrorInfo()
  return { code: await progress.getResultCode(), text: info?.text }
}

/** All files below a folder, relative. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string, prefix: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(d, entry.name), `${prefix}${entry.name}/`)
      else out.push(`${prefix}${entry.name}`)
    }
  }
  await walk(dir, '')
  return out.sort()
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

// Loopback TCP probes live in the shared test workspace; re-exported so the suites import every helper from here.
export { canConnect, freePort } from '@boxwood/test-net'
