// Builds the VGA character generator (CP437 layout, IBM PC character set) from the project's own glyph
// design (font-glyphs.ts): 8×8 and 8×16 cells, line-drawing characters generated procedurally so that they
// join across cells (VGA 9-dot mode repeats column 8 for 0xC0..0xDF: see vga-text-render.ts).
import { ASCII_GLYPHS } from './font-glyphs'

/** Extra glyphs of the low range and upper half, in the same 5×8 art. */
const EXTRA_GLYPHS: Readonly<Record<number, string>> = {
  0x04: '..... ..#.. .###. ##### .###. ..#.. ..... .....', // diamond
  0x07: '..... ..... .###. .###. .###. ..... ..... .....', // bullet
  0x10: '#.... ##... ###.. ####. ###.. ##... #.... .....', // right triangle
  0x11: '....# ...## ..### .#### ..### ...## ....# .....', // left triangle
  0x18: '..#.. .###. #.#.# ..#.. ..#.. ..#.. ..#.. .....', // up arrow
  0x19: '..#.. ..#.. ..#.. ..#.. #.#.# .###. ..#.. .....', // down arrow
  0x1a: '..... ..#.. ...#. ##### ...#. ..#.. ..... .....', // right arrow
  0x1b: '..... ..#.. .#... ##### .#... ..#.. ..... .....', // left arrow
  0x1e: '..... ..#.. ..#.. .###. .###. ##### ..... .....', // up triangle
  0x1f: '..... ##### .###. .###. ..#.. ..#.. ..... .....', // down triangle
  0xf8: '.##.. #..#. .##.. ..... ..... ..... ..... .....', // degree
  0xf9: '..... ..... ..... .##.. .##.. ..... ..... .....', // bullet operator
  0xfa: '..... ..... ..... ..#.. ..... ..... ..... .....', // middle dot
  0xfe: '..... ..... .###. .###. .###. ..... ..... .....', // small square
}

/** Accented letters of CP437: base ASCII letter plus an accent drawn over rows 0..1 (lowercase only). */
const ACCENTED: Readonly<Record<number, readonly [string, string?]>> = {
  0x80: ['C'],
  0x81: ['u', '.#.#.'],
  0x82: ['e', '...#.'],
  0x83: ['a', '..#.. .#.#.'],
  0x84: ['a', '.#.#.'],
  0x85: ['a', '.#...'],
  0x87: ['c'],
  0x88: ['e', '..#.. .#.#.'],
  0x89: ['e', '.#.#.'],
  0x8a: ['e', '.#...'],
  0x8b: ['i', '.#.#.'],
  0x8c: ['i', '..#.. .#.#.'],
  0x8d: ['i', '.#...'],
  0x8e: ['A'],
  0x8f: ['A'],
  0x90: ['E'],
  0x93: ['o', '..#.. .#.#.'],
  0x94: ['o', '.#.#.'],
  0x95: ['o', '.#...'],
  0x96: ['u', '..#.. .#.#.'],
  0x97: ['u', '.#...'],
  0x99: ['O'],
  0x9a: ['U'],
  0xa0: ['a', '...#.'],
  0xa1: ['i', '...#.'],
  0xa2: ['o', '...#.'],
  0xa3: ['u', '...#.'],
  0xa4: ['n', '.##.# #.##.'],
  0xa5: ['N'],
}

/** Line-drawing arms of 0xB3..0xDA: [up, right, down, left], 0 none, 1 single, 2 double. */
const BOX_ARMS: readonly (readonly [number, number, number, number])[] = [
  [1, 0, 1, 0],
  [1, 0, 1, 1],
  [1, 0, 1, 2],
  [2, 0, 2, 1],
  [0, 0, 2, 1],
  [0, 0, 1, 2],
  [2, 0, 2, 2],
  [2, 0, 2, 0],
  [0, 0, 2, 2],
  [2, 0, 0, 2],
  [2, 0, 0, 1],
  [1, 0, 0, 2],
  [0, 0, 1, 1],
  [1, 1, 0, 0],
  [1, 1, 0, 1],
  [0, 1, 1, 1],
  [1, 1, 1, 0],
  [0, 1, 0, 1],
  [1, 1, 1, 1],
  [1, 2, 1, 0],
  [2, 1, 2, 0],
  [2, 2, 0, 0],
  [0, 2, 2, 0],
  [2, 2, 0, 2],
  [0, 2, 2, 2],
  [2, 2, 2, 0],
  [0, 2, 0, 2],
  [2, 2, 2, 2],
  [1, 2, 0, 2],
  [2, 1, 0, 1],
  [0, 2, 1, 2],
  [0, 1, 2, 1],
  [2, 1, 0, 0],
  [1, 2, 0, 0],
  [0, 2, 1, 0],
  [0, 1, 2, 0],
  [2, 1, 2, 1],
  [1, 2, 1, 2],
  [1, 0, 0, 1],
  [0, 1, 1, 0],
]

