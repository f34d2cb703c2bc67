// The Xvfb helper the client tests stand on: each start gets its own display, and an X client (xdotool)
// opens it at once with the requested screen size.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { startXvfb } from './helpers/xvfb'

const run = promisify(execFile)

describe('startXvfb', () => {
  it('hands out distinct displays that an X client opens immediately', async () => {
    const sizes = [
      [320, 240],
      [400, 300],
      [640, 480],
    ] as const
    const servers = await Promise.all(sizes.map(([w, h]) => startXvfb(w, h)))
    try {
      expect(new Set(servers.map((s) => s.display)).size).toBe(servers.length)
      for (const [i, s] of servers.entries()) {
        const { stdout } = await run('xdotool', ['getdisplaygeometry'], { env: { ...process.env, DISPLAY: s.display } })
        expect(stdout.trim()).toBe(sizes[i]?.join(' '))
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()))
    }
  })
})
