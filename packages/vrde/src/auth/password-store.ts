// The Boxwood password store behind VRDE "External" authentication: user names mapped to scrypt hashes
// (RFC 7914), stored as a small JSON file or kept in memory. Plain passwords are never stored.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { VrdeError } from '../errors'

const N = 16384
const R = 8
const P = 1
const KEY_LEN = 32

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Checks a password against a hash made by {@link hashPassword}; malformed hashes never match. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const n = Number(parts[1])
  const r = Number(parts[2])
  const p = Number(parts[3])
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0) || n > 1 << 20 || r > 32 || p > 16) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64')
  const want = Buffer.from(parts[5] ?? '', 'base64')
  if (want.length !== KEY_LEN) return false
  const got = await scryptAsync(password, salt, n, r, p)
  return timingSafeEqual(got, want)
}

/** Verifies user credentials for VRDE External authentication. */
export interface Authenticator {
  /** Resolves true when the user may log in. `domain` is what the client sent (may be empty). */
  authenticate(user: string, password: string, domain: string): Promise<boolean>
}

/** A user → scrypt-hash table, optionally persisted to a JSON file (`{"users": {"name": "scrypt$…"}}`). */
export class PasswordStore implements Authenticator {
  readonly #users = new Map<string, string>()
  readonly #file: string | undefined

  private constructor(file: string | undefined) {
    this.#file = file
  }

  /** An empty store kept in memory. */
  static inMemory(): PasswordStore {
    return new PasswordStore(undefined)
  }

  /** Loads a store from `file` (a missing file is an empty store); {@link setPassword} writes it back. */
  static async open(file: string): Promise<PasswordStore> {
    const store = new PasswordStore(file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store
      throw err
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new VrdeError('CONFIG', `password store ${file} is not valid JSON`)
    }
    const users = (parsed as { users?: unknown }).users
    if (typeof users !== 'object' || users === null)
      throw new VrdeError('CONFIG', `password store ${file} has no users`)
    for (const [name, hash] of Object.entries(users)) if (typeof hash === 'string') store.#users.set(name, hash)
    return store
  }

  /** Sets (or replaces) a user's password; the store keeps only the hash. */
  async setPassword(user: string, password: string): Promise<void> {
    this.#users.set(user, await hashPassword(password))
    await this.#save()
  }

  async removeUser(user: string): Promise<void> {
    this.#users.delete(user)
    await this.#save()
  }

  get users(): string[] {
    return [...this.#users.keys()]
  }

  async authenticate(user: string, password: string, _domain = ''): Promise<boolean> {
    const hash = this.#users.get(user)
    // Hash anyway for unknown users so the answer time does not reveal which names exist.
    if (hash === undefined) {
      await verifyPassword(password, `scrypt$${N}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA==$${'A'.repeat(43)}=`)
      return false
    }
    return verifyPassword(password, hash)
  }

  async #save(): Promise<void> {
    if (this.#file === undefined) return
    const tmp = `${this.#file}.tmp`
    await writeFile(tmp, JSON.stringify({ users: Object.fromEntries(this.#users) }, null, 2) + '\n', { mode: 0o600 })
    await rename(tmp, this.#file)
  }
}
