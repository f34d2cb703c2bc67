// Builds the demo guest's disk from this repository's sources: demo-boot.asm assembled with nasm into the boot
// sector of a 1 MiB raw disk image (the Boxwood PC loads the first sector of the boot disk at 0000:7C00).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The line the demo guest prints on COM1 once it runs, whole and with its CR LF (as demo-boot.asm spells it): a
 * reader that waits for it has seen the complete banner, not a first chunk with the rest still on the way.
 */
export const DEMO_BANNER = 'BOXWOOD DEMO: booted. Type here (COM1) or on the VM keyboard.\r\n'

const source = join(dirname(fileURLToPath(import.meta.url)), 'demo-boot.asm')

/** Assembles the demo boot sector (512 bytes ending in 55 AA); throws with nasm's message on failure. */
export function assembleDemoBootSector(workDir: string): Uint8Array {
  mkdirSync(workDir, { recursive: true })
  const output = join(workDir, 'demo-boot.bin')
  try {
    execFileSync('nasm', ['-f', 'bin', '-o', output, source], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('nasm is not installed; it assembles the demo guest (apt-get install nasm)')
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`nasm failed on ${source}: ${stderr}`)
  }
  const sector = new Uint8Array(readFileSync(output))
  if (sector.length !== 512 || sector[510] !== 0x55 || sector[511] !== 0xaa)
    throw new Error(`the demo boot sector must be 512 bytes ending in 55 AA (got ${sector.length} bytes)`)
  return sector
}

/** Writes the demo disk image (raw, 1 MiB) to `path`. */
export function writeDemoDisk(path: string): void {
  const image = new Uint8Array(1024 * 1024)
  image.set(assembleDemoBootSector(dirname(path)))
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, image)
}
