import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PasswordStore, hashPassword, verifyPassword } from '../../src/auth/password-store'

describe('PasswordStore (External auth)', () => {
  it('stores only scrypt hashes and checks passwords', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vrde-pw-'))
    try {
      const file = join(dir, 'users.json')
      const store = await PasswordStore.open(file)
      await store.setPassword('alice', 'correct horse')
      const text = await readFile(file, 'utf8')
      expect(text).not.toContain('correct horse')
      expect(text).toMatch(/"alice": "scrypt\$16384\$8\$1\$/)
      const again = await PasswordStore.open(file)
      expect(await again.authenticate('alice', 'correct horse', '')).toBe(true)
      expect(await again.authenticate('alice', 'wrong', '')).toBe(false)
      expect(await again.authenticate('bob', 'correct horse', '')).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  it('never matches malformed hashes', async () => {
    const h = await hashPassword('x')
    expect(await verifyPassword('x', h)).toBe(true)
    for (const bad of ['', 'scrypt$1$2', h.replace('scrypt', 'md5'), 'scrypt$99999999$8$1$AA==$AA==']) {
      expect(await verifyPassword('x', bad)).toBe(false)
    }
  })
})
