import { describe, expect, it } from 'vitest'
import { LoginThrottle, clientHost } from '../../src/server/login-throttle'
import { SessionRegistry } from '../../src/server/session-registry'

function session(log: string[], name: string) {
  return { disconnect: (reason: string) => log.push(`${name}: ${reason}`) }
}

describe('SessionRegistry (VRDE multi-connection policy)', () => {
  it('refuses a second client in single-connection mode', () => {
    const reg = new SessionRegistry({ allowMultiConnection: false, reuseSingleConnection: false, maxConnections: 16 })
    const log: string[] = []
    expect(reg.admit(session(log, 'a')).ok).toBe(true)
    const r = reg.admit(session(log, 'b'))
    expect(r.ok).toBe(false)
    expect(log).toEqual([])
  })
  it('replaces the client with reuseSingleConnection', () => {
    const reg = new SessionRegistry({ allowMultiConnection: false, reuseSingleConnection: true, maxConnections: 16 })
    const log: string[] = []
    reg.admit(session(log, 'a'))
    expect(reg.admit(session(log, 'b')).ok).toBe(true)
    expect(log).toEqual(['a: replaced by a new client (reuse single connection)'])
    expect(reg.count).toBe(1)
  })
  it('enforces the limit in multi-connection mode', () => {
    const reg = new SessionRegistry({ allowMultiConnection: true, reuseSingleConnection: false, maxConnections: 2 })
    const log: string[] = []
    expect(reg.admit(session(log, 'a')).ok).toBe(true)
    expect(reg.admit(session(log, 'b')).ok).toBe(true)
    expect(reg.admit(session(log, 'c'))).toEqual({ ok: false, reason: 'connection limit of 2 reached' })
  })
})

describe('LoginThrottle', () => {
  it('doubles the delay per failure and forgets after success', () => {
    const t = new LoginThrottle(100)
    expect([t.fail('h'), t.fail('h'), t.fail('h')]).toEqual([100, 200, 400])
    expect(t.fail('other')).toBe(100)
    t.succeed('h')
    expect(t.failures('h')).toBe(0)
    for (let i = 0; i < 20; i++) t.fail('x')
    expect(t.fail('x')).toBe(16_000)
  })
  it('counts failures per host, whatever the source port or transport', () => {
    expect(clientHost('10.0.0.7:51234')).toBe('10.0.0.7')
    expect(clientHost('10.0.0.7:40000 (websocket)')).toBe('10.0.0.7')
    expect(clientHost('::1:5901')).toBe('::1')
    const t = new LoginThrottle(100)
    t.fail(clientHost('10.0.0.7:1111'))
    expect(t.fail(clientHost('10.0.0.7:2222 (websocket)'))).toBe(200)
  })
})
