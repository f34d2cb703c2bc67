// VNC Authentication (RFC 6143 §7.2.2 with errata 4951): the response is DES-ECB of the 16-byte challenge, keyed
// with the password truncated/NUL-padded to 8 bytes and each key byte bit-mirrored. OpenSSL 3 has no single DES
// in its default provider, so this uses two-key triple DES with K1 = K2, which equals single DES (EDE: E_K(D_K(E_K(x)))).
import { createCipheriv, timingSafeEqual } from 'node:crypto'

function mirror(b: number): number {
  let r = 0
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 0x80 >> i
  return r
}

/** The DES key VNC derives from a password. */
export function vncKey(password: string): Buffer {
  const pw = Buffer.from(password, 'latin1')
  const key = Buffer.alloc(8)
  for (let i = 0; i < 8; i++) key[i] = mirror(pw[i] ?? 0)
  return key
}

/** The 16-byte response a client computes for `challenge` with `password`. */
export function vncAuthResponse(challenge: Uint8Array, password: string): Buffer {
  const key = vncKey(password)
  const cipher = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(challenge), cipher.final()])
}

/** Checks a client's response in constant time. */
export function vncAuthCheck(challenge: Uint8Array, response: Uint8Array, password: string): boolean {
  const expected = vncAuthResponse(challenge, password)
  return response.length === expected.length && timingSafeEqual(expected, response)
}
