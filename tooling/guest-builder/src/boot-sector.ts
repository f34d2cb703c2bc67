// Boot-sector test programs assembled with nasm at test time (sources in ../asm), plus disk images.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MissingPackageError } from './debian'

const here = dirname(fileURLToPath(import.meta.url))
/** The gitignored cache of built guests. */
export const CACHE_DIR = join(here, '..', '.cache')

/** Assembles `asm/<name>.asm` with nasm into a flat binary and returns it. */
export function assemble(name: string): Uint8Array {
  mkdirSync(CACHE_DIR, { recursive: true })
  const source = join(here, '..', 'asm', `${name}.asm`)
  const output = join(CACHE_DIR, `${name}.bin`)
  try {
    execFileSync('nasm', ['-f', 'bin', '-o', output, source], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingPackageError('nasm is not installed')
    throw error
  }
  return new Uint8Array(readFileSync(output))
}

/** A floppy (1.44 MB) or hard-disk image holding `sector` as its first sector. */
export function diskImageWithBootSector(sector: Uint8Array, kind: 'floppy' | 'disk'): Uint8Array {
  const image = new Uint8Array(kind === 'floppy' ? 1_474_560 : 4 * 1024 * 1024)
  image.set(sector.subarray(0, Math.min(sector.length, image.length)))
  return image
}
