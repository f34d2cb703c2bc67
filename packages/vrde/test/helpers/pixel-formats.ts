// Client pixel formats the RFB tests use besides the server's own.
import type { RfbPixelFormat } from '../../src/rfb/pixel-format'

/** 16 bpp RGB565, big-endian (an old viewer's choice). */
export const RGB565_BE: RfbPixelFormat = {
  bitsPerPixel: 16,
  depth: 16,
  bigEndian: true,
  trueColour: true,
  redMax: 31,
  greenMax: 63,
  blueMax: 31,
  redShift: 11,
  greenShift: 5,
  blueShift: 0,
}
