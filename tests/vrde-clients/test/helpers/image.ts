// Screenshots and image comparison through ImageMagick (`import`, `convert`), no npm image library needed.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { DisplaySource } from '@boxwood/devices'

const run = promisify(execFile)

/** Raw RGB pixels of an image. */
export interface RgbImage {
  readonly width: number
  readonly height: number
  readonly rgb: Buffer
}

/** Decodes any image file ImageMagick reads into RGB bytes. */
export async function readImage(file: string): Promise<RgbImage> {
  const { stdout: size } = await run('identify', ['-format', '%w %h', file])
  const [w, h] = size.trim().split(' ').map(Number)
  const { stdout } = await run('convert', [file, '-depth', '8', 'rgb:-'], { encoding: 'buffer', maxBuffer: 64 << 20 })
  return { width: w ?? 0, height: h ?? 0, rgb: stdout }
}

/** Captures the whole root window of an X display that is `width` pixels wide. */
export async function screenshotRoot(display: string, width: number): Promise<RgbImage> {
  const { stdout } = await run('import', ['-display', display, '-window', 'root', '-depth', '8', 'rgb:-'], {
    encoding: 'buffer',
    maxBuffer: 64 << 20,
  })
  return { width, height: stdout.length / 3 / width, rgb: stdout }
}

/**
 * Counts pixels of `image` (at offset ox, oy) that differ from the display source by more than `tolerance`
 * per channel (tolerance > 0 for lossy colour depths such as 16 bpp).
 */
export function countMismatches(source: DisplaySource, image: RgbImage, ox = 0, oy = 0, tolerance = 0): number {
  const { width, height, stride, offset, format } = source.mode
  if (format !== 'x8r8g8b8') throw new Error(`countMismatches compares x8r8g8b8 screens, not ${format}`)
  const fb = source.framebuffer().subarray(offset)
  let bad = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * stride + x * 4
      const i = ((y + oy) * image.width + x + ox) * 3
      if (i + 2 >= image.rgb.length) {
        bad++
        continue
      }
      const dr = Math.abs((image.rgb[i] ?? 0) - (fb[s + 2] ?? 0))
      const dg = Math.abs((image.rgb[i + 1] ?? 0) - (fb[s + 1] ?? 0))
      const db = Math.abs((image.rgb[i + 2] ?? 0) - (fb[s] ?? 0))
      if (dr > tolerance || dg > tolerance || db > tolerance) bad++
    }
  }
  return bad
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 200,
): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await probe()) return true
    await new Promise((r) => setTimeout(r, stepMs))
  }
  return false
}
