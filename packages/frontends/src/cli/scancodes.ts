// Text → PC keyboard scancode set 1 for a US layout, as `controlvm keyboardputstring` sends it
// (VBoxManageControlVM.cpp keyboardPutString; scancode set 1 tables of the IBM PC/AT technical reference).

/** Unshifted characters on a US keyboard and their make codes. */
const PLAIN: Readonly<Record<string, number>> = {
  '1': 0x02,
  '2': 0x03,
  '3': 0x04,
  '4': 0x05,
  '5': 0x06,
  '6': 0x07,
  '7': 0x08,
  '8': 0x09,
  '9': 0x0a,
  '0': 0x0b,
  '-': 0x0c,
  '=': 0x0d,
  '\b': 0x0e,
  '\t': 0x0f,
  q: 0x10,
  w: 0x11,
  e: 0x12,
  r: 0x13,
  t: 0x14,
  y: 0x15,
  u: 0x16,
  i: 0x17,
  o: 0x18,
  p: 0x19,
  '[': 0x1a,
  ']': 0x1b,
  '\n': 0x1c,
  a: 0x1e,
  s: 0x1f,
  d: 0x20,
  f: 0x21,
  g: 0x22,
  h: 0x23,
  j: 0x24,
  k: 0x25,
  l: 0x26,
  ';': 0x27,
  "'": 0x28,
  '`': 0x29,
  '\\': 0x2b,
  z: 0x2c,
  x: 0x2d,
  c: 0x2e,
  v: 0x2f,
  b: 0x30,
  n: 0x31,
  m: 0x32,
  ',': 0x33,
  '.': 0x34,
  '/': 0x35,
  ' ': 0x39,
}

/** Shifted characters: the unshifted key they share. */
const SHIFTED: Readonly<Record<string, string>> = {
  '!': '1',
  '@': '2',
  '#': '3',
  $: '4',
  '%': '5',
  '^': '6',
  '&': '7',
  '*': '8',
  '(': '9',
  ')': '0',
  _: '-',
  '+': '=',
  '{': '[',
  '}': ']',
  ':': ';',
  '"': "'",
  '~': '`',
  '|': '\\',
  '<': ',',
  '>': '.',
  '?': '/',
}

const LEFT_SHIFT = 0x2a

/** The make/break sequence typing `text`; throws on characters a US keyboard cannot type. */
export function scancodesForText(text: string): number[] {
  const codes: number[] = []
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const lower = ch.toLowerCase()
    const upper = ch !== lower
    const base = upper ? lower : (SHIFTED[ch] ?? ch)
    const shift = upper || SHIFTED[ch] !== undefined
    const make = PLAIN[base]
    if (make === undefined) throw new RangeError(`Cannot type the character ${JSON.stringify(ch)} on a US keyboard`)
    if (shift) codes.push(LEFT_SHIFT)
    codes.push(make, make | 0x80)
    if (shift) codes.push(LEFT_SHIFT | 0x80)
  }
  return codes
}
