// Helpers of the Linux VGA console tests: typing text on the PS/2 keyboard as scancode set 1 (US layout, IBM
// PC/AT Technical Reference keyboard table), and reading a text screen back from pixels by matching each 9×16
// (or 8×16) character cell against the project's VGA font — from the live display or from a PNG screenshot
// decoded by ImageMagick, an independent PNG reader.
import { execFileSync } from 'node:child_process'
import { captureRgb, vgaFont } from '@boxwood/devices'
import type { DisplaySource, InputSink } from '@boxwood/devices'

/** Set 1 make codes of the unshifted and shifted characters, row by row of the US keyboard. */
const ROWS: readonly (readonly [number, string, string])[] = [
  [0x02, '1234567890-=', '!@#$%^&*()_+'],
  [0x10, 'qwertyuiop[]', 'QWERTYUIOP{}'],
  [0x1e, "asdfghjkl;'`", 'ASDFGHJKL:"~'],
  [0x2b, '\\zxcvbnm,./', '|ZXCVBNM<>?'],
]
const LEFT_SHIFT = 0x2a
const KEYS = new Map<string, { code: number; shift: boolean }>([
  [' ', { code: 0x39, shift: false }],
  ['\n', { code: 0x1c, shift: false }],
  ['\t', { code: 0x0f, shift: false }],
])
for (const [first, plain, shifted] of ROWS) {
  for (let i = 0; i < plain.length; i++) {
    KEYS.set(plain[i]!, { code: first + i, shift: false })
    KEYS.set(shifted[i]!, { code: first + i, shift: true })
  }
}

/** The scancode set 1 bytes of typing `text` (make and break of each key, Left Shift around shifted ones). */
export function scancodesOf(text: string): number[] {
  const out: number[] = []
  for (const ch of text) {
    const key = KEYS.get(ch)
    if (!key) throw new RangeError(`no US keyboard key types ${JSON.stringify(ch)}`)
    if (key.shift) out.push(LEFT_SHIFT)
    out.push(key.code, key.code | 0x80)
    if (key.shift) out.push(LEFT_SHIFT | 0x80)
  }
  return out
}

/** Types `text` into the keyboard behind `sink` at once (the keyboard drops all of it if its queue overflows). */
export function typeOnKeyboard(sink: InputSink, text: string): void {
  sink.putScancodes(scancodesOf(text))
}

/** An RGB image, 3 bytes per pixel. */
export interface Rgb {
  readonly width: number
  readonly height: number
  readonly rgb: Uint8Array
}

const GLYPH_ROWS = 16
let glyphs: Uint8Array | undefined

/** The character whose glyph best matches one cell (foreground = every pixel unlike the cell's commonest colour). */
function readCell(image: Rgb, x0: number, y0: number): string {
  const colours = new Map<number, number>()
  const pixel = (x: number, y: number) => {
    const p = ((y0 + y) * image.width + x0 + x) * 3
    return (image.rgb[p]! << 16) | (image.rgb[p + 1]! << 8) | image.rgb[p + 2]!
  }
  for (let y = 0; y < GLYPH_ROWS; y++) {
    for (let x = 0; x < 8; x++) colours.set(pixel(x, y), (colours.get(pixel(x, y)) ?? 0) + 1)
  }
  const background = [...colours].sort((a, b) => b[1] - a[1])[0]![0]
  const rows: number[] = []
  for (let y = 0; y < GLYPH_ROWS; y++) {
    let bits = 0
    for (let x = 0; x < 8; x++) if (pixel(x, y) !== background) bits |= 0x80 >> x
    rows.push(bits)
  }
  glyphs ??= vgaFont(16)
  // Printable ASCII only; the blinking cursor (the bottom rows) costs a few bits, so take the nearest glyph.
  let best = '?'
  let bestDistance = 24
  for (let ch = 0x20; ch < 0x7f; ch++) {
    let distance = 0
    for (let y = 0; y < GLYPH_ROWS && distance < bestDistance; y++) {
      let diff = rows[y]! ^ glyphs[ch * GLYPH_ROWS + y]!
      while (diff) {
        distance += diff & 1
        diff >>>= 1
      }
    }
    if (distance < bestDistance) {
      bestDistance = distance
      best = String.fromCharCode(ch)
    }
  }
  return best
}

/** Reads an 80×25-style text screen (9- or 8-pixel cells, 16 rows each) as lines without trailing blanks. */
export function readTextScreen(image: Rgb): string[] {
  const cellWidth = image.width % 9 === 0 && image.width / 9 <= 132 ? 9 : 8
  const lines: string[] = []
  for (let row = 0; row + GLYPH_ROWS <= image.height; row += GLYPH_ROWS) {
    let line = ''
    for (let col = 0; col + cellWidth <= image.width; col += cellWidth) line += readCell(image, col, row)
    lines.push(line.trimEnd())
  }
  return lines
}

/** The text on `display` now. */
export function liveTextScreen(display: DisplaySource & { refresh(): void }): string[] {
  display.refresh()
  return readTextScreen(captureRgb(display))
}

/** Decodes a PNG with ImageMagick's `convert` into RGB. */
export function decodePng(png: Uint8Array): Rgb {
  const size = execFileSync('convert', ['png:-', '-format', '%w %h', 'info:'], { input: png }).toString().split(' ')
  const rgb = execFileSync('convert', ['png:-', '-depth', '8', 'rgb:-'], { input: png, maxBuffer: 64 << 20 })
  return { width: Number(size[0]), height: Number(size[1]), rgb: new Uint8Array(rgb) }
}
