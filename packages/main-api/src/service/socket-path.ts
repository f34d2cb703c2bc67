// Where a home folder's service listens: a Unix socket in a per-user 0700 folder, like VirtualBox's
// /tmp/.vbox-<user>-ipc (kept short: socket paths are limited to ~100 bytes).
import { createHash } from 'node:crypto'
import { mkdirSync, lstatSync, chmodSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { VBoxError } from '../api/errors'

/** The per-user folder holding service sockets; created 0700 and checked to be ours and private. */
export function socketFolder(): string {
  const base =
    process.env.XDG_RUNTIME_DIR && process.env.XDG_RUNTIME_DIR !== '' ? process.env.XDG_RUNTIME_DIR : tmpdir()
  const dir = join(base, `.boxwood-${userInfo().uid}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  if (!st.isDirectory() || st.isSymbolicLink() || (typeof process.getuid === 'function' && st.uid !== process.getuid()))
    throw new VBoxError(
      'E_ACCESSDENIED',
      `The service folder '${dir}' is not a private folder of this user`,
      'VirtualBoxClient',
    )
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700)
  return dir
}

/** The socket of the service for `home`. */
export function socketPathFor(home: string): string {
  const hash = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16)
  return join(socketFolder(), `boxsvc-${hash}.sock`)
}
