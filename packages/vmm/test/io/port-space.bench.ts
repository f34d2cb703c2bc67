// Port dispatch speed (`pnpm bench`): one index + one call for native widths, split paths for the rest.
import { bench, describe } from 'vitest'
import { PortSpace } from '../../src/index'

const io = new PortSpace()
let reg = 0
io.register(0x60, 1, { sizes: [1], read: () => reg, write: (_o, v) => (reg = v) }, 'byte register')
io.register(0xcfc, 4, { sizes: [4], read: () => 0x12345678, write: (_o, v) => (reg = v) }, 'dword register')

describe('port space', () => {
  bench('100k native byte reads', () => {
    let sum = 0
    for (let i = 0; i < 100_000; i++) sum += io.ioRead(0x60, 1)
    reg = sum & 0xff
  })
  bench('100k dword reads split into bytes', () => {
    let sum = 0
    for (let i = 0; i < 100_000; i++) sum += io.ioRead(0x60, 4)
    reg = sum & 0xff
  })
  bench('100k byte reads of a dword-only register', () => {
    let sum = 0
    for (let i = 0; i < 100_000; i++) sum += io.ioRead(0xcfd, 1)
    reg = sum & 0xff
  })
  bench('100k unclaimed reads', () => {
    let sum = 0
    for (let i = 0; i < 100_000; i++) sum += io.ioRead(0x1234, 1)
    reg = sum & 0xff
  })
})
