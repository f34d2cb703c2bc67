// Boot-sector test programs assembled with nasm at test time (sources in ../asm), plus disk images.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MissingPackageError } from './debian'

const here = dirname(fileURLToPath(import.meta.url))
/** The gitignored cache of built guests. */
export const CACHE_DIR = join(here, '..', '.cache')

/** Assembles `asm/<name>.asm` with nasm into a flat binary (`incbin` finds earlier outputs in the cache). */
export function assemble(name: string): Uint8Array {
  mkdirSync(CACHE_DIR, { recursive: true })
  const source = join(here, '..', 'asm', `${name}.asm`)
  const output = join(CACHE_DIR, `${name}.bin`)
  try {
    execFileSync('nasm', ['-f', 'bin', '-i', `${CACHE_DIR}/`, '-o', output, source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
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

/**
 * The BEV option ROM that boots the serial-hello boot sector under a BIOS: assembled, then its PnP header
 * checksum and the whole-ROM checksum fixed (both must sum to 0 mod 256).
 */
export function buildBevBootRom(): Uint8Array {
  assemble('serial-hello')
  const rom = assemble('bev-boot-rom')
  const pnp = rom[0x1a]! | (rom[0x1b]! << 8)
  rom[pnp + 9] = 0
  let sum = 0
  for (let i = 0; i < 32; i++) sum += rom[pnp + i]!
  rom[pnp + 9] = (256 - (sum & 0xff)) & 0xff
  rom[rom.length - 1] = 0
  sum = rom.reduce((a, b) => a + b, 0)
  rom[rom.length - 1] = (256 - (sum & 0xff)) & 0xff
  return rom
}