/** Parses one 5×8 art glyph into 8 row bytes (columns 1..5 of the 8-pixel cell; bit 7 = leftmost pixel). */
function parseArt(art: string): number[] {
  return art.split(' ').map((row) => {
    let bits = 0
    for (let x = 0; x < 5; x++) if (row[x] === '#') bits |= 0x40 >> x
    return bits
  })
}

function artRows(code: number): number[] | undefined {
  if (code >= 0x20 && code <= 0x7e) return parseArt(ASCII_GLYPHS[code - 0x20]!)
  const extra = EXTRA_GLYPHS[code]
  if (extra !== undefined) return parseArt(extra)
  const accented = ACCENTED[code]
  if (accented === undefined) return undefined
  const rows = parseArt(ASCII_GLYPHS[accented[0].charCodeAt(0) - 0x20]!)
  if (accented[1] !== undefined) {
    const accent = parseArt(accented[1])
    rows[0] = accent[0]!
    if (accent.length > 1) rows[1] = accent[1]!
  }
  return rows
}

/** Draws the procedural graphics (shades, blocks, line drawing) of `code` into a cell of `height` rows. */
function drawGraphic(code: number, height: number, cell: Uint8Array): boolean {
  const set = (y: number, mask: number): void => {
    if (y >= 0 && y < height) cell[y]! |= mask
  }
  if (code >= 0xb0 && code <= 0xb2) {
    // Light, medium and dark shade: 25 %, 50 %, 75 % dither patterns.
    for (let y = 0; y < height; y++) {
      const even = y % 2 === 0
      cell[y] = code === 0xb0 ? (even ? 0x88 : 0x22) : code === 0xb1 ? (even ? 0xaa : 0x55) : even ? 0xdd : 0x77
    }
    return true
  }
  const half = height >> 1
  switch (code) {
    case 0xdb:
      cell.fill(0xff)
      return true
    case 0xdc:
      for (let y = half; y < height; y++) cell[y] = 0xff
      return true
    case 0xdd:
      cell.fill(0xf0)
      return true
    case 0xde:
      cell.fill(0x0f)
      return true
    case 0xdf:
      for (let y = 0; y < half; y++) cell[y] = 0xff
      return true
  }
  if (code < 0xb3 || code > 0xda) return false
  const [up, right, down, left] = BOX_ARMS[code - 0xb3]!
  const vertical = Math.max(up, down)
  const horizontal = Math.max(left, right)
  // Single lines sit on column 3 / row `half`; doubles on columns 2 and 4 / rows half-1 and half+1.
  const colMask = (kind: number): number => (kind === 2 ? 0x28 : 0x10)
  const rowsOf = (kind: number): number[] => (kind === 2 ? [half - 1, half + 1] : [half])
  const reachV = horizontal === 2 ? half + 1 : half
  const reachTop = horizontal === 2 ? half - 1 : half
  if (up) for (let y = 0; y <= reachV; y++) set(y, colMask(up))
  if (down) for (let y = reachTop; y < height; y++) set(y, colMask(down))
  const spanRight = vertical === 2 ? 0x3f : 0x1f // from the centre column to the right edge
  const spanLeft = vertical === 2 ? 0xfc : 0xf8 // from the left edge to the centre column
  if (right) for (const y of rowsOf(right)) set(y, spanRight)
  if (left) for (const y of rowsOf(left)) set(y, spanLeft)
  return true
}

/**
 * Builds a 256-character font with `height` rows per cell (8, 14 or 16): `height` bytes per character, bit
 * 7 = leftmost pixel, the layout INT 10h AX=1110h and the VGA's plane 2 use.
 */
export function buildFont(height: 8 | 14 | 16): Uint8Array {
  const font = new Uint8Array(256 * height)
  for (let code = 0; code < 256; code++) {
    const cell = font.subarray(code * height, (code + 1) * height)
    if (drawGraphic(code, height, cell)) continue
    const rows = artRows(code)
    if (rows === undefined) continue
    // 8-row art scaled to the cell: rows doubled for 16, the 14-row EGA cell drops the blank bottom row twice.
    for (let y = 0; y < height; y++) cell[y] = rows[Math.min(7, Math.floor((y * 8) / height))]!
  }
  return font
}
