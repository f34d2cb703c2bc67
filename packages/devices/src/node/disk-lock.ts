// Single-writer lock for image files: `<image>.lck` created with O_EXCL holds the owner's pid and process start
// time; a lock whose process no longer exists (or whose pid was reused) is stale and gets taken over.

import { randomBytes } from 'node:crypto'
import { link, open, readFile, rename, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import type { FileLock } from '../disk/index'
import { DiskFileError, DiskLockedError } from '../disk/index'

interface LockOwner {
  readonly pid: number
  readonly start: string
  readonly host: string
}

/** Start time of a process (Linux /proc tick count; elsewhere empty, and the pid alone decides). */
async function processStart(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime) follows the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] ?? ''
  } catch {
    return ''
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function isStale(owner: LockOwner | undefined): Promise<boolean> {
  if (!owner) return true
  if (owner.host !== hostname()) return false // cannot judge processes of another host sharing the folder
  if (!processExists(owner.pid)) return true
  return owner.start !== '' && (await processStart(owner.pid)) !== owner.start
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>
    if (typeof parsed.pid !== 'number' || typeof parsed.start !== 'string' || typeof parsed.host !== 'string') {
      return undefined
    }
    return { pid: parsed.pid, start: parsed.start, host: parsed.host }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error
    return undefined // unreadable or half-written by a crashed process: stale
  }
}

/** Takes the writer lock of `imagePath`; throws DiskLockedError while a live process holds it. */
export async function lockImageFile(imagePath: string): Promise<FileLock> {
  const lockPath = `${imagePath}.lck`
  const me: LockOwner = { pid: process.pid, start: await processStart(process.pid), host: hostname() }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(lockPath, 'wx')
      try {
        await handle.writeFile(JSON.stringify(me))
        await handle.sync()
      } finally {
        await handle.close()
      }
      let released = false
      return {
        async release() {
          if (released) return
          released = true
          await unlink(lockPath).catch(() => undefined)
        },
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw new DiskFileError('DISK_IO', lockPath, `cannot create lock file: ${code}`, error)
    }
    let owner: LockOwner | undefined
    try {
      owner = await readOwner(lockPath)
    } catch {
      continue // vanished meanwhile: try again
    }
    if (!(await isStale(owner))) {
      const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another process'
      throw new DiskLockedError(imagePath, `image is open for writing by ${who} (lock ${lockPath})`)
    }
    // Break the stale lock atomically: only one contender's rename succeeds, and it re-checks what it moved.
    const aside = `${lockPath}.${randomBytes(6).toString('hex')}`
    try {
      await rename(lockPath, aside)
    } catch {
      continue
    }
    const moved = await readOwner(aside).catch(() => undefined)
    if (moved && owner && (moved.pid !== owner.pid || moved.start !== owner.start) && !(await isStale(moved))) {
      // A live holder took the lock between our read and our rename: put its lock back.
      await link(aside, lockPath).catch(() => undefined)
    }
    await unlink(aside).catch(() => undefined)
  }
  throw new DiskLockedError(imagePath, `could not take lock ${lockPath} (contended)`)
}
