// Execution-loop overhead (`pnpm bench`): an idle real-mode guest with a 1 kHz timer, one virtual second per
// iteration (HLT skips between ticks), and whole-machine save/load of a 16 MB guest.
import { bench, describe } from 'vitest'
import { createVm } from '../../src/index'
import { control, edgePic, ticker } from './test-devices'
import { defineDevice, defineState } from '../../src/device-api/index'

const romState = defineState({ unit: 'bench-rom', version: 1, fields: {} })
const rom = new Uint8Array(0x10000).fill(0xf4)
// prettier-ignore
rom.set([0x31, 0xc0, 0x8e, 0xd8, 0xc7, 0x06, 0x80, 0x00, 0x00, 0x01, 0xc7, 0x06, 0x82, 0x00, 0x00, 0xf0,
  0xb0, 0xfa, 0xe6, 0x40, 0xfb, 0xf4, 0xeb, 0xfd], 0)
rom.set([0xcf], 0x100)
rom.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0)
const benchRom = defineDevice({
  name: 'bench-rom',
  maxInstances: 1,
  config: {},
  savedState: romState,
  create(ctx) {
    ctx.rom(rom, 'bench bios').map(0xf0000)
    ctx.rom(rom, 'bench bios high').map(0xffff0000)
    return { state: romState.initial(), reset() {} }
  },
})

function idleVm(ramBytes = 0x100000) {
  const vm = createVm({
    ramBytes,
    devices: [{ definition: benchRom }, { definition: edgePic }, { definition: ticker }, { definition: control }],
  })
  vm.powerOn()
  return vm
}

describe('execution loop', () => {
  const vm = idleVm()
  bench('idle guest, 4 kHz timer: 1 virtual second', () => {
    vm.runFor(1_000_000_000)
  })
  const big = idleVm(16 << 20)
  big.runFor(1_000_000)
  big.pause()
  big.memory.ram.fill(0xaa, 0, 4 << 20)
  bench('save + load of a 16 MB guest (4 MB touched)', () => {
    big.loadState(big.saveState())
  })
})
