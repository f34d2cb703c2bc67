// How the VM process finds the parents of differencing images: by UUID, and by position for a raw base ({000…}).
import { describe, expect, it } from 'vitest'
import { parentLocation } from '../../src/client/pc-storage'

describe('parentLocation', () => {
  const medium = {
    id: 'c',
    location: '/vm/Snapshots/{c}.vdi',
    format: 'VDI',
    deviceType: 3,
    parents: { b: '/vm/Snapshots/{b}.vdi', a: '/vm/base.img' },
    chain: ['/vm/Snapshots/{c}.vdi', '/vm/Snapshots/{b}.vdi', '/vm/base.img'],
  }
  it('finds a parent by its UUID', () => {
    expect(parentLocation(medium, '/vm/Snapshots/{c}.vdi', 'b')).toBe('/vm/Snapshots/{b}.vdi')
  })
  it('finds a UUID-less (raw) parent by its place in the chain', () => {
    const nil = '00000000-0000-0000-0000-000000000000'
    expect(parentLocation(medium, '/vm/Snapshots/{b}.vdi', nil)).toBe('/vm/base.img')
    expect(parentLocation(medium, '/vm/base.img', nil)).toBeUndefined()
    const { chain, ...withoutChain } = medium
    expect(chain).toHaveLength(3)
    expect(parentLocation(withoutChain, '/vm/Snapshots/{b}.vdi', nil)).toBeUndefined()
  })
})
