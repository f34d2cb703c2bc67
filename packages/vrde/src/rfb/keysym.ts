// X11 keysym → PC scancode set 1 for a US keyboard layout, the way VirtualBox's VNC module translates plain RFB
// KeyEvents (RFC 6143 §7.5.4; keysym values from X11 keysymdef.h). Clients that send the QEMU Extended Key Event
// give scancodes directly and bypass this table. Values: `code` or `0xe000 | code` for E0-prefixed keys.

const ROWS: ReadonlyArray<readonly [string, string, number]> = [
  ['1234567890-=', '!@#$%^&*()_+', 0x02],
  ['qwertyuiop[]', 'QWERTYUIOP{}', 0x10],
  ["asdfghjkl;'`", 'ASDFGHJKL:"~', 0x1e],
  ['\\zxcvbnm,./', '|ZXCVBNM<>?', 0x2b],
]

const SPECIAL: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x39], // space
  [0xff08, 0x0e], // BackSpace
  [0xff09, 0x0f], // Tab
  [0xfe20, 0x0f], // ISO_Left_Tab (Shift+Tab)
  [0xff0d, 0x1c], // Return
  [0xff1b, 0x01], // Escape
  [0xff13, 0x45], // Pause: handled specially by the caller (E1 sequence), listed for lookup
  [0xff14, 0x46], // Scroll_Lock
  [0xff7f, 0x45], // Num_Lock
  [0xffe5, 0x3a], // Caps_Lock
  [0xffe1, 0x2a], // Shift_L
  [0xffe2, 0x36], // Shift_R
  [0xffe3, 0x1d], // Control_L
  [0xffe4, 0xe01d], // Control_R
  [0xffe9, 0x38], // Alt_L
  [0xffea, 0xe038], // Alt_R
  [0xfe03, 0xe038], // ISO_Level3_Shift (AltGr)
  [0xffe7, 0xe05b], // Meta_L
  [0xffe8, 0xe05c], // Meta_R
  [0xffeb, 0xe05b], // Super_L
  [0xffec, 0xe05c], // Super_R
  [0xff67, 0xe05d], // Menu
  [0xff50, 0xe047], // Home
  [0xff51, 0xe04b], // Left
  [0xff52, 0xe048], // Up
  [0xff53, 0xe04d], // Right
  [0xff54, 0xe050], // Down
  [0xff55, 0xe049], // Prior (Page Up)
  [0xff56, 0xe051], // Next (Page Down)
  [0xff57, 0xe04f], // End
  [0xff63, 0xe052], // Insert
  [0xffff, 0xe053], // Delete
  [0xff61, 0xe037], // Print
  [0xff15, 0x54], // Sys_Req
  [0xff8d, 0xe01c], // KP_Enter
  [0xffaa, 0x37], // KP_Multiply
  [0xffab, 0x4e], // KP_Add
  [0xffad, 0x4a], // KP_Subtract
  [0xffae, 0x53], // KP_Decimal
  [0xffaf, 0xe035], // KP_Divide
  [0xff95, 0x47], // KP_Home
  [0xff96, 0x4b], // KP_Left
  [0xff97, 0x48], // KP_Up
  [0xff98, 0x4d], // KP_Right
  [0xff99, 0x50], // KP_Down
  [0xff9a, 0x49], // KP_Prior
  [0xff9b, 0x51], // KP_Next
  [0xff9c, 0x4f], // KP_End
  [0xff9d, 0x4c], // KP_Begin
  [0xff9e, 0x52], // KP_Insert
  [0xff9f, 0x53], // KP_Delete
]

const KEYPAD_DIGITS = [0x52, 0x4f, 0x50, 0x51, 0x4b, 0x4c, 0x4d, 0x47, 0x48, 0x49] // KP_0 … KP_9
const FUNCTION_KEYS = [0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58] // F1 … F12

const TABLE: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>()
  for (const [plain, shifted, first] of ROWS) {
    for (let i = 0; i < plain.length; i++) {
      const code = first + i
      m.set(plain.charCodeAt(i), code)
      m.set(shifted.charCodeAt(i), code)
    }
  }
  for (const [sym, code] of SPECIAL) m.set(sym, code)
  KEYPAD_DIGITS.forEach((code, i) => m.set(0xffb0 + i, code))
  FUNCTION_KEYS.forEach((code, i) => m.set(0xffbe + i, code))
  return m
})()

/** Keysym of the Pause key, which has no make/break pair and is sent as an E1 sequence on press only. */
export const KEYSYM_PAUSE = 0xff13

/** The scancode (`code` or `0xe000 | code`) for a keysym, or `undefined` when the US layout has no such key. */
export function keysymToScancode(keysym: number): number | undefined {
  return TABLE.get(keysym)
}

/** Set 1 bytes for pressing or releasing a key given as `code` / `0xe000 | code`. */
export function scancodeBytes(code: number, down: boolean): number[] {
  const make = code & 0x7f
  const byte = down ? make : make | 0x80
  return code & 0xe000 ? [0xe0, byte] : [byte]
}

/** The six bytes a PC keyboard sends for Pause (it has no break code). */
export const PAUSE_SEQUENCE: readonly number[] = [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]
