// Shared test helpers: a temp folder per test file, the Node disk host, qemu-img and deterministic data.

import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { nodeDiskHost } from '../../src/node/index'

export const host = nodeDiskHost()
const run = promisify(execFile)

/** A fresh temp folder and a cleanup function. */
export function tempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'boxwood-disk-'))
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs qemu-img; resolves with stdout/stderr and the exit code (never throws on non-zero). */
export async function qemuImg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('qemu-img', args, { maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    }
  }
}

/** Deterministic pseudo-random bytes (xorshift32) for write patterns. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    bytes[i] = x & 0xff
  }
  return bytes
}

/** qemu-img's name of each format. */
export const qemuName: Record<string, string> = { vdi: 'vdi', vmdk: 'vmdk', vhd: 'vpc', raw: 'raw', qcow2: 'qcow2' }

/** `qemu-img check` finds no errors (vpc has no checker: then only the open must succeed). */
export async function expectCheckClean(path: string, format: string): Promise<void> {
  const check = await qemuImg('check', '-f', qemuName[format] ?? format, path)
  const output = check.stdout + check.stderr
  if (/does not support checks/.test(output)) {
    const info = await qemuImg('info', '-f', qemuName[format] ?? format, path)
    expect(info.code, info.stderr).toBe(0)
    return
  }
  expect(output).toMatch(/No errors were found/)
  expect(check.code, output).toBe(0)
}
