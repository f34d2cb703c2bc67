// Helpers of the IDE tests: images made by real tools at test time, a Node file medium, and a tiny ATA
// driver that plays the guest (port I/O only) and waits for asynchronous media I/O between polls.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestMachine, type TestMachine } from '@boxwood/device-testkit'
import type { BlockMedium } from '../../src/backends/block-backend'
import { piix3Ide } from '../../src/storage/ide/piix3-ide'

export const BM_BASE = 0xc000

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'boxwood-ide-'))
}

/** A medium over a host file (what a raw/ISO block driver does), independent of the image library. */
export async function fileMedium(path: string, sectorSize = 512, readOnly = false): Promise<BlockMedium> {
  const handle = await open(path, readOnly ? 'r' : 'r+')
  const { size } = await handle.stat()
  return {
    size,
    sectorSize,
    readOnly,
    async read(offset, target) {
      await handle.read(target, 0, target.length, offset)
    },
    async write(offset, source) {
      await handle.write(source, 0, source.length, offset)
    },
    flush: () => handle.sync(),
  }
}

export function readFileBytes(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r')
  const out = new Uint8Array(length)
  readSync(fd, out, 0, length, offset)
  closeSync(fd)
  return out
}

/** A raw disk image of `sectors` sectors whose every sector starts with its LBA (mformat puts a FAT on it). */
export function makeRawDisk(dir: string, sectors: number): string {
  const path = join(dir, 'disk.img')
  const bytes = new Uint8Array(sectors * 512)
  for (let lba = 0; lba < sectors; lba++) {
    new DataView(bytes.buffer).setUint32(lba * 512, lba, true)
    for (let i = 4; i < 512; i++) bytes[lba * 512 + i] = (lba * 7 + i) & 0xff
  }
  writeFileSync(path, bytes)
  // A real FAT file system (mtools) at the start keeps the image honest; data sectors keep their stamps.
  execFileSync('mformat', ['-i', path, '-v', 'BOXWOOD', '::'])
  return path
}

/** An ISO 9660 image built by xorriso with one file of known content. */
export function makeIso(dir: string): { path: string; file: Uint8Array } {
  const root = join(dir, 'iso-root')
  execFileSync('mkdir', ['-p', root])
  const file = new Uint8Array(3 * 2048 + 100).map((_, i) => (i * 13 + 5) & 0xff)
  writeFileSync(join(root, 'DATA.BIN'), file)
  const path = join(dir, 'cd.iso')
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'BOXWOOD', '-o', path, root], { stdio: 'ignore' })
  return { path, file }
}

export function ideMachine(luns: Record<number, unknown>, ramBytes = 0x10_0000): TestMachine {
  return createTestMachine({
    ramBytes,
    devices: [{ definition: piix3Ide, config: { busMasterBase: BM_BASE }, luns }],
  })
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Polls the status register (through the alternate status port) until BSY clears. */
export async function waitNotBusy(m: TestMachine, control = 0x3f6): Promise<number> {
  for (let i = 0; i < 5000; i++) {
    const status = m.io.in8(control)
    if ((status & 0x80) === 0) return status
    // Host file I/O completes on the thread pool: yield to the event loop, then sleep a little.
    if (i < 100) await tick()
    else await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error('device stayed busy')
}

/** Reads `words` 16-bit words from the data port. */
export function readWords(m: TestMachine, base: number, words: number): Uint8Array {
  const out = new Uint8Array(words * 2)
  for (let i = 0; i < words; i++) {
    const w = m.io.in16(base)
    out[i * 2] = w & 0xff
    out[i * 2 + 1] = w >> 8
  }
  return out
}

export function ataTaskFile(m: TestMachine, lba: number, count: number, unit = 0, base = 0x1f0): void {
  m.io.out8(base + 6, 0xe0 | (unit << 4) | ((lba >>> 24) & 0x0f))
  m.io.out8(base + 2, count)
  m.io.out8(base + 3, lba & 0xff)
  m.io.out8(base + 4, (lba >>> 8) & 0xff)
  m.io.out8(base + 5, (lba >>> 16) & 0xff)
}

/** Sends an ATAPI packet on the secondary channel (master) and collects PIO data until completion. */
export async function atapiPacket(
  m: TestMachine,
  packet: number[],
  byteLimit = 0xfffe,
  base = 0x170,
): Promise<{ status: number; error: number; data: Uint8Array }> {
  m.io.out8(base + 1, 0) // PIO
  m.io.out8(base + 4, byteLimit & 0xff)
  m.io.out8(base + 5, byteLimit >> 8)
  m.io.out8(base + 7, 0xa0)
  const cmd = new Uint8Array(12)
  cmd.set(packet)
  for (let i = 0; i < 12; i += 2) m.io.out16(base, cmd[i]! | (cmd[i + 1]! << 8))
  const chunks: Uint8Array[] = []
  for (;;) {
    const status = await waitNotBusy(m, base + 0x206)
    if ((status & 0x08) === 0) {
      const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
      let o = 0
      for (const c of chunks) {
        data.set(c, o)
        o += c.length
      }
      return { status: m.io.in8(base + 7), error: m.io.in8(base + 1), data }
    }
    const n = m.io.in8(base + 4) | (m.io.in8(base + 5) << 8)
    chunks.push(readWords(m, base, n / 2))
  }
}
