// Keyboard services: the IRQ 1 scancode handler that fills the BDA type-ahead buffer (scancode set 1, US
// layout, as the i8042 translates it) and INT 16h (IBM PC/AT BIOS keyboard interface: AH=00h/10h read with
// wait, 01h/11h peek with ZF, 02h/12h shift flags, 05h store).
import type { BiosCall } from './bios-call'
import { BDA, type BiosEnv, type HandlerResult } from './bios-env'

const SEG = 0x40
const NORMAL = "\x00\x1b1234567890-=\x08\x09qwertyuiop[]\x0d\x00asdfghjkl;'`\x00\\zxcvbnm,./\x00*\x00 "
const SHIFTED = '\x00\x1b!@#$%^&*()_+\x08\x00QWERTYUIOP{}\x0d\x00ASDFGHJKL:"~\x00|ZXCVBNM<>?\x00*\x00 '
const FLAG = { RSHIFT: 0x01, LSHIFT: 0x02, CTRL: 0x04, ALT: 0x08, CAPS: 0x40 } as const
const MODIFIERS: Readonly<Record<number, number>> = {
  0x2a: FLAG.LSHIFT,
  0x36: FLAG.RSHIFT,
  0x1d: FLAG.CTRL,
  0x38: FLAG.ALT,
}

/** Puts a key word (scancode << 8 | ASCII) into the BDA buffer; false when full. */
export function storeKey(call: BiosCall, word: number): boolean {
  const start = call.read16(SEG, BDA.KB_START) || 0x1e
  const end = call.read16(SEG, BDA.KB_END) || 0x3e
  const head = call.read16(SEG, BDA.KB_HEAD)
  const tail = call.read16(SEG, BDA.KB_TAIL)
  let next = tail + 2
  if (next >= end) next = start
  if (next === head) return false
  call.write16(SEG, tail, word)
  call.write16(SEG, BDA.KB_TAIL, next)
  return true
}

/** IRQ 1: AL holds the scancode the stub read from port 60h. */
export function keyboardIrq(call: BiosCall): HandlerResult {
  const code = call.al
  if (code === 0xe0 || code === 0xe1) return
  let flags = call.read8(SEG, BDA.KB_FLAGS)
  const make = code & 0x7f
  const released = (code & 0x80) !== 0
  const modifier = MODIFIERS[make]
  if (modifier !== undefined) {
    flags = released ? flags & ~modifier : flags | modifier
    call.write8(SEG, BDA.KB_FLAGS, flags)
    return
  }
  if (released) return
  if (make === 0x3a) {
    call.write8(SEG, BDA.KB_FLAGS, flags ^ FLAG.CAPS)
    return
  }
  const shift = (flags & (FLAG.LSHIFT | FLAG.RSHIFT)) !== 0
  let ascii = make < NORMAL.length ? (shift ? SHIFTED : NORMAL).charCodeAt(make) : 0
  if (flags & FLAG.CAPS && /[a-z]/i.test(String.fromCharCode(ascii))) ascii ^= 0x20
  if (flags & FLAG.CTRL && ascii >= 0x40 && ascii < 0x80) ascii &= 0x1f
  if (flags & FLAG.ALT) ascii = 0
  storeKey(call, (make << 8) | ascii)
}

/** INT 16h. */
export function int16(call: BiosCall, env: BiosEnv): HandlerResult {
  void env
  const head = call.read16(SEG, BDA.KB_HEAD)
  const tail = call.read16(SEG, BDA.KB_TAIL)
  switch (call.ah) {
    case 0x00:
    case 0x10: {
      if (head === tail) return 'wait'
      call.ax = call.read16(SEG, head)
      let next = head + 2
      if (next >= (call.read16(SEG, BDA.KB_END) || 0x3e)) next = call.read16(SEG, BDA.KB_START) || 0x1e
      call.write16(SEG, BDA.KB_HEAD, next)
      return
    }
    case 0x01:
    case 0x11:
      call.zero = head === tail
      if (head !== tail) call.ax = call.read16(SEG, head)
      return
    case 0x02:
    case 0x12:
      call.al = call.read8(SEG, BDA.KB_FLAGS)
      return
    case 0x05:
      call.al = storeKey(call, call.cx) ? 0 : 1
      return
    default:
  }
}
