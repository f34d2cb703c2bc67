// A writer for the cpio "newc" format the Linux kernel unpacks as an initramfs.
// Spec: Linux Documentation/driver-api/early-userspace/buffer-format.rst; cpio(5) "New ASCII Format".

/** One archive member. */
export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | {
      readonly kind: 'char'
      readonly path: string
      readonly major: number
      readonly minor: number
      readonly mode?: number
    }

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0')
const pad4 = (n: number) => (4 - (n % 4)) % 4

/** Builds a newc archive (uncompressed) ending with the TRAILER!!! record. */
export function buildCpio(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = []
  let size = 0
  const push = (b: Uint8Array) => {
    parts.push(b)
    size += b.length
  }
  const enc = new TextEncoder()
  let ino = 1
  const record = (path: string, mode: number, data: Uint8Array, rdev: [number, number] = [0, 0]) => {
    const name = enc.encode(path + '\0')
    const header =
      '070701' + [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length, 0].map(hex8).join('')
    push(enc.encode(header))
    push(name)
    push(new Uint8Array(pad4(110 + name.length)))
    push(data)
    push(new Uint8Array(pad4(data.length)))
  }
  for (const e of entries) {
    switch (e.kind) {
      case 'dir':
        record(e.path, 0o040000 | (e.mode ?? 0o755), new Uint8Array(0))
        break
      case 'file':
        record(e.path, 0o100000 | (e.mode ?? 0o644), e.data)
        break
      case 'symlink':
        record(e.path, 0o120777, enc.encode(e.target))
        break
      case 'char':
        record(e.path, 0o020000 | (e.mode ?? 0o600), new Uint8Array(0), [e.major, e.minor])
        break
    }
  }
  record('TRAILER!!!', 0, new Uint8Array(0))
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
