import { describe, expect, it } from 'vitest'
import { TimerQueue, VirtualClock, VirtualClockError } from '../../src/index'

describe('VirtualClock', () => {
  it('stands still until driven, follows the driver, and freezes on pause', () => {
    const clock = new VirtualClock()
    expect(clock.nowNs()).toBe(0)
    let host = 1000
    const anchor = host
    clock.drive(() => host - anchor)
    host += 500
    expect(clock.nowNs()).toBe(500)
    clock.freeze()
    host += 10_000
    expect(clock.nowNs()).toBe(500)
    const anchor2 = host
    clock.drive(() => host - anchor2)
    host += 1
    expect(clock.nowNs()).toBe(501)
  })

  it('never runs backwards even if the host clock does', () => {
    const clock = new VirtualClock()
    let elapsed = 100
    clock.drive(() => elapsed)
    expect(clock.nowNs()).toBe(100)
    elapsed = 50
    expect(clock.nowNs()).toBe(100)
  })

  it('refuses to step backwards or while driven', () => {
    const clock = new VirtualClock()
    clock.advanceTo(10)
    expect(() => clock.advanceTo(5)).toThrow(VirtualClockError)
    clock.drive(() => 0)
    expect(() => clock.advanceTo(20)).toThrow(/driven/)
    clock.freeze()
    expect(() => clock.restore(Number.NaN)).toThrow(VirtualClockError)
    clock.restore(3)
    expect(clock.nowNs()).toBe(3)
  })
})

describe('VirtualClock rebase', () => {
  it('peeks without observing and rebases a driven clock forward from what was observed', () => {
    const clock = new VirtualClock()
    let host = 0
    clock.drive(() => host)
    host = 100
    expect(clock.nowNs()).toBe(100)
    host = 5000
    expect(clock.peekNs()).toBe(5000)
    expect(clock.observedNs).toBe(100)
    expect(() => clock.rebase(50)).toThrow(/already observed/)
    clock.rebase(200)
    expect(clock.nowNs()).toBe(200)
    host = 5010
    expect(clock.nowNs()).toBe(210)
    clock.freeze()
    expect(() => clock.rebase(300)).toThrow(/driven/)
  })
})

describe('TimerQueue', () => {
  it('fires due timers in deadline order, ties in arm order, with their deadline', () => {
    const clock = new VirtualClock()
    const q = new TimerQueue(clock)
    const fired: string[] = []
    const a = q.createTimer('a', (d) => fired.push(`a@${d}`))
    const b = q.createTimer('b', (d) => fired.push(`b@${d}`))
    const c = q.createTimer('c', (d) => fired.push(`c@${d}`))
    c.armAt(300)
    a.armAt(100)
    b.armAt(100)
    expect(q.nextDeadlineNs()).toBe(100)
    expect(q.runDue(99)).toBe(0)
    expect(q.runDue(200)).toBe(2)
    expect(fired).toEqual(['a@100', 'b@100'])
    expect(a.deadlineNs).toBeUndefined()
    expect(c.deadlineNs).toBe(300)
    c.cancel()
    expect(q.size).toBe(0)
  })

  it('re-arming from a callback keeps periodic timers drift-free', () => {
    const clock = new VirtualClock()
    const q = new TimerQueue(clock)
    const at: number[] = []
    const t = q.createTimer('tick', (d) => {
      at.push(d)
      t.armAt(d + 1000)
    })
    t.armAt(1000)
    q.runDue(3500)
    expect(at).toEqual([1000, 2000, 3000])
    expect(t.deadlineNs).toBe(4000)
  })

  it('armIn is relative to the clock; a runaway callback cannot hang the host', () => {
    const clock = new VirtualClock()
    clock.advanceTo(5000)
    const q = new TimerQueue(clock)
    const t = q.createTimer('t', () => t.armIn(0))
    t.armIn(10)
    expect(t.deadlineNs).toBe(5010)
    expect(q.runDue(6000)).toBe(100_000)
    expect(() => t.armAt(Number.NaN)).toThrow(/not finite/)
  })

  it('tells the loop when the earliest deadline moves earlier', () => {
    const q = new TimerQueue(new VirtualClock())
    let calls = 0
    q.onEarliestChange(() => calls++)
    const a = q.createTimer('a', () => {})
    const b = q.createTimer('b', () => {})
    a.armAt(100)
    b.armAt(200)
    b.armAt(50)
    expect(calls).toBe(2)
  })
})
