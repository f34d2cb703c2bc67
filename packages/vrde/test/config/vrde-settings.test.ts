import { describe, expect, it } from 'vitest'
import { bindAddress, checkAuth, parsePortList } from '../../src/config/vrde-settings'
import { VrdeConfigError } from '../../src/errors'

describe('parsePortList (TCP/Ports)', () => {
  it('reads lists and ranges in order, without duplicates', () => {
    expect(parsePortList('5000,5010-5012', 3389)).toEqual([5000, 5010, 5011, 5012])
    expect(parsePortList(' 7 , 5-6,7', 3389)).toEqual([7, 5, 6])
  })
  it('treats empty and 0 as the default port or port list', () => {
    expect(parsePortList(undefined, 3389)).toEqual([3389])
    expect(parsePortList('0', 5900)).toEqual([5900])
    expect(parsePortList(' 0 ', [5900, 5901])).toEqual([5900, 5901])
    expect(parsePortList('5000', [5900, 5901])).toEqual([5000])
  })
  it('rejects nonsense with a config error', () => {
    for (const bad of ['abc', '70000', '10-5', '1,,2', '-3'])
      expect(() => parsePortList(bad, 1)).toThrow(VrdeConfigError)
  })
})

describe('bindAddress and auth checks', () => {
  it('binds loopback unless configured; empty means all interfaces', () => {
    expect(bindAddress({})).toBe('127.0.0.1')
    expect(bindAddress({ properties: { 'TCP/Address': '' } })).toBe('0.0.0.0')
    expect(bindAddress({ properties: { 'TCP/Address': '10.0.0.1' } })).toBe('10.0.0.1')
  })
  it('refuses the reserved Guest auth type clearly', () => {
    expect(() => checkAuth({ authType: 'Guest' })).toThrow(/Guest.*reserved/)
    expect(() => checkAuth({ authType: 'External' })).not.toThrow()
  })
})
